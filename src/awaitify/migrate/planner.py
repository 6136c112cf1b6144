"""Decide every edit of a migration from facts and the call graph, before any rewrite.

Given the selected functions, the planner

1. converts each selected sync function (a selected ``async def`` is only *fixed up*), and
   with a method every override in the project class hierarchy, so that a polymorphic
   call is awaited whichever class answers it;
2. walks the callers of every converted function (``graph.callers_of``) breadth-first: an
   async caller awaits the call; a sync caller is converted too, unless it is an accepted
   boundary (Celery task, adapter, entry point, configured sync hook, migration) where the
   call is wrapped in ``asyncio.run(...)``; what cannot be converted (a lambda, a dunder, a
   property, a generator, a call at import time) becomes a "needs review" item;
3. fixes up the body of every function that is async after the migration and was touched
   by it: a blocking call gets its async twin (``time.sleep`` → ``asyncio.sleep``) or
   moves to ``asyncio.to_thread``; so does a call to a project sync function that blocks
   or runs a bridge; a bridge (``asyncio.run(c)``) becomes ``await c``; a ``with`` over a
   session factory that has a configured async twin becomes ``async with`` on the twin,
   and the session's coroutine methods in it are awaited;
4. lists what it cannot follow: a converted function passed as a value (a callback), a
   session that escapes its ``with``, and (:mod:`~awaitify.migrate.unresolved`) every call
   the call graph could not resolve that may reach a converted function by its name.

Nothing here parses a file with LibCST; the only source read is an ``ast`` parse of the
few files where a session ``with`` or a ``unittest.TestCase`` base has to be checked, or
where :mod:`~awaitify.migrate.unresolved` reads back what the facts do not keep.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from awaitify.analysis import apis
from awaitify.analysis import boundaries as b
from awaitify.analysis.bridges import ISOLATED_TESTCASE, UNITTEST_TESTCASE, testcase_bases
from awaitify.analysis.callgraph import (
    KIND_ASYNC_API,
    KIND_BLOCKING,
    KIND_BRIDGE,
    KIND_PROJECT,
    Site,
)
from awaitify.analysis.color import consumes_generator
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
    CALL_IN_DECORATOR,
    CALL_IN_DEFAULT,
    CALL_IN_LAMBDA,
    CALL_IN_MAIN,
    CALL_STARRED_ARGS,
    CTX_ASYNC_ITER,
    CTX_ASYNC_WITH,
    CTX_ATTR,
    CTX_AWAIT,
    CTX_EXPR,
    CTX_ITER,
    CTX_OPERAND,
    CTX_RETURN,
    CTX_TEST,
    CTX_WITH,
    FN_GENERATOR,
    FN_PROPERTY,
    RETURN_TARGET,
    RUNNER_RUN,
    CallRow,
    With,
)
from awaitify.analysis.locks import lock_withs
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import ClassRef, FuncRef
from awaitify.analysis.runners import TO_THREAD, other_runner
from awaitify.analysis.threadsafe import threadsafe_waits
from awaitify.migrate.model import (
    ASYNC_TWINS,
    AWAIT,
    BRIDGE,
    OFFLOAD,
    TWIN,
    UNBRIDGE,
    UNOFFLOAD,
    CallEdit,
    ClassEdit,
    EditPlan,
    FunctionEdit,
    Review,
    Span,
    WithEdit,
)
from awaitify.migrate.unresolved import handed_to_runner, unresolved_calls

#: a sync-session method that an ``AsyncSession`` has as a plain (not awaited) method
_SYNC_OK_SESSION_METHODS = frozenset(
    {"add", "add_all", "expunge", "expunge_all", "expire", "expire_all"}
)
_ASYNC_SESSION_METHODS = apis.ASYNC_METHODS[apis.ASYNC_SESSION]
#: uses of a coroutine's result that are wrong without ``await`` (ASY104)
_VALUE_CTX = frozenset({CTX_ATTR, CTX_OPERAND, CTX_TEST, CTX_ITER})
#: external bases that carry no methods a project method could override by accident
_PLAIN_BASES = frozenset(
    {
        "object", "abc.ABC", "typing.Generic", "typing.Protocol", "typing_extensions.Protocol",
        "Exception", "BaseException", "typing.NamedTuple", "enum.Enum", "dict", "list",
    }
)  # fmt: skip
_PYTESTMARK = re.compile(rb"^pytestmark\s*=.*\b(asyncio|anyio)\b", re.M)
_MARKERS = frozenset({"pytest.mark.asyncio", "pytest.mark.anyio"})
_PLAIN_FIXTURE = frozenset({"pytest.fixture", "fixture"})
#: decorators that would wrap the coroutine object instead of the result
_SYNC_ONLY_DECORATORS = apis.FUNCTOOLS_CACHES | {
    "cachetools.cached", "cachetools.func.ttl_cache", "cachetools.func.lru_cache"
}  # fmt: skip

#: methods of a unittest test case that unittest itself calls, never awaiting them
_UNITTEST_HOOKS = frozenset(
    {"setUp", "tearDown", "setUpClass", "tearDownClass", "setUpTestData", "run", "debug",
     "doCleanups", "doClassCleanups", "id", "shortDescription"}
)  # fmt: skip

#: asyncio functions that need the running loop of the thread they are called in
_LOOP_FUNCTIONS = frozenset(
    {"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.ensure_future",
     "asyncio.create_task", "asyncio.Future", "asyncio.Task", "asyncio.current_task",
     "asyncio.all_tasks", "asyncio.gather", "asyncio.shield", "asyncio.wrap_future",
     "asyncio.events.get_running_loop", "asyncio.events.get_event_loop",
     "asyncio.tasks.ensure_future", "asyncio.tasks.create_task", "asyncio.futures.Future",
     # async clients that bind to the running loop when built (hatchet's gRPC channels)
     "aiohttp.ClientSession", "aiohttp.client.ClientSession", "aiohttp.TCPConnector",
     "aiohttp.connector.TCPConnector", "grpc.aio.insecure_channel", "grpc.aio.secure_channel",
     "grpc.aio.server"}
)  # fmt: skip
#: imported decorators known to work on coroutine functions (or to need no look)
_DECORATORS_FOR_COROUTINES = (
    "abc.", "typing.", "typing_extensions.", "functools.wraps", "pytest.", "pytest_asyncio.",
    "fastapi.", "starlette.", "celery.", "click.", "typer.", "asyncclick.", "backoff.",
    "tenacity.", "deprecated.", "override",
)  # fmt: skip


def _loop_bound_client(name: str) -> bool:
    """A Google Cloud client library's async client (``google.cloud.batch_v1.
    BatchServiceAsyncClient``): built on a grpc.aio channel, it needs the running loop."""
    return name.startswith("google.") and name.endswith("AsyncClient")


#: calls that make an event loop of the caller's own: loop-bound calls next to them use it
_OWN_LOOP = frozenset(
    {"asyncio.new_event_loop", "asyncio.Runner", "asyncio.runners.Runner", "asyncio.run",
     "asyncio.set_event_loop", "uvloop.new_event_loop", "uvloop.run"}
)  # fmt: skip
#: asyncio's objects of one loop, which its docs call not thread-safe
_LOOP_OBJECTS = frozenset(
    {"asyncio.Queue", "asyncio.LifoQueue", "asyncio.PriorityQueue", "asyncio.queues.Queue",
     "asyncio.Event", "asyncio.locks.Event", "asyncio.Condition", "asyncio.Lock",
     "asyncio.Semaphore", "asyncio.BoundedSemaphore", "asyncio.Future", "asyncio.futures.Future",
     "asyncio.Task", "asyncio.Server", "asyncio.AbstractServer", "asyncio.base_events.Server",
     "asyncio.events.AbstractServer"}
)  # fmt: skip
#: the methods of those objects that change them (or wake a waiting task)
_LOOP_OBJECT_METHODS = frozenset(
    {"put_nowait", "get_nowait", "task_done", "set", "clear", "set_result", "set_exception",
     "cancel", "add_done_callback", "notify", "notify_all", "release", "shutdown",
     "close", "close_clients", "abort_clients"}  # (a server's: pygls' shutdown)
)  # fmt: skip
#: what makes a per-thread namespace: ``x = threading.local()``
_THREAD_LOCAL = frozenset({"threading.local", "_threading_local.local"})
#: asyncio functions that hand out the current thread's loop: a function that uses what
#: they return before making a loop of its own works with the caller's loop
_CURRENT_LOOP = frozenset(
    {"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.events.get_running_loop",
     "asyncio.events.get_event_loop"}
)  # fmt: skip
#: calls that only the main thread may make (signal handlers): never from a worker thread
#: a function decorated so that calling it only builds the context manager: ``with f():``
#: runs its body when the ``with`` enters and leaves
_GENERATOR_CONTEXT = frozenset({"contextlib.contextmanager", "contextmanager"})
#: blocking calls whose result belongs to the thread that made it: moved alone to
#: ``asyncio.to_thread``, their result would then be used on the loop's thread
_THREAD_BOUND = ("sqlite3.connect", "sqlite3.Connection.", "sqlite3.Cursor.")
_SESSION_PREFIX = apis.SYNC_SESSION + "."
_SESSION_QUERY = apis.SYNC_SESSION + ".query"
_FLASK_SQLALCHEMY = "flask_sqlalchemy.SQLAlchemy"
_EXECUTOR_MAP = f"{apis.EXECUTOR}.map"
_WEAKREF_CALLBACKS = frozenset({"weakref.finalize", "weakref.ref"})
#: DB-API connections and cursors: calls on one kept on ``self`` interleave once in threads
_DBAPI_TYPES = frozenset(
    {"psycopg2.connection", "psycopg2.cursor", "pymysql.connection", "pymysql.cursor",
     apis.PSYCOPG_CONNECTION, apis.PSYCOPG_CURSOR, "pyodbc.Connection", "pyodbc.Cursor"}
)  # fmt: skip
_SCOPED_SESSIONS = frozenset(
    {"sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session"}
)
_CONTEXT_SETTERS = frozenset({"contextvars.ContextVar.set", "contextvars.ContextVar.reset"})
_MAIN_THREAD_FUNCTIONS = frozenset({"signal.signal", "signal.set_wakeup_fd"})
_MAIN_THREAD_METHODS = frozenset({"add_signal_handler", "remove_signal_handler"})
#: event-loop methods that must be called in the loop's own thread (``call_soon_threadsafe``
#: and ``run_coroutine_threadsafe`` are the thread-safe ones, and are not here)
_LOOP_METHODS = frozenset(
    {"create_future", "create_task", "call_soon", "call_later", "call_at", "run_in_executor",
     "add_reader", "add_writer", "remove_reader", "remove_writer", "add_signal_handler"}
)  # fmt: skip

SourceReader = Callable[[Module], bytes]


def is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__") and len(name) > 4


def span_of(call: CallRow) -> Span:
    return Span(call[C_LINE], call[C_COL], call[C_END_LINE], call[C_END_COL])


@dataclass(frozen=True, slots=True)
class TestCaseMethod:
    """A method of a class that derives from a unittest-style test case (``base``, outside
    the project): pytest runs it through unittest, where pytest-asyncio's markers do
    nothing, so it never gets one."""

    cls: ClassRef
    base: str  # ``unittest.TestCase``, ``tornado.testing.AsyncTestCase``, ...
    hook: bool  # ``setUp``, ``tearDown``, ...: unittest calls it without awaiting
    swap: bool  # a test of a direct ``unittest.TestCase`` subclass: the class becomes an
    #             ``IsolatedAsyncioTestCase`` when the test becomes async
    problem: str  # why the method cannot become async ("" when it can)


@dataclass(frozen=True, slots=True)
class PytestStyle:
    """How converted tests and fixtures are marked (config + the project's pytest config)."""

    marker: str  # "asyncio" / "anyio"
    auto: bool  # pytest-asyncio ``asyncio_mode = "auto"``: no marker, plain fixtures


class Planner:
    def __init__(
        self,
        project: ProjectView,
        read_source: SourceReader,
        style: PytestStyle,
        subclasses: dict[ClassRef, list[ClassRef]] | None = None,
    ) -> None:
        self.project = project
        self.config = project.config
        self.graph = project.graph
        self.graph.complete()  # the walk reads calls to any function, not only coloured ones
        self.resolver = self.graph.resolver
        self.colors = project.colors
        self.read_source = read_source
        self.style = style
        self.plan = EditPlan()
        self.convert: dict[FuncRef, str] = {}  # sync function → why it is converted
        self.fix: dict[FuncRef, None] = {}  # selected async functions (ordered set)
        self._queue: deque[FuncRef] = deque()
        self._edits: dict[tuple[int, int], CallEdit] = {}  # (module id, row) → edit
        self._handled: set[tuple[int, int]] = set()  # rows a session ``with`` takes care of
        self._withs: dict[tuple[int, int], WithEdit] = {}
        self._subclasses = subclasses  # shared between planners of one project
        self._trees: dict[int, ast.Module | None] = {}
        self._locals_of: dict[int, frozenset[str]] = {}  # module id -> its threading.local()s
        self._seen_review: set[tuple[str, int, str]] = set()
        self._pytestmark: dict[int, bool] = {}
        #: converted public methods of classes with bases outside the project
        self._external: dict[ClassRef, tuple[str, list[FuncRef]]] = {}
        self._testcases: dict[FuncRef, TestCaseMethod | None] = {}
        #: unittest.TestCase classes that become IsolatedAsyncioTestCase in this migration
        self._isolated: dict[ClassRef, None] = {}
        self._finalizer_set: set[FuncRef] | None = None
        self._exit_set: dict[FuncRef, str] | None = None  # see ``_at_exit``

    # -- entry point ------------------------------------------------------------------------
    def run(self, selected: Iterable[FuncRef], *, callbacks: bool = True) -> EditPlan:
        """The edit plan for ``selected``; ``callbacks=False`` skips the (whole-project)
        search for converted functions passed as values, for quick what-if runs."""
        # tests that make their class an IsolatedAsyncioTestCase first: the class's other
        # tests (and its subclasses') are then awaited by unittest too
        selected = sorted(selected, key=lambda r: not self._swaps(r))
        for ref in selected:
            if ref.fn.is_async:
                self.fix.setdefault(ref)
                continue
            blocker = self.unconvertible(ref)
            if blocker:
                self.review(ref.module, ref.fn.line, f"`{ref.label}` left sync: {blocker}")
                continue
            self._convert(ref, "selected")
        self._drain()
        if self.style.marker == "anyio":
            while self._fixture_consumers():
                self._drain()
        self._rebridge()
        for fn in sorted({*self.convert, *self.fix}, key=_order):
            self._fix_body(fn)
        if callbacks:
            self._passed_as_value()
            for item in unresolved_calls(self.project, self.convert, self.read_source, self._tree):
                key = (item.path, item.line, item.message)
                if key not in self._seen_review:
                    self._seen_review.add(key)
                    self.plan.review.append(item)
        self._emit()
        return self.plan

    def _drain(self) -> None:
        while self._queue:
            callee = self._queue.popleft()
            for site in self.graph.callers_of(callee):
                self._caller(callee, site)

    def _rebridge(self) -> None:
        """A boundary converted after all (it overrides a converted method): the bridges
        put in it become awaits."""
        by_id = {id(m): m for m in self.project.modules}
        for (mid, row), edit in list(self._edits.items()):
            if edit.kind != BRIDGE:
                continue
            module = by_id[mid]
            scope = module.facts.calls[row][C_SCOPE]
            if scope >= 0 and FuncRef(module, scope) in self.convert:
                del self._edits[(mid, row)]
                self._await(module, row, edit.what)

    def _fixture_consumers(self) -> bool:
        """anyio's pytest plugin runs an async fixture only for an async (anyio) test, so a
        test or fixture that requests a converted fixture is converted too."""
        added = False
        for ref in sorted(self.convert, key=_order):
            if not b.is_pytest_fixture(ref.module, ref.index):
                continue
            name = ref.fn.name
            for module in self._fixture_scope(ref.module):
                for i, fn in enumerate(module.facts.functions):
                    if fn.is_async or not any(p.lstrip("*") == name for p, _ in fn.params):
                        continue
                    if not (b.is_test_function(module, i) or b.is_pytest_fixture(module, i)):
                        continue
                    other = FuncRef(module, i)
                    if other not in self.convert and not self.unconvertible(other):
                        self._convert(other, f"uses the fixture {name}")
                        added = True
        return added

    def _fixture_scope(self, module: Module) -> list[Module]:
        """The modules a fixture is visible in: its own, or everything under a conftest."""
        folder, _, filename = module.relpath.rpartition("/")
        if filename != "conftest.py":
            return [module]
        prefix = f"{folder}/" if folder else ""
        return [m for m in self.project.modules if m.relpath.startswith(prefix)]

    # -- conversion ---------------------------------------------------------------------------
    def review(self, module: Module, line: int, message: str) -> None:
        key = (module.path, line, message)
        if key not in self._seen_review:
            self._seen_review.add(key)
            self.plan.review.append(Review(module.path, line, message))

    def _convert(self, ref: FuncRef, why: str) -> None:
        if ref in self.convert or ref.fn.is_async:
            return
        self.convert[ref] = why
        testcase = self.testcase(ref)
        if testcase is not None and testcase.swap:
            self._isolated.setdefault(testcase.cls)
        self._queue.append(ref)
        module, fn = ref.module, ref.fn
        imported = {imp.target for imp in module.facts.imports}
        for decorator in fn.decorators:
            wrapper = self.resolver.resolve_name(module, fn.parent, decorator)
            shown = decorator.rpartition(".")[2]
            if isinstance(wrapper, (FuncRef, ClassRef)):
                self.review(module, fn.line, f"`{ref.label}` is decorated with `@{shown}`, a "
                            "project decorator awaitify does not see through: check that it "
                            "passes the coroutine on (and awaits it where it uses the "
                            "result)")  # fmt: skip
            elif decorator in imported and not decorator.startswith(_DECORATORS_FOR_COROUTINES):
                # airflow's ``@provide_session`` opens a session in a ``with`` around the
                # call: around a coroutine function, it closes it before the body runs
                self.review(module, fn.line, f"`{ref.label}` is decorated with `@{shown}` "
                            f"(`{decorator}`), which awaitify does not see into: check that it "
                            "works on a coroutine function (one that wraps the call in a "
                            "`with` or `try` finishes before the coroutine runs)")  # fmt: skip
        # every definition under the same name: ``@overload`` stubs, ``if``/``else`` defs;
        # not ``_``, the throwaway name (marimo's cells are all ``def _():``)
        for i, other in enumerate(module.facts.functions):
            if (
                i != ref.index
                and other.qualname == fn.qualname
                and not other.is_async
                and fn.name != "_"
            ):
                self._convert(FuncRef(module, i), why)
        if fn.class_index >= 0 and fn.parent < 0:
            self._convert_family(ref)

    def _convert_family(self, ref: FuncRef) -> None:
        """Overrides and overridden methods: one signature for the whole hierarchy."""
        module, fn = ref.module, ref.fn
        cls = ClassRef(module, fn.class_index)
        related = [*self.resolver.mro(cls)[1:], *self._subclasses_of(cls)]
        found_in_project_base = False
        for other_cls in related:
            methods = self.resolver.index(other_cls.module).methods.get(other_cls.index, {})
            index = methods.get(fn.name)
            if index is None:
                continue
            other = FuncRef(other_cls.module, index)
            if other_cls in self.resolver.mro(cls):
                found_in_project_base = True
            if other.fn.flags & FN_PROPERTY or other.fn.is_async or other in self.convert:
                continue
            blocker = self.unconvertible(other)
            if blocker:
                self.review(other.module, other.fn.line, f"`{other.label}` overrides or is "
                            f"overridden by `{ref.label}` but stays sync: {blocker}")  # fmt: skip
                continue
            self._convert(other, f"overrides or is overridden by {ref.label}")
        testcase = self.testcase(ref)
        if testcase is not None and not testcase.hook and fn.name.startswith("test"):
            return  # a test method overrides nothing of its TestCase
        if not found_in_project_base and not fn.name.startswith("_"):
            external = [x for x in self.resolver.external_bases(cls) if x not in _PLAIN_BASES]
            if external:
                self._external.setdefault(cls, (external[0], []))[1].append(ref)

    def subclass_table(self) -> dict[ClassRef, list[ClassRef]]:
        """Every project class → its project subclasses (built once, on first need)."""
        if self._subclasses is None:
            table: dict[ClassRef, list[ClassRef]] = {}
            for module in self.project.modules:
                for ci in range(len(module.facts.classes)):
                    sub = ClassRef(module, ci)
                    for base in self.resolver.mro(sub)[1:]:
                        table.setdefault(base, []).append(sub)
            self._subclasses = table
        return self._subclasses

    def _finalizers(self) -> set[FuncRef]:
        """Project functions handed to ``weakref.finalize`` / ``weakref.ref`` as callbacks."""
        if self._finalizer_set is None:
            found: set[FuncRef] = set()
            for module in self.project.modules:
                if not any(imp.target.startswith("weakref") for imp in module.facts.imports):
                    continue
                for call in module.facts.calls:
                    if call[C_CALLEE] not in _WEAKREF_CALLBACKS:
                        continue
                    for arg in call[C_ARGS]:
                        target = (
                            self.resolver.resolve_name(module, call[C_SCOPE], arg) if arg else None
                        )
                        if isinstance(target, FuncRef):
                            found.add(target)
            self._finalizer_set = found
        return self._finalizer_set

    def _at_exit(self) -> dict[FuncRef, str]:
        """Project functions that run at interpreter exit: ``atexit`` callbacks and what they
        call, through bridges too (pyppeteer's ``_close_process`` runs
        ``loop.run_until_complete(self.killChrome())``), each with the callback's name."""
        if self._exit_set is None:
            found: dict[FuncRef, str] = {}
            queue: list[FuncRef] = []
            for module in self.project.modules:
                if not any(imp.target.startswith("atexit") for imp in module.facts.imports):
                    continue
                for call in module.facts.calls:
                    if call[C_CALLEE] == "atexit.register" and call[C_ARGS]:
                        arg = call[C_ARGS][0]
                        target = (
                            self.resolver.resolve_name(module, call[C_SCOPE], arg) if arg else None
                        )
                        if isinstance(target, FuncRef) and target not in found:
                            found[target] = target.label
                            queue.append(target)
                for i, fn in enumerate(module.facts.functions):
                    ref = FuncRef(module, i)
                    if "atexit.register" in fn.decorators and ref not in found:
                        found[ref] = ref.label
                        queue.append(ref)
            while queue and len(found) < 500:
                caller = queue.pop()
                for site in self.graph.full_body_sites(caller):
                    callee = site.target
                    if isinstance(callee, FuncRef) and callee not in found:
                        found[callee] = found[caller]
                        queue.append(callee)
            self._exit_set = found
        return self._exit_set

    def _subclasses_of(self, cls: ClassRef) -> list[ClassRef]:
        return self.subclass_table().get(cls, [])

    def _caller(self, callee: FuncRef, site: Site) -> None:
        module = site.module
        key = (id(module), site.row)
        if key in self._edits:
            return
        call = module.facts.calls[site.row]
        flags, line, scope = call[C_FLAGS], call[C_LINE], call[C_SCOPE]
        label = callee.label
        if flags & CALL_IN_LAMBDA:
            self.review(module, line, f"`{label}` is now async but is called inside a lambda: "
                                      "await it where the lambda's result is used")  # fmt: skip
            return
        if flags & (CALL_IN_DECORATOR | CALL_IN_DEFAULT):
            self.review(module, line, f"`{label}` is now async but is called at definition time "
                                      "(a decorator or a default value)")  # fmt: skip
            return
        if scope < 0:
            if flags & CALL_IN_MAIN:
                self._edit(module, site.row, BRIDGE, label)
            else:
                self.review(module, line, f"`{label}` is now async but is called at import time: "
                                          "wrap it in asyncio.run() or move it into a function")  # fmt: skip
            return
        caller = FuncRef(module, scope)
        if caller.fn.is_async or caller in self.convert:
            self._await(module, site.row, label)
            return
        boundary = self.boundary(caller)
        if boundary:
            if caller in self._finalizers():
                # the garbage collector runs it, on whatever thread drops the last
                # reference: the loop's too, where ``asyncio.run`` raises (aiida's backend)
                self.review(module, line, f"`{label}` is now async but `{caller.label}` is "
                            "a `weakref.finalize` callback, which may run on the event loop's "
                            "thread, where `asyncio.run` raises: keep what it calls sync")  # fmt: skip
                return
            if call[C_CTX] != CTX_AWAIT and not handed_to_runner(self.resolver, module, call):
                self._edit(module, site.row, BRIDGE, label)
            return
        blocker = self.unconvertible(caller)
        if blocker:
            self.review(module, line, f"`{caller.label}` calls `{label}`, which is now async, but "
                                      f"{blocker}: convert it by hand")  # fmt: skip
            return
        self._convert(caller, f"calls {label}")
        self._await(module, site.row, label)

    def _await(self, module: Module, row: int, label: str) -> None:
        call = module.facts.calls[row]
        ctx = call[C_CTX]
        if ctx == CTX_AWAIT or handed_to_runner(self.resolver, module, call):
            return
        if ctx in (CTX_ASYNC_WITH, CTX_ASYNC_ITER):
            self.review(module, call[C_LINE], f"`{label}` is now async and used in `async with` / "
                                              "`async for`: check what it returns")  # fmt: skip
            return
        self._edit(module, row, AWAIT, label)

    def boundary(self, fn: FuncRef) -> str | None:
        """Why a sync caller stays sync and bridges instead (None: convert it)."""
        module = fn.module
        if module.layer == "migration":
            return "a database migration"
        found = b.boundary_kind(module, fn.index, self.resolver, self.config, tests=False)
        if found:
            return found[1]
        testcase = self.testcase(fn)
        if testcase is not None:
            # unittest calls it: a sync test or hook that uses converted code bridges, except
            # a test of an IsolatedAsyncioTestCase, which unittest awaits when it is async
            if testcase.hook:
                return f"`{fn.fn.name}` of a `{testcase.base}`"
            if fn.fn.name.startswith("test") and not self.awaited_by_unittest(testcase):
                if testcase.swap:
                    return None  # SPEC §6: the test becomes async, its class Isolated...
                return f"a `{testcase.base}` test"
        return None

    def _swaps(self, fn: FuncRef) -> bool:
        found = self.testcase(fn)
        return found is not None and found.swap and not fn.fn.is_async

    def awaited_by_unittest(self, testcase: TestCaseMethod) -> bool:
        """Is the test case an IsolatedAsyncioTestCase, or one after this migration?"""
        if testcase.base == ISOLATED_TESTCASE:
            return True
        return any(c in self._isolated for c in self.resolver.mro(testcase.cls))

    def testcase(self, fn: FuncRef) -> TestCaseMethod | None:
        """What unittest makes of ``fn`` when it is a method of a unittest-style test case."""
        if fn in self._testcases:
            return self._testcases[fn]
        found: TestCaseMethod | None = None
        f = fn.fn
        if f.class_index >= 0 and f.parent < 0:
            bases = testcase_bases(self.resolver, fn.module, f.class_index)
            if bases:
                found = self._testcase_method(fn, bases)
        self._testcases[fn] = found
        return found

    def _testcase_method(self, fn: FuncRef, bases: list[str]) -> TestCaseMethod:
        module, f = fn.module, fn.fn
        cls = ClassRef(module, f.class_index)
        base = ISOLATED_TESTCASE if ISOLATED_TESTCASE in bases else bases[0]
        if f.name in _UNITTEST_HOOKS:
            problem = (
                f"it is `{f.name}` of a `{base}`, which unittest calls without awaiting it"
                + (" (use `asyncSetUp` / `asyncTearDown`)" if base == ISOLATED_TESTCASE else "")
            )
            return TestCaseMethod(cls, base, True, False, problem)
        if not f.name.startswith("test") or base == ISOLATED_TESTCASE:
            return TestCaseMethod(cls, base, False, False, "")  # a helper, or awaited by unittest
        why = (
            f"it is a test method of `{cls.name}`, a `{base}`: pytest-asyncio does not run "
            "TestCase methods, so an `async def` test would pass without running"
        )
        owner = next((c for c in self.resolver.mro(cls) if self._derives_from_testcase(c)), cls)
        if bases != [UNITTEST_TESTCASE]:
            how = f"make it async with `{base}`'s own async test support by hand"
        elif owner != cls:
            how = (
                f"it derives from `unittest.TestCase` through `{owner.name}`: derive "
                f"`{owner.name}` from `unittest.IsolatedAsyncioTestCase` by hand"
            )
        elif not self._written_testcase_base(cls):
            how = (
                "its `unittest.TestCase` base is not written `unittest.TestCase` or "
                "`TestCase`: make it `unittest.IsolatedAsyncioTestCase` by hand"
            )
        elif (self.config.target_version or (3, 8)) < (3, 8):
            how = "`unittest.IsolatedAsyncioTestCase` needs Python 3.8 (the target version)"
        else:
            return TestCaseMethod(cls, base, False, True, "")
        return TestCaseMethod(cls, base, False, False, f"{why}; {how}")

    def _derives_from_testcase(self, cls: ClassRef) -> bool:
        """Is ``unittest.TestCase`` among the class's own bases (however it is written)?"""
        return any(
            self.resolver.resolve_name(cls.module, -1, base)
            in ("unittest.TestCase", "unittest.case.TestCase")
            for base in cls.module.facts.classes[cls.index].bases
        )

    def _written_testcase_base(self, cls: ClassRef) -> bool:
        """Is the class's ``unittest.TestCase`` base written
        ``<unittest module alias>.TestCase`` or ``TestCase`` (imported from unittest), the
        two forms :mod:`~awaitify.migrate.edits.testcase` rewrites?"""
        facts = cls.module.facts.classes[cls.index]
        tree = self._tree(cls.module)
        if tree is None:
            return False
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.lineno == facts.line:
                shaped = [
                    x
                    for x in node.bases
                    if (isinstance(x, ast.Name) and x.id == "TestCase")
                    or (
                        isinstance(x, ast.Attribute)
                        and x.attr == "TestCase"
                        and isinstance(x.value, ast.Name)
                    )
                ]
                return node.name == facts.name and len(shaped) == 1
        return False

    def unconvertible(self, fn: FuncRef) -> str | None:
        f = fn.fn
        if is_dunder(f.name):
            return "it is a dunder method"
        if f.flags & FN_PROPERTY:
            return "it is a property"
        testcase = self.testcase(fn)
        if (
            testcase is not None
            and testcase.problem
            and (testcase.hook or not self.awaited_by_unittest(testcase))
        ):
            return testcase.problem
        if f.flags & FN_GENERATOR and not b.is_pytest_fixture(fn.module, fn.index):
            return "it is a generator"
        hook = b.framework_sync_hook(f)
        if hook:
            return hook
        bound = next(
            (s.api for s in self.graph.body_sites(fn) if s.api.startswith(_THREAD_BOUND)), ""
        )
        if bound:
            return (
                f"it uses `{bound}`, whose connection may only be used in the thread that made "
                "it: keep it sync and call it with `await asyncio.to_thread(...)`"
            )
        cached = next((d for d in f.decorators if d in _SYNC_ONLY_DECORATORS), None)
        if cached:
            return (
                f"it is decorated with @{cached}, which would cache the coroutine, not its result"
            )
        calls = fn.module.facts.calls
        if any(
            kind == "trio.run" and calls[row][C_SCOPE] == fn.index
            for row, kind in fn.module.facts.bridges
        ):
            return "it runs trio code (`trio.run`), and awaitify migrates code to asyncio"
        return None

    def _keep_on_loop(
        self, module: Module, call: CallRow, caller: str, what: str, message: str
    ) -> None:
        """Leave the call of ``what`` in ``caller`` on the loop, and say why for review."""
        self.review(module, call[C_LINE], message)
        self.plan.on_loop.append((module.path, caller, what))

    def _edit(self, module: Module, row: int, kind: str, what: str, twin: str = "") -> None:
        call = module.facts.calls[row]
        runner = other_runner(module) if kind == OFFLOAD or twin.startswith("asyncio.") else ""
        if runner:
            # ``asyncio.to_thread`` and ``asyncio.sleep`` need an asyncio loop; the coroutines
            # of a trio program (paho-mqtt's ``loop_trio.py``) or of Twisted's
            # ``ensureDeferred`` (synapse; even on its asyncio reactor) run without one
            scope = call[C_SCOPE]
            caller = module.facts.functions[scope].qualname if scope >= 0 else ""
            self._keep_on_loop(module, call, caller, what, f"`{what}` is not rewritten: the module uses "
                        f"{runner}, where `asyncio.to_thread`/`asyncio.sleep` have no loop to "
                        f"run on; use {TO_THREAD[runner]}, or its sleep")  # fmt: skip
            return
        if kind == OFFLOAD and call[C_SCOPE] >= 0:
            scope = call[C_SCOPE]
            callback = self._at_exit().get(FuncRef(module, scope))
            if callback is not None:
                caller = module.facts.functions[scope].qualname
                self._keep_on_loop(module, call, caller, what, f"`{what}` is not moved to a "
                            f"thread: `{caller}` also runs at interpreter exit (through "
                            f"the `atexit` callback `{callback}`), where `asyncio.to_thread` "
                            "can no longer start a thread")  # fmt: skip
                return
        target = self.project.config.target_version
        if kind == OFFLOAD and target is not None and target < (3, 9):
            scope = call[C_SCOPE]
            caller = module.facts.functions[scope].qualname if scope >= 0 else ""
            self._keep_on_loop(module, call, caller, what, f"`{what}` is not moved to a thread: "
                        f"`asyncio.to_thread` needs Python 3.9 and the target is "
                        f"{target[0]}.{target[1]}; use `await loop.run_in_executor(None, "
                        "functools.partial(...))`")  # fmt: skip
            return
        self._edits[(id(module), row)] = CallEdit(kind, row, span_of(call), what, twin)

    # -- bodies ---------------------------------------------------------------------------------
    def _fix_body(self, fn: FuncRef) -> None:
        module = fn.module
        mid = id(module)
        was_sync = fn in self.convert
        self._session_withs(fn)
        for w in lock_withs(self.project).get((mid, fn.index), ()):
            self.review(module, w.line, f"`with {w.expr}:` holds a `threading.Lock` across an "
                        f"`await` in `async def {fn.fn.name}`: awaitify does not rewrite locks; use "
                        "an `asyncio.Lock` (`async with`) if no other thread takes it")  # fmt: skip
        calls = module.facts.calls
        for wait in threadsafe_waits(module):
            if wait.scope == fn.index and not wait.on_running_loop:
                self.review(module, calls[wait.row][C_LINE], "`.result()` waits on this loop "
                            "for a coroutine another thread's loop runs: `await "
                            "asyncio.wrap_future(future)` waits without blocking (not "
                            "rewritten; a `timeout` given to `.result()` becomes "
                            "`asyncio.wait_for(asyncio.wrap_future(future), timeout)`)")  # fmt: skip
        for site in self.graph.body_sites(fn):
            key = (mid, site.row)
            if key in self._edits or key in self._handled:
                continue
            call = calls[site.row]
            ctx = call[C_CTX]
            if ctx == CTX_AWAIT:
                if site.kind == KIND_BRIDGE:  # ``await loop.run_until_complete(c)``
                    self.review(module, call[C_LINE], f"`{site.api}` is awaited: it raises in "
                                "a running loop before there is anything to await; await the "
                                "coroutine it is given instead")  # fmt: skip
                elif (
                    site.kind == KIND_PROJECT
                    and isinstance(site.target, FuncRef)
                    and site.target not in self.convert
                    and not self.graph.is_coroutine_function(site.target)
                    and self.colors.blocks_at(site)
                ):  # ``await conn.close()``: a sync method that blocks, then returns a future
                    self._keep_on_loop(module, call, fn.label, site.target.label, f"`{site.target.label}` "
                                "blocks before it returns what is awaited here, and the call "
                                "is not moved to a thread: what it returns may belong to this "
                                "loop; make it `async def` by hand, or move its blocking work "
                                "out of it")  # fmt: skip
                continue
            if site.kind == KIND_PROJECT:
                target = site.target
                assert isinstance(target, FuncRef)
                if target in self.convert:
                    continue  # awaited (or reviewed) from the callee's side
                if self.graph.is_coroutine_function(target):
                    if was_sync and ctx in _VALUE_CTX:
                        self._edit(module, site.row, AWAIT, target.label)  # the ASY104 fix
                    elif was_sync and ctx == CTX_RETURN:
                        self._return_awaited(fn, site.row, target.label)
                    continue
                if target.fn.is_async:
                    continue
                if target in self.colors.blocking_generators and consumes_generator(site):
                    self._keep_on_loop(module, call, fn.label, target.label, f"iterating "
                                f"`{target.label}(...)` runs its blocking body here, and a "
                                "thread cannot take the iteration from the loop: collect it "
                                "in one (`await asyncio.to_thread(lambda: list(...))`) or make "
                                "it an async generator by hand")  # fmt: skip
                    continue
                if self.colors.blocks_at(site) or target in self.colors.bridging:
                    reason = self._stays_on_loop(target, ctx)
                    if reason:
                        self._keep_on_loop(module, call, fn.label, target.label,
                                           f"`{target.label}` {reason}")  # fmt: skip
                        continue
                    method_twin = self._async_twin(target, call, fn)
                    if method_twin:
                        self._edit(module, site.row, TWIN, target.label, method_twin)
                    else:
                        self._edit(module, site.row, OFFLOAD, target.label)
                        changed = self.changes_self(target)
                        if changed and not self._made_here(module, call):
                            self.review(module, call[C_LINE], f"`{target.label}` is moved to "
                                        f"a thread and changes `{changed}`: calls that ran one "
                                        "at a time on the loop can now overlap; guard that "
                                        "state with a lock if the caller runs concurrently")  # fmt: skip
            elif site.kind == KIND_BLOCKING:
                twin = ASYNC_TWINS.get(site.api)
                orm_twin = apis.django_twin(site.api)
                if orm_twin == fn.fn.name:  # ``async def aget(self): return self.get()``
                    orm_twin = ""
                if twin and _one_positional(call):
                    self._edit(module, site.row, TWIN, site.api, twin)
                elif orm_twin:  # ``Book.objects.get(pk=1)`` → ``await Book.objects.aget(pk=1)``
                    self._edit(module, site.row, TWIN, site.api, orm_twin)
                elif site.api.startswith(_THREAD_BOUND):
                    self._keep_on_loop(module, call, fn.label, site.api, f"`{site.api}` is not moved to a thread: "
                                "a sqlite3 connection may only be used in the thread that made "
                                "it; move the code that uses it into one function and run that "
                                "with `await asyncio.to_thread(...)`")  # fmt: skip
                elif site.api.startswith(_SESSION_PREFIX) and self._thread_scoped(module, call):
                    self._keep_on_loop(module, call, fn.label, site.api, f"`{site.api}` is not moved to a thread: "
                                "the session is thread-scoped (`scoped_session`, "
                                "Flask-SQLAlchemy's `db.session`), so a worker thread would get "
                                "a session of its own; move the code that uses it into one "
                                "function and run that with `await asyncio.to_thread(...)`, or "
                                "use an `AsyncSession`")  # fmt: skip
                elif site.api in apis.LOCK_ACQUIRES:
                    self._keep_on_loop(module, call, fn.label, site.api, f"`{site.api}` is not moved to a thread: "
                                "a lock taken in a worker thread is released on the loop's "
                                "(an `RLock` then raises, and a `Lock` a cancelled task took "
                                "stays taken); use an `asyncio.Lock` with `async with`, or move "
                                "the whole critical section into one function run with "
                                "`await asyncio.to_thread(...)`")  # fmt: skip
                elif site.api == _EXECUTOR_MAP:
                    self._keep_on_loop(module, call, fn.label, site.api, f"`{site.api}` is not moved to a thread: "
                                "it waits where its results are iterated, not in the call; "
                                "await the jobs instead: `await asyncio.gather(*(loop."
                                "run_in_executor(executor, f, x) for x in xs))`")  # fmt: skip
                elif ctx == CTX_WITH and site.api in apis.BLOCKS_ON_ENTER:
                    self._keep_on_loop(module, call, fn.label, site.api, f"`{site.api}(...)` waits where the "
                                "`with` enters, not in the call, so a thread cannot take it: "
                                "use the async API or move the whole `with` block into a sync "
                                "function run with `await asyncio.to_thread(...)`")  # fmt: skip
                else:
                    self._edit(module, site.row, OFFLOAD, site.api)
                    if site.api == _SESSION_QUERY and not _query_runs(module, call):
                        self.review(module, call[C_LINE], "`Session.query(...)` is moved to a "
                                    "thread, but a query runs its SQL where it is iterated or "
                                    "counted: keep those steps in the same thread (`.all()`, "
                                    "`.count()` inside the call moved)")  # fmt: skip
                    elif site.api.rpartition(".")[0] in _DBAPI_TYPES and _on_self(call):
                        receiver = call[C_CALLEE].rpartition(".")[0]
                        self.review(module, call[C_LINE], f"`{site.api}` on `{receiver}`, kept "
                                    "on `self`, is moved to a thread: if other coroutines use "
                                    "it meanwhile, their statements and fetches interleave "
                                    "(and DB-API connections are not thread-safe); give each "
                                    "task a cursor of its own, or move the whole exchange into "
                                    "one function run with `await asyncio.to_thread(...)`")  # fmt: skip
                    elif site.api.startswith(_SESSION_PREFIX) and self._entered_here(module, call):
                        line = self._entered_here(module, call)
                        self.review(module, line, "the session this `with` enters is now used "
                                    "from worker threads, one call at a time, while the `with` "
                                    "enters and leaves on the loop: fine for a server database; "
                                    "a SQLite engine needs `check_same_thread=False`, or move the "
                                    "whole block into one function run with `await "
                                    "asyncio.to_thread(...)`")  # fmt: skip
                    elif site.api.startswith(_SESSION_PREFIX) and _on_self(call):
                        self.review(module, call[C_LINE], f"`{site.api}` on a session kept on "
                                    "`self` is moved to a thread: if other coroutines use the "
                                    "same session meanwhile, two threads use one `Session`, "
                                    "which it does not allow; give each task a session of its "
                                    "own, or use an `AsyncSession`")  # fmt: skip
            elif site.kind == KIND_BRIDGE:
                self._unbridge(fn, site)
            elif site.kind == KIND_ASYNC_API and was_sync and ctx == CTX_RETURN:
                self._return_awaited(fn, site.row, site.api)  # ``return asyncio.sleep(x)``

    def _entered_here(self, module: Module, call: CallRow) -> int:
        """The line of the ``with ... as <receiver>`` of the calling function that entered
        the call's receiver (a session), 0 when it was not entered there."""
        receiver = call[C_CALLEE].rpartition(".")[0]
        if not receiver or "." in receiver:
            return 0
        scope = call[C_SCOPE]
        for w in module.facts.withs:
            if w.scope == scope and w.target == receiver and not w.is_async:
                return w.line
        return 0

    def _made_here(self, module: Module, call: CallRow) -> bool:
        """Is the call's receiver an object the calling function built itself (``creds =
        Creds(); creds.refresh()``)? No other coroutine can reach its state."""
        receiver = call[C_CALLEE].rpartition(".")[0]
        if not receiver or "." in receiver or "(" in receiver or receiver in ("self", "cls"):
            return False
        scope = call[C_SCOPE]
        origin = b.assigned_call(module, scope, receiver)
        if origin is None or origin[0] != scope:
            return False
        return isinstance(self.resolver.resolve_name(module, scope, origin[1]), ClassRef)

    def _thread_scoped(self, module: Module, call: CallRow) -> bool:
        """Is the receiver of this session call a thread-scoped session: Flask-SQLAlchemy's
        ``db.session``, or a variable assigned ``scoped_session(...)`` (in this module or
        in the module it is imported from)?"""
        receiver = call[C_CALLEE].rpartition(".")[0]
        scope = call[C_SCOPE]
        owner, _, attr = receiver.rpartition(".")
        resolver = self.resolver
        if attr == "session" and resolver.type_of(module, scope, owner) == _FLASK_SQLALCHEMY:
            return True
        if receiver.startswith("self.") and receiver.count(".") == 1:
            return self._scoped_registry(module, scope, receiver)
        where, name = module, receiver
        if "." in receiver:  # ``app.db.db_session``: a variable of another project module
            other = resolver.project.find_module(owner)
            if other is None:
                return False
            where, name, scope = other, attr, -1
        origin = b.assigned_call(where, scope, name)
        if origin is None:
            return False
        if origin[1] in _SCOPED_SESSIONS:
            return True
        # ``with self.Session() as sess`` / ``sess = Registry()``: the registry's session for
        # this thread, which every coroutine on the loop shares
        return where is module and self._scoped_registry(module, origin[0], origin[1])

    def _scoped_registry(self, module: Module, scope: int, name: str) -> bool:
        """Is ``name`` (``Registry``, ``self.Session``) a ``scoped_session(...)``?"""
        if name.startswith("self.") and name.count(".") == 1:
            cls = self.resolver.enclosing_class(module, scope) if scope >= 0 else None
            if cls is None:
                return False
            for c in self.resolver.mro(cls):
                functions = c.module.facts.functions
                for a in c.module.facts.assigns:
                    if (
                        a.target == name
                        and a.scope >= 0
                        and functions[a.scope].class_index == c.index
                        and a.call in _SCOPED_SESSIONS
                    ):
                        return True
            return False
        if "." in name or "()" in name:
            return False
        origin = b.assigned_call(module, scope, name)
        return origin is not None and origin[1] in _SCOPED_SESSIONS

    def _return_awaited(self, fn: FuncRef, row: int, label: str) -> None:
        """A sync function that returned a coroutine (``return self._afetch(...)``, the
        async branch of a dual-mode function) returns its result once it is async: its
        callers, which the migration awaits, get the value and not a coroutine."""
        line = fn.module.facts.calls[row][C_LINE]
        self._edit(fn.module, row, AWAIT, label)
        self.review(fn.module, line, f"`{fn.label}` returned the coroutine of `{label}(...)`; "
                    "now async, it returns its result (`return await`): a caller that kept "
                    f"`{fn.label}()` to await it later must not await it again")  # fmt: skip

    def _async_twin(self, target: FuncRef, call: CallRow, caller: FuncRef) -> str:
        """The name of the coroutine method a blocking project method is the sync twin of
        (``validated_claims`` beside ``async def avalidated_claims``), for a call on a
        receiver (``self.validated_claims(...)``), whose class has the twin too: awaiting
        the twin beats running the sync half in a thread. "" when there is none, and when
        the call is in a method of the twin's name: ``async def aget(self): return
        self.get()`` is the twin, which must not call itself; "" too when the twin calls the
        sync method and does more (prisma's ``aclose`` runs ``close``, then closes its HTTP
        session). A twin that only delegates (``return self.retrieve(path)``) is kept: its own
        call moves to a thread."""
        fn = target.fn
        callee = call[C_CALLEE]
        if fn.class_index < 0 or "()" in callee or not callee.endswith("." + fn.name):
            return ""
        name = b.async_twin(target.module, target.index, self.resolver)
        if not name or is_dunder(name) or name == caller.fn.name:
            return ""
        if any(
            c[C_SCOPE] == caller.index and c[C_CALLEE].endswith("." + name)
            for c in caller.module.facts.calls
        ):
            # the caller calls the twin itself: a test that compares the two halves (vllm's
            # ``fetch_image`` beside ``await fetch_image_async``) keeps the sync one
            return ""
        twin = self.resolver.find_method(ClassRef(target.module, fn.class_index), name)
        if twin is None or (twin.module, twin.fn.class_index) != (target.module, fn.class_index):
            # the twin of a base class the sync method overrides is not its twin: letta's
            # OllamaProvider overrides ``get_model_context_window`` but not the ``..._async``
            # whose base version raises NotImplementedError
            return ""
        if not self.graph.is_coroutine_function(twin):
            return ""
        if fn.returns and twin.fn.returns and fn.returns != twin.fn.returns:
            # ``_connect() -> Connection`` beside ``_aconnect() -> AsyncConnection``: the
            # caller would get another kind of object, which its sync code cannot use
            # (semantic-router's ``PostgresIndex``)
            return ""
        if not _delegates_only(twin, target) and any(
            site.target == target for site in self.graph.full_body_sites(twin)
        ):
            # ``async def aclose(self): self.close(); self.session = None``: the twin runs
            # the sync method and does more, so it is no stand-in: the call goes to a thread
            return ""
        return name

    def changes_self(self, fn: FuncRef) -> str:
        """The ``self.<attr>`` a method's own body rebinds or changes (``self.items.clear()``,
        ``self.items[k] = v``, ``self.count += 1``, ``del self.cache[k]``, ``self.thread =
        None``), "" when none: moved to a thread, concurrent calls of it interleave where
        they ran one at a time on the loop. A constructor's object is not shared yet."""
        if fn.fn.name in _CONSTRUCTORS or fn.fn.class_index < 0:
            return ""
        node = self._def_node(fn)
        if node is None:
            return ""
        stack: list[ast.AST] = list(reversed(node.body))  # the first change in source order
        while stack:
            n = stack.pop()
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue  # runs elsewhere, or not now
            targets: list[ast.expr] = []
            if isinstance(n, ast.Assign):
                targets = n.targets
            elif isinstance(n, (ast.AugAssign, ast.AnnAssign)):
                targets = [n.target]
            elif isinstance(n, ast.Delete):
                targets = n.targets
            elif (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr in _MUTATORS
            ):
                targets = [n.func.value]
            for t in targets:
                changed = _self_attribute(t)
                if changed:
                    return changed
            stack.extend(reversed(list(ast.iter_child_nodes(n))))
        return ""

    def _def_node(self, fn: FuncRef) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        tree = self._tree(fn.module)
        if tree is None:
            return None
        f = fn.fn
        for node in ast.walk(tree):
            if (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.name == f.name
                and node.lineno <= f.line <= (node.end_lineno or node.lineno)
                and node.col_offset == f.col
            ):
                return node
        return None

    def sets_context(self, fn: FuncRef, depth: int = 0) -> str:
        """The ``ContextVar.set``/``reset`` call ``fn`` makes, or a project function it calls
        makes (two calls deep), "" when none: in a worker thread it would change a copy of the
        caller's context (crewai's ``begin_execution`` returns a token that the caller later
        resets, which then fails)."""
        module = fn.module
        for call in module.facts.calls:
            callee = call[C_CALLEE]
            if call[C_SCOPE] != fn.index or not callee:
                continue
            last = callee.rpartition(".")[2]
            if last not in ("set", "reset") and depth >= 2:
                continue
            resolved = self.resolver.resolve_name(module, fn.index, callee)
            if resolved in _CONTEXT_SETTERS:
                return callee
            if isinstance(resolved, FuncRef) and depth < 2 and not resolved.fn.is_async:
                found = self.sets_context(resolved, depth + 1)
                if found:
                    return found
        return ""

    def _stays_on_loop(self, target: FuncRef, ctx: int) -> str:
        """Why the blocking project function ``target``, called from async code, cannot be
        moved to a thread (the rest of a review note that starts with its name); "" when
        it can."""
        loop_api = self.needs_running_loop(target)
        if loop_api:
            needs = (
                "the main thread, where signal handlers must be installed"
                if loop_api in _MAIN_THREAD_FUNCTIONS
                or loop_api.rpartition(".")[2].removesuffix("(...)") in _MAIN_THREAD_METHODS
                else "the running event loop"
            )
            return (f"is not moved to a thread: it needs {needs}, which a worker thread does "
                    f"not have (it calls `{loop_api}`); its blocking work stays on the loop: "
                    "make it async by hand")  # fmt: skip
        reasons: tuple[tuple[Callable[[FuncRef], str], str], ...] = (
            (self.sets_context, "it sets a context variable (`{}`), and `asyncio.to_thread` "
             "runs it in a copy of the context, which the caller never sees"),
            (self.touches_loop_object, "it calls `{}` on an asyncio object, and asyncio's "
             "queues, events and futures are not thread-safe (from a worker thread the loop "
             "may never wake the task waiting on it, unless the call goes through "
             "`loop.call_soon_threadsafe`)"),
            (self.reads_thread_local, "it uses `{}`, a `threading.local()`, whose attributes "
             "are each thread's own: a worker thread would not see what this one set"),
        )  # fmt: skip
        for find, why in reasons:
            found = find(target)
            if found:
                return f"is not moved to a thread: {why.format(found)}; make it async by hand"
        if ctx == CTX_WITH and _GENERATOR_CONTEXT & set(target.fn.decorators):
            return ("is a context manager: its blocking work runs where the `with` enters "
                    "and leaves, not in the call, so a thread cannot take it: move the whole "
                    "`with` block into a sync function and run that with "
                    "`await asyncio.to_thread(...)`")  # fmt: skip
        return ""

    def _below(
        self,
        fn: FuncRef,
        in_call: Callable[[FuncRef, CallRow], str],
        in_body: Callable[[FuncRef], str] | None = None,
        _seen: set[FuncRef] | None = None,
    ) -> str:
        """What ``in_body`` finds in ``fn`` or ``in_call`` in one of its calls, else in the
        sync project functions it calls (depth first, each once, 64 at most); "" when
        nothing is found. A function moved to a thread runs all of them there."""
        seen = _seen if _seen is not None else set()
        seen.add(fn)
        if in_body is not None and (found := in_body(fn)):
            return found
        module = fn.module
        callees: list[FuncRef] = []
        for call in module.facts.calls:
            callee = call[C_CALLEE]
            if call[C_SCOPE] != fn.index or not callee or call[C_FLAGS] & CALL_IN_LAMBDA:
                continue
            if found := in_call(fn, call):
                return found
            resolved = self.resolver.resolve_name(module, fn.index, callee)
            if (
                isinstance(resolved, FuncRef)
                and not resolved.fn.is_async
                and resolved not in seen
                and len(seen) < 64
            ):
                callees.append(resolved)
        for ref in callees:
            if ref not in seen and (found := self._below(ref, in_call, in_body, seen)):
                return found
        return ""

    def touches_loop_object(self, fn: FuncRef) -> str:
        """The call on an asyncio queue, event, lock or future that ``fn`` makes, itself or
        through the sync project functions it calls, "" when none: those objects belong to
        their loop's thread (langflow's ``_stream_message`` puts tokens on an
        ``asyncio.Queue`` with ``put_nowait``)."""

        def on_loop_object(ref: FuncRef, call: CallRow) -> str:
            receiver, _, method = call[C_CALLEE].rpartition(".")
            if not receiver or method not in _LOOP_OBJECT_METHODS or "()" in receiver:
                return ""
            try:
                t = self.resolver.type_of(ref.module, ref.index, receiver)
            except RecursionError:
                return ""
            return call[C_CALLEE] if isinstance(t, str) and t in _LOOP_OBJECTS else ""

        return self._below(fn, on_loop_object)

    def reads_thread_local(self, fn: FuncRef) -> str:
        """The module-level ``threading.local()`` object ``fn`` uses, itself or through the
        sync project functions it calls, "" when none: in a worker thread its attributes are
        that thread's, unset (marimo's ``get_context`` raises there; ``safe_get_context``
        quietly returns None)."""

        def named(ref: FuncRef, names: Iterable[str]) -> str:
            local = self._thread_locals(ref.module)
            if local:
                for name in names:
                    if (head := name.partition(".")[0]) in local:
                        return head
            return ""

        def in_assigns(ref: FuncRef) -> str:
            rows = (a for a in ref.module.facts.assigns if a.scope == ref.index)
            return named(ref, (n for a in rows for n in (a.target, a.call, a.name)))

        return self._below(
            fn, lambda ref, call: named(ref, (call[C_CALLEE], *call[C_ARGS])), in_assigns
        )

    def _thread_locals(self, module: Module) -> frozenset[str]:
        """Module-level names bound to ``threading.local()``."""
        found = self._locals_of.get(id(module))
        if found is None:
            found = frozenset(
                a.target
                for a in module.facts.assigns
                if a.scope < 0 and a.class_index < 0 and a.call in _THREAD_LOCAL
            )
            self._locals_of[id(module)] = found
        return found

    def needs_running_loop(self, fn: FuncRef, _seen: set[FuncRef] | None = None) -> str:
        """The loop-bound asyncio API ``fn``'s body calls (``asyncio.get_running_loop``,
        ``loop.create_future``, ...), itself or through the sync project functions it calls
        (mitmproxy's ``load_paths`` → ``configure`` → ``asyncio.create_task``), "" when
        none: such a function cannot run in ``asyncio.to_thread``, whose worker thread has
        no event loop. A function that makes its own loop (``asyncio.new_event_loop()``,
        ``asyncio.Runner``) is one that runs fine in a thread: the loop calls next to it use
        (or guard) that loop; unless it installs signal handlers (``loop.add_signal_handler``,
        ``signal.signal``), which only the main thread may do, or uses the current loop
        before it makes one (``return asyncio.get_event_loop()``, a new loop only in the
        ``except RuntimeError``): that one is the caller's loop on the loop's thread."""
        seen = _seen if _seen is not None else set()
        seen.add(fn)
        module = fn.module
        function = method = current = ""
        own_loop = False
        callees: list[FuncRef] = []
        for call in module.facts.calls:
            if call[C_SCOPE] != fn.index or not call[C_CALLEE]:
                continue
            if call[C_FLAGS] & CALL_IN_LAMBDA:
                continue
            callee = call[C_CALLEE]
            resolved = self.resolver.resolve_name(module, fn.index, callee)
            if isinstance(resolved, ClassRef):
                resolved = self.resolver.find_method(resolved, "__init__")
            if isinstance(resolved, FuncRef):
                if not resolved.fn.is_async and resolved not in seen and len(seen) < 64:
                    callees.append(resolved)  # read after this body: its own calls first
                continue
            if resolved is not None and not isinstance(resolved, str):
                continue
            name = resolved or callee
            if name in _MAIN_THREAD_FUNCTIONS:
                return name  # not even on a loop of its own
            if "." in callee and callee.rpartition(".")[2] in _MAIN_THREAD_METHODS:
                return callee.replace("()", "(...)")
            if name in _OWN_LOOP:
                if not current:  # its own loop, before any use of the caller's
                    own_loop = True
                continue
            if name in _CURRENT_LOOP and call[C_CTX] != CTX_EXPR and not own_loop:
                # ``return asyncio.get_event_loop()`` with a new loop only as the fallback
                # (python-binance's ``get_loop``): on the loop's thread it hands out the
                # running loop, in a worker thread a new one that never runs
                current = name
            if not function and (name in _LOOP_FUNCTIONS or _loop_bound_client(name)):
                function = name
            if not method and "." in callee and callee.rpartition(".")[2] in _LOOP_METHODS:
                method = callee.replace("()", "(...)")
        if current:
            return current
        if own_loop:
            return ""
        if function or method:
            return function or method
        for ref in callees:
            if ref in seen:
                continue
            found = self.needs_running_loop(ref, seen)
            if found:
                return found
        return ""

    def _unbridge(self, fn: FuncRef, site: Site) -> None:
        module = fn.module
        call = module.facts.calls[site.row]
        kind = next((k for i, k in module.facts.bridges if i == site.row), "")
        if not kind:
            callee = call[C_CALLEE]
            kind = "run_until_complete" if callee.endswith("run_until_complete") else callee
        if kind == "async_to_sync" or kind == "asgiref.sync.async_to_sync":
            if call[C_CTX] != CTX_ATTR:
                self.review(module, call[C_LINE], "`async_to_sync` result is not called here: "
                                                  "replace the bridge by hand")  # fmt: skip
                return
        elif not call[C_ARGS]:
            self.review(module, call[C_LINE], f"`{kind}` without a positional argument: "
                                              "replace the bridge by hand")  # fmt: skip
            return
        self._edit(module, site.row, UNBRIDGE, kind)
        if kind == "run_until_complete":
            self.review(module, call[C_LINE], "`run_until_complete(...)` becomes `await ...`: the "
                                              "event loop it ran on may now be unused")  # fmt: skip
        elif kind == RUNNER_RUN:
            self.review(module, call[C_LINE], "`runner.run(...)` becomes `await ...`: the "
                                              "`asyncio.Runner` around it may now be unused")  # fmt: skip

    # -- sessions -------------------------------------------------------------------------------
    def _twin(self, module: Module, callee: str) -> tuple[str, str] | None:
        """(configured sync factory, async twin) for a ``with`` context call, or None."""
        if not self.config.session_factories or not callee or "()" in callee:
            return None
        base = callee.removesuffix(".begin")
        absolute = self.resolver.absolute(module, base)
        for sync_name, twin in self.config.session_factories:
            if absolute == sync_name or absolute.endswith("." + sync_name):
                return sync_name, twin
            if "." not in sync_name and absolute.rpartition(".")[2] == sync_name:
                return sync_name, twin
        return None

    def _tree(self, module: Module) -> ast.Module | None:
        key = id(module)
        if key not in self._trees:
            try:
                self._trees[key] = ast.parse(self.read_source(module))
            except (SyntaxError, ValueError, RecursionError, MemoryError, OSError):
                self._trees[key] = None
        return self._trees[key]

    def _session_withs(self, fn: FuncRef) -> None:
        module = fn.module
        facts = module.facts
        for w in facts.withs:
            if w.scope != fn.index or w.is_async or w.call < 0:
                continue
            if facts.calls[w.call][C_FLAGS] & CALL_IN_LAMBDA:
                continue
            found = self._twin(module, facts.calls[w.call][C_CALLEE])
            if found is None:
                continue
            self._session_with(fn, w, found[1])

    def _session_with(self, fn: FuncRef, w: With, twin: str) -> None:
        module = fn.module
        facts = module.facts
        tree = self._tree(module)
        node = _find_with(tree, w) if tree is not None else None
        if node is None:
            self.review(module, w.line, "cannot read this `with` back from the file: left as is")
            return
        problem, methods = _session_uses(node, w)
        if problem:
            self.review(module, w.line, f"`with {_expr_text(w)}` kept sync ({problem}): its "
                                        "blocking calls move to threads instead")  # fmt: skip
            return
        func = node_func(node, w)
        write = twin.rpartition(".")[2]
        import_module, level = "", 0
        if isinstance(func, ast.Name):
            import_module, level = self._twin_import(module, func.id, twin)
            if import_module == "?":
                self.review(module, w.line, f"async twin `{twin}` of `{func.id}` not found: "
                                            "`with` left as is")  # fmt: skip
                return
        edit = WithEdit(
            Span(w.line, w.col, w.end_line, w.end_col), facts.calls[w.call][C_CALLEE], write,
            import_module, level,
        )  # fmt: skip
        self._withs[(id(module), w.call)] = edit
        self._handled.add((id(module), w.call))
        rows = {
            (c[C_LINE], c[C_COL], c[C_END_LINE], c[C_END_COL]): r
            for r, c in enumerate(facts.calls)
            if c[C_SCOPE] == fn.index
        }
        for (line, col, end_line, end_col), method in methods:
            row = rows.get((line, col, end_line, end_col))
            if row is None:
                continue
            key = (id(module), row)
            self._handled.add(key)
            if method in _ASYNC_SESSION_METHODS and facts.calls[row][C_CTX] != CTX_AWAIT:
                self._edits[key] = CallEdit(
                    AWAIT, row, span_of(facts.calls[row]), f"AsyncSession.{method}"
                )

    def _twin_import(self, module: Module, local: str, twin: str) -> tuple[str, int]:
        """Where to import the twin from, mirroring how the sync factory was imported.

        ("", 0): no import needed (defined in this module); ("?", 0): cannot tell."""
        if "." in twin:
            return twin.rpartition(".")[0], 0
        for imp in module.facts.imports:
            if imp.local == local and imp.scope < 0 and imp.is_from:
                target = imp.target
                level = len(target) - len(target.lstrip("."))
                base = target[level:].rpartition(".")[0]
                return base, level
        defined = {a.target for a in module.facts.assigns if a.scope < 0 and a.class_index < 0}
        defined.update(imp.local for imp in module.facts.imports if imp.scope < 0)
        if twin in defined:
            return "", 0
        return "?", 0

    # -- callbacks ------------------------------------------------------------------------------
    def _passed_as_value(self) -> None:
        names = {ref.fn.name for ref in self.convert}
        if not names:
            return
        resolver = self.resolver
        for module in self.project.modules:
            facts = module.facts
            for row, call in enumerate(facts.calls):
                args = call[C_ARGS]
                if not args or not any(a and a.rpartition(".")[2] in names for a in args):
                    continue
                for position, a in enumerate(args):
                    if not a or a.rpartition(".")[2] not in names:
                        continue
                    target = resolver.resolve_name(module, call[C_SCOPE], a)
                    if isinstance(target, FuncRef) and target in self.convert:
                        if b.thread_offload_argument(call) == position:
                            # ``await asyncio.to_thread(repo.get, 1)`` → ``await repo.get(1)``
                            self._edit(module, row, UNOFFLOAD, target.label, str(position))
                            continue
                        to = call[C_CALLEE] or "a call"
                        self.review(module, call[C_LINE], f"`{target.label}` is now async but is "
                                    f"passed as a value to `{to}(...)`: whatever calls it must await it")  # fmt: skip
            for assign in facts.assigns:
                if not assign.name or assign.name.rpartition(".")[2] not in names:
                    continue
                if assign.target.endswith("="):
                    continue  # ``Thread(target=f)``: the keyword arguments' own review
                target = resolver.resolve_name(module, assign.scope, assign.name)
                if isinstance(target, FuncRef) and target in self.convert:
                    where = ("returned as a value" if assign.target == RETURN_TARGET
                             else f"assigned to `{assign.target}`")  # fmt: skip
                    self.review(module, assign.line, f"`{target.label}` is now async but is "
                                f"{where}: its callers must await it")  # fmt: skip

    # -- output ---------------------------------------------------------------------------------
    def _emit(self) -> None:
        plan = self.plan
        for cls, (base, refs) in self._external.items():
            names = ", ".join(f"`{r.fn.name}`" for r in sorted(refs, key=_order))
            first = min(refs, key=_order)
            self.review(
                cls.module, first.fn.line,
                f"`{cls.name}` derives from `{base}` (outside the project): if {names} "
                "override its methods, the code that calls them will not await them",
            )  # fmt: skip
        by_id = {id(m): m for m in self.project.modules}
        for ref in sorted(self.convert, key=_order):
            module, fn = ref.module, ref.fn
            is_test = b.is_test_function(module, ref.index)
            is_fixture = b.is_pytest_fixture(module, ref.index)
            testcase = self.testcase(ref)
            marker = ""
            if testcase is not None:
                is_test = is_test or fn.name.startswith("test")
            elif is_test and not self.style.auto and not self._marked(ref):
                marker = self.style.marker
            swap = (
                is_fixture and self.style.marker == "asyncio" and not self.style.auto
                and any(d in _PLAIN_FIXTURE for d in fn.decorators)
            )  # fmt: skip
            plan.file(module.path, module.abspath).functions.append(
                FunctionEdit(
                    ref.index,
                    fn.qualname,
                    fn.line,
                    fn.name,
                    marker,
                    swap,
                    is_test,
                    is_fixture,
                    needs_isolated=testcase is not None and testcase.cls in self._isolated,
                )
            )
            plan.converted.append((module.abspath, fn.qualname))
        for cls in self._isolated:
            c = cls.module.facts.classes[cls.index]
            plan.file(cls.module.path, cls.module.abspath).classes.append(
                ClassEdit(c.line, c.name, c.qualname)
            )
        for ref in sorted(self.fix, key=_order):
            plan.fixed.append((ref.module.abspath, ref.fn.qualname))
        for (mid, _row), edit in sorted(
            self._edits.items(), key=lambda kv: (by_id[kv[0][0]].path, kv[1].row)
        ):
            module = by_id[mid]
            plan.file(module.path, module.abspath).calls.append(edit)
        for (mid, _row), with_edit in self._withs.items():
            module = by_id[mid]
            plan.file(module.path, module.abspath).withs.append(with_edit)

    def _marked(self, ref: FuncRef) -> bool:
        module, fn = ref.module, ref.fn
        if any(d in _MARKERS for d in fn.decorators):
            return True
        ci = b.owner_class(module, ref.index)
        if ci >= 0 and any(d in _MARKERS for d in module.facts.classes[ci].decorators):
            return True
        key = id(module)
        if key not in self._pytestmark:
            try:
                self._pytestmark[key] = bool(_PYTESTMARK.search(self.read_source(module)))
            except OSError:
                self._pytestmark[key] = False
        return self._pytestmark[key]


# -- helpers (pure) ---------------------------------------------------------------------------
def _order(ref: FuncRef) -> tuple[str, int]:
    return (ref.module.path, ref.index)


#: methods that change the container they are called on
_MUTATORS = frozenset(
    {"append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "add",
     "discard", "setdefault"}
)  # fmt: skip


#: ``Query`` methods that run its SQL (the others build a new query)
_QUERY_RUNS = frozenset(
    {"all", "first", "one", "one_or_none", "scalar", "count", "delete", "update", "get",
     "exists", "scalars", "__iter__"}
)  # fmt: skip


def _query_runs(module: Module, call: CallRow) -> bool:
    """Does the chain that starts with this ``session.query(...)`` call end in a method that
    runs the query (``.filter(...).count()``), so that moving the chain moves the SQL too?"""
    prefix = call[C_CALLEE] + "()."
    last = ""
    for c in module.facts.calls:
        callee = c[C_CALLEE]
        if (
            c[C_SCOPE] == call[C_SCOPE]
            and callee.startswith(prefix)
            and len(callee) > len(last)
            and call[C_LINE] <= c[C_LINE] <= call[C_END_LINE]
        ):
            last = callee
    return last.rpartition(".")[2] in _QUERY_RUNS


def _on_self(call: CallRow) -> bool:
    """Is the call made on an attribute of ``self`` (``self.db.commit()``)?"""
    return call[C_CALLEE].startswith("self.")


def _self_attribute(target: ast.expr) -> str:
    """``self.items`` for ``self.items``, ``self.items[k]``, ``self.items.x``; else ""."""
    node = target
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            return f"self.{node.attr}"
        node = node.value
    return ""


def _delegates_only(twin: FuncRef, target: FuncRef) -> bool:
    """Does the body of ``twin`` do nothing but call ``target`` (by its name), as its last
    statement? (Assignments of constants leave no row: the call must end the body.)"""
    facts = twin.module.facts
    calls = [c for c in facts.calls if c[C_SCOPE] == twin.index]
    if len(calls) != 1 or calls[0][C_CALLEE].rpartition(".")[2] != target.fn.name:
        return False
    if calls[0][C_END_LINE] != twin.fn.end_line:
        return False
    return all(a.target == RETURN_TARGET for a in facts.assigns if a.scope == twin.index)


_CONSTRUCTORS = frozenset({"__init__", "__new__", "__post_init__"})


def _one_positional(call: CallRow) -> bool:
    return len(call[C_ARGS]) == 1 and not call[C_FLAGS] & CALL_STARRED_ARGS


def _find_with(tree: ast.Module, w: With) -> ast.With | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.With):
            for item in node.items:
                e = item.context_expr
                if e.lineno == w.line and e.col_offset == w.col:
                    return node
    return None


