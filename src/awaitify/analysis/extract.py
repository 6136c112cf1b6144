"""One pass over a module's ``ast`` that produces its :class:`FileFacts`.

This pass runs on every file of a codebase, cold, so it is written for speed: statements
and expressions are dispatched by exact type through dicts, leaves (names, constants) are
never entered, and rows are plain tuples. Names are recorded raw during the walk and
resolved through the file's imports at the end, so function-local imports count too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from awaitify.analysis.facts import (
    CALL_IN_DECORATOR,
    CALL_IN_DEFAULT,
    CALL_IN_LAMBDA,
    CALL_IN_MAIN,
    CALL_STARRED_ARGS,
    CTX_ARG,
    CTX_ASSIGN,
    CTX_ASYNC_ITER,
    CTX_ASYNC_WITH,
    CTX_ATTR,
    CTX_AWAIT,
    CTX_CONTAINER,
    CTX_EXPR,
    CTX_ITER,
    CTX_OPERAND,
    CTX_OTHER,
    CTX_RETURN,
    CTX_TEST,
    CTX_WITH,
    CTX_YIELD,
    FN_ABSTRACT,
    FN_CLASSMETHOD,
    FN_GENERATOR,
    FN_HAS_AWAIT,
    FN_IN_MAIN,
    FN_OVERLOAD,
    FN_PROPERTY,
    FN_STATICMETHOD,
    FN_STUB,
    Assign,
    CallRow,
    Class,
    Function,
    Import,
    With,
)

#: Bridge kinds by resolved callee; ``run_until_complete`` is matched on the method name.
BRIDGE_CALLEES = {
    "asyncio.run": "asyncio.run",
    "asgiref.sync.async_to_sync": "async_to_sync",
    "anyio.run": "anyio.run",
    "trio.run": "trio.run",
}
_PROPERTY_DECORATORS = frozenset(
    {"property", "functools.cached_property", "cached_property", "abc.abstractproperty"}
)
_ABSTRACT_DECORATORS = frozenset({"abc.abstractmethod", "abstractmethod"})
_OVERLOAD_DECORATORS = frozenset({"typing.overload", "overload", "typing_extensions.overload"})


def dotted(node: ast.expr) -> str:
    """``a.b.c`` for a Name/Attribute chain; ``f().m`` through calls; "" otherwise."""
    tp = type(node)
    if tp is ast.Name:  # the common cases first: this runs for every call and assignment
        return node.id  # type: ignore[attr-defined,no-any-return]
    if tp is ast.Attribute:
        value = node.value  # type: ignore[attr-defined]
        vtp = type(value)
        if vtp is ast.Name:
            return value.id + "." + node.attr  # type: ignore[attr-defined,no-any-return]
        if vtp is ast.Attribute and type(value.value) is ast.Name:  # ``self.x.y``
            return value.value.id + "." + value.attr + "." + node.attr  # type: ignore[attr-defined,no-any-return]
    parts: list[str] = []
    while True:
        tp = type(node)
        if tp is ast.Attribute:
            parts.append(node.attr)  # type: ignore[attr-defined]
            node = node.value  # type: ignore[attr-defined]
        elif tp is ast.Name:
            parts.append(node.id)  # type: ignore[attr-defined]
            break
        elif tp is ast.Call:
            inner = dotted(node.func)  # type: ignore[attr-defined]
            if not inner:
                return ""
            parts.append(inner + "()")
            break
        else:
            return ""
    parts.reverse()
    return ".".join(parts)


_DOTTED_TEXT = re.compile(r"^[A-Za-z_][\w.]*$")
#: ``Optional[X]``, ``Annotated[X, ...]``, ... name X (matched on the last name part, so
#: ``typing.Optional`` and ``t.Optional`` count too)
_WRAPPERS = frozenset({"Optional", "Annotated", "Final", "ClassVar", "Required", "NotRequired"})


def annotation_name(node: ast.expr) -> str:
    """The class an annotation names: ``Session``, ``"Repo"``, ``Optional[Session]``,
    ``Session | None``, ``Union[Session, None]``, ``"Optional[Session]"``; "" otherwise."""
    tp = type(node)
    if tp is ast.Name or tp is ast.Attribute:
        return dotted(node)
    if tp is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        if not isinstance(value, str):
            return ""
        text = value.strip()
        if _DOTTED_TEXT.match(text):
            return text
        if len(text) > 200:
            return ""
        try:  # a forward reference with structure: "Session | None", "Optional[Repo]"
            inner = ast.parse(text, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return ""
        return annotation_name(inner)
    if tp is ast.Subscript:
        wrapper = dotted(node.value).rpartition(".")[2]  # type: ignore[attr-defined]
        inner = node.slice  # type: ignore[attr-defined]
        if wrapper in _WRAPPERS:
            if type(inner) is ast.Tuple:
                inner = inner.elts[0]
            return annotation_name(inner)
        if wrapper == "Union":
            elts = inner.elts if type(inner) is ast.Tuple else [inner]
            names = [annotation_name(e) for e in elts if not _is_none(e)]
            return names[0] if len(names) == 1 else ""
        return ""
    if tp is ast.BinOp and type(node.op) is ast.BitOr:  # type: ignore[attr-defined]
        if _is_none(node.left):  # type: ignore[attr-defined]
            return annotation_name(node.right)  # type: ignore[attr-defined]
        left = annotation_name(node.left)  # type: ignore[attr-defined]
        return left if _is_none(node.right) or not annotation_name(node.right) else ""  # type: ignore[attr-defined]
    return ""


def _is_none(node: ast.expr) -> bool:
    return type(node) is ast.Constant and node.value in (None, "None")


def _decorator_flags(names: list[str] | tuple[str, ...]) -> int:
    flags = 0
    for name in names:
        if name in _PROPERTY_DECORATORS or name.endswith((".setter", ".deleter", ".getter")):
            flags |= FN_PROPERTY
        elif name == "staticmethod":
            flags |= FN_STATICMETHOD
        elif name == "classmethod":
            flags |= FN_CLASSMETHOD
        elif name in _ABSTRACT_DECORATORS:
            flags |= FN_ABSTRACT
        elif name in _OVERLOAD_DECORATORS:
            flags |= FN_OVERLOAD
    return flags


def _is_stub_body(body: list[ast.stmt]) -> bool:
    for i, stmt in enumerate(body):
        tp = type(stmt)
        if tp is ast.Pass:
            continue
        if tp is ast.Expr and type(stmt.value) is ast.Constant:  # type: ignore[attr-defined]
            continue  # docstring or ``...``
        if tp is ast.Raise and i == len(body) - 1:
            exc = stmt.exc  # type: ignore[attr-defined]
            name = dotted(exc.func if type(exc) is ast.Call else exc) if exc else ""
            if name.endswith("NotImplementedError"):
                continue
        return False
    return True


def _is_main_guard(test: ast.expr) -> bool:
    if type(test) is not ast.Compare or len(test.ops) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if type(s) is ast.Name]
    consts = [s.value for s in sides if type(s) is ast.Constant]
    return names == ["__name__"] and consts == ["__main__"]


class Extractor:
    """Walks one module. Use :func:`extract` rather than this class directly."""

    def __init__(self) -> None:
        self.reset()
        # bound-method dispatch tables: built once per process (see :func:`_extractor`)
        self.stmt: dict[type, Callable[[Any], None]] = {
            ast.FunctionDef: self._function,
            ast.AsyncFunctionDef: self._function,
            ast.ClassDef: self._class,
            ast.Expr: self._expr_stmt,
            ast.Assign: self._assign,
            ast.AnnAssign: self._ann_assign,
            ast.AugAssign: self._aug_assign,
            ast.Return: self._return,
            ast.If: self._if,
            ast.For: self._for,
            ast.AsyncFor: self._for,
            ast.While: self._while,
            ast.With: self._with,
            ast.AsyncWith: self._with,
            ast.Try: self._try,
            ast.Raise: self._raise,
            ast.Assert: self._assert,
            ast.Delete: self._delete,
            ast.Import: self._import,
            ast.ImportFrom: self._import_from,
        }
        if hasattr(ast, "TryStar"):
            self.stmt[ast.TryStar] = self._try
        if hasattr(ast, "Match"):
            self.stmt[ast.Match] = self._match
        self.expr: dict[type, Callable[[Any, int, int], None]] = {
            ast.Call: self._call,
            ast.Await: self._await,
            ast.Attribute: self._attribute,
            ast.Subscript: self._subscript,
            ast.BinOp: self._binop,
            ast.Compare: self._compare,
            ast.UnaryOp: self._unary,
            ast.BoolOp: self._boolop,
            ast.IfExp: self._ifexp,
            ast.Lambda: self._lambda,
            ast.ListComp: self._comp,
            ast.SetComp: self._comp,
            ast.GeneratorExp: self._comp,
            ast.DictComp: self._dictcomp,
            ast.NamedExpr: self._namedexpr,
            ast.Starred: self._starred,
            ast.List: self._container,
            ast.Tuple: self._container,
            ast.Set: self._container,
            ast.Dict: self._dict,
            ast.JoinedStr: self._joined,
            ast.FormattedValue: self._formatted,
            ast.Yield: self._yield,
            ast.YieldFrom: self._yield,
            ast.Slice: self._slice,
        }
        self.expr_get = self.expr.get

    def reset(self) -> None:
        self.functions: list[list[Any]] = []
        self.classes: list[Class] = []
        self.imports: list[Import] = []
        self.calls: list[CallRow] = []
        self.assigns: list[list[Any]] = []
        self.withs: list[list[Any]] = []
        self.scope = -1  # current function index
        self.klass = -1  # current class index (class body only)
        self.flags = 0  # CALL_* flags that apply to calls recorded now
        self.qual: list[str] = []

    # -- statements ----------------------------------------------------------------------
    def body(self, stmts: list[ast.stmt]) -> None:
        table = self.stmt
        for s in stmts:
            handler = table.get(type(s))
            if handler is not None:
                handler(s)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        is_async = type(node) is ast.AsyncFunctionDef
        saved_flags = self.flags
        self.flags = saved_flags | CALL_IN_DECORATOR
        decorators = []
        flags = 0
        for d in node.decorator_list:
            self.visit(d, CTX_OTHER, -1)
            decorators.append(dotted(d.func if type(d) is ast.Call else d))
        self.flags = saved_flags | CALL_IN_DEFAULT
        args = node.args
        for default in args.defaults:
            self.visit(default, CTX_OTHER, -1)
        for kw_default in args.kw_defaults:
            if kw_default is not None:
                self.visit(kw_default, CTX_OTHER, -1)
        self.flags = saved_flags
        params = []
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            params.append((a.arg, annotation_name(a.annotation) if a.annotation else ""))
        if args.vararg:
            params.append(("*" + args.vararg.arg, ""))
        if args.kwarg:
            params.append(("**" + args.kwarg.arg, ""))
        if decorators:
            flags = _decorator_flags(decorators)
        if _is_stub_body(node.body):
            flags |= FN_STUB
        if saved_flags & CALL_IN_MAIN:
            flags |= FN_IN_MAIN
        self.qual.append(node.name)
        index = len(self.functions)
        self.functions.append(
            [
                ".".join(self.qual),
                node.name,
                is_async,
                node.lineno,
                node.col_offset,
                node.end_lineno or node.lineno,
                self.klass,
                self.scope,
                decorators,
                tuple(params),
                annotation_name(node.returns) if node.returns else "",
                flags,
            ]
        )
        saved_scope, saved_class = self.scope, self.klass
        self.scope, self.klass = index, -1
        self.flags = saved_flags & CALL_IN_MAIN
        self.body(node.body)
        self.scope, self.klass, self.flags = saved_scope, saved_class, saved_flags
        self.qual.pop()

    def _class(self, node: ast.ClassDef) -> None:
        saved_flags = self.flags
        self.flags = saved_flags | CALL_IN_DECORATOR
        for d in node.decorator_list:
            self.visit(d, CTX_OTHER, -1)
        self.flags = saved_flags
        for b in node.bases:
            self.visit(b, CTX_OTHER, -1)
        self.qual.append(node.name)
        index = len(self.classes)
        self.classes.append(
            Class(
                ".".join(self.qual),
                node.name,
                node.lineno,
                node.col_offset,
                node.end_lineno or node.lineno,
                tuple(dotted(b) for b in node.bases),
                tuple(dotted(d.func if type(d) is ast.Call else d) for d in node.decorator_list),
                self.klass,
                self.scope,
            )
        )
        saved_class = self.klass
        self.klass = index
        self.body(node.body)
        self.klass = saved_class
        self.qual.pop()

    def _expr_stmt(self, node: ast.Expr) -> None:
        value = node.value
        handler = self.expr_get(type(value))
        if handler is not None:
            handler(value, CTX_EXPR, -1)

    def _record_assign(self, target: ast.expr, value: ast.expr | None, annotation: str) -> None:
        name = dotted(target)
        if not name or "()" in name:
            return
        call = ""
        plain = ""
        if value is not None:
            if type(value) is ast.Await:
                value = value.value
            if type(value) is ast.Call:
                call = dotted(value.func)
            elif type(value) is ast.Name or type(value) is ast.Attribute:
                plain = dotted(value)
        if call or plain or annotation:
            self.assigns.append(
                [self.scope, self.klass, name, call, plain, annotation, target.lineno]
            )

    def _assign(self, node: ast.Assign) -> None:
        value = node.value
        handler = self.expr_get(type(value))
        if handler is not None:
            handler(value, CTX_ASSIGN, -1)
        for t in node.targets:
            if type(t) is ast.Name or type(t) is ast.Attribute:
                self._record_assign(t, node.value, "")
            else:
                self.visit(t, CTX_OTHER, -1)

    def _ann_assign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value, CTX_ASSIGN, -1)
        if type(node.target) is ast.Name or type(node.target) is ast.Attribute:
            self._record_assign(node.target, node.value, annotation_name(node.annotation))

    def _aug_assign(self, node: ast.AugAssign) -> None:
        self.visit(node.value, CTX_OPERAND, -1)
        self.visit(node.target, CTX_OTHER, -1)

    def _return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.visit(node.value, CTX_RETURN, -1)

    def _if(self, node: ast.If) -> None:
        self.visit(node.test, CTX_TEST, -1)
        if self.scope == -1 and self.klass == -1 and _is_main_guard(node.test):
            saved = self.flags
            self.flags = saved | CALL_IN_MAIN
            self.body(node.body)
            self.flags = saved
        else:
            self.body(node.body)
        self.body(node.orelse)

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        if type(node) is ast.AsyncFor:
            self._mark_await()
            self.visit(node.iter, CTX_ASYNC_ITER, -1)
        else:
            self.visit(node.iter, CTX_ITER, -1)
        self.visit(node.target, CTX_OTHER, -1)
        self.body(node.body)
        self.body(node.orelse)

    def _while(self, node: ast.While) -> None:
        self.visit(node.test, CTX_TEST, -1)
        self.body(node.body)
        self.body(node.orelse)

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        is_async = type(node) is ast.AsyncWith
        if is_async:
            self._mark_await()
        ctx = CTX_ASYNC_WITH if is_async else CTX_WITH
        for item in node.items:
            expr = item.context_expr
            call_index = -1
            if type(expr) is ast.Call:
                call_index = len(self.calls)
                name = dotted(expr.func)
            else:
                name = dotted(expr)
            self.visit(expr, ctx, -1)
            target = ""
            if item.optional_vars is not None:
                target = dotted(item.optional_vars)
                if target and "()" not in target:
                    self._record_assign(item.optional_vars, expr, "")
            self.withs.append(
                [
                    self.scope,
                    is_async,
                    expr.lineno,
                    expr.col_offset,
                    expr.end_lineno or expr.lineno,
                    expr.end_col_offset or 0,
                    call_index,
                    name,
                    target,
                ]
            )
        self.body(node.body)

    def _try(self, node: ast.Try) -> None:
        self.body(node.body)
        for h in node.handlers:
            if h.type is not None:
                self.visit(h.type, CTX_OTHER, -1)
            self.body(h.body)
        self.body(node.orelse)
        self.body(node.finalbody)

    def _match(self, node: Any) -> None:
        self.visit(node.subject, CTX_OTHER, -1)
        for case in node.cases:
            if case.guard is not None:
                self.visit(case.guard, CTX_TEST, -1)
            self.body(case.body)

    def _raise(self, node: ast.Raise) -> None:
        if node.exc is not None:
            self.visit(node.exc, CTX_OTHER, -1)
        if node.cause is not None:
            self.visit(node.cause, CTX_OTHER, -1)

    def _assert(self, node: ast.Assert) -> None:
        self.visit(node.test, CTX_TEST, -1)
        if node.msg is not None:
            self.visit(node.msg, CTX_OTHER, -1)

    def _delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            self.visit(t, CTX_OTHER, -1)

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.imports.append(
                    Import(alias.asname, alias.name, node.lineno, self.scope, False)
                )
            else:
                head = alias.name.partition(".")[0]
                self.imports.append(Import(head, head, node.lineno, self.scope, False))
                if head != alias.name:
                    self.imports.append(
                        Import(alias.name, alias.name, node.lineno, self.scope, False)
                    )

    def _import_from(self, node: ast.ImportFrom) -> None:
        base = "." * (node.level or 0) + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.imports.append(Import("*", base, node.lineno, self.scope, True))
                continue
            sep = "" if base.endswith(".") or not base else "."
            self.imports.append(
                Import(
                    alias.asname or alias.name,
                    base + sep + alias.name,
                    node.lineno,
                    self.scope,
                    True,
                )
            )

    # -- expressions ---------------------------------------------------------------------
    def visit(self, node: ast.expr, ctx: int, parent: int) -> None:
        handler = self.expr.get(type(node))
        if handler is not None:
            handler(node, ctx, parent)

    def _mark_await(self) -> None:
        if self.scope >= 0 and not self.flags & CALL_IN_LAMBDA:
            self.functions[self.scope][11] |= FN_HAS_AWAIT

    def _call(self, node: ast.Call, ctx: int, parent: int) -> None:
        # the hottest function of a cold scan: one row per call, built as the final tuple
        calls = self.calls
        index = len(calls)
        func = node.func
        args = node.args
        keywords = node.keywords
        flags = self.flags
        arg_names: tuple[str, ...] = ()
        if args:
            names: list[str] = []
            for a in args:
                tp = type(a)
                if tp is ast.Name:
                    names.append(a.id)  # type: ignore[attr-defined]
                elif tp is ast.Attribute:
                    names.append(dotted(a))
                else:
                    if tp is ast.Starred:
                        flags |= CALL_STARRED_ARGS
                    names.append("")
            arg_names = tuple(names)
        for kw in keywords:
            if kw.arg is None:
                flags |= CALL_STARRED_ARGS
                break
        callee = dotted(func)
        calls.append(
            (
                self.scope, callee, node.lineno, node.col_offset, node.end_lineno or node.lineno,
                node.end_col_offset or 0, ctx, parent, flags, arg_names,
            )
        )  # fmt: skip
        if not callee or "()" in callee:  # a plain ``a.b.c`` holds no call to record
            self.visit(func, CTX_ATTR, -1)
        get = self.expr_get
        for a in args:
            handler = get(type(a))
            if handler is not None:
                handler(a, CTX_ARG, index)
        for kw in keywords:
            value = kw.value
            handler = get(type(value))
            if handler is not None:
                handler(value, CTX_ARG, index)

    def _await(self, node: ast.Await, ctx: int, parent: int) -> None:
        self._mark_await()
        self.visit(node.value, CTX_AWAIT, -1)

    def _attribute(self, node: ast.Attribute, ctx: int, parent: int) -> None:
        value = node.value
        while type(value) is ast.Attribute:
            value = value.value
        handler = self.expr.get(type(value))
        if handler is not None:
            handler(value, CTX_ATTR, -1)

    def _subscript(self, node: ast.Subscript, ctx: int, parent: int) -> None:
        self.visit(node.value, CTX_ATTR, -1)
        self.visit(node.slice, CTX_OTHER, -1)

    def _binop(self, node: ast.BinOp, ctx: int, parent: int) -> None:
        self.visit(node.left, CTX_OPERAND, -1)
        self.visit(node.right, CTX_OPERAND, -1)

    def _compare(self, node: ast.Compare, ctx: int, parent: int) -> None:
        self.visit(node.left, CTX_OPERAND, -1)
        for c in node.comparators:
            self.visit(c, CTX_OPERAND, -1)

    def _unary(self, node: ast.UnaryOp, ctx: int, parent: int) -> None:
        self.visit(node.operand, CTX_TEST if type(node.op) is ast.Not else CTX_OPERAND, -1)

    def _boolop(self, node: ast.BoolOp, ctx: int, parent: int) -> None:
        values = node.values
        last = len(values) - 1
        for i, v in enumerate(values):
            # ``a or b`` yields its last operand: that one keeps the outer use
            self.visit(v, ctx if i == last and ctx != CTX_TEST else CTX_TEST, parent)

    def _ifexp(self, node: ast.IfExp, ctx: int, parent: int) -> None:
        self.visit(node.test, CTX_TEST, -1)
        self.visit(node.body, ctx, parent)
        self.visit(node.orelse, ctx, parent)

    def _lambda(self, node: ast.Lambda, ctx: int, parent: int) -> None:
        saved = self.flags
        self.flags = saved | CALL_IN_LAMBDA
        for default in node.args.defaults:
            self.visit(default, CTX_OTHER, -1)
        self.visit(node.body, CTX_RETURN, -1)
        self.flags = saved

    def _generators(self, generators: list[ast.comprehension]) -> None:
        for g in generators:
            if g.is_async:
                self._mark_await()
            self.visit(g.iter, CTX_ASYNC_ITER if g.is_async else CTX_ITER, -1)
            for cond in g.ifs:
                self.visit(cond, CTX_TEST, -1)

    def _comp(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp, ctx: int, parent: int
    ) -> None:
        self._generators(node.generators)
        self.visit(node.elt, CTX_CONTAINER, -1)

    def _dictcomp(self, node: ast.DictComp, ctx: int, parent: int) -> None:
        self._generators(node.generators)
        self.visit(node.key, CTX_CONTAINER, -1)
        self.visit(node.value, CTX_CONTAINER, -1)

    def _namedexpr(self, node: ast.NamedExpr, ctx: int, parent: int) -> None:
        self.visit(node.value, CTX_ASSIGN, -1)
        self._record_assign(node.target, node.value, "")

    def _starred(self, node: ast.Starred, ctx: int, parent: int) -> None:
        self.visit(node.value, CTX_ITER, -1)

    def _container(self, node: ast.List | ast.Tuple | ast.Set, ctx: int, parent: int) -> None:
        for e in node.elts:
            self.visit(e, CTX_CONTAINER, -1)

    def _dict(self, node: ast.Dict, ctx: int, parent: int) -> None:
        for k in node.keys:
            if k is not None:
                self.visit(k, CTX_CONTAINER, -1)
        for v in node.values:
            self.visit(v, CTX_CONTAINER, -1)

    def _joined(self, node: ast.JoinedStr, ctx: int, parent: int) -> None:
        for v in node.values:
            self.visit(v, CTX_OPERAND, -1)

    def _formatted(self, node: ast.FormattedValue, ctx: int, parent: int) -> None:
        self.visit(node.value, CTX_OPERAND, -1)
        if node.format_spec is not None:
            self.visit(node.format_spec, CTX_OPERAND, -1)

    def _yield(self, node: ast.Yield | ast.YieldFrom, ctx: int, parent: int) -> None:
        if self.scope >= 0 and not self.flags & CALL_IN_LAMBDA:
            self.functions[self.scope][11] |= FN_GENERATOR
        if node.value is not None:
            self.visit(node.value, CTX_YIELD, -1)

    def _slice(self, node: ast.Slice, ctx: int, parent: int) -> None:
        for part in (node.lower, node.upper, node.step):
            if part is not None:
                self.visit(part, CTX_OTHER, -1)


_shared: list[Extractor] = []


def _extractor() -> Extractor:
    """One extractor per process, reset per file: its dispatch tables cost more to build
    than a small file costs to walk."""
    if not _shared:
        _shared.append(Extractor())
    ex = _shared[0]
    ex.reset()
    return ex


class Resolver:
    """Maps a raw dotted name to its import target: ``r`` → ``asyncio.run``."""

    def __init__(self, imports: list[Import]) -> None:
        aliases: dict[str, str] = {}
        # module-level imports win over function-local ones
        for imp in sorted(imports, key=lambda i: i.scope != -1):
            if imp.local != "*" and imp.local not in aliases:
                aliases[imp.local] = imp.target
        self.aliases = aliases
        self.memo: dict[str, str] = {"": ""}

    def __call__(self, raw: str) -> str:
        done = self.memo.get(raw)
        if done is None:
            done = self.memo[raw] = self._resolve(raw)
        return done

    def _resolve(self, raw: str) -> str:
        head, dot, rest = raw.partition(".")
        if head.endswith("()"):
            inner = self(head[:-2])
            return f"{inner}(){dot}{rest}"
        target = self.aliases.get(head)
        if target is None:
            return raw
        return target + dot + rest if rest else target


def _local_names(ex: Extractor) -> dict[int, set[str]]:
    """Parameters and assigned names per function: they shadow the module's imports."""
    names: dict[int, set[str]] = {}
    for i, fn in enumerate(ex.functions):
        names[i] = {p.lstrip("*") for p, _ in fn[9]}
    for scope, _, target, *_ in ex.assigns:
        if scope >= 0 and "." not in target:
            names[scope].add(target)
    return names


