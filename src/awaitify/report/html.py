"""One self-contained HTML page: summary cards, charts and a filterable findings table.

Everything is inlined — the CSS, the data, Chart.js (vendored from npm in ``assets/``) and
the page's own script — so the file works offline and from ``file://``. The findings table
is rendered here, so it reads without JavaScript; the script only filters it (by rule,
priority, layer and file, also from the URL: ``report.html#rule=ASY201&priority=high``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from awaitify import __version__
from awaitify.model import Finding, Priority, Result
from awaitify.report.metrics import (
    CATEGORY_TITLE,
    files_by_work,
    layer_rank,
    pct,
    plural,
    rule_catalogue,
)

#: files in the "ranked by work left" chart
TOP_FILES = 15
_SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S+\s*$")


@cache
def asset(name: str) -> str:
    """A file of ``report/assets`` as text."""
    return (resources.files("awaitify.report") / "assets" / name).read_text(encoding="utf-8")


def _chart_js() -> str:
    return _SOURCE_MAP.sub("\n", asset("chart.umd.min.js"))


_SCRIPT_END = re.compile(r"<(/script|!--)", re.I)


def _script(text: str) -> str:
    """Script text safe inside ``<script>``: no ``</script`` or ``<!--`` can end it early.

    Both only occur inside string literals (JSON or JS), where ``<\\/`` and ``<\\!`` read the same.
    """
    return _SCRIPT_END.sub(lambda m: "<\\" + m.group(1), text)


def _json_script(value: object) -> str:
    """JSON for a ``<script type="application/json">``: ``<`` only occurs in strings."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _data(result: Result) -> dict[str, Any]:
    s = result.summary
    layers = []
    for name, st in sorted(s.by_layer.items(), key=lambda kv: layer_rank(kv[0])):
        io = st.async_functions + st.sync_io_functions
        layers.append(
            {
                "layer": name,
                "label": f"{name} ({pct(st.async_functions, io)})",
                "async": st.async_functions,
                "sync_io": st.sync_io_functions,
                "other_sync": max(st.sync_functions - st.sync_io_functions, 0),
            }
        )
    catalogue = rule_catalogue(result.findings)
    rules = [
        {
            "code": code,
            "name": catalogue[code].name,
            "category": catalogue[code].category.value,
            "count": n,
        }
        for code, n in sorted(s.findings_by_code.items())
        if n
    ]
    priorities = [
        {"priority": p.value, "count": s.findings_by_priority.get(p.value, 0)} for p in Priority
    ]
    files = [
        {"path": w.path, "high": w.high, "medium": w.medium, "low": w.low}
        for w in files_by_work(result)[:TOP_FILES]
    ]
    trend = []
    points = [(p.label, p.summary) for p in result.trend]
    if points:
        points.append(("this scan", s))
    for label, summary in points:
        functions = summary.async_functions + summary.sync_functions
        trend.append(
            {
                "label": label,
                "async_share": round(100 * summary.async_functions / functions, 1)
                if functions
                else 0,
                "findings": sum(summary.findings_by_code.values()),
                "defects": sum(
                    n for c, n in summary.findings_by_code.items() if c.startswith("ASY1")
                ),
                "syntax": summary.files_with_syntax_errors,
            }
        )
    return {
        "layers": layers,
        "rules": rules,
        "priorities": priorities,
        "files": files,
        "trend": trend,
    }


