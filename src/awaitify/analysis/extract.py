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
from typing import Any, TypeVar

from awaitify.analysis.facts import (
    AENTERED,
    CALL_IN_DECORATOR,
    CALL_IN_DEFAULT,
    CALL_IN_HANDED_LAMBDA,
    CALL_IN_LAMBDA,
    CALL_IN_MAIN,
    CALL_IN_TRY_RUNTIME_ERROR,
    CALL_NO_WAIT,
    CALL_NOT_COROUTINE,
    CALL_STARRED_ARGS,
    CALL_UNREACHABLE,
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
    ENTERED,
    FN_ABSTRACT,
    FN_CLASSMETHOD,
    FN_GENERATOR,
    FN_HAS_AWAIT,
    FN_IN_MAIN,
    FN_OVERLOAD,
    FN_PROPERTY,
    FN_STATICMETHOD,
    FN_STUB,
    RETURN_TARGET,
    RUNNER_RUN,
    STORED_TARGET,
    YIELD_TARGET,
    Assign,
    CallRow,
    Class,
    Function,
    Import,
    With,
    callback_keyword,
)

#: Bridge kinds by resolved callee; ``run_until_complete`` is matched on the method name.
BRIDGE_CALLEES = {
    "asyncio.run": "asyncio.run",
    "asgiref.sync.async_to_sync": "async_to_sync",
    "anyio.run": "anyio.run",
    "trio.run": "trio.run",
    "uvloop.run": "asyncio.run",  # ``asyncio.run`` on a uvloop loop (vllm's entry points)
}
#: ``with asyncio.Runner() as runner: runner.run(main())``: a bridge too (Python 3.11+)
_RUNNER = "asyncio.Runner"
#: a callee is a bridge only if it ends with one of these (a single C-level test per call)
_BRIDGE_ENDINGS = (*BRIDGE_CALLEES, "run_until_complete")
_NO_WAIT_KEYWORDS = frozenset({"blocking", "block", "wait"})
#: asyncio's submodules whose public names asyncio re-exports: a callee imported from one
#: is named as asyncio names it (``asyncio.runners.run`` is ``asyncio.run``)
_ASYNCIO_SUBMODULES = ("tasks", "runners", "events", "futures", "locks", "queues", "base_events")
_ASYNCIO_SUBMODULE_HEADS = tuple(f"asyncio.{m}." for m in _ASYNCIO_SUBMODULES)
_ASYNCIO_SUBMODULE = re.compile(r"^asyncio\.(?:" + "|".join(_ASYNCIO_SUBMODULES) + r")\.")
#: calls whose positional callable runs in another thread or process
_HANDING_OVER = frozenset(
    {"Thread", "Process", "Timer", "submit", "run_in_executor", "to_thread", "start_new_thread"}
)
#: ``getaddrinfo(..., flags=socket.AI_NUMERICHOST)``, ``waitpid(pid, options=os.WNOHANG)``
_NO_WAIT_FLAG_KEYWORDS = frozenset({"flags", "options"})


#: the keywords that give SSL certificates: from memory (``cadata``) or from files
_CERTIFICATES_FROM_FILES = frozenset({"cafile", "capath"})


_NO_WAIT_FLAGS = frozenset({"AI_NUMERICHOST", "WNOHANG"})
_PROPERTY_DECORATORS = frozenset(
    {"property", "functools.cached_property", "cached_property", "abc.abstractproperty"}
)
#: descriptors that libraries and projects define under these names, read like properties
#: (sqlalchemy-mixins' ``@classproperty def session(cls) -> Session``, pyramid's ``reify``,
#: SQLAlchemy's ``hybrid_property``), matched on the last name part wherever they come from
_PROPERTY_NAMES = frozenset(
    {"cached_property", "classproperty", "cached_classproperty", "lazy_property",
     "lazyproperty", "reify", "hybrid_property"}
)  # fmt: skip
_ABSTRACT_DECORATORS = frozenset({"abc.abstractmethod", "abstractmethod"})
_OVERLOAD_DECORATORS = frozenset({"typing.overload", "overload", "typing_extensions.overload"})

#: ``tuple.__new__(Row, values)`` builds a NamedTuple row without the Python-level
#: ``Row.__new__`` frame (hundreds of thousands of rows on a large codebase)
_tuple_new = tuple.__new__
#: the placeholder of a call row while the call's arguments are visited (see ``_call``)
_PENDING: CallRow = (-1, "", 0, 0, 0, 0, 0, -1, 0, ())
_Handler = TypeVar("_Handler")


def dotted(node: ast.expr) -> str:
    """``a.b.c`` for a Name/Attribute chain; ``f().m`` through calls, ``a.__truediv__().m``
    for ``(a / b).m``; "" otherwise."""
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
        elif tp is ast.BinOp and parts and type(node.op) is ast.Div:  # type: ignore[attr-defined]
            # ``(root / "a").read_text``: ``/`` is a call of ``root.__truediv__``
            parts.append("__truediv__()")
            node = node.left  # type: ignore[attr-defined]
        else:
            return ""
    parts.reverse()
    return ".".join(parts)


_DOTTED_TEXT = re.compile(r"^[A-Za-z_][\w.]*$")
#: ``Optional[X]``, ``Annotated[X, ...]``, ... name X (matched on the last name part, so
#: ``typing.Optional`` and ``t.Optional`` count too)
_WRAPPERS = frozenset({"Optional", "Annotated", "Final", "ClassVar", "Required", "NotRequired"})
#: generic classes whose type parameter does not change what their methods do: the
#: annotation ``scoped_session[Session]`` (freqtrade's ``SessionType``) is a
#: ``scoped_session``, ``subprocess.Popen[Any]`` (pymongo) a ``Popen``. Other generics stay
#: untyped on purpose (see docs/precision.md: ``Future[bool]`` and ``Queue[int]`` typed
#: waits that are brief or deliberate).
_GENERIC_KEPT = frozenset(
    {"scoped_session", "sessionmaker", "async_scoped_session", "async_sessionmaker", "Popen"}
)


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
        if wrapper in _GENERIC_KEPT:
            return dotted(node.value)  # type: ignore[attr-defined]
        return ""
    if tp is ast.BinOp and type(node.op) is ast.BitOr:  # type: ignore[attr-defined]
        if _is_none(node.left):  # type: ignore[attr-defined]
            return annotation_name(node.right)  # type: ignore[attr-defined]
        left = annotation_name(node.left)  # type: ignore[attr-defined]
        return left if _is_none(node.right) or not annotation_name(node.right) else ""  # type: ignore[attr-defined]
    return ""


