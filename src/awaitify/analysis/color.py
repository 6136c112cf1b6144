"""Colour propagation: which sync functions block, and which run a bridge, transitively.

A sync function is *blocking* when its body calls a known blocking API, or calls a sync
project function that is blocking. It *bridges* when its body runs ``asyncio.run`` (or
another bridge), directly or through sync project functions. Both propagate backwards
over the call graph breadth-first from the seeds, so the chain recorded for every
function is a shortest one: ``open_ticket → notify → requests.post``.

Async functions stop the propagation: calling one does not run its body. A loop-aware
dispatcher stops the bridge colour: with a running loop it schedules a task instead of
bridging (:func:`~awaitify.analysis.boundaries.is_loop_dispatcher`).

A bridge in the body of a ``try`` that catches ``RuntimeError`` is a fallback, not a
crash: in a running loop ``asyncio.run`` raises at once and the handler runs the coroutine
some other way (on a new loop in a thread, typically) while the caller waits for it. Such
a bridge makes its function *blocking*, with the bridge as the blocking call.
"""

from __future__ import annotations

from collections import deque
from functools import cached_property
from typing import NamedTuple

from awaitify.analysis import apis
from awaitify.analysis.boundaries import is_loop_dispatcher
from awaitify.analysis.callgraph import (
    KIND_BLOCKING,
    KIND_BRIDGE,
    CallGraph,
    Site,
    also_called,
)
from awaitify.analysis.facts import (
    C_CALLEE,
    C_CTX,
    C_FLAGS,
    C_PARENT,
    CALL_IN_LAMBDA,
    CALL_IN_TRY_RUNTIME_ERROR,
    CTX_ARG,
    CTX_ITER,
)
from awaitify.analysis.resolve import FuncRef


class Reason(NamedTuple):
    """Why a function has a colour: the first hop of its chain."""

    site: Site  # the call in this function's body
    via: FuncRef | None  # the project callee it goes through, None for a direct API call


#: builtins that run a generator they are given to the end, or to its first item
_CONSUMERS = frozenset(
    {"list", "tuple", "set", "frozenset", "sorted", "sum", "min", "max", "any", "all", "dict",
     "next"}
)  # fmt: skip


def consumes_generator(site: Site) -> bool:
    """Is the generator this call makes iterated where it is made: ``for x in gen()``, a
    comprehension over it, ``list(gen())``, ``next(gen())``?"""
    calls = site.module.facts.calls
    call = calls[site.row]
    ctx = call[C_CTX]
    if ctx == CTX_ITER:
        return True
    return ctx == CTX_ARG and call[C_PARENT] >= 0 and calls[call[C_PARENT]][C_CALLEE] in _CONSUMERS


class Colors:
    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph

    @cached_property
    def blocking_generators(self) -> dict[FuncRef, Reason]:
        """Sync generators whose iteration blocks: their body calls a blocking API or a
        blocking function, or iterates a generator that blocks. Calling one runs nothing,
        so generators have no colour; iterating one runs its body where it is iterated
        (langgraph-sdk's ``list(SyncHttpClient(client).stream(...))`` in an async test)."""
        graph = self.graph
        blocking = self.blocking
        found: dict[FuncRef, Reason] = {}

        def generator(fn: FuncRef) -> bool:
            return not fn.fn.is_async and not graph.runs_body_when_called(fn)

        for site in graph.sites_of_kind(KIND_BLOCKING):
            if site.scope >= 0 and _seeds(site, KIND_BLOCKING):
                fn = FuncRef(site.module, site.scope)
                if fn not in found and generator(fn):
                    found[fn] = Reason(site, None)
        for callee in list(blocking):
            for site in graph.callers_of(callee):
                if site.scope < 0:
                    continue
                caller = FuncRef(site.module, site.scope)
                if (
                    caller not in found
                    and generator(caller)
                    and self.blocks_at(site)
                    and not site.module.facts.calls[site.row][C_FLAGS] & CALL_IN_LAMBDA
                ):
                    found[caller] = Reason(site, callee)
        queue = deque(found)
        while queue:
            callee = queue.popleft()
            for site in graph.callers_of(callee):
                if site.scope < 0:
                    continue
                caller = FuncRef(site.module, site.scope)
                if caller in found or not generator(caller) or not consumes_generator(site):
                    continue
                found[caller] = Reason(site, callee)
                queue.append(caller)
        return found

    def generator_chain(self, fn: FuncRef) -> list[str]:
        """``[generator, callee, ..., api]`` for a generator whose iteration blocks."""
        out = [fn.label]
        seen = {fn}
        reason = self.blocking_generators.get(fn)
        while reason is not None:
            if reason.via is None:
                out.append(reason.site.api or str(reason.site.target))
                break
            if reason.via in self.blocking:
                out.extend(self.chain(reason.via, KIND_BLOCKING))
                break
            if reason.via in seen:
                break
            seen.add(reason.via)
            out.append(reason.via.label)
            reason = self.blocking_generators.get(reason.via)
        return out

    @cached_property
    def blocking(self) -> dict[FuncRef, Reason]:
        return self._propagate(KIND_BLOCKING)

    @cached_property
    def bridging(self) -> dict[FuncRef, Reason]:
        return self._propagate(KIND_BRIDGE)

    def _propagate(self, kind: int) -> dict[FuncRef, Reason]:
        graph = self.graph
        found: dict[FuncRef, Reason] = {}
        queue: deque[FuncRef] = deque()
        # the seeds, in project order (module, then function): the functions whose own body
        # makes a call of this kind
        modules = graph.project.modules
        position = {id(m): i for i, m in enumerate(modules)}
        seed_sites = [s for s in graph.sites_of_kind(kind) if _seeds(s, kind)]
        if kind == KIND_BLOCKING:  # bridges with a fallback block
            seed_sites += [s for s in graph.sites_of_kind(KIND_BRIDGE) if _seeds(s, kind)]
        seeds = sorted({(position[id(site.module)], site.scope) for site in seed_sites})

        def stops(fn: FuncRef) -> bool:
            if kind == KIND_BRIDGE:
                return is_loop_dispatcher(fn.module, fn.index, graph) is not None
            return _prewarmed_cache(fn, graph)

        for module_position, index in seeds:
            fn = FuncRef(modules[module_position], index)
            if fn.fn.is_async or not graph.runs_body_when_called(fn) or stops(fn):
                continue
            for site in graph.body_sites(fn):
                if _seeds(site, kind) and not (
                    # a bridge with a ``RuntimeError`` fallback in a loop-aware dispatcher
                    # (telethon's ``disconnect``) never runs with a loop running
                    site.kind == KIND_BRIDGE
                    and is_loop_dispatcher(fn.module, fn.index, graph) is not None
                ):
                    found[fn] = Reason(site, None)
                    queue.append(fn)
                    break
        while queue:
            callee = queue.popleft()
            for site in graph.callers_of(callee):
                scope = site.scope
                if scope < 0:
                    continue
                caller = FuncRef(site.module, scope)
                if caller in found or caller.fn.is_async:
                    continue
                if not graph.runs_body_when_called(caller) or stops(caller):
                    continue
                if site.module.facts.calls[site.row][C_FLAGS] & CALL_IN_LAMBDA:
                    continue
                if kind == KIND_BLOCKING and self.checked_first(site, found[callee]):
                    continue
                found[caller] = Reason(site, callee)
                queue.append(caller)
        return found

    def blocks_at(self, site: Site) -> bool:
        """Does this call of a project function block the caller? Its target blocks, and
        the call is not one the caller has made sure returns at once (``checked_first``)."""
        target = site.target
        if not isinstance(target, FuncRef):
            return False
        reason = self.blocking.get(target)
        return reason is not None and not self.checked_first(site, reason)

    @staticmethod
    def checked_first(site: Site, reason: Reason) -> bool:
        """A thin wrapper over a queue's ``get`` (shiny's ``PriorityQueueFIFO.get``) called
        where the caller has asked the same receiver whether it is ``empty()``: an item is
        there, the ``get`` returns at once, as for a direct ``q.get()`` after ``q.empty()``."""
        if reason.via is not None or not reason.site.api.endswith("Queue.get"):
            return False
        calls = site.module.facts.calls
        return also_called(calls[site.row], calls, ("empty", "qsize"))

    def chain(self, fn: FuncRef, kind: int) -> list[str]:
        """``[fn, callee, ..., api]`` labels, following the recorded first hops."""
        table = self.blocking if kind == KIND_BLOCKING else self.bridging
        out = [fn.label]
        seen = {fn}
        current: FuncRef | None = fn
        while current is not None:
            reason = table.get(current)
            if reason is None:
                break
            if reason.via is None:
                out.append(reason.site.api or str(reason.site.target))
                break
            current = reason.via
            if current in seen:
                break
            seen.add(current)
            out.append(current.label)
        return out


def _seeds(site: Site, kind: int) -> bool:
    """Does this call of a function's body give the function the colour ``kind`` by itself?
    A blocking API call does, for blocking; a bridge does, for bridging, unless a handler
    of ``RuntimeError`` around it falls back, and then it does for blocking instead. An API
    of :data:`~awaitify.analysis.apis.DIRECT_ONLY` never does."""
    if site.scope < 0 or site.api in apis.DIRECT_ONLY:
        return False
    if site.kind == KIND_BRIDGE:
        fallback = bool(site.module.facts.calls[site.row][C_FLAGS] & CALL_IN_TRY_RUNTIME_ERROR)
        return fallback == (kind == KIND_BLOCKING)
    return site.kind == kind


#: decorators that keep a function's result: its body runs on the first call only
_CACHES = apis.FUNCTOOLS_CACHES | {"functools.cached_property"}


def _prewarmed_cache(fn: FuncRef, graph: CallGraph) -> bool:
    """A cached function that module-level code already calls, directly or through one
    wrapper, when the module is imported: later calls, from async code included, find the
    result in the cache (homeassistant's ``_client_context``, an SSL context built at
    import as ``_DEFAULT_SSL_CONTEXT = client_context()``). Its blocking work is done before
    any event loop runs."""
    if not fn.fn.decorators or not _CACHES.intersection(fn.fn.decorators):
        return False
    for site in graph.callers_of(fn):
        if site.scope < 0:
            return True
        wrapper = FuncRef(site.module, site.scope)
        if not wrapper.fn.is_async and any(s.scope < 0 for s in graph.callers_of(wrapper)):
            return True
    return False
