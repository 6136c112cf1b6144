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
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property, partial
from typing import Any, NamedTuple

from awaitify.analysis import apis
from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_CTX,
    C_FLAGS,
    C_LINE,
    C_PARENT,
    C_SCOPE,
    CALL_IN_LAMBDA,
    CALL_NO_WAIT,
    CALL_NOT_COROUTINE,
    CALL_UNREACHABLE,
    CTX_ARG,
    CTX_ASYNC_ITER,
    CTX_ASYNC_WITH,
    CTX_ATTR,
    CTX_AWAIT,
    CTX_EXPR,
    CTX_OPERAND,
    FN_GENERATOR,
    RUNNER_RUN,
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
        "tornado.concurrent.run_on_executor",
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


def _imported(owner: str, roots: frozenset[str] | None) -> bool:
    """Whether the methods of ``owner`` can be called in a project importing ``roots``
    (None: in any project)."""
    library = apis.LIBRARY_OF.get(owner)
    if roots is None or library is None or library in roots:
        return True
    return any(also in roots for also in apis.LIBRARY_ALSO.get(library, ()))


class CallGraph:
    """Built once per run. ``previous`` is :meth:`snapshot` of an earlier run on the same
    project: modules whose import closure did not change reuse their classified calls, so
    an edit to one file re-resolves only the modules that (transitively) import it.

    Calls are classified **on demand**. The first pass classifies the calls every rule
    needs whatever the project holds (see :meth:`_first_names`): calls named like an API
    that blocks or bridges, and calls named like a coroutine function (known or in the
    project) made as a statement or from sync code. Any other call with a relevant name
    (most calls of a large codebase) waits until someone asks about it: the callers of a
    function (:meth:`callers_of`), every call of a function's body (:meth:`full_body_sites`)
    or one call (:meth:`site`). Colour propagation asks for the callers of each function it
    colours, so a call is resolved only when its answer can change a finding. Every query
    gives what a graph of every call would give; :meth:`complete` builds that graph.
    """

    def __init__(self, project: ProjectView, previous: bytes | None = None) -> None:
        self.project = project
        self._previous = previous
        self.reused_modules = 0
        self.resolver = Resolver(project)
        extra_blocking = frozenset(project.config.blocking_apis)
        extra_async = frozenset(project.config.async_apis)
        self._extra_blocking = extra_blocking
        self._extra_async = extra_async
        self._configured = bool(extra_blocking or extra_async)
        # sites per (module id, function index); module-level sites under index -1
        self.sites: dict[tuple[int, int], list[Site]] = {}
        # project callee → list of calling sites (complete for a callee once it was asked
        # for: read it through ``callers_of``)
        self._callers: dict[FuncRef, list[Site]] = {}
        # ``sites`` without the calls made inside lambdas: what the body runs when called
        self._body: dict[tuple[int, int], list[Site]] = {}
        self._blocking: dict[int, list[Site]] = {}  # module id -> its blocking call sites
        self._by_kind: dict[int, list[Site]] = {KIND_BLOCKING: [], KIND_BRIDGE: []}
        self._by_row: dict[tuple[int, int], Site] | None = None  # see ``site``
        # module path -> the modules it imports, from the previous snapshot (see ``imported``)
        self._known_imports: dict[str, list[Module]] = {}
        # the relevant names of the previous snapshot, and the modules changed since then
        self._known_names: frozenset[str] | None = None
        self._changed: list[Module] = []
        self._relevant: frozenset[str] | None = None
        self._reused_rows: dict[str, list[tuple[int, int, object, str]]] = {}
        # -- classification on demand --
        self._position = {id(m): i for i, m in enumerate(project.modules)}
        # module id -> rows with a relevant name that are not classified yet (a sorted list
        # as the previous snapshot left it, until a demand reaches the module)
        self._pending: dict[int, set[int] | list[int]] = {}
        # names whose calls are classified in every module (none of them is pending)
        self._demanded: set[str] = set()
        # the previous run's ``_demanded``: reused modules have no pending row by these names
        self._known_demanded: frozenset[str] = frozenset()
        # name -> pending rows of the modules classified in this run / of every module
        self._fresh_index: dict[str, list[tuple[Module, int]]] = {}
        self._full_index: dict[str, list[tuple[Module, int]]] | None = None
        self._grown: set[str] = set()  # reused modules that classified more rows this run
        self._aliases: dict[str, list[str]] | None = None
        self._defined: set[str] | None = None  # every name the project defines (first runs)
        # base class name -> (subclass name, whether it defines ``__init__``), by name
        self._subclasses: dict[str, list[tuple[str, bool]]] | None = None
        # the coroutine names of the first pass, this run's and the previous run's: a module
        # has no pending call by one of these made as a statement or from sync code
        self._coroutine_names: set[str] = set()
        self._known_coroutines: frozenset[str] = frozenset()
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

    def _waiting_api_names(self, imported: frozenset[str] | None = None) -> set[str]:
        """Last name segments of the APIs that block or bridge (a call of one matters in any
        context); with ``imported``, the top-level packages the project imports, only the
        methods of the libraries among them (``apis.LIBRARY_OF``) and the functions of those
        packages (no call resolves to ``dns.resolver.resolve`` in a project that never imports
        ``dns``; a builtin such as ``open`` always counts)."""
        names = {
            api.rpartition(".")[2]
            for api in (*apis.BLOCKING_FUNCTIONS, *apis.BRIDGES)
            if imported is None or "." not in api or api.partition(".")[0] in imported
        }
        names.update(api.rpartition(".")[2] for api in self._extra_blocking)
        for owner, methods in apis.BLOCKING_METHODS.items():
            if _imported(owner, imported):
                names.update(methods)
        names.update(apis.BRIDGE_METHODS)
        return names

    def _coroutine_api_names(self, imported: frozenset[str] | None = None) -> set[str]:
        """Last name segments of the known coroutine functions (``asyncio.sleep``); with
        ``imported``, as for :meth:`_waiting_api_names`."""
        names = {api.rpartition(".")[2] for api in (*apis.ASYNC_FUNCTIONS, *self._extra_async)}
        for owner, methods in apis.ASYNC_METHODS.items():
            if _imported(owner, imported):
                names.update(methods)
        return names

    def _api_names(self) -> set[str]:
        """Last name segments of every API awaitify knows (and of the configured ones)."""
        names = self._waiting_api_names() | self._coroutine_api_names()
        names.update(api.rpartition(".")[2] for api in (*apis.CONSTRUCTS, *apis.FACTORIES))
        names.add("cls")  # ``cls(...)``: an instantiation (see ``_instantiating_names``)
        return names

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
        assert self._defined is not None  # gathered by ``_first_names`` on a first run
        return frozenset(self._api_names() | self._defined)

    def _first_names(self) -> tuple[set[str], set[str]]:
        """The names classified in the first pass, because the rules need their calls
        whatever the project holds, with every name they are re-exported under:

        * APIs that block or bridge: every call;
        * known coroutine functions and project ``async def`` functions: the calls that
          make a coroutine nobody awaits, as a statement (``notify()``) or in sync code. In
          an ``async def``, ``await f()``, ``create_task(f())`` or ``x = f()`` waits for
          its callers to ask, like any other call.
        """
        # one pass over the project for the async functions and, on a first run, every
        # defined name (``_relevant_names``)
        coroutines: set[str] = set()
        inits: list[FuncRef] = []
        defined: set[str] | None = set() if self._known_names is None else None
        imported: set[str] = set()
        for module in self.project.modules:
            tables = module.facts.tables
            coroutines |= tables.coroutines
            imported |= tables.import_roots
            # ``Repo(...)`` would return a coroutine
            inits.extend(FuncRef(module, i) for i in tables.async_inits)
            if defined is not None:
                defined |= tables.defined
        self._defined = defined
        for init in inits:
            coroutines |= self._instantiating_names(init)
        roots = frozenset(imported)
        always = self._expand(self._waiting_api_names(roots))
        return always, self._expand(coroutines | self._coroutine_api_names(roots)) - always

    def _instantiating_names(self, init: FuncRef) -> set[str]:
        """Names a call of the ``__init__`` method ``init`` can be written as: ``__init__``
        (``super().__init__()``), its class, and every project class that inherits that
        ``__init__`` (by name: a superset, which is safe), each with its aliases."""
        owner = init.fn.class_index
        if owner < 0:
            return {"__init__"}
        if self._subclasses is None:
            table: dict[str, list[tuple[str, bool]]] = {}
            for module in self.project.modules:
                methods = module.facts.tables.methods
                for c, cls in enumerate(module.facts.classes):
                    own_init = "__init__" in methods.get(c, ())
                    for base in cls.bases:
                        table.setdefault(base.rpartition(".")[2], []).append((cls.name, own_init))
            self._subclasses = table
        aliases = self._alias_table()
        start = init.module.facts.classes[owner].name
        out = {start}
        stack = [start]
        while stack:
            name = stack.pop()
            for alias in aliases.get(name, ()):
                if alias not in out:
                    out.add(alias)
                    stack.append(alias)
            for sub, own_init in self._subclasses.get(name, ()):
                if not own_init and sub not in out:
                    out.add(sub)
                    stack.append(sub)
        # ``return cls(...)`` in a classmethod builds the class too (vllm's ``from_engine_args``)
        return self._expand(out) | {"__init__", "cls"}

    def _alias_table(self) -> dict[str, list[str]]:
        """name → the names it is re-exported under (``from .impl import run as start``)."""
        if self._aliases is None:
            table: dict[str, list[str]] = {}
            for module in self.project.modules:
                for original, alias in module.facts.tables.aliases:
                    table.setdefault(original, []).append(alias)
            self._aliases = table
        return self._aliases

    def _expand(self, names: Iterable[str]) -> set[str]:
        """``names`` with every name a call to one of them can be written as: its aliases."""
        aliases = self._alias_table()
        out: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name in out:
                continue
            out.add(name)
            stack.extend(aliases.get(name, ()))
        return out

    def _classify_row(
        self, module: Module, row: int, call: CallRow
    ) -> tuple[int, int, Target | None, str] | None:
        """(row, kind, target, api) for one call whose name passed the filters, None when it
        is ``KIND_OTHER``."""
        resolver = self.resolver
        target = resolver.resolve_name(module, call[C_SCOPE], call[C_CALLEE])
        if isinstance(target, ClassRef):
            target = resolver.find_method(target, "__init__")
        if isinstance(target, FuncRef):
            if self._configured:
                # ``blocking-apis`` / ``async-apis`` may name a project function too
                # (``mycorp.http.fetch``): the config says what it is
                dotted = f"{target.module.name}.{target.fn.qualname}".lstrip(".")
                if dotted in self._extra_blocking:
                    return (row, KIND_BLOCKING, dotted, dotted)
                if dotted in self._extra_async:
                    return (row, KIND_ASYNC_API, dotted, dotted)
            return (row, KIND_PROJECT, target, "")
        if isinstance(target, str):
            kind = self.classify_external(target)
            if kind == KIND_OTHER:
                return None
            api = apis.canonical_type(target)
            if kind == KIND_BLOCKING and (
                _does_not_wait(api, call, module.facts.calls, module) or _awaited_method(api, call)
            ):
                return None
            return (row, kind, target, api)
        return None

    def _first_pass(
        self, module: Module, first: set[str], coroutines: set[str], relevant: frozenset[str]
    ) -> list[tuple[int, int, Target | None, str]]:
        """Classify the bridges, the calls named in ``first`` and the calls named in
        ``coroutines`` that are statements or in sync code; the other calls with a relevant
        name wait in ``_pending`` (and in ``_fresh_index``)."""
        classify = self._classify_row
        out: list[tuple[int, int, Target | None, str]] = []
        if module.is_stub:
            return out  # a stub never runs: its bodies (if any) call nothing
        pending: set[int] = set()
        index = self._fresh_index
        functions = module.facts.functions
        bridges = apis.BRIDGES
        # bridges known by their receiver's type, not their name (``runner.run``)
        typed_bridges = {row for row, kind in module.facts.bridges if kind == RUNNER_RUN}
        for row, call in enumerate(module.facts.calls):
            callee = call[C_CALLEE]
            if not callee or call[C_FLAGS] & CALL_UNREACHABLE:
                continue
            name = callee.rpartition(".")[2]
            if name.endswith("run_until_complete") or callee in bridges or row in typed_bridges:
                if callee in apis.WRAPPING_BRIDGES and call[C_CTX] != CTX_ATTR:
                    continue  # ``async_to_sync(f)`` only builds a wrapper; calling it bridges
                if callee not in bridges and self._project_function(module, call):
                    # pydantic-ai's own ``_utils.run_until_complete(coro)``: a project call
                    found = classify(module, row, call)
                    if found is not None:
                        out.append(found)
                    continue
                out.append((row, KIND_BRIDGE, callee, callee.rpartition("().")[2]))
                continue
            if name in first or (
                name in coroutines
                and (
                    (ctx := call[C_CTX]) == CTX_EXPR
                    or ctx == CTX_OPERAND
                    or (scope := call[C_SCOPE]) < 0
                    or not functions[scope].is_async
                    or (ctx == CTX_ARG and dropped_by_parent(module.facts.calls, call))
                )
            ):
                found = classify(module, row, call)
                if found is not None:
                    out.append(found)
            elif name in relevant:
                pending.add(row)
                entry = index.get(name)
                if entry is None:
                    index[name] = [(module, row)]
                else:
                    entry.append((module, row))
        if pending:
            self._pending[id(module)] = pending
        return out

    def _project_function(self, module: Module, call: CallRow) -> bool:
        """Is a call matched as a bridge by its name (``run_until_complete``) a call of a
        project function of that name instead?"""
        target = self.resolver.resolve_name(module, call[C_SCOPE], call[C_CALLEE])
        return isinstance(target, FuncRef)

    def _build(self) -> None:
        modules = self.project.modules
        classified: list[list[tuple[int, int, Target | None, str]] | None] = self._reuse()
        todo = [m for m, rows in zip(modules, classified, strict=True) if rows is None]
        first, coroutines = self._first_names()
        self._coroutine_names = coroutines
        reused = len(todo) < len(modules)
        self._demanded = (first & self._known_demanded) if reused else set(first)
        if todo:
            # One process on purpose: a forked pool was measured slower (the resolver's
            # caches, which the rules reuse afterwards, would stay in the workers).
            relevant = self._relevant = self._relevant_names()
            fresh = [self._first_pass(m, first, coroutines, relevant) for m in todo]
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
                    self._callers.setdefault(target, []).append(site)  # type: ignore[arg-type]
        if reused:  # the reused modules still wait for this run's first names they lacked
            known = self._known_demanded
            self._demand((first - known) | (coroutines - known - self._known_coroutines))

    # -- classification on demand ---------------------------------------------------------
    def _demand(self, names: Iterable[str]) -> None:
        """Classify, in every module, the calls named ``names`` (or an alias of one)."""
        demanded = self._demanded
        new = self._expand(n for n in names if n not in demanded) - demanded
        if not new:
            return
        demanded.update(new)
        known = self._known_demanded
        todo: dict[int, tuple[Module, list[int]]] = {}
        for name in new:
            # a name the previous run had asked for waits only in the modules read again
            index = self._fresh_index if name in known else self._every_pending()
            for module, row in index.pop(name, ()):
                pending = self._pending_set(module)
                if pending is not None and row in pending:
                    pending.discard(row)
                    todo.setdefault(id(module), (module, []))[1].append(row)
        self._classify_late(todo.values())

    def _pending_set(self, module: Module) -> set[int] | None:
        pending = self._pending.get(id(module))
        if isinstance(pending, list):
            pending = self._pending[id(module)] = set(pending)
        return pending

    def _every_pending(self) -> dict[str, list[tuple[Module, int]]]:
        """name → pending rows of every module, reused ones included (built once)."""
        if self._full_index is None:
            if not self.reused_modules:
                self._full_index = self._fresh_index
            else:
                index: dict[str, list[tuple[Module, int]]] = {}
                for module in self.project.modules:
                    pending = self._pending.get(id(module))
                    if not pending:
                        continue
                    calls = module.facts.calls
                    for row in sorted(pending):
                        name = calls[row][C_CALLEE].rpartition(".")[2]
                        index.setdefault(name, []).append((module, row))
                self._full_index = index
        return self._full_index

    def _classify_late(self, groups: Iterable[tuple[Module, list[int]]]) -> None:
        """Classify pending rows and merge their sites in, keeping every list in order.
        Lists are replaced, never changed in place: a caller may be iterating one."""
        position = self._position
        new: list[Site] = []
        for module, rows in groups:
            calls = module.facts.calls
            for row in sorted(rows):
                found = self._classify_row(module, row, calls[row])
                if found is not None:
                    new.append(_new_site((module, *found)))
            if module.path in self._reused_rows:
                self._grown.add(module.path)
        if not new:
            return

        def merge(table: dict[Any, list[Site]], key: object, sites: list[Site]) -> None:
            old = table.get(key)
            merged = sites if old is None else old + sites
            merged.sort(key=lambda s: (position[id(s.module)], s.row))
            table[key] = merged

        by_scope: dict[tuple[int, int], list[Site]] = {}
        by_callee: dict[FuncRef, list[Site]] = {}
        for site in new:
            module = site.module
            call = module.facts.calls[site.row]
            by_scope.setdefault((id(module), call[C_SCOPE]), []).append(site)
            if site.kind == KIND_PROJECT:
                by_callee.setdefault(site.target, []).append(site)  # type: ignore[arg-type]
            if site.kind in (KIND_BLOCKING, KIND_BRIDGE):  # an API re-exported elsewhere
                merge(self._by_kind, site.kind, [site])
                if site.kind == KIND_BLOCKING:
                    merge(self._blocking, id(module), [site])
            if self._by_row is not None:
                self._by_row[(id(module), site.row)] = site
        for key, sites in by_scope.items():
            merge(self.sites, key, sites)
            body = [s for s in sites if not s.module.facts.calls[s.row][C_FLAGS] & CALL_IN_LAMBDA]
            if body:
                merge(self._body, key, body)
        for ref, sites in by_callee.items():
            merge(self._callers, ref, sites)

    def complete(self) -> None:
        """Classify every call that is still waiting: the graph of every call, for the
        codemods and the plan, which walk callers of arbitrary functions."""
        self._demand(list(self._every_pending()))
        groups = [
            (m, list(self._pending.pop(id(m))))
            for m in self.project.modules
            if self._pending.get(id(m))
        ]
        self._classify_late(groups)

    @property
    def pending_calls(self) -> int:
        """How many calls with a relevant name are not classified (yet)."""
        return sum(map(len, self._pending.values()))

    # -- reuse across runs ----------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The classified calls of every module, with the content each was computed from,
        and the calls still waiting to be classified."""
        reused = self._reused_rows  # rows of the previous snapshot still valid, as stored
        grown = self._grown
        rows: dict[str, list[tuple[int, int, object, str]]] = {
            m.path: (reused.get(m.path) or []) if m.path not in grown else []
            for m in self.project.modules
        }
        for sites in self.sites.values():
            for site in sites:
                path = site.module.path
                if path in reused and path not in grown:
                    continue
                target: object = site.target
                if isinstance(target, FuncRef):
                    target = (target.module.path, target.index)
                rows[path].append((site.row, site.kind, target, site.api))
        for path, out in rows.items():
            if path not in reused or path in grown:
                out.sort()
        digests = {m.path: m.digest for m in self.project.modules}
        imported = {path: [m.path for m in deps] for path, deps in self.imported.items()}
        names = list(self._relevant if self._relevant is not None else self._relevant_names())
        pending = {
            m.path: _sorted(self._pending[id(m)])
            for m in self.project.modules
            if self._pending.get(id(m))
        }
        demanded = list(self._demanded)
        coroutines = list(self._coroutine_names)
        return marshal.dumps(
            (_SNAPSHOT_FORMAT, digests, rows, imported, names, pending, demanded, coroutines)
        )

    def _reuse(self) -> list[list[tuple[int, int, Target | None, str]] | None]:
        modules = self.project.modules
        nothing: list[list[tuple[int, int, Target | None, str]] | None] = [None] * len(modules)
        if not self._previous:
            return nothing
        try:
            fmt, digests, rows, imported, names, pending, demanded, coroutines = marshal.loads(
                self._previous
            )
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
        self._known_demanded = frozenset(demanded)
        self._known_coroutines = frozenset(coroutines)
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
                waiting = pending.get(module.path)
                if waiting:
                    self._pending[id(module)] = waiting  # a set once a demand reaches it
        return out

    @cached_property
    def imported(self) -> dict[str, list[Module]]:
        """Module path → the project modules it imports (directly), each once. Taken from
        the previous snapshot for the modules whose content did not change."""
        known = self._known_imports
        out: dict[str, list[Module]] = {}
        index = self.resolver.index
        find = self.project.find_module
        # pytest hands a test the fixtures of every ``conftest.py`` above it, unimported: a
        # fixture edited there changes what the test's names are (redisvl's ``client``)
        conftests = {
            m.relpath.rpartition("/")[0]: m
            for m in self.project.modules
            if m.relpath.rpartition("/")[2] == "conftest.py"
        }
        # thousands of modules import the same few names: look each absolute name up once
        found: dict[str, Module | None] = {}
        for module in self.project.modules:
            deps = known.get(module.path)
            if deps is None:
                deps = []
                seen = {id(module)}
                for target in index(module).import_targets:
                    if target in found:
                        dep = found[target]
                    else:
                        dep = found[target] = find(target) or find(target.rpartition(".")[0])
                    if dep is not None and id(dep) not in seen:
                        seen.add(id(dep))
                        deps.append(dep)
                if conftests:
                    folder = module.relpath.rpartition("/")[0]
                    while True:
                        dep = conftests.get(folder)
                        if dep is not None and id(dep) not in seen:
                            seen.add(id(dep))
                            deps.append(dep)
                        if not folder:
                            break
                        folder = folder.rpartition("/")[0]
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
        pending = self._pending_set(module)
        if pending and row in pending:
            pending.discard(row)
            self._classify_late([(module, [row])])
        if self._by_row is None:
            self._by_row = {
                (id(site.module), site.row): site for sites in self.sites.values() for site in sites
            }
        return self._by_row.get((id(module), row))

    def callers_of(self, fn: FuncRef) -> Sequence[Site]:
        """Every call site of the project function ``fn``, in project order."""
        name = fn.fn.name
        if name == "__init__":
            self._demand(self._instantiating_names(fn))
        elif name not in self._demanded:
            self._demand((name,))
        return self._callers.get(fn, ())

    def body_sites(self, fn: FuncRef) -> Sequence[Site]:
        """Calls the function's own body makes when it runs (not those in lambdas) that
        are classified: at least every call of an API that blocks or bridges, every call of
        a coroutine function made as a statement or from sync code, and every call of a
        function whose callers were asked for (:meth:`full_body_sites` has them all)."""
        return self._body.get((id(fn.module), fn.index), ())

    def full_body_sites(self, fn: FuncRef) -> Sequence[Site]:
        """Every call the function's own body makes, to any project function too."""
        pending = self._pending_set(fn.module)
        if pending:
            calls = fn.module.facts.calls
            index = fn.index
            rows = [row for row in pending if calls[row][C_SCOPE] == index]
            if rows:
                pending.difference_update(rows)
                self._classify_late([(fn.module, rows)])
        return self.body_sites(fn)

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
        if site.module.facts.calls[site.row][C_FLAGS] & CALL_NOT_COROUTINE:
            return False  # ``if not iscoroutinefunction(f): f()``
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


#: the blocking methods that ``CALL_NO_WAIT`` (a first argument or a ``timeout`` of 0 or
#: ``False``, ``block``/``blocking``/``wait=False``) makes return at once
_TOLD_NOT_TO_WAIT = (
    ".acquire", "Queue.get", "Executor.shutdown", "Thread.join", "Process.join",
    "Event.wait", "Future.result",
)  # fmt: skip


_FUTURE_RESULT = f"{apis.THREAD_FUTURE}.result"


def _does_not_wait(
    api: str, call: CallRow, calls: Sequence[CallRow], module: Module | None = None
) -> bool:
    """A call of a blocking API that, by its arguments or its receiver, returns at once:
    ``lock.acquire(blocking=False)``, ``q.get(block=False)``, ``getaddrinfo(...,
    AI_NUMERICHOST)``, ``waitpid(pid, WNOHANG)``, ``open(os.devnull)``, a socket method in
    a function that calls ``setblocking`` on that socket (``setblocking(True)``, which
    restores the default, is next to never written), or a queue's ``get`` in a function
    that asks the queue whether it is ``empty()``, or a future's ``result`` in a function
    that asks it whether it is ``done()``."""
    if call[C_FLAGS] & CALL_NO_WAIT and api.endswith(_TOLD_NOT_TO_WAIT):
        # ``lock.acquire(blocking=False)``, ``q.get(False)``, ``shutdown(wait=False)``,
        # ``thread.join(timeout=0)``, ``event.wait(0)``, ``future.result(0)``
        return True
    if api == "socket.getaddrinfo":
        return _NUMERIC_HOST in call[C_ARGS] or bool(call[C_FLAGS] & CALL_NO_WAIT)
    if api == "os.waitpid":
        # ``options=os.WNOHANG`` sets the flag too; a literal first argument sets it for
        # ``acquire(0)``-style calls, but here it is a pid: ``waitpid(0, 0)`` waits
        told = call[C_FLAGS] & CALL_NO_WAIT and call[C_ARGS][:1] != ("",)
        return _NO_HANG in call[C_ARGS] or bool(told)
    if api in ("open", "io.open"):
        return call[C_ARGS][:1] == (_DEVNULL,)
    if api == "psycopg2.connect":  # ``async_=True``: psycopg2's asynchronous mode (aiopg)
        return bool(call[C_FLAGS] & CALL_NO_WAIT)
    if api == "ssl.create_default_context" or api.endswith("SSLContext.load_verify_locations"):
        # ``cadata=pem`` and no file: the certificates come from memory (azure-identity)
        return bool(call[C_FLAGS] & CALL_NO_WAIT)
    if api.startswith("socket.socket."):
        # ``s.setblocking(False)``, or ``s.settimeout(0)``, which does the same
        receiver = call[C_CALLEE].rpartition(".")[0]
        scope = call[C_SCOPE]
        return also_called(call, calls, ("setblocking",)) or any(
            c[C_SCOPE] == scope
            and c[C_CALLEE] == f"{receiver}.settimeout"
            and c[C_FLAGS] & CALL_NO_WAIT
            for c in calls
        )
    if api.endswith("Queue.get"):
        # ``while not q.empty(): items.append(q.get())``: an item is there, no wait
        return also_called(call, calls, ("empty", "qsize"))
    if api == "subprocess.Popen.wait":
        # ``while proc.poll() is None: await asyncio.sleep(...)`` then ``proc.wait()``:
        # the process has ended, ``wait`` only collects its status (jupyter-client); not
        # after ``if proc.poll() is None: proc.terminate()``, where it waits for the
        # process to exit (pyppeteer): a poll must come after the last signal
        return _polled_since_signal(call, calls)
    if api == _FUTURE_RESULT:
        # ``if fut.done(): fut.result()``, ``while not fut.done(): await sleep(...)``
        return also_called(call, calls, ("done",))
    if api in apis.LOCK_ACQUIRES:
        # ``lock.acquire(); state.clear(); lock.release()`` with no await between: the short
        # critical section ``with lock:`` is (django-eventstream); held across an await it
        # is the defect :mod:`awaitify.analysis.locks` reports. And a lock made a moment
        # ago, before any other code could see it, is free (prefect's in-memory locks)
        return _released_before_any_await(call, calls) or (
            module is not None and _fresh_lock(call, calls, module)
        )
    return False


_ASYNC_USES = frozenset({CTX_AWAIT, CTX_ASYNC_WITH, CTX_ASYNC_ITER})


def dropped_by_parent(calls: Sequence[CallRow], call: CallRow) -> bool:
    """An argument of a call that never awaits it (``print(work())``: ASY102)."""
    parent = call[C_PARENT]
    return parent >= 0 and apis.never_awaits(calls[parent][C_CALLEE])


def _awaited_method(api: str, call: CallRow) -> bool:
    """A blocking method's call that is awaited, entered by ``async with`` or iterated by
    ``async for``: the receiver's type was inferred wrong (an aioboto3 client annotated with
    the boto3 stubs, as skyvern's is; langchain's ``Union[Engine, AsyncEngine]`` engine
    under ``async with self.engine.begin()``), since what a sync client returns would
    raise there."""
    return call[C_CTX] in _ASYNC_USES and api.rpartition(".")[0] in apis.BLOCKING_METHODS


def _fresh_lock(call: CallRow, calls: Sequence[CallRow], module: Module) -> bool:
    """Is ``lock.acquire()`` on a local ``lock = threading.Lock()`` (or ``RLock()``) made
    earlier in the same function, with nothing handed ``lock`` in between?"""
    scope, line = call[C_SCOPE], call[C_LINE]
    receiver = call[C_CALLEE].rpartition(".")[0]
    made = max(
        (a.line for a in module.facts.assigns
         if a.scope == scope and a.target == receiver and a.line <= line
         and a.call in ("threading.Lock", "threading.RLock")),
        default=0,
    )  # fmt: skip
    if not made:
        return False
    shared = any(
        c[C_SCOPE] == scope and made < c[C_LINE] < line and receiver in c[C_ARGS] for c in calls
    ) or any(
        a.scope == scope and a.name == receiver and made <= a.line < line
        for a in module.facts.assigns
    )
    return not shared


def _released_before_any_await(call: CallRow, calls: Sequence[CallRow]) -> bool:
    """Is ``lock.acquire()`` followed, in its function, by ``lock.release()`` with no
    awaited call between them?"""
    scope, line = call[C_SCOPE], call[C_LINE]
    release = f"{call[C_CALLEE].rpartition('.')[0]}.release"
    released = min(
        (c[C_LINE] for c in calls if c[C_SCOPE] == scope and c[C_CALLEE] == release
         and c[C_LINE] >= line),
        default=0,
    )  # fmt: skip
    return released > 0 and not any(
        c[C_SCOPE] == scope and c[C_CTX] == CTX_AWAIT and line <= c[C_LINE] <= released
        for c in calls
    )


def _polled_since_signal(call: CallRow, calls: Sequence[CallRow]) -> bool:
    """Is ``proc.wait()`` preceded, in its function, by a ``proc.poll()`` that comes after
    the last ``terminate``/``kill``/``send_signal`` before it?"""
    scope, line = call[C_SCOPE], call[C_LINE]
    receiver = call[C_CALLEE].rpartition(".")[0]
    polled = signalled = 0
    for c in calls:
        if c[C_SCOPE] != scope or c[C_LINE] > line:
            continue
        owner, _, method = c[C_CALLEE].rpartition(".")
        if owner != receiver:
            continue
        if method == "poll":
            polled = max(polled, c[C_LINE])
        elif method in ("terminate", "kill", "send_signal"):
            signalled = max(signalled, c[C_LINE])
    return polled > 0 and polled >= signalled


def also_called(call: CallRow, calls: Sequence[CallRow], methods: tuple[str, ...]) -> bool:
    """Does the function making ``call`` also call one of ``methods`` on its receiver?"""
    scope = call[C_SCOPE]
    receiver = call[C_CALLEE].rpartition(".")[0]
    wanted = {f"{receiver}.{m}" for m in methods}
    return any(c[C_SCOPE] == scope and c[C_CALLEE] in wanted for c in calls)


def _sorted(rows: set[int] | list[int]) -> list[int]:
    return rows if isinstance(rows, list) else sorted(rows)


def _defined_names(module: Module) -> frozenset[str]:
    """The names a call into ``module`` can end with (see :meth:`CallGraph._relevant_names`):
    its functions, classes, module-level variables (``SessionLocal()``), and the names it
    re-exports under an alias (``from .impl import run as start``: without the alias, the
    name is the original's, which is in the set already)."""
    return module.facts.tables.defined


_SNAPSHOT_FORMAT = 5
