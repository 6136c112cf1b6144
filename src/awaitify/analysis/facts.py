"""The per-file fact record: everything the project phase, the rules and the codemods read.

One pass over a file produces a :class:`FileFacts`. It depends only on the file's bytes
(and the target version), never on its path, so the cache can key it by content hash and
share it across paths and git commits. Names are resolved through the file's own imports
(``from asyncio import run as r; r(x)`` is recorded as ``asyncio.run``); relative imports
keep their leading dots (``..db.SessionLocal``) and become absolute in the project phase,
which knows the module's name.

Rows are plain tuples (NamedTuples at the top level) because this record crosses process
boundaries and the cache for every file of a large codebase: ``marshal`` moves plain tuples
ten times faster than ``pickle`` moves objects. Call rows, the most numerous, stay plain
tuples and are read by unpacking or through the ``C_*`` indices below.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from functools import partial
from typing import Any, Final, NamedTuple, TypeAlias, cast

from awaitify.analysis.tables import EMPTY_TABLES, Tables

#: Bumped whenever the layout below changes; part of every cache key.
FACTS_VERSION = 32

#: keyword arguments that take a callable (``Thread(target=run)``, ``on_done=cb``): a
#: function named as such a keyword's value is recorded as an assignment row whose target
#: is the keyword with ``=`` (``"target="``), so it counts as handed over
CALLBACK_KEYWORDS = frozenset(
    {
        "target",
        "callback",
        "func",
        "fn",
        "function",
        "handler",
        "cb",
        "hook",
        "factory",
        "key",
    }  # ``sorted(names, key=by_rank)``
)
CALLBACK_KEYWORD_SUFFIXES = ("_callback", "_handler", "_hook", "_func", "_fn", "_factory")


def callback_keyword(name: str) -> bool:
    """Does a keyword argument of this name take a callable?"""
    return (
        name in CALLBACK_KEYWORDS
        or name.startswith("on_")
        or name.endswith(CALLBACK_KEYWORD_SUFFIXES)
    )


# -- how a call's result is used (call row field ``ctx``) ---------------------------------
CTX_EXPR = 0  # an expression statement: the result is dropped
CTX_AWAIT = 1  # ``await f()``
CTX_RETURN = 2  # ``return f()`` / ``lambda: f()``
CTX_ASSIGN = 3  # ``x = f()``, ``x: T = f()``, walrus (``x += f()`` is CTX_OPERAND)
CTX_ARG = 4  # an argument of another call (row field ``parent``)
CTX_ATTR = 5  # ``f().x`` / ``f()[0]`` / ``f().m()``
CTX_OPERAND = 6  # arithmetic, comparison, f-string, unary +/-/~
CTX_TEST = 7  # ``if f():``, ``while``, ``assert``, ``not``, ``and``/``or``
CTX_ITER = 8  # ``for x in f()`` / comprehension source
CTX_WITH = 9  # ``with f():``
CTX_ASYNC_WITH = 10  # ``async with f():``
CTX_YIELD = 11  # ``yield f()``
CTX_CONTAINER = 12  # an element of a list/tuple/set/dict display
CTX_ASYNC_ITER = 13  # ``async for x in f()``
CTX_OTHER = 14  # anything else (default values, slices, decorators, ...)

CTX_NAMES = (
    "expr", "await", "return", "assign", "arg", "attr", "operand", "test", "iter",
    "with", "async-with", "yield", "container", "async-iter", "other",
)  # fmt: skip

# -- call row flags ------------------------------------------------------------------------
CALL_IN_LAMBDA = 1  # inside a lambda: not executed by the enclosing function's body
CALL_IN_MAIN = 2  # inside ``if __name__ == "__main__":``
CALL_IN_DECORATOR = 4  # a decorator expression: runs at definition time
CALL_IN_DEFAULT = 8  # a parameter default: runs at definition time
CALL_STARRED_ARGS = 16  # the call has ``*args`` or ``**kwargs``
#: in the body of a ``try`` with an ``except RuntimeError`` (the fallback of a bridge that
#: finds a loop running: ``try: asyncio.run(c) except RuntimeError: <run it in a thread>``)
CALL_IN_TRY_RUNTIME_ERROR = 32
#: in a branch a constant condition never takes: ``if True: ... else: <here>``, or
#: ``if _IS_SYNC:`` with ``_IS_SYNC = False`` bound once at module level (the sync and
#: async twins that ``unasync``-style generators write from one source). Never classified.
CALL_UNREACHABLE = 64
#: told not to wait: a first argument ``False`` or ``0`` (``acquire(False)``, ``join(0)``),
#: ``blocking``/``block``/``wait=False``, ``timeout=0``, ``flags=socket.AI_NUMERICHOST``,
#: ``options=os.WNOHANG``
CALL_NO_WAIT = 128
#: in a branch that runs only when the callee is no coroutine function:
#: ``if not inspect.iscoroutinefunction(self.close): self.close()`` (or the ``else`` of the
#: positive test), the guard of code written for both kinds of callee
CALL_NOT_COROUTINE = 256
#: in a lambda handed to another thread or kept as a callback: ``Thread(target=lambda: ...)``,
#: ``on_done=lambda: ...``, ``executor.submit(lambda: ...)``; nothing calls it in the
#: enclosing function's body (:data:`CALL_IN_LAMBDA` is set too)
CALL_IN_HANDED_LAMBDA = 512

# -- function flags --------------------------------------------------------------------------
FN_PROPERTY = 1
FN_STATICMETHOD = 2
FN_CLASSMETHOD = 4
FN_GENERATOR = 8  # has ``yield`` in its own body: an (async) generator, not a coroutine
FN_ABSTRACT = 16
FN_STUB = 32  # body is only docstring / ``pass`` / ``...`` / ``raise NotImplementedError``
FN_OVERLOAD = 64
FN_IN_MAIN = 128  # defined inside ``if __name__ == "__main__":``
FN_HAS_AWAIT = 256  # its own body awaits (or uses ``async for`` / ``async with``)

# A call row: (scope, callee, line, col, end_line, end_col, ctx, parent, flags, args)
#   scope   index of the innermost enclosing function in ``FileFacts.functions``, -1 = module
#   callee  dotted name resolved through the file's imports ("" when the callee is not a
#           name: ``f()()``, ``a[0]()``); a call on a call result keeps ``()``:
#           ``asyncio.get_event_loop().run_until_complete``, ``super().save``
#   parent  index of the call this one is an argument of (``ctx == CTX_ARG``), else -1
#   args    resolved dotted names of the positional arguments ("" for non-names)
CallRow: TypeAlias = tuple[int, str, int, int, int, int, int, int, int, tuple[str, ...]]
# ``Final`` literals, so that ``call[C_LINE]`` type-checks as ``int``, not as a union
C_SCOPE: Final = 0
C_CALLEE: Final = 1
C_LINE: Final = 2
C_COL: Final = 3
C_END_LINE: Final = 4
C_END_COL: Final = 5
C_CTX: Final = 6
C_PARENT: Final = 7
C_FLAGS: Final = 8
C_ARGS: Final = 9


class Function(NamedTuple):
    """A ``def`` or ``async def`` (methods and nested functions included)."""

    qualname: str  # ``Class.method``, ``outer.inner``
    name: str
    is_async: bool
    line: int  # the line of the ``def`` (or ``async``) keyword, not of a decorator
    col: int
    end_line: int
    class_index: int  # index in ``FileFacts.classes`` when a method, else -1
    parent: int  # index of the enclosing function when nested, else -1
    decorators: tuple[str, ...]  # resolved dotted names (the callee for ``@d(...)``)
    params: tuple[tuple[str, str], ...]  # (name, resolved annotation or "")
    returns: str  # resolved return annotation or ""
    flags: int


class Class(NamedTuple):
    qualname: str
    name: str
    line: int
    col: int
    end_line: int
    bases: tuple[str, ...]  # resolved dotted names
    decorators: tuple[str, ...]
    parent: int  # index of the enclosing class, -1
    scope: int  # index of the enclosing function, -1


class Import(NamedTuple):
    local: str  # the name bound in the file (``np`` for ``import numpy as np``)
    target: str  # ``numpy``; ``asyncio.run``; ``..db.SessionLocal`` (relative keeps dots)
    line: int
    scope: int  # enclosing function, -1 at module level
    is_from: bool


#: the bridge kind of ``runner.run(coro)`` on an ``asyncio.Runner`` (facts ``bridges``):
#: known by its receiver, not by its name
RUNNER_RUN = "asyncio.Runner.run"

#: the target of the assignment row a ``return <value>`` statement records
RETURN_TARGET = "return"
#: ... and a ``yield <value>`` (what a ``@contextmanager`` function hands to its ``with``)
YIELD_TARGET = "yield"
#: ... and a name given to a call in a list or tuple, or stored in an item (``d[k] = f``)
STORED_TARGET = "[]="
#: the annotation of the assignment row a ``with x as t`` / ``async with x as t`` records:
#: ``t`` is what ``x.__enter__()`` / ``x.__aenter__()`` returns, not ``x`` itself
ENTERED = "<with>"
AENTERED = "<async with>"


class Assign(NamedTuple):
    """``x = f(...)``, ``self.x = y``, ``x: T = ...`` — the seeds of receiver inference.
    ``return v`` is recorded as an assignment to :data:`RETURN_TARGET` (with empty ``call``
    and ``name`` when ``v`` is neither a call nor a name); ``Thread(target=f)`` as one to
    ``"target="`` (see :func:`callback_keyword`), a name given to a call in a list or tuple
    (``Browser([a.on_change])``) or stored in an item (``pumps[run] = task``) as one to
    ``"[]="``. The target of ``with x as t`` is recorded as ``t = x`` annotated
    :data:`ENTERED` (:data:`AENTERED` for ``async with``)."""

    scope: int  # enclosing function, -1 at module level
    class_index: int  # enclosing class body (class attributes), -1 elsewhere
    target: str  # ``x`` or ``self.x``
    call: str  # resolved callee when the value is a call (or an awaited call), else ""
    name: str  # resolved dotted name when the value is a plain name, else ""
    annotation: str  # resolved annotation when annotated, else ""
    line: int


class With(NamedTuple):
    scope: int
    is_async: bool
    line: int
    col: int
    end_line: int
    end_col: int
    call: int  # index of the context expression's call row, -1 when not a call
    expr: str  # resolved dotted name of the context expression (its callee for a call)
    target: str  # the ``as`` name, "" when none
    body_end: int  # the last line of the ``with`` statement (its body's)


class SyntaxProblem(NamedTuple):
    message: str  # as CPython reports it
    line: int
    col: int  # 1-based, as CPython reports it
    end_line: int
    end_col: int
    code_line: str


class _FileFactsRow(NamedTuple):
    lines: int
    syntax_error: SyntaxProblem | None  # ASY001
    newer_syntax: SyntaxProblem | None  # ASY002 (against the configured target version)
    salvaged: bool  # facts come from the parts of a broken file that parse
    degraded: str  # why facts are partial ("" when complete)
    functions: tuple[Function, ...]
    classes: tuple[Class, ...]
    imports: tuple[Import, ...]
    calls: tuple[CallRow, ...]
    assigns: tuple[Assign, ...]
    withs: tuple[With, ...]
    bridges: tuple[tuple[int, str], ...]  # (call index, bridge kind)
    suppressions: tuple[tuple[int, str], ...]  # (line, "ASY100,ASY201" or "" for all)
    tables: Tables = EMPTY_TABLES  # lookup tables derived from the rows above


class Deferred:
    """Rows of a facts record loaded from the cache, kept serialised until first read.

    When one file of a large project changed, the scan loads every other file's facts from
    the cache, but the project phase then reads the imports, assignments and ``with`` rows
    of only a few hundred modules (those it resolves anew): on homeassistant those rows are
    a third of the 35 MB of facts. Equal to the tuple of its rows."""

    __slots__ = ("_blob", "_new", "_rows")

    def __init__(self, blob: bytes, new: Callable[[tuple[object, ...]], object]) -> None:
        self._blob = blob
        self._new = new
        self._rows: tuple[object, ...] | None = None

    @property
    def blob(self) -> bytes:
        return self._blob

    def rows(self) -> tuple[object, ...]:
        rows = self._rows
        if rows is None:
            try:
                rows = self._rows = tuple(map(self._new, marshal.loads(self._blob)))
            except (EOFError, TypeError, ValueError):  # damaged since the record was read
                rows = self._rows = ()
        return rows

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Deferred):
            other = other.rows()
        return self.rows() == other

    def __hash__(self) -> int:
        return hash(self.rows())


class FileFacts(_FileFactsRow):
    """The facts of one file. ``imports``, ``assigns`` and ``withs`` may be :class:`Deferred`
    underneath; reading them always gives their rows (each property is read in hot loops
    of the project phase: it stays one call, with the check inline)."""

    __slots__ = ()

    @property
    def imports(self) -> tuple[Import, ...]:
        value: object = tuple.__getitem__(self, 7)
        return cast("tuple[Import, ...]", value.rows() if type(value) is Deferred else value)

    @property
    def assigns(self) -> tuple[Assign, ...]:
        value: object = tuple.__getitem__(self, 9)
        return cast("tuple[Assign, ...]", value.rows() if type(value) is Deferred else value)

    @property
    def withs(self) -> tuple[With, ...]:
        value: object = tuple.__getitem__(self, 10)
        return cast("tuple[With, ...]", value.rows() if type(value) is Deferred else value)

    @property
    def async_functions(self) -> int:
        return self.tables.async_count

    @property
    def sync_functions(self) -> int:
        return len(self.functions) - self.tables.async_count

    def asyncio_run_calls(self) -> int:
        return sum(1 for _, kind in self.bridges if kind == "asyncio.run")


# ``tuple.__new__`` bound to each row class: rebuilding rows without a Python-level call
# per row (``_make`` is one), which matters when a run loads the facts of 7,000 files
_new_function = partial(tuple.__new__, Function)
_new_class = partial(tuple.__new__, Class)
_new_import = partial(tuple.__new__, Import)
_new_assign = partial(tuple.__new__, Assign)
_new_with = partial(tuple.__new__, With)
_new_tables = partial(tuple.__new__, Tables)


def _dumped_rows(facts: FileFacts, index: int) -> bytes:
    value: object = tuple.__getitem__(facts, index)
    if isinstance(value, Deferred):
        return value.blob  # as it was read: not decoded to be encoded again
    rows = cast("tuple[tuple[Any, ...], ...]", value)
    return marshal.dumps(tuple(map(tuple, rows)))


def dump_facts(facts: FileFacts) -> bytes:
    """Serialise for the cache and the process pool (plain tuples only). The imports, the
    assignments and the ``with`` rows are serialised apart, so that :func:`load_facts` can
    leave them so."""
    return marshal.dumps(
        (
            facts.lines,
            tuple(facts.syntax_error) if facts.syntax_error else None,
            tuple(facts.newer_syntax) if facts.newer_syntax else None,
            facts.salvaged,
            facts.degraded,
            tuple(map(tuple, facts.functions)),
            tuple(map(tuple, facts.classes)),
            _dumped_rows(facts, 7),
            facts.calls,
            _dumped_rows(facts, 9),
            _dumped_rows(facts, 10),
            facts.bridges,
            facts.suppressions,
            tuple(facts.tables),
        )
    )


def load_facts(blob: bytes, defer: bool = False) -> FileFacts:
    """Inverse of :func:`dump_facts`; raises ``ValueError`` on a damaged blob. With ``defer``
    the imports, assignments and ``with`` rows stay serialised until read (see
    :class:`Deferred`): for facts the project phase may never read in full."""
    try:
        raw = marshal.loads(blob)
        (lines, syn, newer, salvaged, degraded, fns, classes, imports, calls, assigns,
         withs, bridges, supp, tables) = raw  # fmt: skip
        if type(imports) is not bytes or type(assigns) is not bytes or type(withs) is not bytes:
            raise ValueError("rows of another layout")
        if defer:
            deferred: tuple[object, object, object] = (
                Deferred(imports, _new_import),
                Deferred(assigns, _new_assign),
                Deferred(withs, _new_with),
            )
        else:
            deferred = (
                tuple(map(_new_import, marshal.loads(imports))),
                tuple(map(_new_assign, marshal.loads(assigns))),
                tuple(map(_new_with, marshal.loads(withs))),
            )
        return FileFacts(
            lines,
            SyntaxProblem(*syn) if syn else None,
            SyntaxProblem(*newer) if newer else None,
            salvaged,
            degraded,
            tuple(map(_new_function, fns)),
            tuple(map(_new_class, classes)),
            deferred[0],  # type: ignore[arg-type]
            calls,
            deferred[1],  # type: ignore[arg-type]
            deferred[2],  # type: ignore[arg-type]
            bridges,
            supp,
            _new_tables(tables),
        )
    except (EOFError, TypeError, ValueError) as exc:
        raise ValueError(f"damaged facts record: {exc}") from exc
