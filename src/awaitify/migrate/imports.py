"""Import edits for one file, through LibCST's shared helpers.

Every transformer asks for the imports it needs (``import asyncio``) and names the ones its
edit may have left unused (``time`` after ``time.sleep`` became ``asyncio.sleep``).
``AddImportsVisitor`` adds each import once and merges ``from x import a`` into an existing
``from x import b``; ``RemoveImportsVisitor`` drops a scheduled import. The context carries
the module's dotted name, so relative imports (``from ..db import SessionLocal``) are
matched and merged like absolute ones.

Both helpers walk the whole module (the remover with full scope analysis), which costs more
than the rest of a rewrite on a large file. They are run on the module's *import header*
instead (its leading docstring, imports and ``if``/``try`` import blocks); an import that
exists further down at top level is not added again, and a scheduled removal is kept only
when the name it binds no longer appears anywhere in the rewritten file outside import
statements — a textual check that errs on the side of keeping an import.
"""

from __future__ import annotations

import io
import re
import tokenize

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node


def _is_import_line(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and any(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def header_length(tree: cst.Module) -> int:
    """How many top-level statements the import header has: the leading run of import
    lines, ``if TYPE_CHECKING:`` / ``try: import ...`` blocks and the docstring."""
    last = -1
    for i, stmt in enumerate(tree.body):
        if _is_import_line(stmt) or (i == 0 and _is_docstring(stmt)):
            last = i
        elif isinstance(stmt, (cst.If, cst.Try)):
            continue  # part of the header only if an import line follows
        else:
            break
    return last + 1


class ImportEdits:
    def __init__(self, filename: str, module_name: str, is_package: bool) -> None:
        package = module_name if is_package else module_name.rpartition(".")[0]
        self.context = CodemodContext(
            filename=filename,
            full_module_name=module_name or None,
            full_package_name=package or None,
        )
        self._adds: list[tuple[str, str | None, int]] = []
        self._removals: list[tuple[str, str | None]] = []
        self._early: set[tuple[str, str | None, int]] = set()

    def add(
        self, module: str, obj: str | None = None, relative: int = 0, *, early: bool = False
    ) -> None:
        """``import module`` / ``from module import obj`` (``relative`` leading dots).
        ``early``: the name is used when the module runs (a decorator): an import of it
        below the header, which runs later, does not count."""
        if (module, obj, relative) not in self._adds:
            self._adds.append((module, obj, relative))
        if early:
            self._early.add((module, obj, relative))

    def remove_if_unused(self, module: str, obj: str | None = None) -> None:
        """Drop ``import module`` / ``from module import obj`` if nothing uses it after the
        rewrite (``module`` absolute; relative imports are resolved through the context)."""
        if (module, obj) not in self._removals:
            self._removals.append((module, obj))

    def absolute(self, module: str, relative: int) -> str:
        """``db`` with two leading dots in package ``app.api.routers`` → ``app.api.db``."""
        if not relative:
            return module
        package = self.context.full_package_name or ""
        parts = package.split(".") if package else []
        if relative > 1:
            parts = parts[: max(0, len(parts) - (relative - 1))]
        return ".".join([*parts, module] if module else parts)

    def _bound_names(
        self, head: cst.Module, module: str, obj: str | None
    ) -> list[tuple[str, str | None]]:
        """(bound name, ``as`` name or None) of the header's imports of (module, obj)."""
        names: list[tuple[str, str | None]] = []
        for stmt in head.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and obj is not None:
                    base = get_full_name_for_node(small.module) if small.module else ""
                    if self.absolute(base or "", len(small.relative)) != module:
                        continue
                    if isinstance(small.names, cst.ImportStar):
                        continue
                    for alias in small.names:
                        if get_full_name_for_node(alias.name) == obj:
                            names.append((_bound(alias) or obj, _bound(alias) or None))
                elif isinstance(small, cst.Import) and obj is None:
                    for alias in small.names:
                        if get_full_name_for_node(alias.name) == module:
                            bound = _bound(alias)
                            names.append((bound or module.partition(".")[0], bound or None))
        return names

    def _imported(self, tree: cst.Module, module: str, obj: str | None, relative: int) -> bool:
        """Is ``import module`` / ``from module import obj`` anywhere at top level (in the
        header, for an ``early`` one)?"""
        wanted = self.absolute(module, relative)
        body = tree.body
        if (module, obj, relative) in self._early:
            body = body[: header_length(tree)]
        for stmt in body:
            if not _is_import_line(stmt):
                continue
            assert isinstance(stmt, cst.SimpleStatementLine)
            for small in stmt.body:
                if isinstance(small, cst.Import) and obj is None:
                    if any(
                        get_full_name_for_node(a.name) == module and a.asname is None
                        for a in small.names
                    ):
                        return True
                elif isinstance(small, cst.ImportFrom) and obj is not None:
                    base = get_full_name_for_node(small.module) if small.module else ""
                    if self.absolute(base or "", len(small.relative)) != wanted:
                        continue
                    if isinstance(small.names, cst.ImportStar):
                        continue
                    if any(
                        get_full_name_for_node(a.name) == obj and a.asname is None
                        for a in small.names
                    ):
                        return True
        return False

    def apply(self, tree: cst.Module) -> cst.Module:
        adds = [a for a in self._adds if not self._imported(tree, *a)]
        if not adds and not self._removals:
            return tree
        k = header_length(tree)
        head = tree.with_changes(body=tree.body[:k], footer=())
        if adds:
            for module, obj, relative in adds:
                AddImportsVisitor.add_needed_import(self.context, module, obj, relative=relative)
            head = AddImportsVisitor(self.context).transform_module(head)
        merged = tree.with_changes(header=head.header, body=[*head.body, *tree.body[k:]])
        if not self._removals:
            return merged
        code = merged.code
        imports_code = "".join(head.code_for_node(s) for s in head.body if _is_import_line(s))
        unused = False
        for module, obj in self._removals:
            names = self._bound_names(head, module, obj)
            if names and all(_uses(code, n) == _uses(imports_code, n) for n, _ in names):
                for asname in dict.fromkeys(a for _, a in names):
                    RemoveImportsVisitor.remove_unused_import(self.context, module, obj, asname)
                unused = True
        if not unused:
            return merged
        head = RemoveImportsVisitor(self.context).transform_module(head)
        result = merged.with_changes(header=head.header, body=[*head.body, *tree.body[k:]])
        if _starts_blank(result) and not _starts_blank(tree):
            result = _trim_top(result)  # the first line was an import that is gone now
        return result


def _starts_blank(module: cst.Module) -> bool:
    """Does the file's text start with a blank line?"""
    lines = [*module.header, *(module.body[0].leading_lines if module.body else ())]
    return bool(lines) and lines[0].comment is None


def _trim_top(module: cst.Module) -> cst.Module:
    """Drop the blank lines the file starts with (up to its first comment or code)."""
    header = list(module.header)
    while header and header[0].comment is None:
        header.pop(0)
    module = module.with_changes(header=header)
    if header or not module.body:
        return module
    first = module.body[0]
    leading = list(first.leading_lines)
    while leading and leading[0].comment is None:
        leading.pop(0)
    return module.with_changes(body=[first.with_changes(leading_lines=leading), *module.body[1:]])


def _bound(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return ""


def _uses(text: str, name: str) -> int:
    """How many times ``text`` uses the name ``name`` in code: not as an attribute
    (``x.time``), not in a comment or a string (a docstring's "a long time"). In an
    f-string (one token before Python 3.12) every occurrence counts: keeping an unused import
    is harmless, dropping a used one is not."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
    count = 0
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME and tok.string == name and previous != ".":
                count += 1
            elif tok.type == tokenize.STRING and _FSTRING_PREFIX.match(tok.string):
                count += len(pattern.findall(tok.string))
            if tok.type not in _LAYOUT_TOKENS:
                previous = tok.string
    except (tokenize.TokenError, SyntaxError):
        return len(pattern.findall(text))
    return count


_FSTRING_PREFIX = re.compile(r"(?i)[rb]?f[rb]?['\"]")
_LAYOUT_TOKENS = frozenset(
    {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
)
