"""``awaitify check``: exit codes, the gate, the baseline, the adoption regression gate."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema.validators import validator_for
from synthetic_result import make_result

from awaitify import baseline as bl
from awaitify.cli import main
from awaitify.model import Category, Finding, Priority

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "src" / "awaitify" / "report" / "schemas" / "sarif-schema-2.1.0.json"

BLOCKING = """\
import asyncio
import time


async def poll():
    time.sleep(1)
    await asyncio.sleep(0)
"""

CLEAN = """\
import asyncio


async def poll():
    await asyncio.sleep(1)
"""

UTIL_CLASS = """\
import asyncio
import time


class Cache:
    async def get(self, key):
        await asyncio.sleep(0)
        return key

    def dump(self, path):
        time.sleep(1)
"""

ENTRYPOINT = """\
import asyncio


async def main():
    await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main())
"""

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project (with a ``[tool.awaitify]`` table) as the current directory."""
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.awaitify]\n")
    (root / ".git").mkdir()  # stop the config search here
    monkeypatch.chdir(root)
    monkeypatch.setenv("CI", "1")
    return root


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def _run(*args: str) -> tuple[int, str, str]:
        code = main(["check", "--no-cache", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


# -- exit codes -------------------------------------------------------------------------------


def test_clean_project_exits_0(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", CLEAN)
    code, out, _ = run()
    assert code == 0
    assert "awaitify check passed" in out


def test_a_defect_exits_1(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    code, out, _ = run()
    assert code == 1
    assert "app/jobs.py:6:5: ASY100 [high]" in out
    assert "awaitify check failed: 1 finding" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bogus"], "unrecognized arguments"),
        (["--select", "XYZ1"], "--select: 'XYZ1' is not a rule code"),
        (["--baseline", "missing.json"], "missing.json: no such file"),
        (["--fail-on-regression"], "--fail-on-regression compares against a baseline"),
        (["--baseline", "a.json", "--write-baseline", "b.json"], "not both"),
        (["--min-priority", "urgent"], "invalid choice"),
        (["no/such/dir"], "no such file or directory"),
    ],
)
def test_usage_errors_exit_2(project: Path, run: Run, args: list[str], message: str) -> None:
    write(project / "app/jobs.py", BLOCKING)
    code, out, err = run(*args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""
    assert len(err.strip().splitlines()) == 1


def test_bad_config_exits_2(project: Path, run: Run) -> None:
    (project / "pyproject.toml").write_text("[tool.awaitify]\nselct = ['ASY1']\n")
    code, _, err = run()
    assert code == 2
    assert "unknown key 'selct'" in err and "pyproject.toml" in err


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"schema": 1}', "not an awaitify baseline"),
        ('{"schema": 9, "findings": []}', "schema 9 is not supported"),
        ('{"schema": 1, "findings": [{"code": 5}]}', "findings[0].code must be a string"),
    ],
)
def test_malformed_baseline_exits_2(project: Path, run: Run, content: str, message: str) -> None:
    write(project / "app/jobs.py", BLOCKING)
    (project / "baseline.json").write_text(content)
    code, _, err = run("--baseline", "baseline.json")
    assert code == 2
    assert message in err


# -- what fails ---------------------------------------------------------------------------------


def test_acceptable_bridges_never_fail_unless_selected(project: Path, run: Run) -> None:
    write(project / "app/main.py", ENTRYPOINT)
    code, out, _ = run()
    assert code == 0
    assert "1 not failing (acceptable)" in out
    code, out, _ = run("--select", "ASY3")
    assert code == 1
    assert "ASY303" in out
    code, _, _ = run("--select", "ASY")  # the catch-all prefix does not name ASY3xx
    assert code == 0


