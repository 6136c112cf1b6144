"""Real code from PyPI: every file of each pinned corpus is scanned without a crash, and the
``async def`` / ``def`` counts of every file that parses equal a plain ``ast.walk`` count.

The corpora are fetched by ``../shared/corpora/fetch.sh`` (next to this repository); the
test is skipped, with the reason, when the script or the network is not available.
``homeassistant`` (6,700 files) runs only with ``AWAITIFY_CORPUS_HOMEASSISTANT=1``.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import warnings
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from awaitify.api import ScanOptions, scan
from awaitify.config import Config
from awaitify.engine.discover import discover

pytestmark = pytest.mark.corpus

FETCH = REPO_ROOT.parent / "shared" / "corpora" / "fetch.sh"
CORPORA = ["prefect", "sqlalchemy", "aiohttp", "celery", "django"]
if os.environ.get("AWAITIFY_CORPUS_HOMEASSISTANT") == "1":
    CORPORA.append("homeassistant")


def fetch(name: str) -> Path:
    if not FETCH.is_file():
        pytest.skip(f"no corpus script at {FETCH}")
    try:
        done = subprocess.run(
            ["bash", str(FETCH), name], capture_output=True, text=True, timeout=900
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot run {FETCH.name} {name}: {exc}")
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        pytest.skip(f"cannot fetch corpus {name} (offline?): {tail}")
    folder = Path(done.stdout.strip().splitlines()[-1])
    if not folder.is_dir():
        pytest.skip(f"{FETCH.name} {name} printed no folder")
    return folder


def ast_counts(path: Path) -> tuple[int, int] | None:
    """(async, sync) functions by ``ast.walk``; None when the file does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    n_async = n_sync = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            n_async += 1
        elif isinstance(node, ast.FunctionDef):
            n_sync += 1
    return n_async, n_sync


@pytest.mark.parametrize("name", CORPORA)
def test_corpus_scans_and_counts_agree_with_ast(name: str) -> None:
    folder = fetch(name)
    config = Config(root=folder)
    files = discover([folder], config, str(folder)).files
    assert files, f"no Python files in {folder}"
    result = scan([folder], config, ScanOptions(use_cache=False, cwd=str(folder)))
    assert result.summary.files == len(files)
    rows = {row.path: row for row in result.files}
    assert sorted(rows) == [f.display for f in files]
    internal = [f for f in result.findings if "internal error" in f.message]
    assert not internal, internal[:3]
    mismatches = []
    parsed = 0
    for f in files:
        row = rows[f.display]
        expected = ast_counts(Path(f.abspath))
        if expected is None:
            assert row.syntax_error is not None, f"{f.display} does not parse: no ASY001"
            continue
        parsed += 1
        assert row.syntax_error is None, f"{f.display} parses but has {row.syntax_error}"
        if (row.async_functions, row.sync_functions) != expected:
            mismatches.append((f.display, (row.async_functions, row.sync_functions), expected))
    assert not mismatches, mismatches[:10]
    assert parsed > 0.9 * len(files)
    assert result.summary.async_functions == sum(r.async_functions for r in result.files)


def _add_blocking_call(path: Path) -> bool:
    """Make the first top-level sync function of a file call ``time.sleep``; False when the
    file has none."""
    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.body:
            first = node.body[0]
            lines = text.splitlines(keepends=True)
            indent = " " * first.col_offset
            lines.insert(first.lineno - 1, f"{indent}time.sleep(0)\n")
            path.write_text("import time\n" + "".join(lines), encoding="utf-8")
            return True
    return False


def test_incremental_scans_of_a_corpus_equal_scans_from_scratch(tmp_path: Path) -> None:
    """Edits deep in prefect's import graph: each rescan (graph reuse, rules that follow
    imports re-checking only the importers) gives the JSON a scan from scratch gives."""
    import random
    import shutil

    from awaitify.report import render

    root = tmp_path / "prefect"
    shutil.copytree(fetch("prefect"), root, ignore=shutil.ignore_patterns(".awaitify"))
    config = Config(root=root)

    def doc(use_cache: bool) -> str:
        result = scan([root], config, ScanOptions(use_cache=use_cache, cwd=str(root)))
        return render("json", result)

    def finding_paths(document: str) -> set[str]:
        return {f["path"] for f in json.loads(document)["findings"]}

    before = finding_paths(doc(use_cache=True))
    candidates = sorted(
        p for p in (root / "prefect").rglob("*.py") if "utilities" in p.parts or "client" in p.parts
    )
    random.Random(7).shuffle(candidates)
    edited: set[str] = set()
    for path in candidates:
        if len(edited) == 4:
            break
        if not _add_blocking_call(path):
            continue
        edited.add(path.relative_to(root).as_posix())
        incremental = doc(use_cache=True)
        assert incremental == doc(use_cache=False), f"after editing {path.relative_to(root)}"
    assert len(edited) == 4
    # the edits made findings in files that were not edited: their callers', elsewhere
    assert finding_paths(incremental) - before - edited
