"""A ``threading.Lock`` held across an ``await`` inside ``async def`` (ASY100, and a review
item of ``migrate``, which does not rewrite locks).

``with lock:`` around a few statements that do not await is common and mostly harmless: the
lock is free again before any other coroutine of the loop runs (only another *thread*
holding it can block the loop, briefly). Held across an ``await``, it is a defect: another
coroutine of the same loop that takes the lock blocks the loop's only thread, and the
coroutine holding it never gets to release it, a deadlock."""

from __future__ import annotations

from awaitify.analysis import apis
from awaitify.analysis.facts import C_CTX, C_LINE, C_SCOPE, CTX_AWAIT, With
from awaitify.analysis.project import Module, ProjectView


def lock_withs(project: ProjectView) -> dict[tuple[int, int], list[With]]:
    """(module id, async function index) → its ``with`` statements that hold a
    ``threading.Lock`` (or a ``Semaphore``, which :data:`apis.TYPE_ALIASES` maps to it)
    across an ``await``. Not an ``RLock``: the loop's thread holds it, and every coroutine
    of the loop runs in that thread, so a second one takes it at once (no exclusion
    between them either, but no deadlock: not this defect)."""
    return project.memo("lock withs", lambda: _lock_withs(project))


def _lock_withs(project: ProjectView) -> dict[tuple[int, int], list[With]]:
    resolver = project.graph.resolver
    found: dict[tuple[int, int], list[With]] = {}
    for module in project.checked_modules:
        functions = module.facts.functions
        for w in module.facts.withs:
            if w.is_async or w.call >= 0 or not w.expr or w.scope < 0 or "()" in w.expr:
                continue
            if not functions[w.scope].is_async or not _awaits_inside(module, w):
                continue
            if resolver.type_of(module, w.scope, w.expr) == apis.THREAD_LOCK:
                found.setdefault((id(module), w.scope), []).append(w)
    return found


def _awaits_inside(module: Module, w: With) -> bool:
    """Does the body of ``w`` await (an awaited call, or an ``async with``)?"""
    for call in module.facts.calls:
        if (
            call[C_SCOPE] == w.scope
            and call[C_CTX] == CTX_AWAIT
            and w.line < call[C_LINE] <= w.body_end
        ):
            return True
    return any(
        other.is_async and other.scope == w.scope and w.line < other.line <= w.body_end
        for other in module.facts.withs
    )
