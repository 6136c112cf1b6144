"""The writers: golden snapshots, determinism, numbers that agree, SARIF against the schema.

Goldens come in two sets under ``tests/golden/``:

* ``synthetic/`` — from the fixed hand-made result in ``synthetic_result.py`` with a fixed
  rule catalogue: they change only when a writer changes;
* ``example/`` — from a scan of ``examples/billing_service`` (rendered with the same fixed
  rule docs): they also change when a rule changes what it finds there.

Regenerate both after an intended change with ``AWAITIFY_UPDATE_GOLDENS=1 pytest
tests/test_reports.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from synthetic_result import FINDINGS, ROOT, fake_rules, make_result

import awaitify.rules.registry as registry
from awaitify.api import ScanOptions, scan
from awaitify.model import (
    Category,
    Finding,
    LayerStats,
    PlanStep,
    Priority,
    Result,
    Summary,
)
from awaitify.report import WRITERS, github, html, markdown, render, sarif
from awaitify.report.metrics import checklist, rule_catalogue

HERE = Path(__file__).parent
REPO = HERE.parent
GOLDEN = HERE / "golden"
EXAMPLE = REPO / "examples" / "billing_service"
EXAMPLE_ROOT = "/examples/billing_service"  # what the example goldens show as the scan root
SCHEMA_PATH = REPO / "src" / "awaitify" / "report" / "schemas" / "sarif-schema-2.1.0.json"
UPDATE = os.environ.get("AWAITIFY_UPDATE_GOLDENS") == "1"
SUFFIX = {"text": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "github": "txt",
          "html": "html"}  # fmt: skip


@pytest.fixture
def fixed_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render with the synthetic rule catalogue instead of the live registry."""
    rules = fake_rules()
    monkeypatch.setattr(registry, "all_rules", lambda: rules)


def strip_vendored(text: str) -> str:
    """The HTML report without the inlined Chart.js build (210 kB, vendored, not ours)."""
    vendored = html._script(html._chart_js())
    assert vendored in text
    return text.replace(vendored, "/* Chart.js, inlined from report/assets/chart.umd.min.js */\n")


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"missing golden {path}: run AWAITIFY_UPDATE_GOLDENS=1 pytest {__file__}"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{name} differs from its golden; if the change is intended, regenerate with"
        f" AWAITIFY_UPDATE_GOLDENS=1 pytest tests/test_reports.py and review the diff"
    )


def schema_validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif_errors(doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in schema_validator().iter_errors(doc)]


# -- the example project -----------------------------------------------------------------


@cache
def _example_result() -> Result:
    result = scan([str(EXAMPLE)], None, ScanOptions(use_cache=False, cwd=str(EXAMPLE)))
    return result


def example_result() -> Result:
    if not (EXAMPLE / "pyproject.toml").exists():
        pytest.skip("examples/billing_service is not there")
    return _example_result()


def normalise_example(text: str) -> str:
    """Machine-independent: the example's absolute path becomes ``/examples/billing_service``."""
    return text.replace(str(EXAMPLE.resolve()), EXAMPLE_ROOT).replace(str(EXAMPLE), EXAMPLE_ROOT)


# -- goldens ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_synthetic_golden(fmt: str, fixed_rules: None) -> None:
    text = render(fmt, make_result())
    if fmt == "html":
        text = strip_vendored(text)
    check_golden(
        f"synthetic/report.{SUFFIX[fmt]}" if fmt != "github" else "synthetic/github.txt", text
    )


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_example_golden(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = example_result()._replace(root=EXAMPLE_ROOT)
    # the findings come from the real rules (the scan above); the rule docs the writers
    # quote come from the fixed catalogue, so editing a rule's prose does not churn these
    rules = fake_rules()
    monkeypatch.setattr(registry, "all_rules", lambda: rules)
    text = normalise_example(render(fmt, result))
    if fmt == "html":
        text = strip_vendored(text)
    check_golden(f"example/report.{SUFFIX[fmt]}" if fmt != "github" else "example/github.txt", text)


# -- determinism -----------------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CI": "1"}
    return subprocess.run(
        [sys.executable, "-m", "awaitify", *args], cwd=cwd, capture_output=True, env=env,
        check=False, timeout=300,
    )  # fmt: skip


def test_json_is_byte_identical_across_runs(tmp_path: Path) -> None:
    example_result()  # skips when the example is missing
    project = tmp_path / "billing_service"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".awaitify", "__pycache__"))
    first = _cli("scan", "--format", "json", "--no-cache", ".", cwd=project)
    second = _cli("scan", "--format", "json", "--no-cache", ".", cwd=project)
    filling = _cli("scan", "--format", "json", ".", cwd=project)
    cached = _cli("scan", "--format", "json", ".", cwd=project)
    assert first.returncode == 0, first.stderr.decode()
    assert (project / ".awaitify").is_dir()
    assert first.stdout == second.stdout == filling.stdout == cached.stdout
    doc = json.loads(first.stdout)
    assert doc["schema"] == 1
    assert doc["findings"] == sorted(
        doc["findings"], key=lambda f: (f["path"], f["line"], f["column"], f["code"], f["message"])
    )


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_every_writer_is_deterministic(fmt: str) -> None:
    assert render(fmt, make_result()) == render(fmt, make_result())


