"""Bytes of one file → its :class:`FileFacts`: CPython's parser first, parso for the rest.

Never raises for any input: undecodable bytes, NUL bytes, CRLF, a BOM, syntax errors and
trees too deep for the parser or for the extractor all end up as facts (a syntax problem,
a ``degraded`` reason) rather than exceptions.
"""

from __future__ import annotations

import ast
import codecs
import re
import sys
import warnings

from awaitify.analysis.extract import extract_module
from awaitify.analysis.facts import FileFacts, Function, SyntaxProblem
from awaitify.analysis.tables import build_tables
from awaitify.engine.newer_syntax import INTRODUCED, Lowered, lower_newer_syntax
from awaitify.engine.salvage import salvage

_SUPPRESSION = re.compile(
    r"#\s*(?:awaitify:\s*ignore|noqa)(?:\s*(?:\[|:)\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)\]?)?",
    re.IGNORECASE,  # ``# NOQA``, as flake8 and ruff read it
)
_RUNNING = sys.version_info[:2]
_UTF8_BOM = b"\xef\xbb\xbf"
_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _coding_cookie(data: bytes) -> str | None:
    """The encoding a coding cookie in the first two lines names, if there is one."""
    for line in data[:400].split(b"\n", 2)[:2]:
        m = _CODING_COOKIE.match(line)
        if m:
            return m.group(1).decode("ascii")
    return None


