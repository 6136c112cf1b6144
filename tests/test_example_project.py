"""The example service's findings are exactly the ones its EXPECTED.md lists."""

from __future__ import annotations

import re
from pathlib import Path

from awaitify.api import ScanOptions, scan

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "billing_service"
_ROW = re.compile(r"^\|\s*\d+\s*\|\s*(ASY\d{3})\s*\|\s*([\w/.]+)\s*\|\s*(\d+)\s*\|")


def expected() -> set[tuple[str, str, int]]:
    rows = set()
    for line in (EXAMPLE / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m:
            rows.add((m.group(1), m.group(2), int(m.group(3))))
    return rows


def test_example_findings_match_expected_md() -> None:
    import os

    cwd = os.getcwd()
    os.chdir(EXAMPLE)
    try:
        result = scan(["."], options=ScanOptions(use_cache=False))
    finally:
        os.chdir(cwd)
    got = {(f.code, f.path, f.line) for f in result.findings}
    want = expected()
    assert len(want) >= 40
    assert got == want
    summary = result.summary
    assert (summary.files, summary.files_with_syntax_errors) == (33, 1)
    assert (summary.async_functions, summary.sync_functions) == (40, 92)
    assert (summary.asyncio_run_calls, summary.bridges) == (7, 7)
    assert (summary.mixed_files, summary.mixed_classes) == (9, 3)
