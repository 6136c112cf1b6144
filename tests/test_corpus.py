"""Real code from PyPI: every file of each pinned corpus is scanned without a crash, and the
``async def`` / ``def`` counts of every file that parses equal a plain ``ast.walk`` count.

The corpora are fetched by ``../shared/corpora/fetch.sh`` (next to this repository); the
test is skipped, with the reason, when the script or the network is not available.
``homeassistant`` (6,700 files) runs only with ``AWAITIFY_CORPUS_HOMEASSISTANT=1``.
"""

from __future__ import annotations

import ast
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