def _shadowed(head: str, scope: int, ex: Extractor, names: dict[int, set[str]]) -> bool:
    while scope >= 0:
        if head in names[scope]:
            return True
        scope = ex.functions[scope][7]
    return False


def extract_module(
    tree: ast.Module,
) -> tuple[
    tuple[Function, ...],
    tuple[Class, ...],
    tuple[Import, ...],
    tuple[CallRow, ...],
    tuple[Assign, ...],
    tuple[With, ...],
    tuple[tuple[int, str], ...],
]:
    """Facts of a parsed module: functions, classes, imports, calls, assigns, withs, bridges."""
    ex = _extractor()
    ex.body(tree.body)
    resolve = Resolver(ex.imports)
    aliases = resolve.aliases
    memo_get = resolve.memo.get
    calls = ex.calls
    bridges: list[tuple[int, str]] = []
    shadowing: dict[int, set[str]] | None = None
    for index, row in enumerate(calls):
        callee = new_callee = row[1]
        args = new_args = row[9]
        if callee:
            head = callee.partition(".")[0]
            if head in aliases or "()" in head:
                if shadowing is None:
                    shadowing = _local_names(ex)
                if not _shadowed(head, row[0], ex, shadowing):
                    new_callee = memo_get(callee) or resolve(callee)
        if args:
            resolved = tuple([(memo_get(a) or resolve(a)) if a else a for a in args])
            if resolved != args:
                new_args = resolved
        if new_callee is not callee or new_args is not args:
            calls[index] = (
                row[0], new_callee, row[2], row[3], row[4], row[5], row[6], row[7], row[8], new_args,
            )  # fmt: skip
        kind = BRIDGE_CALLEES.get(new_callee)
        if kind is None and new_callee.endswith("run_until_complete"):
            kind = "run_until_complete"
        if kind is not None:
            bridges.append((index, kind))
    functions = []
    for q, n, a, ln, c, el, ci, p, decos, params, ret, fl in ex.functions:
        if decos:
            decos = tuple(map(resolve, decos))
            fl |= _decorator_flags(decos)  # ``from functools import cached_property as cp``
        params = tuple([(pn, resolve(ann)) for pn, ann in params]) if params else ()
        functions.append(
            Function(q, n, a, ln, c, el, ci, p, tuple(decos), params, resolve(ret), fl)
        )
    classes = tuple(
        c._replace(bases=tuple(map(resolve, c.bases)), decorators=tuple(map(resolve, c.decorators)))
        for c in ex.classes
    )
    assigns = tuple(
        Assign(s, k, t, resolve(call), resolve(name), resolve(ann), ln)
        for s, k, t, call, name, ann, ln in ex.assigns
    )
    withs = tuple(
        With(s, a, ln, c, el, ec, ci, resolve(expr), tgt)
        for s, a, ln, c, el, ec, ci, expr, tgt in ex.withs
    )
    return (
        tuple(functions),
        tuple(classes),
        tuple(ex.imports),
        tuple(calls),
        assigns,
        withs,
        tuple(bridges),
    )
