"""The project call graph: every call site resolved and classified once.

A call site is one call row of one module. Its *kind* says what the call is:

* ``KIND_PROJECT``  a call to a project function (``target`` is a :class:`FuncRef`);
* ``KIND_BLOCKING`` a known blocking API (``time.sleep``, ``Session.query``);
* ``KIND_BRIDGE``   ``asyncio.run`` / ``run_until_complete`` / ``async_to_sync`` / ...;
* ``KIND_ASYNC_API`` a known coroutine function (``asyncio.sleep``, ``AsyncSession.execute``);
* ``KIND_OTHER``    anything else, resolved or not (not kept: no rule needs it).

Calls inside lambdas are not calls of the enclosing function (the lambda runs later, or
elsewhere); a function passed *as an object* to ``asyncio.to_thread`` is not a call at all.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property, partial
from typing import NamedTuple

from awaitify.analysis import apis
from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_CTX,
    C_FLAGS,
    C_SCOPE,
    CALL_IN_LAMBDA,
    CTX_ATTR,
    FN_GENERATOR,
    CallRow,
)
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import ClassRef, FuncRef, Resolver, Target

KIND_OTHER = 0
KIND_PROJECT = 1
KIND_BLOCKING = 2
KIND_BRIDGE = 3
KIND_ASYNC_API = 4

_CONTEXTMANAGERS = frozenset({"contextlib.contextmanager", "contextmanager"})
#: decorators that run a sync function's body in a worker thread: calling the decorated
#: function never blocks its caller (``@sync_to_async`` makes it awaitable; textual's
#: ``@work`` on a sync method needs ``thread=True``)
_THREAD_DECORATORS = frozenset(
    {
        "asgiref.sync.sync_to_async", "channels.db.database_sync_to_async",
        "asyncer.asyncify", "textual.work", "textual.worker.work",
    }
)  # fmt: skip
#: ``getaddrinfo`` with this flag only parses a numeric address: no name lookup, no wait
_NUMERIC_HOST = "socket.AI_NUMERICHOST"
#: ``waitpid`` with this flag only polls: it returns ``(0, 0)`` at once if no child exited
_NO_HANG = "os.WNOHANG"
#: opening the null device touches no disk and never waits
_DEVNULL = "os.devnull"
#: decorators that leave an ``async def`` a coroutine function
_TRANSPARENT_DECORATORS = frozenset(
    {
        "staticmethod", "classmethod", "abc.abstractmethod", "abstractmethod",
        "typing.override", "typing_extensions.override", "override", "typing.final", "final",
        "tenacity.retry", "backoff.on_exception", "backoff.on_predicate",
        "functools.wraps",
    }
)  # fmt: skip


class Site(NamedTuple):
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
        return self.module.facts.calls[self.row][C_SCOPE]


#: ``Site(...)`` without the Python-level ``__new__`` a NamedTuple has: a run builds one per
#: classified call, tens of thousands
_new_site = partial(tuple.__new__, Site)


class CallGraph:
    """Built once per run. ``previous`` is :meth:`snapshot` of an earlier run on the same
    project: modules whose import closure did not change reuse their classified calls, so
    an edit to one file re-resolves only the modules that (transitively) import it."""

    def __init__(self, project: ProjectView, previous: bytes | None = None) -> None:
        self.project = project
        self._previous = previous
        self.reused_modules = 0
        self.resolver = Resolver(project)
        extra_blocking = frozenset(project.config.blocking_apis)
        extra_async = frozenset(project.config.async_apis)
        self._extra_blocking = extra_blocking
        self._extra_async = extra_async
        # sites per (module id, function index); module-level sites under index -1
        self.sites: dict[tuple[int, int], list[Site]] = {}
        # project callee → list of calling sites
        self.callers: dict[FuncRef, list[Site]] = {}
        # ``sites`` without the calls made inside lambdas: what the body runs when called
        self._body: dict[tuple[int, int], list[Site]] = {}
        self._blocking: dict[int, list[Site]] = {}  # module id -> its blocking call sites
        self._by_kind: dict[int, list[Site]] = {KIND_BLOCKING: [], KIND_BRIDGE: []}
        # module path -> the modules it imports, from the previous snapshot (see ``imported``)
        self._known_imports: dict[str, list[Module]] = {}
        # the relevant names of the previous snapshot, and the modules changed since then
        self._known_names: frozenset[str] | None = None
        self._changed: list[Module] = []
        self._relevant: frozenset[str] | None = None
        self._reused_rows: dict[str, list[tuple[int, int, object, str]]] = {}
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
        The filter must never skip a call that resolves: a module's classified calls are
        reused while other modules change (:meth:`_reuse`), so they must not depend on which
        names other modules happen to define. Hence the names a module re-exports under
        another name (``from .impl import run as start``) are in it too.
        """
        if self._known_names is not None:  # from the previous snapshot: add what changed
            names = set(self._known_names)
            for module in self._changed:
                names.update(_defined_names(module))
            return frozenset(names)
        names = set()
        for module in self.project.modules:
            names.update(_defined_names(module))
        for api in (
            *apis.BLOCKING_FUNCTIONS, *apis.ASYNC_FUNCTIONS, *apis.BRIDGES, *apis.CONSTRUCTS,
            *apis.FACTORIES, *self._extra_blocking, *self._extra_async,
        ):  # fmt: skip
            names.add(api.rpartition(".")[2])
        for methods in (*apis.BLOCKING_METHODS.values(), *apis.ASYNC_METHODS.values()):
            names.update(methods)
        names.update(apis.BRIDGE_METHODS)
        return frozenset(names)

    def _classify_module(
        self, module: Module, relevant: frozenset[str]
    ) -> list[tuple[int, int, Target | None, str]]:
        """(row, kind, target, api) for every call of one module that is not KIND_OTHER."""
        resolver = self.resolver
        out: list[tuple[int, int, Target | None, str]] = []
        calls = module.facts.calls
        for row, call in enumerate(calls):
            callee = call[C_CALLEE]
            if not callee:
                continue
            if callee.endswith("run_until_complete") or callee in apis.BRIDGES:
                if callee in apis.WRAPPING_BRIDGES and call[C_CTX] != CTX_ATTR:
                    continue  # ``async_to_sync(f)`` only builds a wrapper; calling it bridges
                out.append((row, KIND_BRIDGE, callee, callee.rpartition("().")[2]))
                continue
            if callee.rpartition(".")[2] not in relevant:
                continue
            target = resolver.resolve_name(module, call[C_SCOPE], callee)
            if isinstance(target, ClassRef):
                target = resolver.find_method(target, "__init__")
            if isinstance(target, FuncRef):
                out.append((row, KIND_PROJECT, target, ""))
            elif isinstance(target, str):
                kind = self.classify_external(target)
                if kind == KIND_OTHER:
                    continue
                api = apis.canonical_type(target)
                if kind == KIND_BLOCKING and _does_not_wait(api, call, calls):
                    continue
                out.append((row, kind, target, api))
        return out

    def _build(self) -> None:
        modules = self.project.modules
        classified: list[list[tuple[int, int, Target | None, str]] | None] = self._reuse()
        todo = [m for m, rows in zip(modules, classified, strict=True) if rows is None]
        if todo:
            # One process on purpose: a forked pool was measured slower (the resolver's
            # caches, which the rules reuse afterwards, would stay in the workers).
            relevant = self._relevant = self._relevant_names()
            fresh = [self._classify_module(m, relevant) for m in todo]
            by_module = dict(zip(map(id, todo), fresh, strict=True))
            classified = [
                by_module[id(m)] if rows is None else rows
                for m, rows in zip(modules, classified, strict=True)
            ]
        for module, rows in zip(modules, classified, strict=True):
            assert rows is not None
            mid = id(module)
            calls = module.facts.calls
            for row, kind, target, api in rows:
                site = _new_site((module, row, kind, target, api))
                if kind == KIND_BLOCKING:
                    self._blocking.setdefault(mid, []).append(site)
                if kind in (KIND_BLOCKING, KIND_BRIDGE):
                    self._by_kind[kind].append(site)
                call = calls[row]
                key = (mid, call[C_SCOPE])
                self.sites.setdefault(key, []).append(site)
                if not call[C_FLAGS] & CALL_IN_LAMBDA:
                    self._body.setdefault(key, []).append(site)
                if kind == KIND_PROJECT:
                    self.callers.setdefault(target, []).append(site)  # type: ignore[arg-type]

    # -- reuse across runs ----------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The classified calls of every module, with the content each was computed from."""
        reused = self._reused_rows  # rows of the previous snapshot still valid, as stored
        rows: dict[str, list[tuple[int, int, object, str]]] = {
            m.path: reused.get(m.path) or [] for m in self.project.modules
        }
        for sites in self.sites.values():
            for site in sites:
                path = site.module.path
                if path in reused:
                    continue
                target: object = site.target
                if isinstance(target, FuncRef):
                    target = (target.module.path, target.index)
                rows[path].append((site.row, site.kind, target, site.api))
        for path, out in rows.items():
            if path not in reused:
                out.sort()
        digests = {m.path: m.digest for m in self.project.modules}
        imported = {path: [m.path for m in deps] for path, deps in self.imported.items()}
        names = list(self._relevant if self._relevant is not None else self._relevant_names())
        return marshal.dumps((_SNAPSHOT_FORMAT, digests, rows, imported, names))

    def _reuse(self) -> list[list[tuple[int, int, Target | None, str]] | None]:
        modules = self.project.modules
        nothing: list[list[tuple[int, int, Target | None, str]] | None] = [None] * len(modules)
        if not self._previous:
            return nothing
        try:
            fmt, digests, rows, imported, names = marshal.loads(self._previous)
        except (EOFError, ValueError, TypeError):
            return nothing
        if fmt != _SNAPSHOT_FORMAT or set(digests) != {m.path for m in modules}:
            return nothing  # a module came or went: imports may resolve differently
        by_path = {m.path: m for m in modules}
        changed = [m for m in modules if digests.get(m.path) != m.digest or not m.digest]
        unchanged = {id(m) for m in modules} - {id(m) for m in changed}
        self._known_imports = {
            m.path: [by_path[p] for p in imported.get(m.path, ())]
            for m in modules
            if id(m) in unchanged
        }
        self._known_names = frozenset(names)
        self._changed = changed
        stale = self.dependents(changed)
        out = nothing
        refs: dict[tuple[str, int], FuncRef] = {}  # one FuncRef per callee, not per call
        for i, module in enumerate(modules):
            if id(module) in stale:
                continue
            decoded: list[tuple[int, int, Target | None, str]] = []
            for row, kind, target, api in rows.get(module.path, ()):
                if isinstance(target, tuple):
                    ref = refs.get(target)
                    if ref is None:
                        owner = by_path.get(target[0])
                        if owner is None or target[1] >= len(owner.facts.functions):
                            break
                        ref = refs[target] = FuncRef(owner, target[1])
                    target = ref
                decoded.append((row, kind, target, api))
            else:
                out[i] = decoded
                self.reused_modules += 1
                self._reused_rows[module.path] = rows.get(module.path, [])
        return out

    @cached_property
    def imported(self) -> dict[str, list[Module]]:
        """Module path → the project modules it imports (directly), each once. Taken from
        the previous snapshot for the modules whose content did not change."""
        known = self._known_imports
        out: dict[str, list[Module]] = {}
        absolute = self.resolver.absolute
        find = self.project.find_module
        # thousands of modules import the same few names: look each absolute name up once
        found: dict[str, Module | None] = {}
        for module in self.project.modules:
            deps = known.get(module.path)
            if deps is None:
                deps = []
                for imp in module.facts.imports:
                    target = imp.target
                    if target.startswith("."):
                        target = absolute(module, target)
                    if target in found:
                        dep = found[target]
                    else:
                        dep = found[target] = find(target) or find(target.rpartition(".")[0])
                    if dep is not None and dep is not module and dep not in deps:
                        deps.append(dep)
            out[module.path] = deps
        return out

    @cached_property
    def importers(self) -> dict[int, list[Module]]:
        """Module id → the project modules that import it (directly)."""
        table: dict[int, list[Module]] = {}
        imported = self.imported
        for module in self.project.modules:
            for dep in imported[module.path]:
                table.setdefault(id(dep), []).append(module)
        return table

    def dependents(self, changed: list[Module]) -> set[int]:
        """ids of the changed modules and of every module that imports one, transitively."""
        importers = self.importers
        return {id(m) for m in _closure(changed, lambda m: importers.get(id(m), ()))}

    def imported_closure(self, modules: list[Module]) -> list[Module]:
        """``modules`` and every project module they import, transitively."""
        imported = self.imported
        return _closure(modules, lambda m: imported[m.path])

    # -- queries --------------------------------------------------------------------------
    def site(self, module: Module, row: int) -> Site | None:
        """The classified site of a call row; None for calls of ``KIND_OTHER``."""
        return self._site_by_row.get((id(module), row))

    @cached_property
    def _site_by_row(self) -> dict[tuple[int, int], Site]:
        return {
            (id(site.module), site.row): site for sites in self.sites.values() for site in sites
        }

    def body_sites(self, fn: FuncRef) -> Sequence[Site]:
        """Calls the function's own body makes when it runs (not those in lambdas)."""
        return self._body.get((id(fn.module), fn.index), ())

    def sites_of_kind(self, kind: int) -> list[Site]:
        """Every blocking (``KIND_BLOCKING``) or bridge (``KIND_BRIDGE``) call site."""
        return self._by_kind[kind]

    def module_blocking_sites(self, module: Module) -> list[Site]:
        """Every blocking call of one module, in any function."""
        return self._blocking.get(id(module), [])

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

    def runs_body_when_called(self, fn: FuncRef) -> bool:
        """Does calling ``fn`` run its body in the caller's thread? Not for a generator
        (nothing runs until it is iterated), nor for a function a decorator hands to a
        worker thread (``@sync_to_async``)."""
        f = fn.fn
        if any(d in _THREAD_DECORATORS for d in f.decorators):
            return False
        if not f.flags & FN_GENERATOR:
            return True
        return any(d in _CONTEXTMANAGERS for d in f.decorators)


