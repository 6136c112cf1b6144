"""Where each sync→async bridge of the project sits, and which rule reports it.

A bridge (``asyncio.run``, ``loop.run_until_complete``, ``async_to_sync``, ``anyio.run``,
``trio.run``) executed directly in an ``async def`` body is ASY103 (the lead's defect rule)
and is not classified here. Every other bridge is in sync code, and exactly one of these
applies, so one bridge is one finding:

* ASY205 — in a sync test or pytest fixture (test layer). Other test-layer code is a
  boundary and stays silent (helpers such as ``def run(coro): return asyncio.run(coro)``
  in ``conftest.py`` serve the tests, which ASY205 already reports);
* ASY301 — in the body of a Celery task (or a function nested in one);
* ASY302 — in a method of an adapter class (``*Adapter``/``*Bridge`` or configured), in
  the sync twin of an async method or module-level function (``send`` beside
  ``async def asend``, ``__iter__`` beside ``__aiter__``): the sync face of a deliberate
  dual API is an adapter too; or in a loop-aware dispatcher, which schedules a task when
  a loop is running and bridges only when none is;
* ASY303 — under ``if __name__ == "__main__":``, in an entry point (``main``, a
  click/typer/cyclopts/argparse command, a Django management command, the ``run`` of a
  ``Thread``/``Process`` subclass), in a configured sync hook, in a nested or private
  function that nothing calls directly (a thread/process target or callback: it cannot be
  running inside an event loop of its caller), in a sync helper that only entry points
  call (transitively), or anywhere in a file of the ``script`` layer;
* ASY206 — anywhere else (a service method, a module-level call at import time, ...).

Bridges in the ``migration`` layer (Alembic's async ``env.py`` runs ``asyncio.run`` by
design) and in excluded paths are not classified.
"""

from __future__ import annotations

from dataclasses import dataclass

from awaitify.analysis import apis
from awaitify.analysis import boundaries as b
from awaitify.analysis.callgraph import KIND_BRIDGE, Site
from awaitify.analysis.facts import (
    C_CALLEE,
    C_FLAGS,
    C_SCOPE,
    CALL_IN_HANDED_LAMBDA,
    CALL_IN_LAMBDA,
)
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import ClassRef, FuncRef, Resolver

ASY205 = "ASY205"
ASY206 = "ASY206"
ASY301 = "ASY301"
ASY302 = "ASY302"
ASY303 = "ASY303"

UNITTEST_TESTCASE = "unittest.TestCase"
#: the one unittest class that awaits its ``async def`` test methods itself
ISOLATED_TESTCASE = "unittest.IsolatedAsyncioTestCase"


@dataclass(frozen=True, slots=True)
class BridgeSite:
    code: str  # the rule that reports it
    site: Site
    api: str  # ``asyncio.run``, ``run_until_complete``, ``async_to_sync``, ...
    function: int  # the function the finding names (the test, the task, ...); -1: module
    where: str  # why it is (or is not) a boundary, for the message


def bridge_api(module: Module, row: int, site: Site) -> str:
    for index, kind in module.facts.bridges:
        if index == row:
            return "loop.run_until_complete" if kind == "run_until_complete" else kind
    api = site.api or (site.target if isinstance(site.target, str) else "")
    if api.endswith("run_until_complete"):
        return "loop.run_until_complete"
    return api.replace("asgiref.sync.", "") or "bridge"


