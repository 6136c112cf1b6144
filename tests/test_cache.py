"""The cache: content-addressed facts, the warm path, damage and concurrency."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import subprocess_env

import awaitify.api as api_module
import awaitify.engine.parse as parse_module
from awaitify.api import ScanOptions, scan
from awaitify.config import Config
from awaitify.engine import cache as cache_module
from awaitify.model import Result
from awaitify.report.json_report import render

Tree = Callable[[Mapping[str, str | bytes]], Path]

PROJECT = {
    "app/service.py": """
        import asyncio
        import requests

        class BillingService:
            def charge(self):
                return requests.post("https://pay.example")

            async def refund(self):
                await asyncio.sleep(0)
    """,
    "app/worker.py": "import asyncio\n\ndef task():\n    asyncio.run(main())\n",
    "app/broken.py": "def f(:\n    pass\n",
    "app/empty.py": "",
}


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many files were parsed, counted through the parser's entry point."""
    count = [0]
    real = parse_module.facts_from_bytes

    def counting(data: bytes, target: tuple[int, int] | None = None) -> Any:
        count[0] += 1
        return real(data, target)

    monkeypatch.setattr(parse_module, "facts_from_bytes", counting)
    yield count


@pytest.fixture
def project_phases(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    count = [0]
    real = api_module.project_result

    def counting(*args: Any, **kwargs: Any) -> Result:
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(api_module, "project_result", counting)
    yield count


def run(root: Path, **options: Any) -> Result:
    """One in-process scan (``jobs=1`` so the parse counter sees every parse)."""
    return scan([root], Config(root=root), ScanOptions(jobs=1, cwd=str(root), **options))


def backdate(root: Path) -> None:
    """Make every file look older than the racy window, as files of a real tree are."""
    old = time.time() - 3600
    for dirpath, _, names in os.walk(root):
        for name in (*names, "."):
            os.utime(os.path.join(dirpath, name), (old, old), follow_symlinks=False)


def test_an_unchanged_file_is_never_parsed_twice(tree: Tree, parses: list[int]) -> None:
    root = tree(PROJECT)
    backdate(root)
    run(root)
    assert parses[0] == 4
    run(root)
    assert parses[0] == 4
    # same bytes under another name, or only a new mtime: still not parsed
    (root / "app" / "copy.py").write_bytes((root / "app" / "worker.py").read_bytes())
    os.utime(root / "app" / "service.py")
    result = run(root)
    assert parses[0] == 4
    assert result.summary.files == 5
    # a real edit: exactly that file
    with open(root / "app" / "worker.py", "a") as fh:
        fh.write("# edited\n")
    run(root)
    assert parses[0] == 5


def test_facts_are_shared_with_no_cache_runs_only_when_enabled(
    tree: Tree, parses: list[int]
) -> None:
    root = tree(PROJECT)
    run(root, use_cache=False)
    run(root, use_cache=False)
    assert parses[0] == 8
    assert not (root / ".awaitify").exists()


def test_warm_run_skips_walk_parse_and_project_phase(
    tree: Tree, parses: list[int], project_phases: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(PROJECT)
    first = run(root)
    assert project_phases[0] == 1
    # the first run created .awaitify/ and the files are brand new: racily clean, so the
    # next run checks them again; once they are older, a run neither walks nor reads
    backdate(root)
    run(root)
    walks = [0]
    real_discover = api_module.discover_files

    def counting_discover(*args: Any, **kwargs: Any) -> Any:
        walks[0] += 1
        return real_discover(*args, **kwargs)

    monkeypatch.setattr(api_module, "discover_files", counting_discover)
    second = run(root)
    assert (project_phases[0], parses[0], walks[0]) == (1, 4, 0)
    assert render(second) == render(first)
    # a new file changes a folder's mtime: walked again, the new file parsed
    (root / "app" / "new.py").write_text("async def fresh():\n    pass\n")
    third = run(root)
    assert (project_phases[0], parses[0], walks[0]) == (2, 5, 1)
    assert third.summary.async_functions == first.summary.async_functions + 1


def test_a_folder_whose_mtime_moved_is_listed_again_not_the_tree(
    tree: Tree, parses: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree({**PROJECT, "app/sub/deep.py": "def deep():\n    pass\n"})
    backdate(root)
    first = run(root)
    run(root)
    walks = [0]
    real_discover = api_module.discover_files

    def counting_discover(*args: Any, **kwargs: Any) -> Any:
        walks[0] += 1
        return real_discover(*args, **kwargs)

    monkeypatch.setattr(api_module, "discover_files", counting_discover)
    app = root / "app"
    # saved the way editors, ``sed -i`` and ``git checkout`` save: a new file renamed over
    # the old one (the folder's mtime moves, its listing does not); an editor's swap file
    # and a file ``include`` does not want come and go
    (app / ".service.py.swp").write_text("x")
    (app / "notes.txt").write_text("x")
    tmp = app / "worker.py.tmp"
    tmp.write_text((app / "worker.py").read_text() + "# saved\n")
    os.replace(tmp, app / "worker.py")
    (app / ".service.py.swp").unlink()
    second = run(root)
    assert walks[0] == 0 and parses[0] == 6
    assert second.summary._replace(lines=0) == first.summary._replace(lines=0)
    assert second.summary.lines == first.summary.lines + 1
    # what the walk would find changes: a new module, a new package, a new .gitignore
    for change, files in (
        (lambda: (app / "fresh.py").write_text("async def fresh():\n    pass\n"), 6),
        (lambda: (app / "pkg").mkdir() or (app / "pkg" / "m.py").write_text(""), 7),
        (lambda: (app / ".gitignore").write_text("fresh.py\n"), 6),
        (lambda: (app / "sub" / "deep.py").unlink(), 5),
    ):
        change()
        assert run(root).summary.files == files
    assert walks[0] == 4
    # and a folder that did not change at all is not listed again
    backdate(root)
    run(root)
    monkeypatch.setattr(
        "awaitify.engine.snapshot.list_folder",
        lambda *a: pytest.fail("an unchanged folder was listed"),  # type: ignore[misc]
    )
    run(root)
    assert walks[0] == 5


def test_an_undone_edit_finds_the_stored_result(
    tree: Tree, parses: list[int], project_phases: list[int]
) -> None:
    root = tree(PROJECT)
    backdate(root)
    run(root)
    path = root / "app" / "worker.py"
    original = path.read_bytes()
    path.write_bytes(original + b"# tmp\n")
    run(root)
    path.write_bytes(original)
    run(root)
    # the appended comment changes no facts: the early cutoff reuses the first result, so
    # the project phase ran once; the edited file was parsed once more
    assert parses[0] == 5 and project_phases[0] == 1


def test_changing_config_recomputes(tree: Tree, project_phases: list[int]) -> None:
    root = tree(PROJECT)
    scan([root], Config(root=root), ScanOptions(cwd=str(root)))
    scan([root], Config(root=root, ignore=("ASY2",)), ScanOptions(cwd=str(root)))
    assert project_phases[0] == 2


def test_a_newer_analysis_never_serves_an_older_result(
    tree: Tree, project_phases: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same release, same files, analysis changed: the stored result and call graph are not
    reused (``ANALYSIS_VERSION`` is in their keys)."""
    root = tree(PROJECT)
    scan([root], Config(root=root), ScanOptions(cwd=str(root)))
    scan([root], Config(root=root), ScanOptions(cwd=str(root)))
    assert project_phases[0] == 1
    monkeypatch.setattr(api_module, "ANALYSIS_VERSION", api_module.ANALYSIS_VERSION + 1)
    scan([root], Config(root=root), ScanOptions(cwd=str(root)))
    assert project_phases[0] == 2


def test_garbage_cache_file_is_rebuilt_with_a_warning(tree: Tree, parses: list[int]) -> None:
    root = tree(PROJECT)
    expected = render(run(root, use_cache=False))
    cache_file = root / ".awaitify" / "cache.sqlite"
    cache_file.parent.mkdir()
    cache_file.write_bytes(b"this is not a database" * 200)
    result = run(root)
    assert render(result) == expected
    assert any("unusable" in n and "rebuilt" in n for n in result.notes)
    assert (root / ".awaitify" / "cache.sqlite.broken").exists()
    backdate(root)
    parsed = parses[0]
    again = run(root)
    assert not again.notes and parses[0] == parsed  # the rebuilt cache works


def test_cache_damaged_inside_is_rebuilt_with_a_warning(tree: Tree) -> None:
    root = tree({f"m{i}.py": f"def f{i}():\n    return {'x' * 400!r}\n" for i in range(60)})
    expected = render(run(root, use_cache=False))
    run(root)
    cache_file = root / ".awaitify" / "cache.sqlite"
    with sqlite3.connect(cache_file) as conn:  # fold the WAL in, then damage the pages
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(cache_file.read_bytes())
    assert len(data) > 3 * 4096
    data[2 * 4096 :] = b"\xff" * (len(data) - 2 * 4096)
    cache_file.write_bytes(bytes(data))
    backdate(root)
    result = run(root)
    assert render(result) == expected
    assert any("unusable" in n or "failed" in n for n in result.notes)
    assert not run(root).notes  # rebuilt: silent again


def test_cli_warns_on_stderr_and_still_succeeds(tree: Tree, cli: Callable[..., Any]) -> None:
    root = tree(PROJECT)
    (root / ".awaitify").mkdir()
    (root / ".awaitify" / "cache.sqlite").write_bytes(b"\x00garbage" * 100)
    done = cli(["scan", "--format", "json", "."], cwd=root)
    assert done.code == 0
    assert "awaitify: warning: cache" in done.err and "rebuilt" in done.err
    assert "Traceback" not in done.err
    json.loads(done.out)


def test_locked_cache_is_a_warning_not_a_crash(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(PROJECT)
    run(root)
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(root / ".awaitify" / "cache.sqlite", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("DELETE FROM results")
        (root / "app" / "new.py").write_text("def g():\n    pass\n")
        result = run(root)
    finally:
        holder.close()
    assert result.summary.files == 5
    assert any("lock" in n for n in result.notes)


def test_unwritable_cache_folder_is_a_warning(tree: Tree) -> None:
    root = tree(PROJECT)
    (root / ".awaitify").write_text("a file where the folder should be")
    result = run(root)
    assert result.summary.files == 4
    assert any("without cache" in n for n in result.notes)


def test_cache_folder_is_git_ignored(tree: Tree) -> None:
    root = tree(PROJECT)
    run(root)
    assert (root / ".awaitify" / ".gitignore").read_text().strip().endswith("*")


def test_two_concurrent_scans_do_not_corrupt_the_cache(tree: Tree) -> None:
    files: dict[str, str | bytes] = {
        f"pkg{i % 7}/mod{i}.py": f"import asyncio\n\nasync def f{i}():\n    await g{i}()\n\n"
        f"def s{i}():\n    asyncio.run(f{i}())\n" * 3
        for i in range(240)  # more than a background write takes
    }
    root = tree(files)
    cmd = [sys.executable, "-m", "awaitify", "scan", "--format", "json", "--jobs", "2", "."]
    procs = [
        subprocess.Popen(
            cmd, cwd=root, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e.decode() for _, e in outs]
    assert outs[0][0] == outs[1][0]
    with sqlite3.connect(root / ".awaitify" / "cache.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM facts").fetchone()[0] == 240
    third = subprocess.run(cmd, cwd=root, env=subprocess_env(), capture_output=True, timeout=300)
    assert third.returncode == 0 and third.stdout == outs[0][0]
    assert b"warning" not in third.stderr


def test_facts_written_in_the_background_are_complete_when_scan_returns(
    tree: Tree, parses: list[int]
) -> None:
    root = tree({f"m{i}.py": f"async def f{i}():\n    pass\n" for i in range(300)})
    run(root)
    with sqlite3.connect(root / ".awaitify" / "cache.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM facts").fetchone()[0] == 300
    (root / "extra.py").write_text("x = 1\n")
    run(root)
    assert parses[0] == 301


def test_a_named_file_that_went_away_is_a_usage_error_even_when_warm(tree: Tree) -> None:
    from awaitify.errors import UsageError

    root = tree({"a.py": "def f():\n    pass\n", "b.py": "x = 1\n"})
    options = ScanOptions(cwd=str(root))
    scan([root / "a.py"], Config(root=root), options)
    scan([root / "a.py"], Config(root=root), options)
    (root / "a.py").unlink()
    with pytest.raises(UsageError, match="no such file"):
        scan([root / "a.py"], Config(root=root), options)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs fork")
def test_a_worker_that_dies_loses_no_file(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    from awaitify.engine import runner

    root = tree({f"m{i}.py": f"async def f{i}():\n    pass\n" for i in range(120)})

    def dying_worker(batches: Any, counter: Any, out: Any, *args: Any) -> None:
        runner._claim(counter)  # takes a batch, then crashes before sending it
        os._exit(3)

    monkeypatch.setattr(runner, "_worker_main", dying_worker)
    result = scan([root], Config(root=root), ScanOptions(use_cache=False, jobs=2, cwd=str(root)))
    assert result.summary.files == 120 and result.summary.async_functions == 120


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are Linux's")
def test_a_worker_can_send_a_megabyte_before_it_waits(
    tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The main process reads a worker's results only between the files it parses itself:
    with the default 64 KB pipe a batch of facts did not fit and the worker sat blocked."""
    import fcntl

    from awaitify.engine import runner

    root = tree({f"m{i}.py": f"async def f{i}():\n    pass\n" for i in range(120)})
    seen = tmp_path / "pipe-size"
    real = runner._worker_main

    def measuring_worker(batches: Any, counter: Any, out: Any, *args: Any) -> None:
        seen.write_text(str(fcntl.fcntl(out.fileno(), fcntl.F_GETPIPE_SZ)))
        real(batches, counter, out, *args)

    monkeypatch.setattr(runner, "_worker_main", measuring_worker)
    result = scan([root], Config(root=root), ScanOptions(use_cache=False, jobs=2, cwd=str(root)))
    assert result.summary.async_functions == 120
    limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    assert int(seen.read_text()) == min(limit, 1 << 20)


def test_a_background_write_that_cannot_happen_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = cache_module.open_cache(tmp_path / ".awaitify", True)
    rows = [(i.to_bytes(16, "big"), b"facts %d" % i) for i in range(300)]
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_S", 0.2)
    assert cache.path is not None
    blocker = sqlite3.connect(cache.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another run holds the write lock throughout
    try:
        cache.put_facts(rows, background=True)
        cache.flush()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert len(cache.warnings) == 1 and cache.warnings[0].startswith("cache not updated")
    assert not list(cache.path.parent.glob("facts-*.tmp"))  # the rows' file is gone
    cache.warnings.clear()
    cache.put_facts(rows, background=True)  # the lock is free: written, no warning
    assert len(cache.get_facts([rows[0][0], rows[-1][0]])) == 2
    assert cache.warnings == []
    cache.close()
