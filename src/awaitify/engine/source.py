"""Reading source lines of the user's files (for fingerprints and excerpts)."""

from __future__ import annotations

from functools import lru_cache

from awaitify.engine.parse import decode


@lru_cache(maxsize=256)
def read_source_lines(abspath: str) -> tuple[str, ...]:
    try:
        with open(abspath, "rb") as fh:
            data = fh.read()
    except OSError:
        return ()
    return tuple(decode(data).splitlines())


def source_line(abspath: str, line: int) -> str:
    lines = read_source_lines(abspath)
    return lines[line - 1] if 0 < line <= len(lines) else ""