# -- the guide's numbers are the JSON summary's ---------------------------------------------

_INT = re.compile(r"-?[\d,]+")


def _first_int(cell: str) -> int:
    m = _INT.search(cell.replace("**", ""))
    assert m, cell
    return int(m.group().replace(",", ""))


def _table_after(text: str, marker: str) -> list[list[str]]:
    """The rows (cells stripped) of the first Markdown table after ``marker``."""
    lines = text[text.index(marker) :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows


def guide_numbers_match(guide: str, doc: dict[str, Any]) -> None:
    s = doc["summary"]
    summary = {row[0]: row[1] for row in _table_after(guide, "## 1. Executive summary")}
    expect = {
        "Python files": s["files"],
        "Lines": s["lines"],
        "`async def` functions": s["async_functions"],
        "Sync `def` functions": s["sync_functions"],
        "Functions (`def` + `async def`)": s["async_functions"] + s["sync_functions"],
        "Sync↔async bridges": s["bridges"],
        "Mixed files (with an ASY2xx finding)": s["mixed_files"],
        "Mixed classes (with an ASY201 finding)": s["mixed_classes"],
        "Files with syntax errors (Phase 1, not counted as mixed)": s["files_with_syntax_errors"],
        "Defects (ASY1xx)": sum(
            n for c, n in s["findings_by_code"].items() if c.startswith("ASY1")
        ),
        "Needs standardization (ASY2xx)": sum(
            n for c, n in s["findings_by_code"].items() if c.startswith("ASY2")
        ),
        "Acceptable bridges (ASY3xx)": sum(
            n for c, n in s["findings_by_code"].items() if c.startswith("ASY3")
        ),
    }
    for label, value in expect.items():
        assert _first_int(summary[label]) == value, label
    bridges = summary["Sync↔async bridges"]
    assert f"({s['asyncio_run_calls']:,} `asyncio.run`)" in bridges
    p = s["findings_by_priority"]
    assert summary["Findings by priority"] == (
        f"{p['high']:,} high · {p['medium']:,} medium · {p['low']:,} low"
    )
    layers = {row[0]: row for row in _table_after(guide, "**By layer**")}
    assert set(layers) == set(s["by_layer"])
    for name, stats in s["by_layer"].items():
        row = layers[name]
        assert [_first_int(c) for c in row[1:4]] == [
            stats["files"],
            stats["async_functions"],
            stats["sync_functions"],
        ], name
    rules = {row[0]: row for row in _table_after(guide, "**Rules**")}
    for code, n in s["findings_by_code"].items():
        assert _first_int(rules[code][5]) == n, code
    if s["files_with_syntax_errors"] or s["files"]:
        broken = s["files_with_syntax_errors"]
        assert f"{broken:,} file{'s' if broken != 1 else ''} left (" in guide
    # every finding is listed once in the pattern categories
    patterns = guide[guide.index("## 2. Pattern categories") : guide.index("## 3.")]
    for f in doc["findings"]:
        if not f["path"].startswith("/"):
            assert f"]({f['path']}#L{f['line']})" in patterns, f


def test_guide_numbers_equal_json_summary_synthetic(fixed_rules: None) -> None:
    result = make_result()
    guide_numbers_match(render("markdown", result), json.loads(render("json", result)))


def test_guide_numbers_equal_json_summary_example() -> None:
    result = example_result()
    guide_numbers_match(render("markdown", result), json.loads(render("json", result)))


# -- the guide --------------------------------------------------------------------------------


def test_guide_sections_and_links(fixed_rules: None) -> None:
    guide = render("markdown", make_result())
    for title in markdown.SECTIONS:
        assert re.search(rf"^## \d\. {re.escape(title)}$", guide, re.M), title
    assert "[`app/services/billing_service.py:42`](app/services/billing_service.py#L42)" in guide
    # a file outside the scan root gets no link that would be dead on GitHub
    assert "`/opt/shared/entry.py:3`" in guide
    assert "(/opt/shared/entry.py" not in guide
    # chains of defects are shown
    assert "chain: `PaymentGateway.refund` → `requests.post`" in guide
    # table cells escape the pipe; HTML-looking text is escaped
    assert "sync \\| blocking" in guide
    assert "\\<lambda\\>" in guide


def test_guide_counts_syntax_errors_apart(fixed_rules: None) -> None:
    guide = render("markdown", make_result())
    section = guide[guide.index("### 2.4 Syntax errors") : guide.index("## 3.")]
    assert "1 file does not parse" in section
    assert "app/legacy/fix_dates.py:21" in section
    standardize = guide[guide.index("### 2.2") : guide.index("### 2.3")]
    assert "fix_dates.py" not in standardize


def test_guide_checklist_has_real_progress(fixed_rules: None) -> None:
    guide = render("markdown", make_result())
    assert (
        "- [ ] **Phase 1 — fix syntax errors** — 1 file left (10 of 11 files parse, 91 %)" in guide
    )
    assert "0 of 2 service classes fully async (0 %); 2 findings left (ASY201)" in guide
    assert "7 of 9 I/O functions in the api layer async (78 %)" in guide
    assert "Overall async adoption: **14 of 22 I/O functions async (64 %)**." in guide


def test_checklist_ticks_done_items_and_skips_rules_that_did_not_run(fixed_rules: None) -> None:
    result = make_result()
    clean = result._replace(
        findings=tuple(f for f in result.findings if not f.code.startswith("ASY204")),
        summary=result.summary._replace(
            findings_by_code={
                k: v for k, v in result.summary.findings_by_code.items() if k != "ASY204"
            },
        ),
    )
    items = {i.key: i for i in checklist(clean)}
    assert items["sessions"].complete and items["sessions"].left == 0
    assert not items["syntax"].complete
    ignored = clean._replace(config_summary=(("select", "all rules"), ("ignore", "ASY204")))
    assert "sessions" not in {i.key for i in checklist(ignored)}


def test_guide_next_steps_use_the_plan_when_there_is_one(fixed_rules: None) -> None:
    plan = (
        PlanStep(2, "service", "Convert BillingService to async", ("app/services/billing_service.py::BillingService",), 7,
                 "awaitify migrate app/services/billing_service.py::BillingService"),
        PlanStep(1, "repository", "Convert CustomerRepository to async", (), 3,
                 "awaitify migrate app/repositories/customer_repository.py::CustomerRepository"),
    )  # fmt: skip
    guide = render("markdown", make_result()._replace(plan=plan))
    steps = guide[guide.index("## 6. Next steps") : guide.index("## 7.")]
    assert steps.index("Convert CustomerRepository") < steps.index("Convert BillingService")
    assert "blast radius 3" in steps
    assert "ordered work list" not in steps
    without = render("markdown", make_result())
    steps = without[without.index("## 6. Next steps") : without.index("## 7.")]
    assert (
        steps.index("Repair the files")
        < steps.index("Fix the defects")
        < steps.index("Convert the repositories")
        < steps.index("Convert the service classes")
        < steps.index("Convert the endpoints")
    )


def test_guide_trend_only_with_history(fixed_rules: None) -> None:
    with_trend = render("markdown", make_result(trend=True))
    without = render("markdown", make_result(trend=False))
    assert "## 8. Trend" in with_trend and "Since `aaaaaaaa`: +8 `async def`" in with_trend
    assert "## 8. Trend" not in without and "[Trend]" not in without


def test_trend_from_history_runs(fixed_rules: None) -> None:
    from awaitify.history import Run
    from awaitify.report.metrics import with_trend

    result = make_result(trend=False)
    older = result.summary._replace(async_functions=4, findings_by_code={"ASY100": 9})
    runs = [Run("c" * 40, "2024-03-01T09:00:00+00:00", "Earlier", older)]
    trended = with_trend(result, runs)
    assert [p.label for p in trended.trend] == ["cccccccc"]
    guide = render("markdown", trended)
    assert "Since `cccccccc`: +10 `async def`" in guide
    assert "chart-trend" in render("html", trended)


def test_guide_folds_and_truncates_long_lists(fixed_rules: None) -> None:
    base = make_result()
    many = tuple(
        Finding("ASY202", "sync-repository", Category.STANDARDIZE, Priority.MEDIUM,
                f"app/repositories/r{i:03d}.py", 10, 4, 10, 20, f"R{i}.get", "blocking", layer="repository")
        for i in range(markdown.LIST_LIMIT + 5)
    )  # fmt: skip
    guide = render("markdown", base._replace(findings=many))
    assert "<details>" in guide
    assert "- … and 5 more (every finding is in `awaitify scan --format json`)" in guide


def test_guide_of_an_empty_project(fixed_rules: None) -> None:
    empty = Result(
        root="/tmp/empty",
        summary=Summary(0, 0, 0, 0, 0, 0, 0, 0, 0, {}, {"high": 0, "medium": 0, "low": 0}, {}),
        files=(),
        findings=(),
    )
    guide = render("markdown", empty)
    assert "No finding: the codebase follows the async standard." in guide
    assert "Every file parses." in guide
    for fmt in WRITERS:
        assert render(fmt, empty) is not None


# -- SARIF ----------------------------------------------------------------------------------------


def test_sarif_validates_against_the_official_schema(fixed_rules: None) -> None:
    doc = json.loads(render("sarif", make_result()))
    assert sarif_errors(doc) == []
    # the validator is live: a wrong level is caught
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert sarif_errors(doc)


def test_sarif_of_the_example_and_of_the_live_rules_validates() -> None:
    doc = json.loads(render("sarif", example_result()))
    assert sarif_errors(doc) == []
    driver = doc["runs"][0]["tool"]["driver"]
    assert {r["id"] for r in driver["rules"]} >= {c.code for c in registry.all_rules()}
    for rule in driver["rules"]:
        assert rule["help"]["markdown"] and rule["help"]["text"], rule["id"]


def test_sarif_is_the_official_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["id"] == sarif.SCHEMA_URI
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"


def test_sarif_results(fixed_rules: None) -> None:
    result = make_result()
    doc = json.loads(render("sarif", result))
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    rules = run["tool"]["driver"]["rules"]
    by_id = {r["id"]: r for r in rules}
    assert by_id["ASY100"]["defaultConfiguration"]["level"] == "error"
    assert by_id["ASY001"]["defaultConfiguration"]["level"] == "error"
    assert by_id["ASY201"]["defaultConfiguration"]["level"] == "warning"
    assert by_id["ASY301"]["defaultConfiguration"]["level"] == "note"
    assert "Why is this bad?" in by_id["ASY201"]["help"]["markdown"]
    assert "```python" in by_id["ASY201"]["help"]["markdown"]
    assert by_id["ASY201"]["shortDescription"]["text"] == "Reports mixed class (`ASY201`)."
    results = run["results"]
    assert len(results) == len(result.findings)
    for res, f in zip(results, result.findings, strict=True):
        assert res["ruleId"] == f.code
        assert rules[res["ruleIndex"]]["id"] == f.code
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == f.line
        assert region["startColumn"] == f.column + 1  # SARIF columns are 1-based
        assert res["partialFingerprints"] == {sarif.FINGERPRINT_KEY: f.fingerprint}
        assert res["properties"]["priority"] == f.priority.value
    absolute = next(r for r in results if r["ruleId"] == "ASY303")
    loc = absolute["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "file:///opt/shared/entry.py"}
    relative = next(r for r in results if r["ruleId"] == "ASY100")
    assert relative["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "app/services/billing_service.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file://" + ROOT + "/"


# -- GitHub annotations ----------------------------------------------------------------------------


def test_github_escaping() -> None:
    assert github.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github.escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_annotations(fixed_rules: None) -> None:
    lines = render("github", make_result()).splitlines()
    assert len(lines) == len(FINDINGS)
    by_code = {line.split("title=")[1].split(" ")[0]: line for line in lines}
    assert by_code["ASY100"].startswith(
        "::error file=app/services/billing_service.py,line=42,col=9,endLine=42,endColumn=19,"
        "title=ASY100 blocking-call-in-async::"
    )
    assert by_code["ASY201"].startswith("::warning ")
    assert by_code["ASY301"].startswith("::notice ")
    assert by_code["ASY001"].startswith("::error ")
    # the message's %, newline, comma and colon survive: only %, CR and LF are escaped there
    assert "50%25, done, line 1%0Aline 2: convert it" in by_code["ASY203"]
    for line in lines:
        head, _, _ = line.partition("::")[2].partition("::")
        assert "\n" not in line and head.count(",") == head.count("=") - 1


# -- HTML ------------------------------------------------------------------------------------------


def test_html_is_self_contained(fixed_rules: None) -> None:
    page = render("html", make_result())
    assert page.startswith("<!doctype html>")
    assert not re.search(r"<script[^>]+src=|<link\b|@import|url\(", page)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "Chart.js v4" in page  # the vendored build, licence header kept
    for chart in ("chart-layers", "chart-rules", "chart-priority", "chart-files", "chart-trend"):
        assert f'<canvas id="{chart}"' in page
    assert page.count("<tr data-rule=") == len(FINDINGS)
    assert "&lt;lambda&gt;" in page and "<lambda>" not in page
    data = re.search(
        r'<script id="awaitify-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert data is not None
    parsed = json.loads(data.group(1))
    assert [r["code"] for r in parsed["rules"]] == sorted(make_result().summary.findings_by_code)
    assert len(parsed["trend"]) == 3


def test_html_without_trend_has_no_trend_chart(fixed_rules: None) -> None:
    assert "chart-trend" not in render("html", make_result(trend=False)).split("<script")[0]


# -- the rule catalogue the writers use ----------------------------------------------------------


def test_catalogue_falls_back_to_findings_for_unknown_codes(fixed_rules: None) -> None:
    odd = Finding(
        "ASY999", "future-rule", Category.DEFECT, Priority.HIGH, "a.py", 1, 0, 1, 1, "", "m"
    )
    catalogue = rule_catalogue([odd])
    assert catalogue["ASY999"].name == "future-rule"
    doc = sarif.document(make_result()._replace(findings=(odd,)))
    assert sarif_errors(doc) == []


_SERVICES = """\
import asyncio
import time


class OrderService:
    async def get(self):
        await asyncio.sleep(0)

    def save(self):
        time.sleep(1)


class PriceService:
    async def quote(self):
        await asyncio.to_thread(self._pause)

    def _pause(self):
        time.sleep(1)


class Formatter:
    def fmt(self, value):
        return str(value)
"""


def test_inventory_counts_io_functions_and_fully_async_classes(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n")
    files = {
        "app/services/orders.py": _SERVICES,
        "app/repositories/users.py": "class UserRepository:\n    def get(self, path):\n"
        "        with open(path) as fh:\n            return fh.read()\n",
        "migrations/v1.py": "import time\n\n\ndef upgrade():\n    time.sleep(1)\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    s = scan([str(tmp_path)], None, ScanOptions(use_cache=False, cwd=str(tmp_path))).summary
    # blocking sync functions: save, _pause (private, but I/O), UserRepository.get; the
    # migration's upgrade() is left out
    assert (s.async_functions, s.sync_functions, s.sync_io_functions) == (2, 5, 3)
    assert s.by_layer["service"].sync_io_functions == 2
    assert s.by_layer["migration"].sync_io_functions == 0
    # OrderService has a blocking public sync method; PriceService is fully async (its
    # blocking helper is private and run off the loop); Formatter does no I/O
    service = s.classes_by_layer["service"]
    assert (service.classes, service.io_classes, service.async_classes) == (3, 2, 1)
    repo = s.classes_by_layer["repository"]
    assert (repo.classes, repo.io_classes, repo.async_classes) == (1, 1, 0)
    assert s.async_adoption == 2 / 5


def test_layer_stats_json_is_unchanged_by_the_extra_counts() -> None:
    assert LayerStats(1, 2, 3, 4).to_json() == {
        "files": 1,
        "async_functions": 2,
        "sync_functions": 3,
    }
    assert "sync_io_functions" not in make_result().summary.to_json()


def test_guide_counts_work_by_the_layer_of_the_file(tmp_path: Path) -> None:
    """A ``TagDAO`` class in a file of another layer is a repository finding, but the "By
    layer" table lists file layers: the finding is counted in its file's row, and the
    takeaway names a layer the table shows (superset's ``daos/tag.py`` before ``daos/``
    was a repository folder)."""
    app = tmp_path / "app"
    (app / "misc").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "misc" / "__init__.py").write_text("")
    (app / "misc" / "tags.py").write_text(
        "from sqlalchemy.orm import Session\n\n\nclass TagDAO:\n"
        "    def __init__(self, session: Session) -> None:\n        self.session = session\n\n"
        "    def find(self, pk):\n        return self.session.get(object, pk)\n\n"
        "    async def count(self):\n        return 0\n"
    )
    result = scan([tmp_path], options=ScanOptions(use_cache=False))
    assert {f.layer for f in result.findings} == {"repository"}
    text = render("markdown", result)
    other_row = next(line for line in text.splitlines() if line.startswith("| other |"))
    assert other_row.rstrip(" |").endswith(str(len(result.findings)))
    assert "work is in the other layer" in text
