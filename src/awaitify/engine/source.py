"""Reading source lines of the user's files (for fingerprints and excerpts)."""

from __future__ import annotations

import os
from functools import lru_cache

from awaitify.engine.parse import decode


@lru_cache(maxsize=256)
def _lines(abspath: str, size: int, mtime_ns: int) -> tuple[str, ...]:
    # keyed by size and mtime too, so an edited file is read again in a long-lived process
    try:
        with open(abspath, "rb") as fh:
            data = fh.read()
    except OSError:
        return ()
    return tuple(decode(data).splitlines())


def read_source_lines(abspath: str) -> tuple[str, ...]:
    try:
        st = os.stat(abspath)
    except OSError:
        return ()
    return _lines(abspath, st.st_size, st.st_mtime_ns)


def source_line(abspath: str, line: int) -> str:
    lines = read_source_lines(abspath)
    return lines[line - 1] if 0 < line <= len(lines) else ""