#: the decorators that make a generator function a context manager
_CONTEXT_MANAGER_DECORATORS = frozenset({"contextmanager", "asynccontextmanager"})
_GENERATOR_TYPES = frozenset({"Iterator", "Generator", "AsyncIterator", "AsyncGenerator"})


def _yielded_annotation(node: ast.expr) -> str:
    """The class a ``@contextmanager`` function's annotation says it yields:
    ``Iterator[Session]``, ``Generator[Session, None, None]``; "" otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return ""
    if not isinstance(node, ast.Subscript):
        return ""
    if dotted(node.value).rpartition(".")[2] not in _GENERATOR_TYPES:
        return ""
    inner = node.slice
    return annotation_name(inner.elts[0] if isinstance(inner, ast.Tuple) else inner)


def _runner_runs(
    calls: list[CallRow], withs: tuple[With, ...], assigns: tuple[Assign, ...]
) -> list[tuple[int, str]]:
    """Bridge rows of ``runner.run(...)`` on an ``asyncio.Runner`` entered with ``with`` or
    assigned in the same function."""
    runners = {(w.scope, w.target) for w in withs if w.expr == _RUNNER and w.target}
    runners.update((a.scope, a.target) for a in assigns if a.call == _RUNNER)
    if not runners:
        return []
    found = []
    for index, row in enumerate(calls):
        receiver, _, method = row[1].rpartition(".")
        if method == "run" and (row[0], receiver) in runners:
            found.append((index, RUNNER_RUN))
    return found


def _off(value: object) -> bool:
    """``False``, ``0`` or ``0.0``: as a first argument or a ``timeout``, told not to wait."""
    return value is False or (type(value) in (int, float) and value == 0)


def _preferred(options: list[tuple[str, str]]) -> tuple[str, str]:
    """Of the origins of the values an expression may take, the last call (a constructor
    or factory: its type is known), else the first name."""
    for call, plain in reversed(options):
        if call:
            return call, plain
    for call, plain in options:
        if plain:
            return call, plain
    return "", ""


def _origin(value: ast.expr) -> tuple[str, str]:
    """(callee, dotted name) a value comes from: ``f(...)`` / ``await f(...)`` give the
    callee, ``x`` / ``a.b`` the name, ``root / "a"`` what ``root`` gives, ``x or F()`` and
    ``x if c else F()`` what ``F()`` gives; ("", "") else."""
    tp = type(value)
    if tp is ast.Await:
        value = value.value  # type: ignore[attr-defined]
        tp = type(value)
    if tp is ast.BoolOp and type(value.op) is ast.Or:  # type: ignore[attr-defined]
        # ``logger or Logger(...)``: the default built when nothing was given, else the
        # first operand that names something
        options = [_origin(v) for v in value.values]  # type: ignore[attr-defined]
        return _preferred(options)
    if tp is ast.IfExp:
        # ``logger if logger is not None else Logger()``, ``Client() if remote else None``
        return _preferred([_origin(value.body), _origin(value.orelse)])  # type: ignore[attr-defined]
    while tp is ast.BinOp and type(value.op) is ast.Div:  # type: ignore[attr-defined]
        # ``root / "a" / name``: a path joined from ``root`` has ``root``'s type
        value = value.left  # type: ignore[attr-defined]
        tp = type(value)
    if tp is ast.Call:
        func = dotted(value.func)  # type: ignore[attr-defined]
        args = value.args  # type: ignore[attr-defined]
        if len(args) == 2 and (func == "cast" or func.endswith(".cast")):
            return _origin(args[1])  # ``typing.cast(Any, group)`` is ``group``
        return func, ""
    if tp is ast.Name:
        return "", value.id  # type: ignore[attr-defined]
    if tp is ast.Attribute:
        return "", dotted(value)
    if tp is ast.Subscript:
        # ``SessionType = scoped_session[Session]``: an alias of the generic class
        base = value.value  # type: ignore[attr-defined]
        if type(base) is ast.Name or type(base) is ast.Attribute:
            name = dotted(base)
            if name.rpartition(".")[2] in _GENERIC_KEPT:
                return "", name
    return "", ""


def _is_none(node: ast.expr) -> bool:
    return type(node) is ast.Constant and node.value in (None, "None")


def _decorator_flags(names: list[str] | tuple[str, ...]) -> int:
    flags = 0
    for name in names:
        if (
            name in _PROPERTY_DECORATORS
            or name.endswith((".setter", ".deleter", ".getter"))
            or name.rpartition(".")[2] in _PROPERTY_NAMES
        ):
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


#: The values :meth:`Extractor._record_assign` records something for (without annotation)
_RECORDED_VALUES = frozenset(
    {ast.Call, ast.Await, ast.Name, ast.Attribute, ast.BinOp, ast.BoolOp, ast.IfExp,
     ast.Subscript}
)  # fmt: skip
#: Statements a stub body can open and end with (see :func:`_is_stub_body`)
_STUB_STATEMENTS = frozenset({ast.Pass, ast.Expr, ast.Raise})


def _coroutine_test(test: ast.expr) -> tuple[str, bool]:
    """(``f``, negated) for ``iscoroutinefunction(f)`` / ``not iscoroutinefunction(f)``
    (``inspect.``, ``asyncio.`` or imported bare); ("", False) for any other test."""
    negated = type(test) is ast.UnaryOp and type(test.op) is ast.Not
    if negated:
        test = test.operand  # type: ignore[attr-defined]
    if type(test) is not ast.Call or len(test.args) != 1:
        return "", False
    if dotted(test.func).rpartition(".")[2] != "iscoroutinefunction":
        return "", False
    name = dotted(test.args[0])
    return (name, negated) if name and "()" not in name else ("", False)


def _is_main_guard(test: ast.expr) -> bool:
    if type(test) is not ast.Compare or len(test.ops) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if type(s) is ast.Name]
    consts = [s.value for s in sides if type(s) is ast.Constant]
    return names == ["__name__"] and consts == ["__main__"]


def _all_subclasses(base: type) -> list[type]:
    found: list[type] = []
    stack: list[type] = [base]
    while stack:
        children: list[type] = stack.pop().__subclasses__()
        found += children
        stack += children
    return found


def _dispatch_table(base: type, handlers: dict[type, _Handler]) -> dict[type, _Handler | None]:
    """A dispatch table keyed by *every* node type of ``base`` the running Python has (and
    by ``NoneType``, for optional fields), ``None`` for the types with nothing to visit.

    Total, so that dispatch is ``table[type(node)]`` (a specialised subscript) rather than a
    ``.get`` call, and so that an absent optional child needs no ``is not None`` test."""
    table: dict[type, _Handler | None] = dict.fromkeys(_all_subclasses(base))
    table[type(None)] = None
    table.update(handlers)
    return table


def _constants(body: list[ast.stmt]) -> dict[str, bool]:
    """Module-level names bound exactly once at module level, to ``True`` or ``False``
    (``_IS_SYNC = False``). A ``global`` rebinding inside a function is not looked for."""
    values: dict[str, bool | None] = {}
    for stmt in body:
        targets: list[ast.expr]
        value: ast.expr | None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        elif isinstance(stmt, ast.AugAssign):
            targets, value = [stmt.target], None  # a second binding
        else:
            continue
        for target in targets:
            if type(target) is ast.Name:
                name = target.id
                once = name not in values and type(value) is ast.Constant
                constant = value.value if once else None  # type: ignore[union-attr]
                values[name] = constant if type(constant) is bool else None
    return {name: value for name, value in values.items() if value is not None}


def _static_truth(test: ast.expr, constants: dict[str, bool]) -> bool | None:
    """The value of an ``if`` condition when it is known without running anything."""
    tp = type(test)
    if tp is ast.Constant:
        value = test.value  # type: ignore[attr-defined]
        return bool(value) if type(value) in (bool, int) else None
    if tp is ast.Name:
        if test.id == "TYPE_CHECKING":  # type: ignore[attr-defined]
            return False  # ``typing.TYPE_CHECKING``: true for type checkers only
        return constants.get(test.id)  # type: ignore[attr-defined]
    if tp is ast.Attribute and test.attr == "TYPE_CHECKING":  # type: ignore[attr-defined]
        return False  # ``typing.TYPE_CHECKING``, ``t.TYPE_CHECKING``
    if tp is ast.UnaryOp and type(test.op) is ast.Not:  # type: ignore[attr-defined]
        inner = _static_truth(test.operand, constants)  # type: ignore[attr-defined]
        return None if inner is None else not inner
    if tp is ast.BoolOp:
        values = [_static_truth(v, constants) for v in test.values]  # type: ignore[attr-defined]
        if type(test.op) is ast.And:  # type: ignore[attr-defined]
            return False if False in values else True if all(values) else None
        return True if True in values else False if values.count(False) == len(values) else None
    return None


def _catches_runtime_error(handler_type: ast.expr | None) -> bool:
    """``except RuntimeError`` / ``except (RuntimeError, ...)`` (not a broader class: a
    handler that swallows everything hides the failure rather than working around it)."""
    if isinstance(handler_type, ast.Tuple):
        return any(_catches_runtime_error(e) for e in handler_type.elts)
    return isinstance(handler_type, ast.Name) and handler_type.id == "RuntimeError"


class Extractor:
    """Walks one module. Use :func:`extract` rather than this class directly.

    Most of a cold scan's per-file time outside the parser is spent here, once per node of
    every file, so the hot handlers dispatch their children inline::

        handler = expr[type(child)]
        if handler is not None:
            handler(child, ctx, parent)

    rather than through :meth:`visit`: most children are leaves (names, constants) with no
    handler, and the call to ``visit`` would cost more than the lookup itself. The rare
    constructs keep the plain ``self.visit(...)``.
    """

    def __init__(self) -> None:
        self.reset()
        # bound-method dispatch tables: built once per process (see :func:`_extractor`)
        stmt: dict[type, Callable[[Any], None]] = {
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
            stmt[ast.TryStar] = self._try
        if hasattr(ast, "Match"):
            stmt[ast.Match] = self._match
        self.stmt = _dispatch_table(ast.stmt, stmt)
        expr: dict[type, Callable[[Any, int, int], None]] = {
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
        self.expr = _dispatch_table(ast.expr, expr)

    def reset(self) -> None:
        self.functions: list[list[Any]] = []
        self.classes: list[Class] = []
        self.imports: list[Import] = []
        self.calls: list[CallRow] = []
        self.assigns: list[tuple[Any, ...]] = []
        self.withs: list[tuple[Any, ...]] = []
        self.scope = -1  # current function index
        self.klass = -1  # current class index (class body only)
        self.flags = 0  # CALL_* flags that apply to calls recorded now
        #: module-level names bound once, to ``True`` or ``False`` (see ``_constants``)
        self.constants: dict[str, bool] = {}
        self.qual: list[str] = []

    # -- statements ----------------------------------------------------------------------
    def body(self, stmts: list[ast.stmt]) -> None:
        table = self.stmt
        for s in stmts:
            handler = table[type(s)]
            if handler is not None:
                handler(s)

    def body_with(self, flag: int, stmts: list[ast.stmt]) -> None:
        """:meth:`body` with ``flag`` added to the flags of the calls recorded in it."""
        if not flag:
            self.body(stmts)
            return
        saved = self.flags
        self.flags = saved | flag
        self.body(stmts)
        self.flags = saved

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        is_async = type(node) is ast.AsyncFunctionDef
        expr = self.expr
        saved_flags = self.flags
        decorators = []
        flags = 0
        decorator_list = node.decorator_list
        if decorator_list:
            self.flags = saved_flags | CALL_IN_DECORATOR
            for d in decorator_list:
                handler = expr[type(d)]
                if handler is not None:
                    handler(d, CTX_OTHER, -1)
                decorators.append(dotted(d.func if type(d) is ast.Call else d))
        args = node.args
        defaults = args.defaults
        kw_defaults = args.kw_defaults
        if defaults or kw_defaults:
            self.flags = saved_flags | CALL_IN_DEFAULT
            for default in defaults:
                handler = expr[type(default)]
                if handler is not None:
                    handler(default, CTX_OTHER, -1)
            for kw_default in kw_defaults:  # None where a keyword-only one has none
                handler = expr[type(kw_default)]
                if handler is not None:
                    handler(kw_default, CTX_OTHER, -1)
        self.flags = saved_flags
        params = []
        arguments = args.args
        posonlyargs = args.posonlyargs
        kwonlyargs = args.kwonlyargs
        if posonlyargs or kwonlyargs:
            arguments = [*posonlyargs, *arguments, *kwonlyargs]
        for a in arguments:
            annotation = a.annotation
            if annotation is None:
                params.append((a.arg, ""))
            elif type(annotation) is ast.Name:  # the common case, as annotation_name
                params.append((a.arg, annotation.id))
            else:
                params.append((a.arg, annotation_name(annotation)))
        vararg = args.vararg
        if vararg:
            params.append(("*" + vararg.arg, ""))
        kwarg = args.kwarg
        if kwarg:
            params.append(("**" + kwarg.arg, ""))
        if decorators:
            flags = _decorator_flags(decorators)
        body = node.body
        # (a parsed body is never empty; the ends of most rule out a stub without the loop)
        if (
            type(body[-1]) in _STUB_STATEMENTS
            and type(body[0]) in _STUB_STATEMENTS
            and _is_stub_body(body)
        ):
            flags |= FN_STUB
        if saved_flags & CALL_IN_MAIN:
            flags |= FN_IN_MAIN
        name = node.name
        qual = self.qual
        qual.append(name)
        functions = self.functions
        index = len(functions)
        annotation = node.returns
        if annotation is None:
            returns = ""
        elif type(annotation) is ast.Name:  # as annotation_name
            returns = annotation.id
        else:
            returns = annotation_name(annotation)
            if not returns and any(
                d.rpartition(".")[2] in _CONTEXT_MANAGER_DECORATORS for d in decorators
            ):
                returns = _yielded_annotation(annotation)
        functions.append(
            [
                ".".join(qual),
                name,
                is_async,
                node.lineno,
                node.col_offset,
                node.end_lineno or node.lineno,
                self.klass,
                self.scope,
                decorators,
                tuple(params),
                returns,
                flags,
            ]
        )
        saved_scope, saved_class = self.scope, self.klass
        self.scope, self.klass = index, -1
        self.flags = saved_flags & (CALL_IN_MAIN | CALL_UNREACHABLE)
        self.body(body)
        self.scope, self.klass, self.flags = saved_scope, saved_class, saved_flags
        qual.pop()

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
        # ``Base[T]`` (a generic base) is ``Base``: its methods are the class's
        bases = tuple([dotted(b.value if type(b) is ast.Subscript else b) for b in node.bases])
        decorators = [dotted(d.func if type(d) is ast.Call else d) for d in node.decorator_list]
        self.classes.append(
            _tuple_new(
                Class,
                (
                    ".".join(self.qual),
                    node.name,
                    node.lineno,
                    node.col_offset,
                    node.end_lineno or node.lineno,
                    bases,
                    tuple(decorators),
                    self.klass,
                    self.scope,
                ),
            )
        )
        saved_class = self.klass
        self.klass = index
        self.body(node.body)
        self.klass = saved_class
        self.qual.pop()

    def _expr_stmt(self, node: ast.Expr) -> None:
        value = node.value
        tp = type(value)
        if tp is ast.ListComp or tp is ast.SetComp:
            # ``[asyncio.create_task(f(x)) for x in xs]`` as a statement: every element is
            # dropped, as if each call were a statement of its own
            self._generators(value.generators)  # type: ignore[attr-defined]
            self.visit(value.elt, CTX_EXPR, -1)  # type: ignore[attr-defined]
            return
        handler = self.expr[tp]
        if handler is not None:
            handler(value, CTX_EXPR, -1)

    def _record_assign(self, target: ast.expr, value: ast.expr | None, annotation: str) -> None:
        call, plain = _origin(value) if value is not None else ("", "")
        if not (call or plain or annotation):  # ``x = 1``: nothing to record
            return
        name = target.id if type(target) is ast.Name else dotted(target)
        if name and "()" not in name:
            self.assigns.append(
                (self.scope, self.klass, name, call, plain, annotation, target.lineno)
            )

    def _assign(self, node: ast.Assign) -> None:
        expr = self.expr
        value = node.value
        handler = expr[type(value)]
        if handler is not None:
            handler(value, CTX_ASSIGN, -1)
        for t in node.targets:
            tp = type(t)
            if tp is ast.Name or tp is ast.Attribute:
                if type(value) in _RECORDED_VALUES:  # else (``x = 1``) nothing to record
                    self._record_assign(t, value, "")
            else:
                if tp is ast.Subscript:
                    # ``handlers[key] = self.on_event``, ``pumps[run] = task``: stored
                    self._record_hand_over(STORED_TARGET, value, node.lineno)
                handler = expr[tp]
                if handler is not None:
                    handler(t, CTX_OTHER, -1)

    def _ann_assign(self, node: ast.AnnAssign) -> None:
        value = node.value
        handler = self.expr[type(value)]
        if handler is not None:
            handler(value, CTX_ASSIGN, -1)
        target = node.target
        if type(target) is ast.Name or type(target) is ast.Attribute:
            annotation = node.annotation
            self._record_assign(
                target,
                value,
                annotation.id if type(annotation) is ast.Name else annotation_name(annotation),
            )

    def _aug_assign(self, node: ast.AugAssign) -> None:
        self.visit(node.value, CTX_OPERAND, -1)
        self.visit(node.target, CTX_OTHER, -1)

    def _return(self, node: ast.Return) -> None:
        value = node.value
        handler = self.expr[type(value)]
        if handler is not None:
            handler(value, CTX_RETURN, -1)
        if self.scope >= 0 and value is not None and not _is_none(value):
            # what the function returns, for the type of its calls' values: a row whose
            # target is ``return`` (no variable has that name); a value with no name and no
            # call (a literal, a conditional) is recorded empty, so that it counts as unknown
            call, plain = _origin(value)
            self.assigns.append((self.scope, -1, RETURN_TARGET, call, plain, "", node.lineno))

    def _if(self, node: ast.If) -> None:
        test = node.test
        handler = self.expr[type(test)]
        if handler is not None:
            handler(test, CTX_TEST, -1)
        truth = _static_truth(test, self.constants)
        guarded, negated = _coroutine_test(test)
        start = len(self.calls)
        if self.scope == -1 and self.klass == -1 and _is_main_guard(test):
            self.body_with(CALL_IN_MAIN, node.body)
        else:
            self.body_with(CALL_UNREACHABLE if truth is False else 0, node.body)
        if guarded and negated:
            self._mark_not_coroutine(guarded, start)
        if node.orelse:
            start = len(self.calls)
            self.body_with(CALL_UNREACHABLE if truth is True else 0, node.orelse)
            if guarded and not negated:
                self._mark_not_coroutine(guarded, start)

    def _mark_not_coroutine(self, callee: str, start: int) -> None:
        """Flag the calls of ``callee`` recorded since row ``start``: a branch that runs
        only when ``callee`` is no coroutine function (see ``_coroutine_test``)."""
        calls = self.calls
        for i in range(start, len(calls)):
            row = calls[i]
            if row[1] == callee:
                calls[i] = (*row[:8], row[8] | CALL_NOT_COROUTINE, row[9])

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        if type(node) is ast.AsyncFor:
            self._mark_await()
            self.visit(node.iter, CTX_ASYNC_ITER, -1)
        else:
            self.visit(node.iter, CTX_ITER, -1)
        self.visit(node.target, CTX_OTHER, -1)
        self.body(node.body)
        if node.orelse:
            self.body(node.orelse)

    def _while(self, node: ast.While) -> None:
        self.visit(node.test, CTX_TEST, -1)
        self.body(node.body)
        if node.orelse:
            self.body(node.orelse)

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        is_async = type(node) is ast.AsyncWith
        if is_async:
            self._mark_await()
        ctx = CTX_ASYNC_WITH if is_async else CTX_WITH
        entered = AENTERED if is_async else ENTERED
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
                    call, plain = _origin(expr)
                    if call or plain:
                        self._record_assign(item.optional_vars, expr, entered)
            self.withs.append(
                (
                    self.scope,
                    is_async,
                    expr.lineno,
                    expr.col_offset,
                    expr.end_lineno or expr.lineno,
                    expr.end_col_offset or 0,
                    call_index,
                    name,
                    target,
                    node.end_lineno or node.lineno,
                )
            )
        self.body(node.body)

    def _try(self, node: ast.Try) -> None:
        fallback = any(_catches_runtime_error(h.type) for h in node.handlers)
        self.body_with(CALL_IN_TRY_RUNTIME_ERROR if fallback else 0, node.body)
        for h in node.handlers:
            self.visit(h.type, CTX_OTHER, -1)  # type: ignore[arg-type]  # None: a bare except
            self.body(h.body)
        if node.orelse:
            self.body(node.orelse)
        if node.finalbody:
            self.body(node.finalbody)

    def _match(self, node: Any) -> None:
        self.visit(node.subject, CTX_OTHER, -1)
        for case in node.cases:
            self.visit(case.guard, CTX_TEST, -1)
            self.body(case.body)

    def _raise(self, node: ast.Raise) -> None:
        self.visit(node.exc, CTX_OTHER, -1)  # type: ignore[arg-type]
        self.visit(node.cause, CTX_OTHER, -1)  # type: ignore[arg-type]

    def _assert(self, node: ast.Assert) -> None:
        self.visit(node.test, CTX_TEST, -1)
        self.visit(node.msg, CTX_OTHER, -1)  # type: ignore[arg-type]

    def _delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            self.visit(t, CTX_OTHER, -1)

    def _import(self, node: ast.Import) -> None:
        imports = self.imports
        line = node.lineno
        scope = self.scope
        for alias in node.names:
            if alias.asname:
                imports.append(_tuple_new(Import, (alias.asname, alias.name, line, scope, False)))
            else:
                head = alias.name.partition(".")[0]
                imports.append(_tuple_new(Import, (head, head, line, scope, False)))
                if head != alias.name:
                    imports.append(_tuple_new(Import, (alias.name, alias.name, line, scope, False)))

    def _import_from(self, node: ast.ImportFrom) -> None:
        imports = self.imports
        line = node.lineno
        scope = self.scope
        base = "." * (node.level or 0) + (node.module or "")
        prefix = base if base.endswith(".") or not base else base + "."
        for alias in node.names:
            name = alias.name
            if name == "*":
                imports.append(_tuple_new(Import, ("*", base, line, scope, True)))
            else:
                local = alias.asname or name
                imports.append(_tuple_new(Import, (local, prefix + name, line, scope, True)))

    # -- expressions ---------------------------------------------------------------------
    def visit(self, node: ast.expr, ctx: int, parent: int) -> None:
        handler = self.expr[type(node)]
        if handler is not None:
            handler(node, ctx, parent)

    def _mark_await(self) -> None:
        if self.scope >= 0 and not self.flags & CALL_IN_LAMBDA:
            self.functions[self.scope][11] |= FN_HAS_AWAIT

    def _call(self, node: ast.Call, ctx: int, parent: int) -> None:
        # The hottest handler of a cold scan: one row per call. Its slot is taken first, so
        # that it precedes the rows of the calls inside it, and filled at the end, so that
        # one pass over the arguments both names them and visits them.
        expr = self.expr
        calls = self.calls
        index = len(calls)
        calls.append(_PENDING)
        func = node.func
        tp = type(func)
        if tp is ast.Name:  # ``f()``, then ``x.f()``: the commonest callees, as dotted
            callee = func.id  # type: ignore[attr-defined]
        elif tp is ast.Attribute and type(value := func.value) is ast.Name:  # type: ignore[attr-defined]
            callee = value.id + "." + func.attr  # type: ignore[attr-defined]
        else:
            callee = dotted(func)
            if not callee or "()" in callee:  # a plain ``a.b.c`` holds no call to record
                handler = expr[type(func)]
                if handler is not None:
                    handler(func, CTX_ATTR, -1)
        flags = self.flags
        names: list[str] = []
        for a in node.args:
            tp = type(a)
            if tp is ast.Name:
                names.append(a.id)  # type: ignore[attr-defined]
            elif tp is ast.Attribute:
                name = dotted(a)
                names.append(name)
                if not name or "()" in name:  # as for the callee: else nothing to visit
                    self._attribute(a, CTX_ARG, index)  # type: ignore[arg-type]
            else:
                if tp is ast.List or tp is ast.Tuple:
                    self._handed_in_display(a)  # type: ignore[arg-type]
                elif tp is ast.Lambda and callee.rpartition(".")[2] in _HANDING_OVER:
                    self._handed_lambda(a, index)  # type: ignore[arg-type]
                    names.append("")
                    continue
                if tp is ast.Starred:
                    flags |= CALL_STARRED_ARGS
                elif tp is ast.Constant and not names and _off(a.value):  # type: ignore[attr-defined]
                    flags |= CALL_NO_WAIT  # ``lock.acquire(False)``, ``thread.join(0)``
                names.append("")
                handler = expr[tp]
                if handler is not None:
                    handler(a, CTX_ARG, index)
        certificates = 0  # 1: ``cadata=`` alone, 2: a file too
        for kw in node.keywords:
            arg = kw.arg
            if arg == "cadata":
                certificates |= 1
            elif arg in _CERTIFICATES_FROM_FILES:
                certificates |= 2
            if arg is None:
                flags |= CALL_STARRED_ARGS
            value = kw.value
            tp = type(value)
            if tp is ast.Constant and (
                (arg in _NO_WAIT_KEYWORDS and value.value is False)  # type: ignore[attr-defined]
                or (arg == "timeout" and _off(value.value))  # type: ignore[attr-defined]
                or (arg == "async_" and value.value in (True, 1))  # type: ignore[attr-defined]
            ):
                # ``acquire(blocking=False)``, ``join(timeout=0)``, ``psycopg2.connect(dsn,
                # async_=True)`` (an asynchronous connection: it returns at once)
                flags |= CALL_NO_WAIT
            if (
                (tp is ast.Name or tp is ast.Attribute)
                and arg in _NO_WAIT_FLAG_KEYWORDS
                and dotted(value).rpartition(".")[2] in _NO_WAIT_FLAGS
            ):
                flags |= CALL_NO_WAIT  # ``getaddrinfo(host, 0, flags=socket.AI_NUMERICHOST)``
            if (tp is ast.Name or tp is ast.Attribute) and arg and callback_keyword(arg):
                # ``Thread(target=run)``: ``run`` is handed over (see ``CALLBACK_KEYWORDS``)
                self._record_hand_over(arg + "=", value, value.lineno)
            elif tp is ast.List or tp is ast.Tuple:
                self._handed_in_display(value)  # type: ignore[arg-type]  # ``tools=[search]``
            elif tp is ast.Lambda and arg and callback_keyword(arg):
                self._handed_lambda(value, index)  # type: ignore[arg-type]
                continue
            handler = expr[tp]
            if handler is not None:
                handler(value, CTX_ARG, index)
        if certificates == 1 and len(node.args) <= 1:
            flags |= CALL_NO_WAIT  # ``ssl.create_default_context(cadata=pem)``: no file read
        calls[index] = (
            self.scope, callee, node.lineno, node.col_offset, node.end_lineno or node.lineno,
            node.end_col_offset or 0, ctx, parent, flags, tuple(names),
        )  # fmt: skip

    def _handed_lambda(self, node: ast.Lambda, parent: int) -> None:
        """``Thread(target=lambda: asyncio.run(main()))``: a lambda another thread or a
        callback runs; its calls are flagged :data:`CALL_IN_HANDED_LAMBDA`."""
        saved = self.flags
        self.flags = saved | CALL_IN_HANDED_LAMBDA
        self._lambda(node, CTX_ARG, parent)
        self.flags = saved

    def _handed_in_display(self, node: ast.List | ast.Tuple) -> None:
        """``Browser([stat.on_change, imports.on_change])``: functions named in a list or
        tuple given to a call are handed over, like ``Thread(target=f)``, and recorded as
        stored in an item (``d[k] = f``)."""
        for e in node.elts:
            self._record_hand_over(STORED_TARGET, e, e.lineno)

    def _record_hand_over(self, target: str, value: ast.expr, line: int) -> None:
        """An assignment row for a name given away as a value (``target=``, an item, a list
        element): ``value``'s dotted name, when it is a plain name or attribute chain."""
        if type(value) is ast.Name or type(value) is ast.Attribute:
            name = dotted(value)
            if name and "()" not in name:
                self.assigns.append((self.scope, self.klass, target, "", name, "", line))

    def _await(self, node: ast.Await, ctx: int, parent: int) -> None:
        self._mark_await()
        value = node.value
        handler = self.expr[type(value)]
        if handler is not None:
            handler(value, CTX_AWAIT, -1)

    def _attribute(self, node: ast.Attribute, ctx: int, parent: int) -> None:
        value = node.value
        while type(value) is ast.Attribute:
            value = value.value
        handler = self.expr[type(value)]
        if handler is not None:
            handler(value, CTX_ATTR, -1)

    def _subscript(self, node: ast.Subscript, ctx: int, parent: int) -> None:
        expr = self.expr
        value = node.value
        handler = expr[type(value)]
        if handler is not None:
            handler(value, CTX_ATTR, -1)
        index = node.slice
        handler = expr[type(index)]
        if handler is not None:
            handler(index, CTX_OTHER, -1)

    def _binop(self, node: ast.BinOp, ctx: int, parent: int) -> None:
        expr = self.expr
        left = node.left
        handler = expr[type(left)]
        if handler is not None:
            handler(left, CTX_OPERAND, -1)
        right = node.right
        handler = expr[type(right)]
        if handler is not None:
            handler(right, CTX_OPERAND, -1)

    def _compare(self, node: ast.Compare, ctx: int, parent: int) -> None:
        expr = self.expr
        left = node.left
        handler = expr[type(left)]
        if handler is not None:
            handler(left, CTX_OPERAND, -1)
        for c in node.comparators:
            handler = expr[type(c)]
            if handler is not None:
                handler(c, CTX_OPERAND, -1)

    def _unary(self, node: ast.UnaryOp, ctx: int, parent: int) -> None:
        self.visit(node.operand, CTX_TEST if type(node.op) is ast.Not else CTX_OPERAND, -1)

    def _boolop(self, node: ast.BoolOp, ctx: int, parent: int) -> None:
        expr = self.expr
        values = node.values
        last = values[-1]
        for v in values:
            handler = expr[type(v)]
            if handler is not None:
                # ``a or b`` yields its last operand: that one keeps the outer use
                handler(v, ctx if v is last and ctx != CTX_TEST else CTX_TEST, parent)

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
        expr = self.expr
        for e in node.elts:
            handler = expr[type(e)]
            if handler is not None:
                handler(e, CTX_CONTAINER, -1)

    def _dict(self, node: ast.Dict, ctx: int, parent: int) -> None:
        expr = self.expr
        for k in node.keys:  # None for ``**mapping``
            handler = expr[type(k)]
            if handler is not None:
                handler(k, CTX_CONTAINER, -1)
        for v in node.values:
            handler = expr[type(v)]
            if handler is not None:
                handler(v, CTX_CONTAINER, -1)

    def _joined(self, node: ast.JoinedStr, ctx: int, parent: int) -> None:
        expr = self.expr
        for v in node.values:
            handler = expr[type(v)]
            if handler is not None:
                handler(v, CTX_OPERAND, -1)

    def _formatted(self, node: ast.FormattedValue, ctx: int, parent: int) -> None:
        expr = self.expr
        value = node.value
        handler = expr[type(value)]
        if handler is not None:
            handler(value, CTX_OPERAND, -1)
        spec = node.format_spec
        handler = expr[type(spec)]
        if handler is not None:
            handler(spec, CTX_OPERAND, -1)

    def _yield(self, node: ast.Yield | ast.YieldFrom, ctx: int, parent: int) -> None:
        value = node.value
        if self.scope >= 0 and not self.flags & CALL_IN_LAMBDA:
            self.functions[self.scope][11] |= FN_GENERATOR
            if value is not None and type(node) is ast.Yield and not _is_none(value):
                # what a ``@contextmanager`` function hands to its ``with``, as for returns
                call, plain = _origin(value)
                self.assigns.append((self.scope, -1, YIELD_TARGET, call, plain, "", node.lineno))
        self.visit(value, CTX_YIELD, -1)  # type: ignore[arg-type]

    def _slice(self, node: ast.Slice, ctx: int, parent: int) -> None:
        self.visit(node.lower, CTX_OTHER, -1)  # type: ignore[arg-type]
        self.visit(node.upper, CTX_OTHER, -1)  # type: ignore[arg-type]
        self.visit(node.step, CTX_OTHER, -1)  # type: ignore[arg-type]


