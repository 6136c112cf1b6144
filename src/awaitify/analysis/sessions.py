"""Sync database sessions used inside ``async def`` (the facts behind ASY204).

One problem, one finding (SPEC §3): a sync session used in an ``async def`` is reported
once, where the function *creates or enters* it (a session created by assignment counts
only when the function also calls its methods: ``maker = scoped_session(...)`` handed to
an executor is not a use) (``with SessionLocal() as db``,
``db = Session(engine)``), or — for a session that arrives as a parameter, an attribute or a
module variable — at its *first use* in that function. Every method call on that session
in the same function is covered by that one finding, so ASY100 skips them:
:func:`sync_session_uses` gives those call rows.

Calls inside lambdas and nested sync functions are not the async body's (they run
elsewhere, typically through ``asyncio.to_thread``), so they neither create nor use.
"""

from __future__ import annotations

from dataclasses import dataclass

from awaitify.analysis import apis
from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_COL,
    C_CTX,
    C_END_COL,
    C_END_LINE,
    C_FLAGS,
    C_LINE,
    C_SCOPE,
    CALL_IN_LAMBDA,
    CALL_UNREACHABLE,
    CTX_ASSIGN,
    CTX_AWAIT,
    RETURN_TARGET,
    Assign,
    With,
)
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import ClassRef, Factory, Resolver, TypeRef
from awaitify.analysis.tables import SESSION_CLASSES

#: the methods of a sync ``Session`` whose call is a use of the session
SESSION_API = frozenset(
    {"query", "execute", "scalars", "scalar", "get", "get_one", "add", "add_all", "commit",
     "flush", "refresh", "delete", "rollback", "merge", "close", "connection", "begin",
     "begin_nested", "expire", "expire_all", "expunge", "expunge_all", "invalidate",
     "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings", "get_bind",
     "is_modified", "in_transaction", "reset", "execute_many", "exec"}
)  # fmt: skip

CREATED = "created"  # ``db = SessionLocal()`` / ``Session(engine)``
ENTERED = "entered"  # ``with SessionLocal() as db:``
USED = "used"  # a parameter / attribute / module variable, at its first method call


@dataclass(frozen=True, slots=True)
class SessionUse:
    """One ASY204 finding: a sync session in one ``async def``."""

    module: Module
    function: int  # index of the ``async def``
    how: str  # CREATED / ENTERED / USED
    name: str  # the session expression: ``db``, ``self.db`` ("" for ``with Session(e):``)
    source: str  # what made it: ``SessionLocal()``, ``db: Session``, ``self.db``
    row: int  # the call row reported (the factory call, or the first method call)
    line: int
    col: int
    end_line: int
    end_col: int
    covered: frozenset[int]  # call rows of this function the finding covers


def is_sync_session_type(resolver: Resolver, t: TypeRef | None) -> bool:
    if t == apis.SYNC_SESSION:
        return True
    if isinstance(t, ClassRef):
        return apis.SYNC_SESSION in resolver.external_bases(t)
    return False


def _factory_session(resolver: Resolver, module: Module, scope: int, callee: str) -> bool:
    """Does ``callee(...)`` produce a sync session (``SessionLocal()``, ``Session(engine)``,
    ``SessionLocal.begin()``, a project function annotated ``-> Session``)?"""
    if not callee or "()" in callee:
        return False
    try:
        produced = resolver.call_result_type(module, scope, callee)
    except RecursionError:  # pathological alias cycles: unknown, not a crash
        return False
    if is_sync_session_type(resolver, produced):
        return True
    receiver, _, method = callee.rpartition(".")
    if receiver and method == "begin":
        t = resolver.type_of(module, scope, receiver)
        return isinstance(t, Factory) and t.produces == apis.SYNC_SESSION
    return False


def _entered_session(resolver: Resolver, module: Module, scope: int, target: str) -> bool:
    try:
        return is_sync_session_type(resolver, resolver.type_of(module, scope, target))
    except RecursionError:
        return False