def testcase_bases(resolver: Resolver, module: Module, class_index: int) -> list[str]:
    """The test-case classes outside the project that a class derives from, directly or
    through project bases: ``unittest.TestCase``, ``tornado.testing.AsyncTestCase``,
    ``unittest.IsolatedAsyncioTestCase``, ... (any name ending in ``TestCase``, resolved or
    not). pytest runs the methods of such a class through unittest, so pytest-asyncio's
    markers do nothing there: an ``async def`` test method would only produce a coroutine
    that nobody awaits, unless the class is an ``IsolatedAsyncioTestCase``."""
    out: list[str] = []
    for cls in resolver.mro(ClassRef(module, class_index)):
        for base in cls.module.facts.classes[cls.index].bases:
            target = resolver.resolve_name(cls.module, -1, base)
            if isinstance(target, str):
                name = apis.canonical_type(target)
            elif target is None:
                name = resolver.absolute(cls.module, base)
            else:
                continue  # a project class: in the MRO, its own bases are read in turn
            if name.startswith(("unittest.case.", "unittest.async_case.")):
                name = "unittest." + name.rpartition(".")[2]
            if name.rpartition(".")[2].endswith("TestCase") and name not in out:
                out.append(name)
    return out


def symbol_of(module: Module, fn_index: int) -> str:
    return module.facts.functions[fn_index].qualname if fn_index >= 0 else "<module>"


def _test_owner(module: Module, scope: int) -> int | None:
    """The sync test or fixture a test-layer bridge belongs to (None: not one, or async).

    A bridge in a function nested in the test belongs to it only if the test runs that
    function itself: a nested ``def`` that is decorated (huey's ``@huey.task()``, a
    callback registered with something) or never called by name where it is defined runs
    elsewhere, and making the test async would make its bridge fail."""
    functions = module.facts.functions
    for s in b.enclosing_functions(module, scope):
        if b.is_test_function(module, s) or b.is_pytest_fixture(module, s):
            return None if functions[s].is_async else s
        fn = functions[s]
        if fn.parent >= 0 and (fn.decorators or not _called_in(module, fn.parent, fn.name)):
            return None
    return None


def _has_shebang(module: Module) -> bool:
    """Does the file open with ``#!``: a program run as such (asyncssh's ``examples/``),
    whose module-level code is its entry point, not code run when it is imported?"""
    try:
        with open(module.abspath, "rb") as fh:
            return fh.read(2) == b"#!"
    except OSError:
        return False


def _called_in(module: Module, scope: int, name: str) -> bool:
    """Does the body of function ``scope`` call ``name`` (a function nested in it)?"""
    return any(c[C_SCOPE] == scope and c[C_CALLEE] == name for c in module.facts.calls)


def classify(project: ProjectView, resolver: Resolver, site: Site) -> BridgeSite | None:
    module = site.module
    call = module.facts.calls[site.row]
    scope: int = call[C_SCOPE]
    functions = module.facts.functions
    if scope >= 0 and functions[scope].is_async:
        return None  # in the async body (ASY103), or a lambda in it that runs elsewhere
    if module.layer == "migration" or b.is_excluded(module, project.config):
        return None
    api = bridge_api(module, site.row, site)
    if module.layer == "test":
        if scope < 0 or call[C_FLAGS] & CALL_IN_LAMBDA:
            return None
        owner = _test_owner(module, scope)
        if owner is None:
            return None
        kind = "fixture" if b.is_pytest_fixture(module, owner) else "test"
        return BridgeSite(ASY205, site, api, owner, kind)
    if scope >= 0 and not call[C_FLAGS] & CALL_IN_LAMBDA:
        # a pytest plugin's fixture, outside the test layer; not a helper it returns
        # (pulpcore's ``http_get`` fixture hands back ``_http_get``, which tests call)
        fixture = _test_owner(module, scope)
        if fixture is not None and b.is_pytest_fixture(module, fixture):
            return BridgeSite(ASY205, site, api, fixture, "fixture")
    if call[C_FLAGS] & CALL_IN_HANDED_LAMBDA:  # ``Thread(target=lambda: asyncio.run(c))``
        return BridgeSite(ASY303, site, api, scope, "a lambda handed to a thread or callback")
    if scope < 0:
        main = b.entrypoint_of_module_call(module, site.row)
        if main:
            return BridgeSite(ASY303, site, api, -1, main)
        if module.layer == "script" or _has_shebang(module):
            return BridgeSite(ASY303, site, api, -1, "module-level code of a script")
        if module.path.endswith("__main__.py"):  # runs only as ``python -m package``
            return BridgeSite(ASY303, site, api, -1, "module-level code of `__main__.py`")
        return BridgeSite(ASY206, site, api, -1, "module-level code, run at import time")
    found = b.boundary_kind(module, scope, resolver, project.config)
    if found is not None:
        kind, where = found
        code = _BOUNDARY_CODES.get(kind)
        return BridgeSite(code, site, api, scope, where) if code else None
    entry = only_called_from_entry_points(project, resolver, module, scope)
    if entry:
        return BridgeSite(ASY303, site, api, scope, entry)
    if module.layer == "script":
        return BridgeSite(ASY303, site, api, scope, "a script")
    return BridgeSite(ASY206, site, api, scope, "")