_shared: list[Extractor] = []


def _extractor() -> Extractor:
    """One extractor per process, reset per file: its dispatch tables cost more to build
    than a small file costs to walk."""
    if not _shared:
        _shared.append(Extractor())
    ex = _shared[0]
    ex.reset()
    return ex


class Resolver(dict[str, str]):
    """Maps a raw dotted name to its import target: ``r`` → ``asyncio.run``.

    The dict holds the names resolved so far, so that a name seen before (most are) costs
    one C-level lookup, ``resolve[raw]`` or ``map(resolve.__getitem__, names)``; a new one
    is resolved by :meth:`__missing__`. Equal names so come back as one string object, the
    first one looked up: which one that is shows in the facts' ``marshal`` bytes (a shared
    object is written once), so the order of the lookups is part of the output."""

    def __init__(self, imports: list[Import]) -> None:
        super().__init__({"": ""})
        aliases: dict[str, str] = {}
        nested: list[Import] = []
        # module-level imports win over function-local ones; else the first one wins
        for imp in imports:
            name, target, _, scope, _ = imp
            if scope != -1:
                nested.append(imp)
            elif name != "*":
                aliases.setdefault(name, target)
        for name, target, _, _, _ in nested:
            if name != "*":
                aliases.setdefault(name, target)
        self.aliases = aliases

    def __missing__(self, raw: str) -> str:
        head, dot, rest = raw.partition(".")
        if head.endswith("()"):
            done = f"{self[head[:-2]]}(){dot}{rest}"
        elif (target := self.aliases.get(head)) is None:
            done = raw
        else:
            done = target + dot + rest if rest else target
        self[raw] = done
        return done


