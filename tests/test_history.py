"""Recorded runs and ``history --git``: exact per-commit metrics, equal to ``scan``'s, and a
second pass over the same commits that parses nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from gitrepo import COMMITS, build, git, write

from awaitify.api import ScanOptions, scan
from awaitify.cli import main
from awaitify.config import load_config
from awaitify.history import Run, git_history, load_trend, record_run

# (files, files_with_syntax_errors, async, sync, bridges, asyncio_run_calls) per commit
EXPECTED = [
    (3, 0, 0, 5, 0, 0),  # add sync code: BillingService (2 defs), UserRepository (3 defs)
    (4, 0, 2, 6, 2, 2),  # add async code: routes.py, 2 async defs, main(), two asyncio.run
    (4, 1, 3, 5, 2, 2),  # bulk fix: billing.py broken, its functions still counted
    (4, 1, 3, 5, 2, 2),  # docs only: no Python file changed
    (4, 0, 3, 5, 2, 2),  # fix billing
    (4, 1, 3, 5, 2, 2),  # tidy users: users.py broken
]


def metrics(run: Run) -> tuple[int, ...]:
    s = run.summary
    return (s.files, s.files_with_syntax_errors, s.async_functions, s.sync_functions,
            s.bridges, s.asyncio_run_calls)  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = tmp_path / "repo"
    shas = build(root)
    monkeypatch.chdir(root)
    return root, shas


def test_metrics_per_commit(repo: tuple[Path, list[str]]) -> None:
    _, shas = repo
    found = git_history(["."], "main")
    assert [r.commit for r in found.runs] == shas  # oldest first
    assert [r.subject for r in found.runs] == [subject for subject, _ in COMMITS]
    assert [r.date for r in found.runs] == [f"2024-01-0{i}T10:00:00+00:00" for i in range(1, 7)]
    assert [metrics(r) for r in found.runs] == EXPECTED
    last = found.runs[-1].summary.to_json()
    assert last["lines"] == 45
    assert last["by_layer"] == {
        "api": {"files": 1, "async_functions": 2, "sync_functions": 1},
        "other": {"files": 1, "async_functions": 0, "sync_functions": 0},
        "repository": {"files": 1, "async_functions": 0, "sync_functions": 3},
        "service": {"files": 1, "async_functions": 1, "sync_functions": 1},
    }
    assert last["findings_by_code"]["ASY001"] == 1
    # 7 distinct Python blobs in the whole history, each parsed once; the "docs only"
    # commit has the same Python files as its parent, so its project phase is skipped
    assert found.stats.blobs.parsed == 7
    assert found.stats.projects_built == 5


def test_each_commit_equals_a_scan_of_its_checkout(repo: tuple[Path, list[str]]) -> None:
    root, shas = repo
    found = git_history(["."], "main")
    for sha, run in zip(shas, found.runs, strict=True):
        git(root, "checkout", "-q", sha)
        scanned = scan(["."], options=ScanOptions(use_cache=False))
        assert run.summary.to_json() == scanned.summary.to_json(), sha
    git(root, "checkout", "-q", "main")


def test_a_second_run_parses_nothing(repo: tuple[Path, list[str]]) -> None:
    root, _ = repo
    first = git_history(["."], "main")
    assert first.stats.blobs.parsed == 7
    second = git_history(["."], "main")
    assert second.stats.blobs.parsed == 0
    assert second.stats.blobs.read == 0
    assert second.stats.summaries_cached == 6
    assert [r.to_json() for r in second.runs] == [r.to_json() for r in first.runs]
    # another scope (the config keeps the cache at the root): the commit summaries do
    # not apply, yet every blob is known
    (root / "pyproject.toml").write_text("[tool.awaitify]\n")
    third = git_history(["app"], "main")
    assert third.stats.summaries_cached == 0 and third.stats.projects_built == 5
    assert (third.stats.blobs.read, third.stats.blobs.parsed) == (0, 0)


def test_a_new_commit_costs_only_its_changed_files(repo: tuple[Path, list[str]]) -> None:
    root, _ = repo
    git_history(["."], "main")
    users = (root / "app/repositories/users.py").read_text()
    task = "import asyncio\n\n\ndef job():\n    asyncio.run(x())\n"
    write(
        root,
        {
            "app/repositories/users.py": users.replace(".fetchall(\n", ".fetchall()\n"),
            "app/workers/tasks.py": task,
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fix users, add a task", date="2024-01-07T10:00:00+00:00")
    found = git_history(["."], "main")
    assert found.stats.summaries_cached == 6
    assert found.stats.blobs.parsed == 2
    assert metrics(found.runs[-1]) == (5, 0, 3, 6, 3, 3)


def test_a_scan_warms_history(repo: tuple[Path, list[str]]) -> None:
    scan(["."])  # the work tree is HEAD: its 4 files' facts are cached by content
    found = git_history(["."], "main")
    assert found.stats.blobs.read == 7
    assert found.stats.blobs.parsed == 3  # only the versions HEAD does not have


def test_range_and_scope(repo: tuple[Path, list[str]]) -> None:
    _, shas = repo
    found = git_history(["."], f"{shas[2]}..main")
    assert [r.commit for r in found.runs] == shas[3:]
    found = git_history(["app/services"], "HEAD~2..HEAD")
    assert [(r.summary.files, r.summary.async_functions) for r in found.runs] == [(1, 1), (1, 1)]


def test_config_exclude_is_honoured(repo: tuple[Path, list[str]]) -> None:
    root, _ = repo
    (root / "pyproject.toml").write_text('[tool.awaitify]\nexclude = ["app/api"]\n')
    found = git_history(["."], "main")
    assert [r.summary.files for r in found.runs] == [3, 3, 3, 3, 3, 3]
    assert found.runs[-1].summary.to_json() == scan(["."]).summary.to_json()


def test_cli_formats(repo: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    _, shas = repo
    assert main(["history", "--git", "main", "--format", "json", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    doc = json.loads(out)
    assert doc["schema"] == 1
    assert [list(r) for r in doc["runs"]] == [["commit", "date", "subject", "summary"]] * 6
    assert doc["runs"][2]["commit"] == shas[2]
    assert doc["runs"][2]["summary"]["files_with_syntax_errors"] == 1
    assert set(doc["runs"][0]["summary"]) == {
        "files", "files_with_syntax_errors", "lines", "async_functions", "sync_functions",
        "asyncio_run_calls", "bridges", "mixed_files", "mixed_classes", "findings_by_code",
        "findings_by_priority", "by_layer",
    }  # fmt: skip

    assert main(["history", "--git", "main", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["commit"] for r in rows] == shas
    assert [int(r["async_functions"]) for r in rows] == [e[2] for e in EXPECTED]
    assert rows[-1]["ASY001"] == "1" and rows[0]["ASY001"] == "0"
    assert rows[-1]["repository.sync"] == "3"

    assert main(["history", "--git", "main"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["date", "commit", "files", "broken"]
    assert lines[3].startswith(f"2024-01-03 10:00  {shas[2][:10]}")
    assert lines[3].endswith("bulk fix: make billing async")
    assert lines[-1].startswith("From first to last (6 runs): async share 0 % → 38 %")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--git", "nope..main"], "--git nope..main: bad revision"),
        (["--git=--output=x"], "is not a revision range"),
        (["--git", "main", "no/such/dir"], "no/such/dir: no such file or directory"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_bad_input(
    repo: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["history", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and message in err
    assert not (repo[0] / "x").exists()


def test_git_outside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["history", "--git", "HEAD~3..HEAD"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not in a git repository" in err


def test_recorded_runs(repo: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    root, shas = repo
    assert main(["history", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"schema": 1, "runs": []}
    assert main(["scan", "--record", "--format", "json"]) == 0
    scanned = json.loads(capsys.readouterr().out)
    write(root, {"app/repositories/users.py": None})
    assert main(["scan", "--record"]) == 0
    capsys.readouterr()
    assert main(["history", "--format", "json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [(r["commit"], r["subject"]) for r in runs] == [(shas[-1], "tidy users")] * 2
    assert runs[0]["summary"] == scanned["summary"]
    assert runs[1]["summary"]["files"] == 3 and runs[1]["summary"]["files_with_syntax_errors"] == 0
    assert runs[0]["date"] <= runs[1]["date"]

    trend = load_trend(load_config([root]))
    assert [t.summary.files for t in trend] == [4, 3]
    assert trend[0].async_share == pytest.approx(3 / 8)
    assert trend[0].to_json() == runs[0]

    assert main(["history"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 5  # header, two runs, blank, change line
    assert main(["history", "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_record_outside_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "m.py").write_text("async def f():\n    pass\n")
    config = load_config([tmp_path])
    result = scan([tmp_path], config, ScanOptions(cwd=str(tmp_path)))
    assert record_run(config, result) == []
    (run,) = load_trend(config)
    assert run.commit is None and run.subject is None
    assert run.summary.async_functions == 1


def test_no_trend_without_a_cache(tmp_path: Path) -> None:
    config = load_config([tmp_path])
    assert load_trend(config) == []
    assert not (tmp_path / ".awaitify").exists()


def test_no_recorded_runs_is_said_on_stderr(
    repo: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "scan --record" in err


def test_damaged_cache_is_rebuilt_not_a_crash(
    repo: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    (root / ".awaitify").mkdir()
    (root / ".awaitify" / "cache.sqlite").write_bytes(b"not a database" * 100)
    assert main(["history", "--git", "main", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)["runs"]) == 6
    assert "rebuilt" in err


def test_process_pools_give_the_same_numbers(
    repo: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import awaitify.engine.blobfacts
    import awaitify.history

    monkeypatch.setattr(awaitify.history, "_POOL_MIN_FILES", 0)
    monkeypatch.setattr(awaitify.history, "_BATCH", 3)  # "docs only" opens batch 2
    monkeypatch.setattr(awaitify.engine.blobfacts, "_POOL_THRESHOLD", 0)
    found = git_history(["."], "main", options=ScanOptions(jobs=2))
    assert [metrics(r) for r in found.runs] == EXPECTED
    assert found.stats.blobs.parsed == 7 and found.stats.projects_built == 5
