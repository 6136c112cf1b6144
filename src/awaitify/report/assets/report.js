/* awaitify HTML report: charts (Chart.js) and the findings-table filters. No network. */
(function () {
  "use strict";

  var errors = [];
  window.addEventListener("error", function (event) {
    errors.push(String(event.message));
    document.body.setAttribute("data-errors", String(errors.length));
  });

  var data = JSON.parse(document.getElementById("awaitify-data").textContent);
  var css = getComputedStyle(document.documentElement);
  function color(name) { return css.getPropertyValue("--" + name).trim(); }

  /* ---- charts ------------------------------------------------------------------------ */

  var charts = [];
  var common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { position: "bottom" } }
  };
  function options(extra) {
    return Object.assign({}, common, extra);
  }
  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    charts.push(new Chart(canvas, config));
  }

  var layers = data.layers;
  chart("chart-layers", {
    type: "bar",
    data: {
      labels: layers.map(function (l) { return l.label; }),
      datasets: [
        { label: "async def", data: layers.map(function (l) { return l.async; }), backgroundColor: color("acceptable") },
        { label: "sync I/O def (to convert)", data: layers.map(function (l) { return l.sync_io; }), backgroundColor: color("standardize") },
        { label: "other def", data: layers.map(function (l) { return l.other_sync; }), backgroundColor: color("line") }
      ]
    },
    options: options({
      indexAxis: "y",
      scales: { x: { stacked: true, title: { display: true, text: "functions" } }, y: { stacked: true } }
    })
  });

  chart("chart-rules", {
    type: "bar",
    data: {
      labels: data.rules.map(function (r) { return r.code; }),
      datasets: [{
        label: "findings",
        data: data.rules.map(function (r) { return r.count; }),
        backgroundColor: data.rules.map(function (r) { return color(r.category); })
      }]
    },
    options: options({
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: function (items) { var r = data.rules[items[0].dataIndex]; return r.code + " " + r.name + " (" + r.category + ")"; } } }
      },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    })
  });

  chart("chart-priority", {
    type: "doughnut",
    data: {
      labels: data.priorities.map(function (p) { return p.priority; }),
      datasets: [{
        data: data.priorities.map(function (p) { return p.count; }),
        backgroundColor: data.priorities.map(function (p) { return color(p.priority); })
      }]
    },
    options: options({})
  });

  var files = data.files;
  chart("chart-files", {
    type: "bar",
    data: {
      labels: files.map(function (f) { return f.path; }),
      datasets: ["high", "medium", "low"].map(function (level) {
        return { label: level, data: files.map(function (f) { return f[level]; }), backgroundColor: color(level) };
      })
    },
    options: options({
      indexAxis: "y",
      scales: {
        x: { stacked: true, ticks: { precision: 0 }, title: { display: true, text: "findings left" } },
        y: { stacked: true, ticks: { autoSkip: false, font: { size: 11 } } }
      }
    })
  });

  if (data.trend.length) {
    chart("chart-trend", {
      type: "line",
      data: {
        labels: data.trend.map(function (t) { return t.label; }),
        datasets: [
          { label: "async def share (%)", data: data.trend.map(function (t) { return t.async_share; }), borderColor: color("acceptable"), backgroundColor: color("acceptable"), yAxisID: "share" },
          { label: "findings", data: data.trend.map(function (t) { return t.findings; }), borderColor: color("standardize"), backgroundColor: color("standardize"), yAxisID: "count" },
          { label: "defects", data: data.trend.map(function (t) { return t.defects; }), borderColor: color("defect"), backgroundColor: color("defect"), yAxisID: "count" },
          { label: "files with syntax errors", data: data.trend.map(function (t) { return t.syntax; }), borderColor: color("syntax"), backgroundColor: color("syntax"), yAxisID: "count" }
        ]
      },
      options: options({
        scales: {
          share: { position: "right", min: 0, max: 100, title: { display: true, text: "%" } },
          count: { position: "left", beginAtZero: true, ticks: { precision: 0 } }
        }
      })
    });
  }

  /* ---- findings table ----------------------------------------------------------------- */

  var form = document.getElementById("filters");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#findings-table tbody tr"));
  var controls = {
    rule: document.getElementById("f-rule"),
    priority: document.getElementById("f-priority"),
    layer: document.getElementById("f-layer"),
    file: document.getElementById("f-file")
  };
  var count = document.getElementById("count");
  var empty = document.getElementById("empty");

  function current() {
    return {
      rule: controls.rule.value,
      priority: controls.priority.value,
      layer: controls.layer.value,
      file: controls.file.value.trim().toLowerCase()
    };
  }

  function matches(row, f) {
    if (f.rule && row.getAttribute("data-rule") !== f.rule) { return false; }
    if (f.priority && row.getAttribute("data-priority") !== f.priority) { return false; }
    if (f.layer && row.getAttribute("data-layer") !== f.layer) { return false; }
    if (f.file && row.getAttribute("data-file").toLowerCase().indexOf(f.file) < 0) { return false; }
    return true;
  }

  function apply() {
    var f = current();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row, f);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " findings";
    document.body.setAttribute("data-shown", String(shown));
    empty.hidden = shown !== 0;
    var parts = [];
    Object.keys(f).forEach(function (key) {
      if (f[key]) { parts.push(key + "=" + encodeURIComponent(f[key])); }
    });
    var hash = parts.length ? "#" + parts.join("&") : "";
    if (hash !== location.hash && !(hash === "" && location.hash === "#")) {
      try { history.replaceState(null, "", hash || location.pathname + location.search); } catch (e) { /* some viewers forbid it */ }
    }
  }

  function setSelect(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { select.value = value; return; }
    }
    // a value from the URL that no finding has: keep it, so the table shows no row
    var option = document.createElement("option");
    option.value = value;
    option.textContent = value + " (no finding)";
    select.appendChild(option);
    select.value = value;
  }

  function fromHash() {
    var params = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      if (!pair) { return; }
      var kv = pair.split("=");
      params[decodeURIComponent(kv[0])] = decodeURIComponent(kv.slice(1).join("=") || "");
    });
    setSelect(controls.rule, (params.rule || "").toUpperCase());
    setSelect(controls.priority, (params.priority || "").toLowerCase());
    setSelect(controls.layer, params.layer || "");
    controls.file.value = params.file || "";
  }

  ["rule", "priority", "layer"].forEach(function (key) {
    controls[key].addEventListener("change", apply);
  });
  controls.file.addEventListener("input", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  window.addEventListener("hashchange", function () { fromHash(); apply(); });

  fromHash();
  apply();
  document.body.setAttribute("data-charts", String(charts.length));
  document.body.setAttribute("data-ready", "true");
})();