def _short_call(callee: str, args: tuple[str, ...] = ()) -> str:
    """``SessionLocal()`` for ``app.db.SessionLocal``; ``SessionLocal.begin()`` stays whole,
    and so does ``self.Session()``; ``Session(...)`` when the call has arguments."""
    parts = callee.split(".")
    keep = 2 if len(parts) > 1 and (parts[-1] == "begin" or parts[0] in ("self", "cls")) else 1
    if parts[0] in ("self", "cls") and parts[-1] == "begin":
        keep = len(parts)
    return ".".join(parts[-keep:]) + ("(...)" if args else "()")


def _receiver(callee: str) -> str:
    """``db`` for ``db.query``, ``self.db`` for ``self.db.add``; "" for a plain function."""
    if not callee or "()" in callee:
        return ""
    receiver, _, _ = callee.rpartition(".")
    return receiver


def _covers(name: str, receiver: str) -> bool:
    return receiver == name or receiver.startswith(name + ".")


def session_producers(project: ProjectView) -> frozenset[str]:
    """Last name segments of everything whose call can produce a sync session: the
    ``Session`` class, variables and attributes assigned from ``sessionmaker(...)`` /
    ``scoped_session(...)``, functions annotated ``-> Session``, and ``.begin()``. A cheap
    filter before the exact type query, which is far more expensive.

    The filter never drops a real use: ASY204 re-checks only the modules an edit can reach
    (it follows imports), so what it reports in a module must not depend on names that
    other modules happen to define. Hence names bound to a producer under another name
    (``Maker = SessionLocal``, ``from .db import SessionLocal as Maker``) are in it too.
    Each file's part of both comes with its facts (``Tables.session_names``,
    ``Tables.renames``)."""
    names = set(SESSION_CLASSES) | {"begin"}
    renamed: dict[str, list[str]] = {}  # a name -> the names it is also bound to
    for module in _imported_closure(project):
        tables = module.facts.tables
        names.update(tables.session_names)
        for original, news in tables.renames.items():
            found = renamed.get(original)
            if found is None:
                renamed[original] = list(news)
            else:
                found.extend(news)
    queue = list(names)
    while queue:  # renames of renames
        for new in renamed.get(queue.pop(), ()):
            if new not in names:
                names.add(new)
                queue.append(new)
    return frozenset(names)


def _imported_closure(project: ProjectView) -> list[Module]:
    """The modules ASY204 checks and every module they import, directly or not: where
    anything their sessions come from is defined (all modules when every one is checked)."""
    if project.focus is None:
        return project.modules
    return project.graph.imported_closure(project.checked_modules)


@dataclass
class _ModuleRows:
    """A module's call rows, ``with`` rows and assignments, grouped by enclosing function."""

    calls: dict[int, list[int]]
    withs: dict[int, list[With]]
    assigns: dict[int, list[Assign]]

    @classmethod
    def of(cls, module: Module) -> _ModuleRows:
        facts = module.facts
        calls: dict[int, list[int]] = {}
        for r, c in enumerate(facts.calls):
            if c[C_SCOPE] >= 0 and not c[C_FLAGS] & (CALL_IN_LAMBDA | CALL_UNREACHABLE):
                calls.setdefault(c[C_SCOPE], []).append(r)
        withs: dict[int, list[With]] = {}
        for w in facts.withs:
            withs.setdefault(w.scope, []).append(w)
        assigns: dict[int, list[Assign]] = {}
        for a in facts.assigns:
            assigns.setdefault(a.scope, []).append(a)
        return cls(calls, withs, assigns)