def _cards(result: Result) -> str:
    s = result.summary
    io = s.async_functions + s.sync_io_functions
    functions = s.async_functions + s.sync_functions
    defects = sum(n for c, n in s.findings_by_code.items() if c.startswith("ASY1"))
    standardize = sum(n for c, n in s.findings_by_code.items() if c.startswith("ASY2"))
    p = s.findings_by_priority
    cards = [
        ("files", f"{s.files:,}", f"{s.lines:,} lines", ""),
        ("adoption", pct(s.async_functions, io), f"async adoption — {s.async_functions:,} of {plural(io, 'I/O function')}", "good"),
        ("async", f"{s.async_functions:,}", f"async def ({pct(s.async_functions, functions)} of {functions:,} functions)", ""),
        ("syntax", f"{s.files_with_syntax_errors:,}", "files with syntax errors", "alert" if s.files_with_syntax_errors else ""),
        ("defects", f"{defects:,}", "defects (ASY1xx)", "alert" if defects else ""),
        ("standardize", f"{standardize:,}", "to standardize (ASY2xx)", ""),
        ("mixed", f"{s.mixed_files:,} / {s.mixed_classes:,}", "mixed files / mixed classes", ""),
        ("bridges", f"{s.bridges:,}", f"bridges ({s.asyncio_run_calls:,} asyncio.run)", ""),
        ("priority", f"{p.get('high', 0):,} · {p.get('medium', 0):,} · {p.get('low', 0):,}", "high · medium · low", ""),
    ]  # fmt: skip
    return "\n".join(
        f'<div class="card {cls}" data-metric="{key}"><div class="value">{_e(value)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
        for key, value, label, cls in cards
    )


