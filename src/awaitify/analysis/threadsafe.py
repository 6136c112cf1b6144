"""Waits on ``asyncio.run_coroutine_threadsafe(coro, loop)``'s future, in async code.

``run_coroutine_threadsafe`` hands a coroutine to a loop running in another thread and
returns a ``concurrent.futures.Future``. Waiting on it (``.result()``) inside an ``async
def`` blocks the running loop until the other loop is done (ASY100); when ``loop`` is the
running loop itself, the coroutine can never run and the wait never ends (ASY103, a
deadlock). Two spellings are read: the chained ``run_coroutine_threadsafe(c, loop).result()``
and ``fut = run_coroutine_threadsafe(c, loop)`` then ``fut.result()`` in the same function.

The facts record a call's row before the rows of the calls in its receiver and arguments,
so the inner ``run_coroutine_threadsafe`` of a chain comes *after* its ``.result()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_CTX,
    C_END_LINE,
    C_FLAGS,
    C_LINE,
    C_PARENT,
    C_SCOPE,
    CALL_IN_LAMBDA,
    CALL_UNREACHABLE,
    CTX_ATTR,
)
from awaitify.analysis.project import Module

THREADSAFE = "asyncio.run_coroutine_threadsafe"
_CHAINED_RESULT = THREADSAFE + "().result"
_WRAP_FUTURE = frozenset({"asyncio.wrap_future", "asyncio.futures.wrap_future"})
_RUNNING_LOOP = frozenset(
    {"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.events.get_running_loop"}
)


class ThreadsafeWait(NamedTuple):
    scope: int  # the function that waits
    row: int  # the ``.result()`` call
    inner: int  # its ``run_coroutine_threadsafe`` call
    on_running_loop: bool  # the loop handed over is the running one: a deadlock


def threadsafe_waits(module: Module) -> Iterator[ThreadsafeWait]:
    """The waits on a threadsafe future in the function bodies of ``module`` (none read at
    all in a file that never calls ``run_coroutine_threadsafe``)."""
    if "run_coroutine_threadsafe" not in module.facts.tables.call_names:
        return
    calls = module.facts.calls
    futures: dict[int, dict[str, int]] = {}
    for row, call in enumerate(calls):
        scope = call[C_SCOPE]
        if scope < 0 or call[C_FLAGS] & (CALL_IN_LAMBDA | CALL_UNREACHABLE):
            continue
        callee = call[C_CALLEE]
        if callee == _CHAINED_RESULT:
            inner = _chained_inner(module, row)
        elif callee.endswith(".result") and "()" not in callee:
            if scope not in futures:
                futures[scope] = _future_variables(module, scope)
            inner = futures[scope].get(callee[: -len(".result")], -1)
        else:
            continue
        if inner >= 0:
            yield ThreadsafeWait(scope, row, inner, _on_running_loop(module, scope, inner))


def _chained_inner(module: Module, row: int) -> int:
    calls = module.facts.calls
    outer = calls[row]
    for i in range(row + 1, len(calls)):
        c = calls[i]
        if c[C_LINE] > outer[C_END_LINE]:
            break
        if c[C_CALLEE] == THREADSAFE and c[C_CTX] == CTX_ATTR and c[C_SCOPE] == outer[C_SCOPE]:
            return i
    return -1


def _future_variables(module: Module, scope: int) -> dict[str, int]:
    """Variable → row of the ``run_coroutine_threadsafe`` call assigned to it in ``scope``."""
    calls = module.facts.calls
    by_line = {
        c[C_LINE]: i
        for i, c in enumerate(calls)
        if c[C_SCOPE] == scope and c[C_CALLEE] == THREADSAFE
    }
    # a future the function also awaits (``await asyncio.wrap_future(cf)``) is waited for
    # in the branch where a loop runs; its ``.result()`` is the other branch's (google-adk)
    awaited = {
        arg
        for c in calls
        if c[C_SCOPE] == scope and c[C_CALLEE] in _WRAP_FUTURE
        for arg in c[C_ARGS]
    }
    # a future asked whether it is ``done()`` before its ``result()`` returns at once
    awaited.update(
        c[C_CALLEE][: -len(".done")]
        for c in calls
        if c[C_SCOPE] == scope and c[C_CALLEE].endswith(".done")
    )
    return {
        a.target: by_line[a.line]
        for a in module.facts.assigns
        if a.scope == scope
        and a.call == THREADSAFE
        and a.line in by_line
        and a.target not in awaited
    }


def _on_running_loop(module: Module, scope: int, inner: int) -> bool:
    """Is the ``loop`` argument of the ``run_coroutine_threadsafe`` call at ``inner`` the
    running loop (``asyncio.get_running_loop()`` inline, or a variable assigned it)?"""
    calls = module.facts.calls
    call = calls[inner]
    args = call[C_ARGS]
    loop_name = args[1] if len(args) > 1 else ""
    if not loop_name:  # ``run_coroutine_threadsafe(c, asyncio.get_running_loop())``
        for c in calls[inner + 1 :]:
            if c[C_LINE] > call[C_END_LINE]:
                break
            if c[C_PARENT] == inner and c[C_CALLEE] in _RUNNING_LOOP:
                return True
        return False
    return any(
        a.scope == scope and a.target == loop_name and a.call in _RUNNING_LOOP
        for a in module.facts.assigns
    )