def analyse_function(
    resolver: Resolver,
    module: Module,
    fn_index: int,
    producers: frozenset[str] | None = None,
    grouped: _ModuleRows | None = None,
) -> list[SessionUse]:
    """The ASY204 findings of one ``async def`` (empty for a sync function).

    ``producers`` (from :func:`session_producers`) skips factory calls that cannot make a
    session (``None``: check every call); ``grouped`` is the module's rows by function,
    computed once per module by :class:`SessionAnalysis`."""
    facts = module.facts
    fn = facts.functions[fn_index]
    if not fn.is_async:
        return []
    calls = facts.calls
    grouped = grouped or _ModuleRows.of(module)
    rows = grouped.calls.get(fn_index, [])
    if not rows:
        return []
    found: list[SessionUse] = []
    named: dict[str, int] = {}  # session variable -> index into ``found``
    claimed: set[int] = set()  # factory call rows already reported
    # 1. ``with SessionLocal() as db:`` (sync ``with`` only: ``async with`` is the fix)
    for w in grouped.withs.get(fn_index, ()):
        if w.is_async or w.call < 0:
            continue
        callee = calls[w.call][C_CALLEE]
        if calls[w.call][C_FLAGS] & CALL_IN_LAMBDA:
            continue
        if not (
            (producers is None or callee.rpartition(".")[2] in producers)
            and _factory_session(resolver, module, fn_index, callee)
        ) and not (
            # a project ``@contextmanager`` with no annotation that yields a ``Session``
            # (langflow's ``session_getter``): what the target is says what it enters
            w.target and _entered_session(resolver, module, fn_index, w.target)
        ):
            continue
        c = calls[w.call]
        found.append(
            SessionUse(module, fn_index, ENTERED, w.target, _short_call(callee, calls[w.call][C_ARGS]), w.call,
                       c[C_LINE], c[C_COL], c[C_END_LINE], c[C_END_COL], frozenset({w.call}))
        )  # fmt: skip
        claimed.add(w.call)
        if w.target and w.target not in named:
            named[w.target] = len(found) - 1
    # 2. ``db = SessionLocal()`` / ``self.db = Session(engine)``
    for a in grouped.assigns.get(fn_index, ()):
        if not a.call or a.target in named or a.target == RETURN_TARGET:
            continue
        if producers is not None and a.call.rpartition(".")[2] not in producers:
            continue
        row = next(
            (
                r for r in rows
                if r not in claimed and calls[r][C_CALLEE] == a.call
                and calls[r][C_CTX] in (CTX_ASSIGN, CTX_AWAIT) and calls[r][C_LINE] >= a.line
            ),
            -1,
        )  # fmt: skip
        if row < 0 or not _factory_session(resolver, module, fn_index, a.call):
            continue
        c = calls[row]
        found.append(
            SessionUse(module, fn_index, CREATED, a.target, _short_call(a.call, calls[row][C_ARGS]), row,
                       c[C_LINE], c[C_COL], c[C_END_LINE], c[C_END_COL], frozenset({row}))
        )  # fmt: skip
        claimed.add(row)
        named[a.target] = len(found) - 1
    # 3. method calls: on a session made here (covered), or on a typed parameter / attribute /
    #    module variable (the first one is the finding)
    uses: dict[str, list[int]] = {}
    types: dict[str, bool] = {}
    for r in rows:
        callee = calls[r][C_CALLEE]
        receiver = _receiver(callee)
        if not receiver:
            continue
        if callee.rpartition(".")[2] not in SESSION_API:
            continue  # not a Session method: cannot be a use (and skips most type lookups)
        owner = next((n for n in named if _covers(n, receiver)), None)
        if owner is not None:
            uses.setdefault(owner, []).append(r)
            continue
        if receiver not in types:
            try:
                t = resolver.type_of(module, fn_index, receiver)
            except RecursionError:
                t = None
            types[receiver] = is_sync_session_type(resolver, t)
        if types[receiver]:
            uses.setdefault(receiver, []).append(r)
    out: list[SessionUse] = []
    for i, use in enumerate(found):
        more = uses.get(use.name, ()) if use.name and named.get(use.name) == i else ()
        if use.how == CREATED and not more:
            continue  # made here but only handed on (to an executor, a thread): not used here
        if use.how == CREATED and any(calls[r][C_CTX] == CTX_AWAIT for r in more):
            continue  # ``await session.commit()``: the factory makes AsyncSessions
            # (``sessionmaker(engine, class_=AsyncSession)``), whatever it looks like
        out.append(_with_covered(use, use.covered | frozenset(more)))
    for receiver, used_rows in uses.items():
        if receiver in named:
            continue
        if any(calls[r][C_CTX] == CTX_AWAIT for r in used_rows):
            continue  # ``await session.execute(...)``: the annotation says Session, the code
            # treats it as an AsyncSession; the annotation is what is wrong, not the loop
        first = min(used_rows, key=lambda r: (calls[r][C_LINE], calls[r][C_COL]))
        c = calls[first]
        out.append(
            SessionUse(module, fn_index, USED, receiver, _describe_source(module, fn_index, receiver),
                       first, c[C_LINE], c[C_COL], c[C_END_LINE], c[C_END_COL],
                       frozenset(used_rows))
        )  # fmt: skip
    out.sort(key=lambda u: (u.line, u.col))
    return out


