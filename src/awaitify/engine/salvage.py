"""Recover the parts of a broken file that do parse.

CPython stops at the first syntax error. To still count and analyse the functions, classes,
calls and bridges around it, parso (jedi's error-tolerant, indentation-aware parser) marks
the broken regions; their lines are replaced by ``pass`` at the region's indentation (or
blanked), keeping every other line at its line number, and the result goes back through
CPython's own parser. If CPython still rejects the result, the line it names is added to
the broken regions and the loop repeats a bounded number of times.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from typing import Any

_MAX_ROUNDS = 25
_RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"


def error_lines(node: Any) -> Iterator[tuple[int, int]]:
    """(first, last) line of every error node or leaf below ``node``."""
    stack = [node]
    while stack:
        n = stack.pop()
        tp = n.type
        if tp in ("error_node", "error_leaf"):
            first = n.start_pos[0]
            last = n.end_pos[0]
            if n.end_pos[1] == 0 and last > first:
                last -= 1  # a region ending at column 0 does not include that line
            yield first, last
            continue
        children = getattr(n, "children", None)
        if children:
            stack.extend(children)


def _rewrite(lines: list[str], bad: set[int]) -> str:
    out = list(lines)
    i = 0
    n = len(lines)
    while i < n:
        if i + 1 not in bad:
            i += 1
            continue
        start = i
        while i < n and i + 1 in bad:
            i += 1
        first = lines[start]
        indent = first[: len(first) - len(first.lstrip(" \t"))]
        # ``pass`` keeps a block that is left empty a valid block
        out[start] = indent + "pass\n"
        for j in range(start + 1, i):
            out[j] = "\n"
    return "".join(out)


def salvage(text: str, error_line: int | None) -> ast.Module | None:
    """The best ``ast.Module`` for the parseable parts of ``text``, or None."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return None
    try:
        import parso  # 30 ms to import: only for files that do not parse

        tree = parso.parse(text, error_recovery=True, version=_RUNNING)  # type: ignore[no-untyped-call]
    except Exception:  # parso has no documented exception contract; fall back to lines
        tree = None
    bad: set[int] = set()
    if tree is not None:
        for first, last in error_lines(tree):
            bad.update(range(first, last + 1))
    if error_line:
        bad.add(error_line)
    for _ in range(_MAX_ROUNDS):
        candidate = _rewrite(lines, bad)
        try:
            return ast.parse(candidate)
        except SyntaxError as exc:
            line = exc.lineno
            if not line or line in bad or line > len(lines):
                # the region around the named line is already blank: widen to its neighbours
                grown = {b + d for b in bad for d in (-1, 1)} - bad
                grown = {g for g in grown if 1 <= g <= len(lines)}
                if not grown:
                    return None
                bad |= grown
            else:
                bad.add(line)
        except (RecursionError, MemoryError, ValueError):
            return None
    return None
