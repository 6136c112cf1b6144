"""What the migration decides and what it produces: plain, frozen records.

The planner (:mod:`awaitify.migrate.planner`) reads only facts and the call graph and
writes an :class:`EditPlan`: per file, which functions become ``async def`` and what happens
at which call site, each addressed by the position the per-file facts recorded. The
rewriter (:mod:`awaitify.migrate.rewrite`) turns one :class:`FileEdits` into new source
text with LibCST; :mod:`awaitify.migrate.apply` is the only code that writes it to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

# -- what happens at a call site ------------------------------------------------------------
AWAIT = "await"  # ``f(x)`` → ``await f(x)`` (a converted function, an async session method)
BRIDGE = "bridge"  # ``f(x)`` → ``asyncio.run(f(x))`` in a sync boundary
OFFLOAD = "offload"  # ``f(x)`` → ``await asyncio.to_thread(f, x)``
TWIN = "twin"  # ``time.sleep(x)`` → ``await asyncio.sleep(x)``
UNBRIDGE = "unbridge"  # ``asyncio.run(c)`` → ``await c`` in a function that is now async
#: ``await asyncio.to_thread(f, x)`` → ``await f(x)`` once ``f`` is async (``twin`` holds
#: the position of ``f`` among the arguments: "0", or "1" for ``run_in_executor(None, f)``)
UNOFFLOAD = "unoffload"

CALL_EDIT_KINDS = (AWAIT, BRIDGE, OFFLOAD, TWIN, UNBRIDGE, UNOFFLOAD)

#: known blocking call → its safe async twin (same arguments, same meaning)
ASYNC_TWINS: dict[str, str] = {"time.sleep": "asyncio.sleep"}


@dataclass(frozen=True, slots=True)
class Span:
    """A call's position as the facts record it: 1-based lines, 0-based UTF-8 byte columns."""

    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True, slots=True)
class CallEdit:
    kind: str  # one of CALL_EDIT_KINDS
    row: int  # index into the module's call rows
    span: Span
    what: str  # the callee as shown to the user (``InvoiceRepository.get``, ``time.sleep``)
    twin: str = ""  # TWIN: the dotted async twin (``asyncio.sleep``), or a method's (``aread``)


@dataclass(frozen=True, slots=True)
class FunctionEdit:
    """``def`` → ``async def`` (plus the pytest decorations a test or fixture needs)."""

    index: int  # into the module's functions
    qualname: str
    line: int  # the ``def`` line
    name: str
    marker: str = ""  # "asyncio" / "anyio": add ``@pytest.mark.<marker>``
    async_fixture: bool = False  # ``@pytest.fixture`` → ``@pytest_asyncio.fixture``
    is_test: bool = False
    is_fixture: bool = False
    #: a method of a class that becomes a ``unittest.IsolatedAsyncioTestCase`` in the same
    #: rewrite (:class:`ClassEdit`): made async only if that class edit applies
    needs_isolated: bool = False


@dataclass(frozen=True, slots=True)
class ClassEdit:
    """``class T(unittest.TestCase)`` → ``class T(unittest.IsolatedAsyncioTestCase)``: the
    one unittest base that awaits ``async def`` test methods (pytest-asyncio does not run
    TestCase methods)."""

    line: int  # the ``class`` line
    name: str
    qualname: str


@dataclass(frozen=True, slots=True)
class WithEdit:
    """``with Factory() as s`` → ``async with AsyncFactory() as s`` (configured twin)."""

    span: Span  # the context expression (the factory call)
    factory: str  # as resolved: ``app.db.SessionLocal``
    twin_name: str  # the name to write: ``AsyncSessionLocal``
    import_module: str  # "" when no import is needed; else the module to import it from
    import_level: int  # leading dots of a relative import


@dataclass(frozen=True, slots=True)
class Review:
    """Something awaitify would not guess: the user looks at it."""

    path: str
    line: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass
class FileEdits:
    path: str  # display path
    abspath: str
    functions: list[FunctionEdit] = field(default_factory=list)
    calls: list[CallEdit] = field(default_factory=list)
    withs: list[WithEdit] = field(default_factory=list)
    classes: list[ClassEdit] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.functions or self.calls or self.withs or self.classes)


@dataclass
class EditPlan:
    """Everything one migration will do, before any file is parsed by LibCST."""

    files: dict[str, FileEdits] = field(default_factory=dict)  # by abspath
    converted: list[tuple[str, str]] = field(default_factory=list)  # (abspath, qualname)
    fixed: list[tuple[str, str]] = field(default_factory=list)  # async functions fixed up
    review: list[Review] = field(default_factory=list)
    #: (path, caller, callee): a blocking call left on the event loop on purpose, because
    #: the callee needs the running loop (a thread has none); listed for review, and the
    #: ASY101 it leaves in the caller does not refuse the migration
    on_loop: list[tuple[str, str, str]] = field(default_factory=list)

    def file(self, path: str, abspath: str) -> FileEdits:
        found = self.files.get(abspath)
        if found is None:
            found = self.files[abspath] = FileEdits(path, abspath)
        return found


@dataclass(frozen=True, slots=True)
class Counts:
    """What one rewrite did (summed over files for the summary)."""

    functions_converted: int = 0
    tests_converted: int = 0
    fixtures_converted: int = 0
    calls_awaited: int = 0
    bridges_inserted: int = 0
    bridges_removed: int = 0
    calls_to_threads: int = 0
    async_twins: int = 0
    async_withs: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def to_json(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str  # display path
    abspath: str
    before: bytes
    after: bytes
    counts: Counts
    functions: tuple[str, ...]  # qualnames made async in this file

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class MigrationResult:
    """What ``migrate`` returns; ``refused`` non-empty means nothing may be written."""

    changes: tuple[FileChange, ...]
    review: tuple[Review, ...]
    refused: tuple[str, ...] = ()
    applied: bool = False
    selected: int = 0  # functions the selectors named
    notes: tuple[str, ...] = ()

    @property
    def counts(self) -> Counts:
        total = Counts()
        for change in self.changes:
            total = total + change.counts
        return total

    @property
    def touched(self) -> tuple[FileChange, ...]:
        return tuple(c for c in self.changes if c.changed)