def _closure(start: list[Module], edges: Callable[[Module], Sequence[Module]]) -> list[Module]:
    """``start`` and every module reachable from it along ``edges``, each once."""
    out = list(start)
    seen = {id(m) for m in out}
    queue = list(out)
    while queue:
        for other in edges(queue.pop()):
            if id(other) not in seen:
                seen.add(id(other))
                out.append(other)
                queue.append(other)
    return out


def _does_not_wait(api: str, call: CallRow, calls: Sequence[CallRow]) -> bool:
    """A call of a blocking API that, by its arguments or its receiver, returns at once:
    ``getaddrinfo(..., AI_NUMERICHOST)``, ``waitpid(pid, WNOHANG)``, ``open(os.devnull)``,
    or a socket method in a function that calls ``setblocking`` on that socket
    (``setblocking(True)``, which restores the default, is next to never written)."""
    if api == "socket.getaddrinfo":
        return _NUMERIC_HOST in call[C_ARGS]
    if api == "os.waitpid":
        return _NO_HANG in call[C_ARGS]
    if api in ("open", "io.open"):
        return call[C_ARGS][:1] == (_DEVNULL,)
    if api.startswith("socket.socket."):
        scope = call[C_SCOPE]
        wanted = call[C_CALLEE].rpartition(".")[0] + ".setblocking"
        return any(c[C_SCOPE] == scope and c[C_CALLEE] == wanted for c in calls)
    return False


def _defined_names(module: Module) -> Iterator[str]:
    """The names a call into ``module`` can end with (see :meth:`CallGraph._relevant_names`)."""
    facts = module.facts
    yield from (f.name for f in facts.functions)
    yield from (c.name for c in facts.classes)
    # a module-level factory or client variable (``SessionLocal()``)
    yield from (a.target for a in facts.assigns if a.scope < 0 and a.class_index < 0)
    # a name re-exported under an alias (``from .impl import run as start``): without the
    # alias, the name is the original's, which is in the set already
    yield from (
        i.local
        for i in facts.imports
        if i.is_from and i.scope < 0 and i.local != i.target.rpartition(".")[2]
    )


_SNAPSHOT_FORMAT = 3
