"""The project call graph: every call site resolved and classified once.

A call site is one call row of one module. Its *kind* says what the call is:

* ``KIND_PROJECT``  a call to a project function (``target`` is a :class:`FuncRef`);
* ``KIND_BLOCKING`` a known blocking API (``time.sleep``, ``Session.query``);
* ``KIND_BRIDGE``   ``asyncio.run`` / ``run_until_complete`` / ``async_to_sync`` / ...;
* ``KIND_ASYNC_API`` a known coroutine function (``asyncio.sleep``, ``AsyncSession.execute``);
* ``KIND_OTHER``    anything else, resolved or not.

Calls inside lambdas are not calls of the enclosing function (the lambda runs later, or
elsewhere); a function passed *as an object* to ``asyncio.to_thread`` is not a call at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from awaitify.analysis import apis
from awaitify.analysis.facts import (
    C_CALLEE,
    C_FLAGS,
    C_SCOPE,
    CALL_IN_LAMBDA,
    FN_GENERATOR,
)
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import ClassRef, FuncRef, Resolver, Target

KIND_OTHER = 0
KIND_PROJECT = 1
KIND_BLOCKING = 2
KIND_BRIDGE = 3
KIND_ASYNC_API = 4

_CONTEXTMANAGERS = frozenset({"contextlib.contextmanager", "contextmanager"})
#: decorators that leave an ``async def`` a coroutine function
_TRANSPARENT_DECORATORS = frozenset(
    {
        "staticmethod", "classmethod", "abc.abstractmethod", "abstractmethod",
        "typing.override", "typing_extensions.override", "override", "typing.final", "final",
        "tenacity.retry", "backoff.on_exception", "backoff.on_predicate",
        "functools.wraps",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Site:
    module: Module
    row: int  # index into ``module.facts.calls``
    kind: int
    target: Target | None  # FuncRef for project calls, the API's dotted name for externals
    api: str  # display name of the external API ("" for project calls)

    @property
    def call(self) -> tuple[object, ...]:
        return self.module.facts.calls[self.row]

    @property
    def scope(self) -> int:
        return self.module.facts.calls[self.row][C_SCOPE]  # type: ignore[no-any-return]


class CallGraph:
    def __init__(self, project: ProjectView) -> None:
        self.project = project
        self.resolver = Resolver(project)
        extra_blocking = frozenset(project.config.blocking_apis)
        extra_async = frozenset(project.config.async_apis)
        self._extra_blocking = extra_blocking
        self._extra_async = extra_async
        # sites per (module id, function index); module-level sites under index -1
        self.sites: dict[tuple[int, int], list[Site]] = {}
        # project callee → list of calling sites
        self.callers: dict[FuncRef, list[Site]] = {}
        self._site_by_row: dict[tuple[int, int], Site] = {}
        self._build()

    # -- building -----------------------------------------------------------------------
    def classify_external(self, name: str) -> int:
        if name in apis.BRIDGES or name.rpartition(".")[2] in apis.BRIDGE_METHODS:
            return KIND_BRIDGE
        canonical = apis.canonical_type(name)
        if canonical in apis.BLOCKING_FUNCTIONS or canonical in self._extra_blocking:
            return KIND_BLOCKING
        if canonical in apis.ASYNC_FUNCTIONS or canonical in self._extra_async:
            return KIND_ASYNC_API
        receiver, _, method = canonical.rpartition(".")
        if receiver:
            rtype = apis.canonical_type(receiver)
            if apis.blocking_method(rtype, method, self._extra_blocking):
                return KIND_BLOCKING
            if apis.async_method(rtype, method, self._extra_async):
                return KIND_ASYNC_API
        return KIND_OTHER

    def _relevant_names(self) -> frozenset[str]:
        """Last name segments a call must end with to be anything but ``KIND_OTHER``.

        Most calls (``logger.info``, ``len``, ``dict.get``) can be skipped with one set lookup
        instead of a resolution: only project functions and classes and known APIs matter.
        """
        names: set[str] = set()
        for module in self.project.modules:
            facts = module.facts
            names.update(f.name for f in facts.functions)
            names.update(c.name for c in facts.classes)
            # a module-level factory or client variable (``SessionLocal()``)
            names.update(a.target for a in facts.assigns if a.scope < 0 and a.class_index < 0)
        for api in (
            *apis.BLOCKING_FUNCTIONS, *apis.ASYNC_FUNCTIONS, *apis.BRIDGES, *apis.CONSTRUCTS,
            *apis.FACTORIES, *self._extra_blocking, *self._extra_async,
        ):  # fmt: skip
            names.add(api.rpartition(".")[2])
        for methods in (*apis.BLOCKING_METHODS.values(), *apis.ASYNC_METHODS.values()):
            names.update(methods)
        names.update(apis.BRIDGE_METHODS)
        return frozenset(names)

    def _build(self) -> None:
        resolver = self.resolver
        relevant = self._relevant_names()
        for module in self.project.modules:
            calls = module.facts.calls
            if not calls:
                continue
            mid = id(module)
            for row, call in enumerate(calls):
                callee = call[C_CALLEE]
                scope = call[C_SCOPE]
                kind = KIND_OTHER
                api = ""
                target: Target | None = None
                if callee.endswith("run_until_complete") or callee in apis.BRIDGES:
                    kind, target, api = KIND_BRIDGE, callee, callee.rpartition("().")[2]
                elif callee and callee.rpartition(".")[2] in relevant:
                    target = resolver.resolve_name(module, scope, callee)
                    if isinstance(target, ClassRef):
                        init = resolver.find_method(target, "__init__")
                        target = init
                    if isinstance(target, FuncRef):
                        kind = KIND_PROJECT
                    elif isinstance(target, str):
                        kind = self.classify_external(target)
                        api = apis.canonical_type(target)
                site = Site(module, row, kind, target, api)
                self._site_by_row[(mid, row)] = site
                self.sites.setdefault((mid, scope), []).append(site)
                if kind == KIND_PROJECT:
                    assert isinstance(target, FuncRef)
                    self.callers.setdefault(target, []).append(site)

    # -- queries --------------------------------------------------------------------------
    def site(self, module: Module, row: int) -> Site:
        return self._site_by_row[(id(module), row)]

    def body_sites(self, fn: FuncRef) -> Iterator[Site]:
        """Calls the function's own body makes when it runs (not those in lambdas)."""
        for site in self.sites.get((id(fn.module), fn.index), ()):
            if not site.module.facts.calls[site.row][C_FLAGS] & CALL_IN_LAMBDA:
                yield site

    def module_sites(self, module: Module) -> list[Site]:
        return self.sites.get((id(module), -1), [])

    def is_coroutine_function(self, target: Target | None) -> bool:
        """An ``async def`` (not an async generator) whose decorators keep it a coroutine
        function. An unknown decorator may turn it into anything (prefect's
        ``@sync_compatible``, asgiref's ``@async_to_sync``), so it makes the answer no."""
        if isinstance(target, FuncRef):
            fn = target.fn
            if not fn.is_async or fn.flags & FN_GENERATOR:
                return False
            return all(d in _TRANSPARENT_DECORATORS for d in fn.decorators)
        return False

    def returns_coroutine(self, site: Site) -> bool:
        """Does this call produce a coroutine object (that must be awaited)?"""
        if site.kind == KIND_PROJECT:
            return self.is_coroutine_function(site.target)
        return site.kind == KIND_ASYNC_API

    @cached_property
    def functions(self) -> list[FuncRef]:
        return self.resolver.all_functions

    def runs_body_when_called(self, fn: FuncRef) -> bool:
        """False for generators: calling one runs nothing until it is iterated."""
        f = fn.fn
        if not f.flags & FN_GENERATOR:
            return True
        return any(d in _CONTEXTMANAGERS for d in f.decorators)
