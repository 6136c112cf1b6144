"""Files written in syntax newer than the running Python can parse.

awaitify parses with the interpreter it runs on. A project on Python 3.12 may use type
parameter lists (``class Store[T]:``, ``def first[T](xs: list[T]) -> T:``) and ``type``
alias statements (PEP 695), which an older CPython rejects as "invalid syntax": reported
as ASY001, the file would be called broken and everything inside those classes lost.

When CPython rejects a file, parso (with the 3.12 grammar) finds these constructs, and
they are lowered to what the running parser reads, column for column: a type parameter
list becomes spaces (``class Store   :``), and ``type X = ...`` becomes ``_ =  X = ...``
(the alias is still an assignment to ``X``). If CPython then accepts the file, it was valid
newer Python: it is analysed whole, and it is no syntax error (it is ASY002 when the
configured target is older than 3.12). Anything else CPython rejects stays ASY001.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from awaitify.engine.salvage import error_lines

# CPython 3.12's own messages for these constructs under an older ``feature_version``
_TYPE_PARAMS = "Type parameter lists are only supported in Python 3.12 and greater"
_TYPE_ALIAS = "Type statement is only supported in Python 3.12 and greater"
#: the Python that introduced the constructs lowered here
INTRODUCED = (3, 12)


class Lowered(NamedTuple):
    text: str  # the source, with the newer constructs replaced by what the parser reads
    line: int  # where the first newer construct is (1-based line, 0-based column)
    col: int
    end_col: int
    message: str  # CPython 3.12's, as it reports the construct for an older target


def lower_newer_syntax(text: str) -> Lowered | None:
    """``text`` with its PEP 695 constructs lowered, or None when it has none, when the
    running Python reads them itself, or when one spans lines (not lowered)."""
    if sys.version_info[:2] >= INTRODUCED:
        return None
    if "[" not in text and "type" not in text:
        return None
    try:
        import parso

        module = parso.parse(text, error_recovery=True, version="3.12")  # type: ignore[no-untyped-call]
    except Exception:  # parso is a helper here: any failure means "not lowered"
        return None
    # (line, start column, end column, replacement) of single-line spans
    edits: list[tuple[int, int, int, str]] = []
    found: list[tuple[int, int, int, str]] = []
    stack: list[Any] = [module]
    while stack:
        node = stack.pop()
        tp = node.type
        if tp == "type_params":
            (line, col), (end_line, end_col) = node.start_pos, node.end_pos
            if line != end_line or next(error_lines(node), None) is not None:
                return None
            edits.append((line, col, end_col, " " * (end_col - col)))
            found.append((line, col, end_col, _TYPE_PARAMS))
            continue
        if tp == "error_node" and _is_type_keyword(node):
            line, col = node.start_pos
            edits.append((line, col, col + 4, "_ = "))  # ``type X = v`` → ``_ =  X = v``
            found.append((line, col, col + 4, _TYPE_ALIAS))
            continue
        children = getattr(node, "children", None)
        if children:
            stack.extend(children)
    if not found:
        return None
    lines = text.splitlines(keepends=True)
    for line, col, end_col, replacement in sorted(edits, reverse=True):
        source = lines[line - 1]
        lines[line - 1] = source[:col] + replacement + source[end_col:]
    line, col, end_col, message = min(found)
    return Lowered("".join(lines), line, col, end_col, message)


def _is_type_keyword(node: Any) -> bool:
    """parso's 3.12 grammar has no ``type`` statement: it leaves the soft keyword alone in
    an error node at the start of a statement, the rest (``X[T] = v``) parsed after it."""
    children = node.children
    if len(children) != 1 or children[0].type != "name" or children[0].value != "type":
        return False
    following = node.get_next_sibling()
    return (
        following is not None
        and following.start_pos[0] == node.start_pos[0]
        and following.type == "simple_stmt"
        and following.children[0].type == "expr_stmt"
    )