def _with_covered(use: SessionUse, covered: frozenset[int]) -> SessionUse:
    return SessionUse(
        use.module, use.function, use.how, use.name, use.source, use.row,
        use.line, use.col, use.end_line, use.end_col, covered,
    )  # fmt: skip


def _describe_source(module: Module, fn_index: int, receiver: str) -> str:
    fn = module.facts.functions[fn_index]
    for pname, annotation in fn.params:
        if pname == receiver:
            short = annotation.rpartition(".")[2] or "Session"
            return f"parameter `{pname}: {short}`"
    if receiver.startswith(("self.", "cls.")):
        return f"attribute `{receiver}`"
    return f"`{receiver}`"


class SessionAnalysis:
    """Every ASY204 finding of a project, computed once and shared by ASY204 and ASY100."""

    def __init__(self, project: ProjectView) -> None:
        graph = project.graph
        resolver = graph.resolver
        producers = session_producers(project)
        uses: list[SessionUse] = []
        for module, functions in _candidates(project, producers).items():
            grouped = _ModuleRows.of(module)
            for i in sorted(functions):
                uses.extend(analyse_function(resolver, module, i, producers, grouped))
        self.uses: tuple[SessionUse, ...] = tuple(uses)
        self.covered: frozenset[tuple[str, int]] = frozenset(
            (u.module.path, r) for u in uses for r in u.covered
        )


def _candidates(project: ProjectView, producers: frozenset[str]) -> dict[Module, set[int]]:
    """The ``async def``s that can involve a sync session: those that call something that
    produces one, and those where the call graph saw a sync ``Session`` method called (on a
    parameter or an attribute typed ``Session``). A cheap filter before
    :func:`analyse_function`, which is exact but costs too much to run on every coroutine
    of a large project."""
    graph = project.graph
    prefix = apis.SYNC_SESSION + "."
    found: dict[Module, set[int]] = {}
    for module in project.checked_modules:
        facts = module.facts
        if module.layer == "migration" or not facts.async_functions:
            continue
        functions = facts.functions
        if not facts.tables.call_names.isdisjoint(producers):
            for call in facts.calls:
                scope = call[C_SCOPE]
                if scope < 0 or not functions[scope].is_async or call[C_FLAGS] & CALL_UNREACHABLE:
                    continue
                callee = call[C_CALLEE]
                if callee and callee.rpartition(".")[2] in producers:
                    found.setdefault(module, set()).add(scope)
        for site in graph.module_blocking_sites(module):
            scope = site.scope
            if scope >= 0 and functions[scope].is_async and site.api.startswith(prefix):
                found.setdefault(module, set()).add(scope)
    return found


def session_analysis(project: ProjectView) -> SessionAnalysis:
    return project.memo("sessions", lambda: SessionAnalysis(project))


def sync_session_uses(project: ProjectView) -> set[tuple[str, int]]:
    """(module path, call row) of every call ASY204 already reports (the session's creation
    and its method calls in that ``async def``): ASY100 does not report them again."""
    return set(session_analysis(project).covered)