def node_func(node: ast.With, w: With) -> ast.expr | None:
    for item in node.items:
        e = item.context_expr
        if e.lineno == w.line and e.col_offset == w.col and isinstance(e, ast.Call):
            func = e.func
            if isinstance(func, ast.Attribute) and func.attr == "begin":
                return func.value
            return func
    return None


def _expr_text(w: With) -> str:
    short = w.expr.rpartition(".")[2] or "session"
    return f"{short}() as {w.target}" if w.target else f"{short}()"


def _session_uses(
    node: ast.With, w: With
) -> tuple[str, list[tuple[tuple[int, int, int, int], str]]]:
    """("", method calls on the session) when every use of the ``as`` name inside the
    block is a method call an ``AsyncSession`` has; else (the first problem, [])."""
    if len(node.items) != 1:
        return "it enters more than one context manager", []
    name = w.target
    if not name:
        return "", []
    if "." in name:
        return f"the session is bound to `{name}`", []
    methods: list[tuple[tuple[int, int, int, int], str]] = []
    parents: dict[int, ast.AST] = {}
    for stmt in node.body:
        for parent in ast.walk(stmt):
            for child in ast.iter_child_nodes(parent):
                parents[id(child)] = parent
    for stmt in node.body:
        for sub in ast.walk(stmt):
            if isinstance(
                sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
            ) and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(sub)):
                return f"`{name}` is used in a nested function at line {sub.lineno}", []
            if not (isinstance(sub, ast.Name) and sub.id == name):
                continue
            if not isinstance(sub.ctx, ast.Load):
                return f"`{name}` is reassigned at line {sub.lineno}", []
            attr = parents.get(id(sub))
            call = parents.get(id(attr)) if attr is not None else None
            if not (
                isinstance(attr, ast.Attribute) and isinstance(call, ast.Call) and call.func is attr
            ):
                return f"`{name}` is passed on or used as a value at line {sub.lineno}", []
            method = attr.attr
            if method not in _ASYNC_SESSION_METHODS and method not in _SYNC_OK_SESSION_METHODS:
                return (
                    f"`{name}.{method}()` at line {sub.lineno} has no AsyncSession equivalent",
                    [],
                )
            methods.append(
                (
                    (
                        call.lineno,
                        call.col_offset,
                        call.end_lineno or call.lineno,
                        call.end_col_offset or 0,
                    ),
                    method,
                )
            )
    return "", methods
