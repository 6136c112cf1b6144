"""``migrate`` output: a unified diff and a summary (``--format diff``), or JSON."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Sequence
from typing import Any

from awaitify.engine.parse import decode
from awaitify.migrate.model import FileChange, MigrationResult

_ROWS = (
    ("functions_converted", "functions converted"),
    ("tests_converted", "  of which tests"),
    ("fixtures_converted", "  of which fixtures"),
    ("calls_awaited", "call sites awaited"),
    ("bridges_inserted", "bridges inserted (asyncio.run)"),
    ("bridges_removed", "bridges replaced by await"),
    ("calls_to_threads", "calls moved to threads"),
    ("async_twins", "calls replaced by an async twin"),
    ("async_withs", "sessions entered with async with"),
)


def diff_paths(changes: Sequence[FileChange]) -> dict[str, str]:
    """The path each file goes by in the diff headers: its display path, relative to the
    current directory; when a file lies outside it, every file's path relative to the
    repository's root (as ``git diff`` names them), so ``git apply`` / ``patch -p1`` run
    from there take the whole diff."""
    if not any(os.path.isabs(c.path) for c in changes):
        return {c.abspath: c.path for c in changes}
    base = os.path.commonpath([os.path.dirname(c.abspath) for c in changes])
    probe = base
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            base = probe
            break
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return {c.abspath: os.path.relpath(c.abspath, base).replace(os.sep, "/") for c in changes}


def file_diff(change: FileChange, name: str | None = None) -> str:
    before = decode(change.before).splitlines(keepends=True)
    after = decode(change.after).splitlines(keepends=True)
    name = name or change.path
    lines = list(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}", n=3))
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def summary(result: MigrationResult) -> dict[str, int]:
    counts = result.counts.to_json()
    counts["files_touched"] = len(result.touched)
    counts["needs_review"] = len(result.review)
    return counts


def render_text(result: MigrationResult) -> str:
    names = diff_paths(result.touched)
    parts = [file_diff(c, names[c.abspath]) for c in result.touched]
    counts = summary(result)
    if result.applied:
        head = "awaitify migrate: applied"
    elif result.refused:
        head = "awaitify migrate: refused, nothing written"
    elif not result.touched:
        head = "awaitify migrate: nothing to migrate, nothing written"
    else:
        head = "awaitify migrate: dry run, nothing written (--apply writes the changes)"
    lines = ["", head] if parts else [head]
    if not result.selected:
        lines.append("  nothing selected: no finding there names a function to convert")
    for key, label in _ROWS:
        value = counts[key]
        if key in ("tests_converted", "fixtures_converted") and not value:
            continue
        lines.append(f"  {label:<42} {value:>5}")
    lines.append(f"  {'files touched':<42} {counts['files_touched']:>5}")
    lines.append(f"  {'needs review':<42} {counts['needs_review']:>5}")
    if result.review:
        lines += ["", "needs review (not changed, or changed but worth a look):"]
        lines += [f"  {r.path}:{r.line}: {r.message}" for r in result.review]
    if result.refused:
        lines += ["", "refused:"]
        lines += [f"  {reason}" for reason in result.refused]
    return "".join(parts) + "\n".join(lines) + "\n"


def to_json(result: MigrationResult) -> dict[str, Any]:
    names = diff_paths(result.touched)
    return {
        "schema": 1,
        "applied": result.applied,
        "refused": list(result.refused),
        "summary": summary(result),
        "files": [
            {
                "path": c.path,
                "functions": list(c.functions),
                "counts": c.counts.to_json(),
                "diff": file_diff(c, names[c.abspath]),
            }
            for c in result.touched
        ],
        "review": [r.to_json() for r in result.review],
    }


def render_json(result: MigrationResult) -> str:
    return json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n"
