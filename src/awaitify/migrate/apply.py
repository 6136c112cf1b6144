"""The only code in awaitify that writes the user's files.

Before anything is written: every file to change must still hold the bytes the migration
was computed from, and (unless ``--allow-dirty``) have no uncommitted change in git — a
modified, staged or untracked file would mix the user's work with the rewrite in one diff
that cannot be undone with ``git checkout``. Then the new contents go to temporary files
beside the originals (same directory, so same filesystem, with the original's permission
bits) and, once all of them are written and flushed, each replaces its original with
``os.replace`` — atomic per file: a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from awaitify.migrate.model import FileChange


def _git_root(directory: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", directory, "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, check=False, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    root = out.stdout.strip()
    return os.path.realpath(root) if out.returncode == 0 and root else None


def dirty_files(paths: Sequence[str]) -> list[str]:
    """Those of ``paths`` (absolute) that git reports as modified, staged or untracked.

    A file outside any git work tree, or with no git installed, is not dirty: there is
    nothing to compare it with."""
    by_root: dict[str, list[str]] = {}
    for path in paths:
        real = os.path.realpath(path)
        root = _git_root(os.path.dirname(real))
        if root is not None:
            by_root.setdefault(root, []).append(real)
    dirty: list[str] = []
    for root, files in by_root.items():
        rel = [os.path.relpath(f, root) for f in files]
        try:
            out = subprocess.run(
                ["git", "-C", root, "status", "--porcelain", "-z", "--untracked-files=all", "--", *rel],
                capture_output=True, check=False, timeout=60,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode != 0:
            continue
        reported = set()
        entries = out.stdout.split(b"\0")
        i = 0
        while i < len(entries):
            entry = entries[i]
            i += 1
            if len(entry) < 4:
                continue
            status, name = entry[:2], entry[3:].decode("utf-8", "surrogateescape")
            if status[:1] in (b"R", b"C"):
                i += 1  # the rename's source path follows
            reported.add(os.path.normpath(os.path.join(root, name)))
        dirty.extend(f for f in files if os.path.normpath(f) in reported)
    return sorted(dirty)


def stale_files(changes: Sequence[FileChange]) -> list[str]:
    """Files whose bytes on disk are no longer those the migration read."""
    out = []
    for change in changes:
        try:
            current = Path(change.abspath).read_bytes()
        except OSError:
            out.append(change.path)
            continue
        if current != change.before:
            out.append(change.path)
    return out


def write_changes(changes: Sequence[FileChange]) -> None:
    """Write every changed file atomically; on any error before the renames, none is."""
    pending: list[tuple[str, str]] = []  # (temporary, destination)
    try:
        for change in changes:
            if not change.changed:
                continue
            directory = os.path.dirname(change.abspath) or "."
            fd, tmp = tempfile.mkstemp(prefix=".awaitify-", suffix=".tmp", dir=directory)
            pending.append((tmp, change.abspath))
            with os.fdopen(fd, "wb") as fh:
                fh.write(change.after)
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(OSError):
                shutil.copymode(change.abspath, tmp)
    except BaseException:
        for tmp, _ in pending:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    for tmp, destination in pending:
        os.replace(tmp, destination)