class _LocalNames(dict[int, set[str]]):
    """Parameters and assigned names of a function (by index): they shadow the module's
    imports. Built for a function when a call in it (or in a function nested in it) needs
    them."""

    def __init__(self, ex: Extractor) -> None:
        super().__init__()
        self.functions = ex.functions
        assigned: dict[int, list[str]] = {}
        for row in ex.assigns:
            scope = row[0]
            if scope >= 0 and "." not in row[2]:
                if scope in assigned:
                    assigned[scope].append(row[2])
                else:
                    assigned[scope] = [row[2]]
        self.assigned = assigned

    def __missing__(self, scope: int) -> set[str]:
        names = {p.lstrip("*") for p, _ in self.functions[scope][9]}
        names.update(self.assigned.get(scope, ()))
        self[scope] = names
        return names


def _bound_scope(local: _LocalNames, scope: int, name: str) -> int:
    """The innermost function, from ``scope`` outwards, that binds ``name`` (a parameter or
    an assignment), -1 when none does: the name is the module's there."""
    functions = local.functions
    while scope >= 0 and name not in local[scope]:
        scope = functions[scope][7]  # the enclosing function
    return scope


class _ScopedImports:
    """Names a function-local import binds to something other than what the module-wide
    :class:`Resolver` gives them: ``from pkg.sync_op import Op`` in one test and ``from
    pkg.async_op import Op`` in the next. In a function, its own import (or an enclosing
    function's) wins, as in Python; a parameter or an assignment in between shadows it."""

    def __init__(self, ex: Extractor, aliases: dict[str, str], local: _LocalNames) -> None:
        scoped: dict[tuple[int, str], str] = {}
        for name, target, _, scope, _ in ex.imports:
            if scope >= 0 and name != "*":
                scoped.setdefault((scope, name), target)
        self.scoped = scoped
        self.names = frozenset(n for (_, n), t in scoped.items() if aliases.get(n) != t)
        self.local = local

    def resolve(self, scope: int, raw: str, lookup: Callable[[str], str]) -> str:
        head, dot, rest = raw.partition(".")
        called = head.endswith("()")
        name = head[:-2] if called else head
        if name not in self.names:
            return lookup(raw)
        functions = self.local.functions
        while scope >= 0:
            target = self.scoped.get((scope, name))
            if target is not None:
                head = f"{target}()" if called else target
                return head + dot + rest if rest else head
            if name in self.local[scope]:
                return raw  # a parameter or an assignment shadows every import
            scope = functions[scope][7]
        return lookup(raw)


