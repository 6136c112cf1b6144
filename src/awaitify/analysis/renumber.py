"""Facts that differ only by line numbers: an edit that inserted or removed lines around
what the analysis reads (a comment block, blank lines, a docstring that grew).

The project phase reads line numbers only to report them, to match suppression comments
and to order findings; it never does arithmetic on them. So when the new facts of an
edited file are the old ones with every line renumbered by one order-preserving mapping,
every finding is the old one with its lines renumbered the same way, and the run can
reuse the previous result (see ``api._unchanged_facts_result``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from awaitify.analysis.facts import C_END_LINE, C_LINE, FileFacts

#: Per table of :class:`FileFacts`: the positions of the fields that hold a line number.
_LINE_FIELDS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("functions", (3, 5)),  # Function.line, .end_line
    ("classes", (2, 4)),  # Class.line, .end_line
    ("imports", (2,)),  # Import.line
    ("calls", (C_LINE, C_END_LINE)),
    ("assigns", (6,)),  # Assign.line
    ("withs", (2, 4, 9)),  # With.line, .end_line, .body_end
    ("suppressions", (0,)),  # (line, codes)
)


def line_mapping(old: FileFacts, new: FileFacts) -> dict[int, int] | None:
    """The order-preserving renumbering of lines that turns ``old`` into ``new``, when
    nothing else differs; None otherwise (and always for a file with a syntax problem,
    whose message may quote a line number)."""
    if old.syntax_error or new.syntax_error or old.newer_syntax or new.newer_syntax:
        return None
    if (old.salvaged, old.degraded, old.bridges) != (new.salvaged, new.degraded, new.bridges):
        return None
    tables = [(getattr(old, name), getattr(new, name), fields) for name, fields in _LINE_FIELDS]
    if any(len(before) != len(after) for before, after, _ in tables):
        return None
    before_lines = sorted(_lines((rows, fields) for rows, _, fields in tables))
    after_lines = sorted(_lines((rows, fields) for _, rows, fields in tables))
    if len(before_lines) != len(after_lines):
        return None
    mapping = dict(zip(before_lines, after_lines, strict=True))
    for before, after, fields in tables:
        if any(
            _renumbered(row, fields, mapping) != tuple(row2)
            for row, row2 in zip(before, after, strict=True)
        ):
            return None
    return mapping


def _lines(tables: Iterable[tuple[Sequence[Sequence[Any]], tuple[int, ...]]]) -> set[int]:
    found: set[int] = set()
    for rows, fields in tables:
        for row in rows:
            for i in fields:
                found.add(row[i])
    return found


def _renumbered(
    row: Sequence[Any], fields: tuple[int, ...], mapping: dict[int, int]
) -> tuple[Any, ...]:
    out = list(row)
    for i in fields:
        out[i] = mapping[out[i]]
    return tuple(out)