def decode(data: bytes) -> str:
    """Source text as Python would read it (BOM and coding cookie honoured, lossy if need be)."""
    encoding = "utf-8"
    if data.startswith(_UTF8_BOM):
        data = data[3:]
    else:
        encoding = _coding_cookie(data) or encoding
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _reads_as_utf8(data: bytes) -> bool:
    """Whether :func:`decode` reads ``data`` as plain UTF-8 (no BOM, no other cookie), as
    CPython's parser does whenever it accepts such bytes: both then see the same text."""
    if data.startswith(_UTF8_BOM):
        return False
    encoding = _coding_cookie(data)
    if encoding is None:
        return True
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def count_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _problem(exc: SyntaxError, lines: list[str]) -> SyntaxProblem:
    # CPython gives line 0 / offset -1 for errors before the first token (a bad coding
    # cookie): a finding needs a real position
    line = exc.lineno if exc.lineno and exc.lineno > 0 else 1
    col = exc.offset if exc.offset and exc.offset > 0 else 1
    code = exc.text if exc.text is not None else (lines[line - 1] if 0 < line <= len(lines) else "")
    message = exc.msg
    return SyntaxProblem(
        message,
        line,
        col,
        exc.end_lineno if exc.end_lineno and exc.end_lineno >= line else line,
        exc.end_offset if exc.end_offset and exc.end_offset > 0 else col,
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


def _has_marker(data: bytes) -> bool:
    """Whether a suppression comment can be there at all (a C-speed search in the bytes)."""
    return b"noqa" in data or b"awaitify" in data or b"NOQA" in data or b"NoQA" in data


def _suppressions(text: str) -> tuple[tuple[int, str], ...]:
    if "#" not in text:
        return ()
    rows = []
    for m in _SUPPRESSION.finditer(text):
        start = m.start()
        line_start = text.rfind("\n", 0, start) + 1
        if _in_string(text[line_start:start]):
            continue  # ``s = "# noqa"``: a string's text, not a comment
        line = text.count("\n", 0, start) + 1
        codes = (m.group(1) or "").upper()
        rows.append((line, ",".join(c.strip() for c in codes.split(",")) if codes else ""))
    return tuple(rows)


def _in_string(prefix: str) -> bool:
    """Does a line that starts with ``prefix`` leave it inside a string literal? (A string
    opened on an earlier line is not seen: a docstring's ``# noqa`` has no code to hide.)"""
    if "'" not in prefix and '"' not in prefix:
        return False
    quote = ""
    i = 0
    n = len(prefix)
    while i < n:
        ch = prefix[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if prefix.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif ch == "#":
            return False  # a comment already: the rest of the line is its text
        elif ch in "'\"":
            quote = ch * 3 if prefix.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        i += 1
    return bool(quote)


def _count_only(tree: ast.AST) -> tuple[Function, ...]:
    """Degraded facts for a tree too deep for the extractor: just its functions."""
    functions = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            is_async = isinstance(node, ast.AsyncFunctionDef)
            end = node.end_lineno or node.lineno
            row = (node.name, node.name, is_async, node.lineno, node.col_offset, end, -1, -1)
            functions.append(Function(*row, (), (), "", 0))
        stack.extend(ast.iter_child_nodes(node))
    functions.sort(key=lambda f: (f.line, f.col))
    return tuple(functions)


def _parse(source: bytes | str, feature_version: tuple[int, int] | None = None) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes is not our business
        return ast.parse(source, feature_version=feature_version)


#: Constructs CPython reports at the token *after* them (it checks the version once the
#: whole statement is parsed): the finding goes on the construct itself.
_REPORTED_AFTER: list[tuple[str, tuple[type[ast.stmt], ...]]] = [
    ("Parenthesized context managers", (ast.With, ast.AsyncWith)),
]
if hasattr(ast, "Match"):
    _REPORTED_AFTER.append(("Pattern matching", (ast.Match,)))
if hasattr(ast, "TryStar"):
    _REPORTED_AFTER.append(("Exception groups", (ast.TryStar,)))


def _target_problem(
    text: str, target: tuple[int, int], lines: list[str], tree: ast.Module
) -> SyntaxProblem | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text, feature_version=target)
    except SyntaxError as exc:
        problem = _problem(exc, lines)
    except (RecursionError, MemoryError, ValueError):
        return None
    else:
        return None
    for prefix, types in _REPORTED_AFTER:
        if problem.message.startswith(prefix):
            return _on_construct(problem, tree, types, lines) or problem
    return problem


def _on_construct(
    problem: SyntaxProblem, tree: ast.Module, types: tuple[type[ast.stmt], ...], lines: list[str]
) -> SyntaxProblem | None:
    """The problem moved to the last construct of ``types`` that ends at or before where
    CPython reported it (the outermost one on a tie; for ``with``, one that opens with a
    parenthesis)."""
    best: tuple[tuple[int, int, int, int], ast.stmt] | None = None
    where = (problem.line, problem.col)
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        stack.extend(ast.iter_child_nodes(node))
        if not isinstance(node, types) or not isinstance(node, ast.stmt):
            continue
        end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
        if end > where:
            continue
        if isinstance(node, (ast.With, ast.AsyncWith)):
            head = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
            if not re.match(r"\s*(async\s+)?with\s*\(", head[node.col_offset :]):
                continue
        key = (*end, -node.lineno, -node.col_offset)
        if best is None or key > best[0]:
            best = (key, node)
    if best is None:
        return None
    node = best[1]
    line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    return problem._replace(
        line=node.lineno,
        col=node.col_offset + 1,
        end_line=node.end_lineno or node.lineno,
        end_col=(node.end_col_offset or 0) + 1,
        code_line=line.rstrip("\r\n"),
    )


def _lowered_problem(
    lowered: Lowered, target: tuple[int, int] | None, lines: list[str]
) -> SyntaxProblem | None:
    """ASY002 for a file in syntax newer than the running Python, when the configured
    target is older than the Python that introduced it."""
    if target is None or target >= INTRODUCED:
        return None
    code = lines[lowered.line - 1].rstrip("\r\n") if lowered.line <= len(lines) else ""
    return SyntaxProblem(
        lowered.message, lowered.line, lowered.col + 1, lowered.line, lowered.end_col + 1, code
    )


def _lines(data: bytes) -> tuple[str, list[str]]:
    text = decode(data)
    return text, text.splitlines(keepends=True)


def facts_from_bytes(data: bytes, target: tuple[int, int] | None = None) -> FileFacts:
    """Everything awaitify knows about one file, from its bytes alone.

    The common case (the file parses) never decodes the bytes itself: CPython's parser does,
    and the text is only needed for error positions, salvage and suppression comments.

    With a target version older than the running Python, the common case also parses once,
    with the target's grammar: a file it accepts has no newer syntax, and its tree is the
    one the full grammar gives (an older grammar only rejects more). A file it rejects is
    parsed again with the full grammar and checked against the target on its decoded text,
    as before; so is a file :func:`decode` would not read as the parser does (a BOM, a
    coding cookie other than UTF-8), whose text could differ from the parser's."""
    problem: SyntaxProblem | None = None
    newer: SyntaxProblem | None = None
    tree: ast.Module | None = None
    degraded = ""
    salvaged = False
    text: str | None = None
    lines: list[str] = []
    if b"\x00" in data:
        text, lines = _lines(data)
        problem = _nul_problem(data, lines)
    else:
        if target is not None and target < _RUNNING and _reads_as_utf8(data):
            try:
                tree = _parse(data, target)
            except (SyntaxError, RecursionError, MemoryError, ValueError):
                pass  # newer syntax, or a problem the full grammar reports below
            else:
                target = None  # nothing newer than the target: the check below is done
        try:
            if tree is None:
                tree = _parse(data)
        except SyntaxError as exc:
            text, lines = _lines(data)
            problem = _problem(exc, lines)
            lowered = lower_newer_syntax(text)
            if lowered is not None:
                try:
                    tree = _parse(lowered.text)
                except (SyntaxError, RecursionError, MemoryError, ValueError):
                    pass  # broken for any Python: ASY001 as read
                else:  # valid newer Python (PEP 695): no syntax error
                    problem = None
                    newer = _lowered_problem(lowered, target, lines)
                    target = None  # what newer syntax there is, is known now
        except (RecursionError, MemoryError) as exc:
            text, lines = _lines(data)
            kind = "recursion depth" if isinstance(exc, RecursionError) else "memory"
            problem = SyntaxProblem(
                f"too deeply nested for CPython's parser ({kind} exceeded)", 1, 1, 1, 1,
                lines[0].rstrip("\r\n") if lines else "",
            )  # fmt: skip
            degraded = "too deeply nested to parse"
        except ValueError as exc:  # older CPythons raise ValueError for some bad input
            text, lines = _lines(data)
            problem = SyntaxProblem(str(exc), 1, 1, 1, 1, lines[0].rstrip("\r\n") if lines else "")
    if tree is None and not degraded:
        if text is None:
            text, lines = _lines(data)
        tree = salvage(text.replace("\x00", " "), problem.line if problem else None)
        salvaged = tree is not None
        if tree is None:
            degraded = "no part of the file could be recovered"
    if problem is None and target is not None and target < _RUNNING:
        assert tree is not None  # parsed: no problem
        if text is None:
            text, lines = _lines(data)
        newer = _target_problem(text, target, lines, tree)
    suppressions = (
        _suppressions(decode(data) if text is None else text) if _has_marker(data) else ()
    )
    empty: tuple[()] = ()
    if tree is None:
        return FileFacts(
            count_lines(data), problem, newer, False, degraded,
            empty, empty, empty, empty, empty, empty, empty, suppressions,
        )  # fmt: skip
    try:
        functions, classes, imports, calls, assigns, withs, bridges = extract_module(tree)
    except RecursionError:
        counted = _count_only(tree)
        return FileFacts(
            count_lines(data), problem, newer, salvaged, "too deeply nested to analyse",
            counted, empty, empty, empty, empty, empty, empty, suppressions,
            build_tables(counted, (), (), (), ()),
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
        suppressions,
        build_tables(functions, classes, imports, assigns, calls),
    )
