"""``with lock:`` on a ``threading.Lock`` inside ``async def``: entering it acquires the lock,
which blocks the event loop while another thread holds it (ASY100, and a review item of
``migrate``, which does not rewrite locks)."""

from __future__ import annotations

from awaitify.analysis import apis
from awaitify.analysis.facts import With
from awaitify.analysis.project import ProjectView


def lock_withs(project: ProjectView) -> dict[tuple[int, int], list[With]]:
    """(module id, async function index) → its ``with`` statements on a ``threading.Lock``
    (or an ``RLock``/``Semaphore``, which :data:`apis.TYPE_ALIASES` maps to it)."""
    return project.memo("lock withs", lambda: _lock_withs(project))


def _lock_withs(project: ProjectView) -> dict[tuple[int, int], list[With]]:
    resolver = project.graph.resolver
    found: dict[tuple[int, int], list[With]] = {}
    for module in project.checked_modules:
        functions = module.facts.functions
        for w in module.facts.withs:
            if w.is_async or w.call >= 0 or not w.expr or w.scope < 0 or "()" in w.expr:
                continue
            if not functions[w.scope].is_async:
                continue
            if resolver.type_of(module, w.scope, w.expr) == apis.THREAD_LOCK:
                found.setdefault((id(module), w.scope), []).append(w)
    return found