def _figure(chart_id: str, title: str, caption: str) -> str:
    return (
        f'<figure class="chart"><h2>{_e(title)}</h2><div class="box">'
        f'<canvas id="{chart_id}" role="img" aria-label="{_e(title)}"></canvas></div>'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _charts(result: Result) -> str:
    figures = [
        _figure("chart-layers", "Async adoption by layer",
                "Functions per layer: async, sync functions that do or drive I/O (to convert),"
                " other sync functions. The label gives the layer's async adoption."),
        _figure("chart-rules", "Findings by rule", "Coloured by category: syntax, defect,"
                " standardize, acceptable."),
        _figure("chart-priority", "Findings by priority", "High: defects and critical domains;"
                " medium: services, repositories, endpoints, workers; low: the rest."),
        _figure("chart-files", "Files ranked by work left",
                f"The {plural(min(len(files_by_work(result)), TOP_FILES), 'file')} with the most"
                " findings left (acceptable bridges not counted)."),
    ]  # fmt: skip
    if result.trend:
        figures.append(
            _figure(
                "chart-trend", "Trend", f"{plural(len(result.trend), 'earlier run')} and this scan."
            )
        )
    return "\n".join(figures)


def _options(values: list[tuple[str, str]]) -> str:
    return '<option value="">all</option>' + "".join(
        f'<option value="{_e(v)}">{_e(label)}</option>' for v, label in values
    )


def _filters(result: Result) -> str:
    findings = result.findings
    catalogue = rule_catalogue(findings)
    codes = sorted({f.code for f in findings})
    by_code = Counter(f.code for f in findings)
    layers = sorted({f.layer for f in findings}, key=lambda name: (layer_rank(name), name))
    paths = sorted({f.path for f in findings})
    return (
        '<form id="filters" autocomplete="off">'
        '<label>Rule<select id="f-rule">'
        + _options([(c, f"{c} {catalogue[c].name} ({by_code[c]})") for c in codes])
        + '</select></label><label>Priority<select id="f-priority">'
        + _options([(p.value, p.value) for p in Priority])
        + '</select></label><label>Layer<select id="f-layer">'
        + _options([(layer, layer) for layer in layers])
        + '</select></label><label>File<input id="f-file" type="search" list="f-files"'
        ' placeholder="part of a path"></label><datalist id="f-files">'
        + "".join(f'<option value="{_e(p)}"></option>' for p in paths)
        + '</datalist><button type="reset">Clear filters</button>'
        f'<span id="count">{len(findings):,} of {len(findings):,} findings</span></form>'
    )


def _message(text: str) -> str:
    """A rule message with its ``code`` spans as ``<code>``; the rest escaped."""
    parts = text.split("`")
    if len(parts) % 2 == 0:
        return _e(text)
    return "".join(f"<code>{_e(p)}</code>" if i % 2 else _e(p) for i, p in enumerate(parts))


def _row(f: Finding) -> str:
    text = " → ".join(f.chain)
    chain = (
        f'<span class="chain">chain: {_e(text)}</span>' if f.chain and text not in f.message else ""
    )
    symbol = f"<code>{_e(f.symbol)}</code>" if f.symbol else ""
    return (
        f'<tr data-rule="{_e(f.code)}" data-priority="{f.priority.value}" data-layer="{_e(f.layer)}"'
        f' data-file="{_e(f.path)}" data-category="{f.category.value}">'
        f'<td><span class="pill {f.priority.value}">{f.priority.value}</span></td>'
        f'<td><abbr title="{_e(f.name)}">{_e(f.code)}</abbr>'
        f'<span class="cat">{_e(CATEGORY_TITLE[f.category].lower())}</span></td>'
        f"<td>{_e(f.layer)}</td>"
        f'<td class="loc"><code>{_e(f.path)}:{f.line}:{f.column + 1}</code></td>'
        f"<td>{symbol}</td><td>{_message(f.message)}{chain}</td></tr>"
    )


def _table(result: Result) -> str:
    ordered = sorted(result.findings, key=lambda f: (f.priority.rank, f.sort_key()))
    body = "\n".join(_row(f) for f in ordered)
    return (
        '<table id="findings-table"><thead><tr><th>Priority</th><th>Rule</th><th>Layer</th>'
        "<th>Location</th><th>Symbol</th><th>Message</th></tr></thead>"
        f"<tbody>\n{body}\n</tbody></table>"
        '<p id="empty" class="empty" hidden>No finding matches the filters.</p>'
    )


def _files_table(result: Result) -> str:
    work = files_by_work(result)
    if not work:
        return '<p class="empty">No file has work left.</p>'
    rows = "\n".join(
        f"<tr><td><code>{_e(w.path)}</code></td><td>{_e(w.layer)}</td>"
        f'<td class="num">{w.findings}</td><td class="num">{w.high}</td>'
        f'<td class="num">{w.medium}</td><td class="num">{w.low}</td>'
        f"<td>{'yes' if w.syntax_error else ''}</td></tr>"
        for w in work
    )
    return (
        '<table id="files-table"><thead><tr><th>File</th><th>Layer</th><th class="num">Findings</th>'
        '<th class="num">High</th><th class="num">Medium</th><th class="num">Low</th>'
        f"<th>Syntax error</th></tr></thead><tbody>\n{rows}\n</tbody></table>"
    )


def render(result: Result, color: bool = False) -> str:
    name = (
        result.project
        or result.root.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        or result.root
    )
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="awaitify {__version__}">',
            f"<title>awaitify report — {_e(name)}</title>",
            f"<style>\n{asset('report.css')}</style>",
            "</head>",
            "<body>",
            "<header>",
            f"<h1>Async/sync report — {_e(name)}</h1>",
            f"<p>{_e(result.root)} · awaitify {__version__} · "
            f"{plural(len(result.findings), 'finding')} in {plural(result.summary.files, 'file')}</p>",
            "</header>",
            "<main>",
            f'<section id="summary" class="cards">\n{_cards(result)}\n</section>',
            f'<section id="charts" class="charts">\n{_charts(result)}\n</section>',
            '<section id="findings">',
            "<h2>Findings</h2>",
            _filters(result),
            _table(result),
            "</section>",
            '<section id="files">',
            "<h2>Files by work left</h2>",
            _files_table(result),
            "</section>",
            "</main>",
            "<footer>Generated by awaitify from a scan; self-contained and offline. Charts by"
            " Chart.js 4.6.1 (MIT licence, © Chart.js Contributors).</footer>",
            f'<script id="awaitify-data" type="application/json">{_json_script(_data(result))}</script>',
            f"<script>\n{_script(_chart_js())}</script>",
            f"<script>\n{_script(asset('report.js'))}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )
