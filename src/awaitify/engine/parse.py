"""Bytes of one file → its :class:`FileFacts`: CPython's parser first, parso for the rest.

Never raises for any input: undecodable bytes, NUL bytes, CRLF, a BOM, syntax errors and
trees too deep for the parser or for the extractor all end up as facts (a syntax problem,
a ``degraded`` reason) rather than exceptions.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings

from awaitify.analysis.extract import extract_module
from awaitify.analysis.facts import FileFacts, Function, SyntaxProblem
from awaitify.engine.salvage import salvage

_SUPPRESSION = re.compile(
    r"#\s*(?:awaitify:\s*ignore|noqa)(?:\s*(?:\[|:)\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)\]?)?",
)
_RUNNING = sys.version_info[:2]


def decode(data: bytes) -> str:
    """Source text as Python would read it (BOM and coding cookie honoured, lossy if need be)."""
    encoding = "utf-8"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    else:
        head = data[:400].split(b"\n", 2)[:2]
        for line in head:
            m = re.match(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", line)
            if m:
                encoding = m.group(1).decode("ascii")
                break
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def count_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _problem(exc: SyntaxError, lines: list[str]) -> SyntaxProblem:
    line = exc.lineno or 1
    col = exc.offset or 1
    code = exc.text if exc.text is not None else (lines[line - 1] if 0 < line <= len(lines) else "")
    message = exc.msg
    return SyntaxProblem(
        message,
        line,
        col,
        exc.end_lineno or line,
        exc.end_offset or col,
        code.rstrip("\r\n"),
    )


def _nul_problem(data: bytes, lines: list[str]) -> SyntaxProblem:
    offset = data.index(b"\x00")
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    code = lines[line - 1] if line <= len(lines) else ""
    return SyntaxProblem(
        "source code string cannot contain null bytes", line, col, line, col, code.rstrip("\r\n")
    )


def _suppressions(text: str) -> tuple[tuple[int, str], ...]:
    if "#" not in text:
        return ()
    rows = []
    for m in _SUPPRESSION.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        codes = m.group(1) or ""
        rows.append((line, ",".join(c.strip() for c in codes.split(",")) if codes else ""))
    return tuple(rows)


def _count_only(tree: ast.AST) -> tuple[Function, ...]:
    """Degraded facts for a tree too deep for the extractor: just its functions."""
    functions = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.append(
                Function(
                    node.name, node.name, isinstance(node, ast.AsyncFunctionDef), node.lineno,
                    node.col_offset, node.end_lineno or node.lineno, -1, -1, (), (), "", 0,
                )  # fmt: skip
            )
        stack.extend(ast.iter_child_nodes(node))
    functions.sort(key=lambda f: (f.line, f.col))
    return tuple(functions)


def _parse(source: bytes | str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes is not our business
        return ast.parse(source)


def _target_problem(text: str, target: tuple[int, int], lines: list[str]) -> SyntaxProblem | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text, feature_version=target)
    except SyntaxError as exc:
        return _problem(exc, lines)
    except (RecursionError, MemoryError, ValueError):
        return None
    return None


def facts_from_bytes(data: bytes, target: tuple[int, int] | None = None) -> FileFacts:
    """Everything awaitify knows about one file, from its bytes alone."""
    text = decode(data)
    lines = text.splitlines(keepends=True)
    problem: SyntaxProblem | None = None
    tree: ast.Module | None = None
    degraded = ""
    salvaged = False
    if b"\x00" in data:
        problem = _nul_problem(data, lines)
    else:
        try:
            tree = _parse(data)
        except SyntaxError as exc:
            problem = _problem(exc, lines)
        except (RecursionError, MemoryError) as exc:
            kind = "recursion depth" if isinstance(exc, RecursionError) else "memory"
            problem = SyntaxProblem(
                f"too deeply nested for CPython's parser ({kind} exceeded)", 1, 1, 1, 1,
                lines[0].rstrip("\r\n") if lines else "",
            )  # fmt: skip
            degraded = "too deeply nested to parse"
        except ValueError as exc:  # older CPythons raise ValueError for some bad input
            problem = SyntaxProblem(str(exc), 1, 1, 1, 1, lines[0].rstrip("\r\n") if lines else "")
    if tree is None and not degraded:
        clean = text.replace("\x00", " ")
        tree = salvage(clean, problem.line if problem else None)
        salvaged = tree is not None
        if tree is None:
            degraded = "no part of the file could be recovered"
    newer = None
    if problem is None and target is not None and target < _RUNNING:
        newer = _target_problem(text, target, lines)
    empty: tuple[()] = ()
    if tree is None:
        return FileFacts(
            count_lines(data), problem, newer, False, degraded,
            empty, empty, empty, empty, empty, empty, empty, _suppressions(text),
        )  # fmt: skip
    try:
        functions, classes, imports, calls, assigns, withs, bridges = extract_module(tree)
    except RecursionError:
        return FileFacts(
            count_lines(data), problem, newer, salvaged, "too deeply nested to analyse",
            _count_only(tree), empty, empty, empty, empty, empty, empty, _suppressions(text),
        )  # fmt: skip
    return FileFacts(
        count_lines(data),
        problem,
        newer,
        salvaged,
        degraded,
        functions,
        classes,
        imports,
        calls,
        assigns,
        withs,
        bridges,
        _suppressions(text),
    )