#: builtins a local name may stand for (``prompt = input``): the blocking ones
_ALIASED_BUILTINS = frozenset({"input", "open", "print"})


class _Aliases(dict[tuple[int, str], str]):
    """(scope, name) → the method a name is bound to once (``run = loop.run_until_complete``),
    with ``names``, every such name (one set lookup per call row)."""

    names: frozenset[str] = frozenset()


def _bound_method_aliases(ex: Extractor) -> _Aliases:
    """Names bound exactly once in a scope to an attribute (a bound method, or a function
    of a module), not annotated, not a parameter: flytekit's module-level ``run_sync =
    loop_manager.run_sync``, pyrogram's ``run = loop.run_until_complete``; or to a
    function of the module, an imported name or a blocking builtin (mitmproxy's
    ``original_addr = _pf_lookup``, jupyter-client's ``prompt = input``): a call of the
    alias is recorded as a call of what it names, so the call graph finds it by that name."""
    found = _Aliases()
    counts: dict[tuple[int, str], int] = {}
    functions = ex.functions
    top = {row[1] for row in functions if row[7] < 0 and row[6] < 0}
    imported = {imp[0] for imp in ex.imports if imp[0] != "*"}
    for scope, klass, target, call, plain, annotation, _ in ex.assigns:
        if "." in target or klass >= 0:
            continue
        key = (scope, target)
        counts[key] = counts.get(key, 0) + 1
        if call or annotation or not plain or "()" in plain or plain == target:
            continue
        if target in imported:
            continue  # also imported (``try: from x import T`` / ``except: T = Any``)
        if "." in plain or plain in top or plain in imported or plain in _ALIASED_BUILTINS:
            found[key] = plain
    functions = ex.functions
    for key in list(found):
        scope, name = key
        if counts[key] != 1 or (
            scope >= 0 and any(p.lstrip("*") == name for p, _ in functions[scope][9])
        ):
            del found[key]
    found.names = frozenset(name for _, name in found)
    return found


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
    ex.constants = _constants(tree.body)
    ex.body(tree.body)
    resolve = Resolver(ex.imports)
    lookup = resolve.__getitem__
    aliases = resolve.aliases
    calls = ex.calls
    bridges: list[tuple[int, str]] = []
    shadowing: _LocalNames | None = None
    functions = ex.functions
    bound = _bound_method_aliases(ex)
    scoped: _ScopedImports | None = None
    if any(imp[3] >= 0 for imp in ex.imports):
        shadowing = _LocalNames(ex)
        scoped = _ScopedImports(ex, aliases, shadowing)
        if not scoped.names:
            scoped = None
    for index, row in enumerate(calls):
        callee = new_callee = row[1]
        if bound and callee in bound.names:
            # ``run = loop.run_until_complete`` then ``run(coro)``: the method it names
            alias = bound.get((row[0], callee))
            if alias is None:
                if shadowing is None:
                    shadowing = _LocalNames(ex)
                if _bound_scope(shadowing, row[0], callee) < 0:
                    alias = bound.get((-1, callee))
            if alias is not None:
                callee = new_callee = alias
        args = new_args = row[9]
        head = callee.partition(".")[0]
        if head in aliases or "()" in head:
            # unless a parameter or an assignment of an enclosing function shadows it
            if shadowing is None:
                shadowing = _LocalNames(ex)
            if scoped is not None and head.removesuffix("()") in scoped.names:
                new_callee = scoped.resolve(row[0], callee, lookup)
            elif _bound_scope(shadowing, row[0], head) < 0:
                new_callee = lookup(callee)
            if new_callee.startswith(_ASYNCIO_SUBMODULE_HEADS):
                # ``from asyncio.tasks import create_task``: ``asyncio.create_task``
                new_callee = _ASYNCIO_SUBMODULE.sub("asyncio.", new_callee, count=1)
        if args:
            if scoped is None:
                resolved = tuple(map(lookup, args))
            else:
                resolved = tuple([scoped.resolve(row[0], a, lookup) for a in args])
            if resolved != args:
                new_args = resolved
        if new_callee is not row[1] or new_args is not args:
            calls[index] = (
                row[0], new_callee, row[2], row[3], row[4], row[5], row[6], row[7], row[8], new_args,
            )  # fmt: skip
        if new_callee.endswith(_BRIDGE_ENDINGS):
            kind = BRIDGE_CALLEES.get(new_callee)
            if kind is None and new_callee.endswith("run_until_complete"):
                kind = "run_until_complete"
            if kind is not None:
                bridges.append((index, kind))
    # then functions, classes, assigns and withs, in this order (see Resolver)
    rows = []
    for q, n, a, ln, c, el, ci, p, decos, params, ret, fl in functions:
        if decos:
            decos = tuple(map(lookup, decos))
            fl |= _decorator_flags(decos)  # ``from functools import cached_property as cp``
        params = tuple([(pn, lookup(ann)) for pn, ann in params]) if params else ()
        rows.append(
            _tuple_new(Function, (q, n, a, ln, c, el, ci, p, tuple(decos), params, lookup(ret), fl))
        )
    classes = tuple(
        [
            _tuple_new(
                Class,
                (q, n, ln, c, el, tuple(map(lookup, bases)), tuple(map(lookup, decos)), p, s),
            )
            for q, n, ln, c, el, bases, decos, p, s in ex.classes
        ]
    )
    if scoped is None:
        assigns = tuple(
            [
                _tuple_new(Assign, (s, k, t, lookup(call), lookup(name), lookup(ann), ln))
                for s, k, t, call, name, ann, ln in ex.assigns
            ]
        )
        withs = tuple(
            [
                _tuple_new(With, (s, a, ln, c, el, ec, ci, lookup(expr), tgt, be))
                for s, a, ln, c, el, ec, ci, expr, tgt, be in ex.withs
            ]
        )
    else:
        at = scoped.resolve
        assigns = tuple(
            [
                _tuple_new(
                    Assign,
                    (s, k, t, at(s, call, lookup), at(s, name, lookup), at(s, ann, lookup), ln),
                )
                for s, k, t, call, name, ann, ln in ex.assigns
            ]
        )
        withs = tuple(
            [
                _tuple_new(With, (s, a, ln, c, el, ec, ci, at(s, expr, lookup), tgt, be))
                for s, a, ln, c, el, ec, ci, expr, tgt, be in ex.withs
            ]
        )
    runs = _runner_runs(calls, withs, assigns)
    if runs:
        bridges = sorted([*bridges, *runs])
    return (
        tuple(rows),
        classes,
        tuple(ex.imports),
        tuple(calls),
        assigns,
        withs,
        tuple(bridges),
    )
