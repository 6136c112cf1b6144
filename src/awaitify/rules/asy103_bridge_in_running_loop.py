from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.callgraph import KIND_BRIDGE, KIND_PROJECT, Site
from awaitify.analysis.facts import C_ARGS, C_CALLEE, C_PARENT, C_SCOPE
from awaitify.analysis.project import ProjectView
from awaitify.analysis.resolve import FuncRef
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule
from awaitify.rules.helpers import class_of, functions, span

_RUNNING_LOOP = frozenset({"asyncio.get_running_loop", "asyncio.get_event_loop"})
_THREADSAFE_RESULT = "asyncio.run_coroutine_threadsafe().result"


class BridgeInRunningLoop(Rule):
    """## What it does
    Reports `asyncio.run`, `loop.run_until_complete` or `async_to_sync` executed inside an
    `async def` — directly, or through sync project functions (the chain is given) — and
    `asyncio.run_coroutine_threadsafe(coro, loop).result()` where `loop` is the running
    loop.

    ## Why is this bad?
    These bridges start or block on an event loop. Inside a coroutine a loop is already
    running in this thread: `asyncio.run` raises `RuntimeError: asyncio.run() cannot be
    called from a running event loop`, `run_until_complete` raises `This event loop is
    already running`, and waiting on `run_coroutine_threadsafe(...).result()` for the loop
    you are blocking is a deadlock.

    ## Example
    ```python
    import asyncio

    async def fetch_rate():
        return 1.1

    def convert(amount):
        return amount * asyncio.run(fetch_rate())

    async def checkout(amount):
        return convert(amount)
    ```

    Use instead:
    ```python
    import asyncio

    async def fetch_rate():
        return 1.1

    async def convert(amount):
        return amount * await fetch_rate()

    async def checkout(amount):
        return await convert(amount)
    ```

    ## Fix
    `awaitify migrate` converts the sync functions on the chain to async and awaits them;
    where a sync caller must stay sync, the call goes through `asyncio.to_thread`.
    """

    code = "ASY103"
    name = "bridge-in-running-loop"
    category = Category.DEFECT
    message = "{what} inside `async def {func}` runs in a running event loop: {outcome}"
    fix_safety = "unsafe"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        graph = project.graph
        colors = project.colors
        bridging = colors.bridging
        for fn in functions(project, is_async=True):
            calls = fn.module.facts.calls
            for site in graph.body_sites(fn):
                callee = calls[site.row][C_CALLEE]
                if site.kind == KIND_BRIDGE:
                    yield self._hit(fn, site, (fn.label, site.api), f"`{site.api}`")
                elif site.kind == KIND_PROJECT and site.target in bridging:
                    target = site.target
                    assert isinstance(target, FuncRef)
                    chain = tuple(colors.chain(target, KIND_BRIDGE))
                    yield self._hit(fn, site, chain, f"`{target.label}` (via {' → '.join(chain)})")
                elif callee == _THREADSAFE_RESULT and self._on_running_loop(fn, site):
                    yield self._hit(
                        fn, site, (fn.label, "asyncio.run_coroutine_threadsafe"),
                        "`run_coroutine_threadsafe(..., loop).result()`", deadlock=True,
                    )  # fmt: skip

    @staticmethod
    def _on_running_loop(fn: FuncRef, site: Site) -> bool:
        """Is the ``loop`` argument of the inner ``run_coroutine_threadsafe`` the running loop?"""
        calls = fn.module.facts.calls
        inner = None
        for i in range(site.row - 1, -1, -1):  # the inner call was recorded just before
            if calls[i][C_SCOPE] == fn.index and calls[i][C_CALLEE] == "asyncio.run_coroutine_threadsafe":
                inner = i
                break
        if inner is None:
            return False
        args = calls[inner][C_ARGS]
        loop_name = args[1] if len(args) > 1 else ""
        if not loop_name:  # ``run_coroutine_threadsafe(c, asyncio.get_running_loop())``
            return any(
                c[C_PARENT] == inner and c[C_CALLEE] in _RUNNING_LOOP
                for c in calls[inner + 1 : site.row + 8]
            )
        for a in fn.module.facts.assigns:
            if a.scope == fn.index and a.target == loop_name and a.call in _RUNNING_LOOP:
                return True
        return False

    def _hit(
        self, fn: FuncRef, site: Site, chain: tuple[str, ...], what: str, deadlock: bool = False
    ) -> Hit:
        line, col, end_line, end_col = span(site)
        outcome = "a deadlock" if deadlock else "a RuntimeError at run time"
        return self.hit(
            fn.module, line, col, end_line, end_col,
            symbol=fn.label, chain=chain, class_index=class_of(fn.module, fn.index),
            what=what, func=fn.fn.name, outcome=outcome,
        )  # fmt: skip