def test_select_and_ignore(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    assert run("--ignore", "ASY100")[0] == 0
    assert run("--select", "ASY2")[0] == 0
    assert run("--select", "ASY1")[0] == 1


def test_min_priority(project: Path, run: Run) -> None:
    write(project / "app/utils/cache.py", UTIL_CLASS)  # ASY201 in the util layer: low
    code, out, _ = run()
    assert code == 1 and "ASY201 [low]" in out
    code, out, _ = run("--min-priority", "medium")
    assert code == 0
    assert "below --min-priority" in out


# -- the baseline --------------------------------------------------------------------------------


def test_baseline_accepts_known_findings(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    code, out, err = run("--write-baseline", "awaitify-baseline.json")
    assert code == 0 and out == ""
    assert "wrote 1 findings (1 entries) to awaitify-baseline.json" in err
    doc = json.loads((project / "awaitify-baseline.json").read_text())
    assert doc["schema"] == 1
    [entry] = doc["findings"]
    assert entry["code"] == "ASY100" and entry["path"] == "app/jobs.py"
    assert entry["symbol"] == "poll" and len(entry["fingerprint"]) == 16
    assert entry["lines"] == [6] and entry["count"] == 1
    assert doc["adoption"]["async_functions"] == 1
    code, out, _ = run("--baseline", "awaitify-baseline.json")
    assert code == 0
    assert "0 new findings, 1 in the baseline" in out


def test_baseline_survives_lines_inserted_above(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    run("--write-baseline", "b.json")
    moved = BLOCKING.replace(
        "async def poll():",
        '"""Jobs."""\n\nRETRIES = 3\n\n\ndef helper():\n    return RETRIES\n\n\nasync def poll():',
    )
    write(project / "app/jobs.py", moved)
    code, out, _ = run("--baseline", "b.json")
    assert code == 0, out
    assert "Stale" not in out


def test_baseline_counts_duplicates(project: Path, run: Run) -> None:
    twice = BLOCKING.replace("    time.sleep(1)\n", "    time.sleep(1)\n    time.sleep(1)\n")
    write(project / "app/jobs.py", twice)
    run("--write-baseline", "b.json")
    entry = json.loads((project / "b.json").read_text())["findings"][0]
    assert entry["count"] == 2
    assert run("--baseline", "b.json")[0] == 0
    thrice = twice.replace("    time.sleep(1)\n", "    time.sleep(1)\n", 1).replace(
        "    await asyncio.sleep(0)", "    time.sleep(1)\n    await asyncio.sleep(0)"
    )
    write(project / "app/jobs.py", thrice)
    code, out, _ = run("--baseline", "b.json", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["counts"]["failing"] == 1 and doc["counts"]["baselined"] == 2


def test_new_finding_fails_beside_baselined_ones(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    run("--write-baseline", "b.json")
    write(project / "app/more.py", BLOCKING.replace("poll", "fetch"))
    code, out, _ = run("--baseline", "b.json")
    assert code == 1
    assert "app/more.py:6:5: ASY100" in out
    assert "app/jobs.py" not in out.split("\n\n")[0]
    assert "1 new finding, 1 in the baseline" in out


def test_stale_entries_are_reported(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    write(project / "app/other.py", BLOCKING.replace("poll", "other"))
    run("--write-baseline", "b.json")
    write(project / "app/jobs.py", CLEAN)  # fixed
    (project / "app/other.py").unlink()  # deleted
    code, out, _ = run("--baseline", "b.json")
    assert code == 0
    assert "Stale baseline entries (2)" in out
    assert "app/jobs.py: ASY100 poll (was line 6)" in out
    assert "app/other.py: ASY100 other (was line 6)" in out
    code, out, _ = run("--baseline", "b.json", "--format", "json")
    doc = json.loads(out)
    assert doc["counts"]["stale"] == 2 and [s["path"] for s in doc["stale"]] == [
        "app/jobs.py",
        "app/other.py",
    ]


def test_a_changed_line_is_new_and_its_old_entry_stale(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    run("--write-baseline", "b.json")
    write(project / "app/jobs.py", BLOCKING.replace("time.sleep(1)", "time.sleep(30)"))
    code, out, _ = run("--baseline", "b.json")
    assert code == 1
    assert "Stale baseline entries (1)" in out


def test_entries_outside_the_scanned_paths_are_not_stale(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    write(project / "lib/other.py", BLOCKING.replace("poll", "other"))
    run("--write-baseline", "b.json")
    code, out, _ = run("--baseline", "b.json", "app")
    assert code == 0
    assert "Stale" not in out


def test_entries_of_rules_that_did_not_run_are_not_stale(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    run("--write-baseline", "b.json")
    code, out, _ = run("--baseline", "b.json", "--select", "ASY2")
    assert code == 0 and "Stale" not in out


def test_baseline_paths_are_relative_to_the_baseline_file(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    (project / "ci").mkdir()
    run("--write-baseline", "ci/baseline.json")
    entry = json.loads((project / "ci/baseline.json").read_text())["findings"][0]
    assert entry["path"] == "../app/jobs.py"
    assert run("--baseline", "ci/baseline.json")[0] == 0


# -- the adoption gate -----------------------------------------------------------------------------


def test_fail_on_regression(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", CLEAN)
    run("--write-baseline", "b.json")
    adoption = json.loads((project / "b.json").read_text())["adoption"]
    assert adoption == {"async_functions": 1, "sync_io_functions": 0, "share": 1.0}
    # a new sync function that blocks: no finding (nothing async calls it), but adoption drops
    write(project / "app/files.py", "import time\n\n\ndef load():\n    time.sleep(1)\n")
    code, out, _ = run("--baseline", "b.json")
    assert code == 0
    code, out, _ = run("--baseline", "b.json", "--fail-on-regression")
    assert code == 1
    assert "async adoption 50 % (1 of 2 I/O functions); baseline 100 % — went down" in out
    assert "failed (async adoption went down)" in out
    # more async code brings it back above the baseline's share
    write(
        project / "app/files.py",
        "import asyncio\n\n\nasync def load():\n    await asyncio.sleep(1)\n",
    )
    assert run("--baseline", "b.json", "--fail-on-regression")[0] == 0


# -- output formats ----------------------------------------------------------------------------------


def test_json_output(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    code, out, err = run("--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["passed"] is False and doc["exit_code"] == 1
    assert doc["findings"][0]["code"] == "ASY100"
    assert doc["findings"][0]["fingerprint"]
    assert "awaitify check failed" in err  # the verdict goes to stderr


def test_sarif_output_carries_baseline_state(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    run("--write-baseline", "b.json")
    write(project / "app/more.py", BLOCKING.replace("poll", "fetch"))
    code, out, _ = run("--baseline", "b.json", "--format", "sarif", "-o", "out.sarif")
    assert code == 1 and out == ""
    doc = json.loads((project / "out.sarif").read_text())
    schema = json.loads(SCHEMA.read_text())
    validator = validator_for(schema)(schema)
    assert list(validator.iter_errors(doc)) == []
    states = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["baselineState"]
        for r in doc["runs"][0]["results"]
    }
    assert states == {"app/jobs.py": "unchanged", "app/more.py": "new"}


def test_github_output(project: Path, run: Run) -> None:
    write(project / "app/jobs.py", BLOCKING)
    code, out, _ = run("--format", "github")
    assert code == 1
    assert out.startswith("::error file=app/jobs.py,line=6,col=5,")
    assert "title=ASY100 blocking-call-in-async::" in out


# -- the gate and the baseline as functions (synthetic findings) ------------------------------------


def _f(code: str, category: Category, priority: Priority, line: int = 1, fp: str = "fp") -> Finding:
    return Finding(
        code, "n", category, priority, "a.py", line, 0, line, 1, "f", "m", fingerprint=fp
    )


def test_gate() -> None:
    low_std = _f("ASY201", Category.STANDARDIZE, Priority.LOW)
    bridge = _f("ASY301", Category.ACCEPTABLE, Priority.HIGH)
    defect = _f("ASY100", Category.DEFECT, Priority.HIGH)
    assert bl.gated(defect, (), Priority.HIGH)
    assert bl.gated(low_std, (), Priority.LOW)
    assert not bl.gated(low_std, (), Priority.MEDIUM)
    assert not bl.gated(bridge, (), Priority.LOW)
    assert not bl.gated(bridge, ("ASY",), Priority.LOW)
    assert bl.gated(bridge, ("ASY3",), Priority.LOW)
    assert bl.gated(bridge, ("ASY301",), Priority.LOW)


def test_count_aware_matching_and_line_independence() -> None:
    a1 = _f("ASY100", Category.DEFECT, Priority.HIGH, line=5, fp="x")
    a2 = _f("ASY100", Category.DEFECT, Priority.HIGH, line=9, fp="x")
    base = bl.from_findings([a1, a2], "/p", "/p", None)
    assert [e.count for e in base.entries] == [2]
    moved = [a1._replace(line=50), a2._replace(line=90), a2._replace(line=95)]
    cmp = bl.compare(base, moved, "/p", "/p")
    assert len(cmp.matched) == 2 and len(cmp.unmatched) == 1 and cmp.stale == ()
    cmp = bl.compare(base, [a1], "/p", "/p")
    assert [(e.code, e.count) for e in cmp.stale] == [("ASY100", 1)]


def test_baseline_roundtrip() -> None:
    result = make_result()
    base = bl.from_result(result, result.root)
    again = bl.loads(bl.dumps(base), "b.json")
    assert again == base
    assert again.adoption == bl.Adoption(14, 8)
    outcome = bl.evaluate(result, again, base_dir=result.root)
    assert outcome.failing == () and outcome.exit_code == 0
    assert len(outcome.known) + outcome.not_gated == len(result.findings)


def test_adoption_comparison_is_exact() -> None:
    assert bl.Adoption(1, 2).below(bl.Adoption(2, 3))
    assert not bl.Adoption(2, 4).below(bl.Adoption(1, 2))  # same share
    assert bl.Adoption(0, 1).below(bl.Adoption(0, 0))  # nothing to convert → something sync
    assert not bl.Adoption(0, 0).below(bl.Adoption(3, 1))


def test_baseline_works_from_another_directory(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "app/jobs.py", BLOCKING)
    run("--write-baseline", "b.json")
    monkeypatch.chdir(project / "app")
    code, out, _ = run("--baseline", "../b.json", ".")
    assert code == 0, out


# -- the documented ecosystem files stay true ----------------------------------------------------


def test_documented_commands_parse() -> None:
    """Every ``awaitify ...`` command in docs/ci.md is accepted by the argument parser."""
    import re
    import shlex

    from awaitify.cli import build_parser

    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    commands = re.findall(r"(?:^|run: |\$ )(awaitify (?:check|scan)[^\n#>]*)", text, re.M)
    assert len(commands) >= 8
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(shlex.split(command)[1:])
        assert args.command in ("check", "scan"), command
    assert "github/codeql-action/upload-sarif" in text
    assert "--format sarif -o awaitify.sarif" in text


def test_pre_commit_hook() -> None:
    yaml = pytest.importorskip("yaml")
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "awaitify"
    assert hook["entry"] == "awaitify check"
    assert hook["language"] == "python" and hook["types"] == ["python"]
    assert hook["pass_filenames"] is False
