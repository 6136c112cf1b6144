from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.callgraph import KIND_BRIDGE, KIND_PROJECT
from awaitify.analysis.facts import (
    C_COL,
    C_END_COL,
    C_END_LINE,
    C_LINE,
)
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import FuncRef
from awaitify.analysis.threadsafe import threadsafe_waits
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule
from awaitify.rules.helpers import class_of, functions

_TRIO_RUN = "trio.run"


class BridgeInRunningLoop(Rule):
    """## What it does
    Reports `asyncio.run`, `loop.run_until_complete`, `runner.run` of an `asyncio.Runner`
    or `async_to_sync` executed inside an `async def` — directly, or through sync project
    functions (the chain is given) — and `asyncio.run_coroutine_threadsafe(coro,
    loop).result()` where `loop` is the running loop. A sync function that checks for a running loop and, when there is one, schedules
    the coroutine as a task on it (`loop.create_task(...)`) bridges only without a loop: a
    chain through it is not reported.

    ## Why is this bad?
    These bridges start or block on an event loop. Inside a coroutine a loop is already
    running in this thread: `asyncio.run` raises `RuntimeError: asyncio.run() cannot be
    called from a running event loop`, `run_until_complete` raises `This event loop is
    already running`, and waiting on `run_coroutine_threadsafe(...).result()` for the loop
    you are blocking is a deadlock. `trio.run` checks only for a running trio loop: it
    runs, and blocks the asyncio loop until it returns.

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
    follows_imports = True

    def check(self, project: ProjectView) -> Iterator[Hit]:
        graph = project.graph
        colors = project.colors
        bridging = colors.bridging
        for module in project.checked_modules:
            for wait in threadsafe_waits(module):
                fn = FuncRef(module, wait.scope)
                if wait.on_running_loop and fn.fn.is_async:
                    yield self._hit(
                        fn, module, wait.row, (fn.label, "asyncio.run_coroutine_threadsafe"),
                        "`run_coroutine_threadsafe(..., loop).result()`", deadlock=True,
                    )  # fmt: skip
        for fn in functions(project, is_async=True):
            for site in graph.body_sites(fn):
                if site.kind == KIND_BRIDGE:
                    yield self._hit(fn, fn.module, site.row, (fn.label, site.api), f"`{site.api}`")
                elif site.kind == KIND_PROJECT and site.target in bridging:
                    target = site.target
                    assert isinstance(target, FuncRef)
                    chain = tuple(colors.chain(target, KIND_BRIDGE))
                    yield self._hit(
                        fn,
                        fn.module,
                        site.row,
                        chain,
                        f"`{target.label}` (via {' → '.join(chain)})",
                    )

    def _hit(
        self,
        fn: FuncRef,
        module: Module,
        row: int,
        chain: tuple[str, ...],
        what: str,
        deadlock: bool = False,
    ) -> Hit:
        call = module.facts.calls[row]
        if deadlock:
            outcome = "a deadlock"
        elif chain[-1] == _TRIO_RUN:
            # trio checks only for a trio loop: it runs, and the asyncio loop stands still
            outcome = "the loop is blocked until `trio.run` returns"
        else:
            outcome = "a RuntimeError at run time"
        return self.hit(
            module, call[C_LINE], call[C_COL], call[C_END_LINE], call[C_END_COL],
            symbol=fn.label, chain=chain, class_index=class_of(fn.module, fn.index),
            what=what, func=fn.fn.name, outcome=outcome,
        )  # fmt: skip