_ENTRY_KINDS = frozenset({b.ENTRY_POINT, b.SYNC_HOOK, b.HANDED_OVER})


def only_called_from_entry_points(
    project: ProjectView, resolver: Resolver, module: Module, scope: int
) -> str | None:
    """``only called from `main```: a sync helper whose every project caller is an entry
    point (or, transitively, another such helper) runs only at program entry, before any
    event loop exists. A method's callers include those of the base methods it overrides:
    ``command.exec(args)`` in ``main`` runs whichever subclass's ``exec`` the command is.
    Celery tasks do not lend their status this way: a helper called from
    tasks is still ASY206 (the task body is where the bridge belongs). Nor does test code
    lend it to code outside the test layer: a test's callback that calls a library method
    says nothing about where the library runs, so test-layer callers are not counted."""
    graph = project.graph
    seen: set[FuncRef] = set()
    entries: list[str] = []
    outside_tests = module.layer != "test"

    def check(ref: FuncRef, depth: int) -> bool:
        if ref in seen:
            return True  # a cycle among helpers adds no caller from outside
        if depth > 6:
            return False
        seen.add(ref)
        callers = list(graph.callers_of(ref))
        for base in b.overridden_methods(ref.module, ref.fn, resolver):
            callers.extend(graph.callers_of(base))
        if not callers:
            return False
        for caller in callers:
            if outside_tests and caller.module.layer == "test":
                continue
            call = caller.module.facts.calls[caller.row]
            owner: int = call[C_SCOPE]
            if owner < 0:
                if b.entrypoint_of_module_call(caller.module, caller.row):
                    entries.append("`__main__`")
                    continue
                return False
            if caller.module.facts.functions[owner].is_async:
                return False
            found = b.boundary_kind(caller.module, owner, resolver, project.config)
            if found is not None:
                if found[0] not in _ENTRY_KINDS:
                    return False
                entries.append(f"`{caller.module.facts.functions[owner].qualname}`")
                continue
            if not check(FuncRef(caller.module, owner), depth + 1):
                return False
        return True

    if not check(FuncRef(module, scope), 0) or not entries:
        return None
    names = sorted(set(entries))
    return (
        "only called from entry point " + ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    )


_BOUNDARY_CODES = {
    b.CELERY_TASK: ASY301,
    b.ADAPTER: ASY302,
    b.ENTRY_POINT: ASY303,
    b.SYNC_HOOK: ASY303,
    b.HANDED_OVER: ASY303,
}


class BridgeClasses:
    """Every bridge in sync code, classified once per project (shared by five rules)."""

    def __init__(self, project: ProjectView) -> None:
        graph = project.graph
        resolver = graph.resolver
        out: list[BridgeSite] = []
        for sites in list(graph.sites.values()):  # classifying may add sites
            for site in sites:
                if site.kind == KIND_BRIDGE:
                    found = classify(project, resolver, site)
                    if found is not None:
                        out.append(found)
        self.sites: tuple[BridgeSite, ...] = tuple(out)

    def of(self, code: str) -> list[BridgeSite]:
        return [s for s in self.sites if s.code == code]


def bridge_classes(project: ProjectView) -> BridgeClasses:
    return project.memo("bridges", lambda: BridgeClasses(project))
