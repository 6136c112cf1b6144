from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.callgraph import KIND_PROJECT
from awaitify.analysis.facts import (
    C_CALLEE,
    C_CTX,
    CTX_ATTR,
    CTX_ITER,
    CTX_NAMES,
    CTX_OPERAND,
    CTX_TEST,
    CallRow,
)
from awaitify.analysis.project import ProjectView
from awaitify.analysis.resolve import FuncRef
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule
from awaitify.rules.helpers import class_of, functions, span

_VALUE_USES = {
    CTX_ATTR: "an attribute or item is taken from it",
    CTX_OPERAND: "it is used in arithmetic or a comparison",
    CTX_TEST: "it is used as a truth value (always true)",
    CTX_ITER: "it is iterated",
}
assert all(CTX_NAMES[c] for c in _VALUE_USES)


def _delegates_await(calls: tuple[CallRow, ...], row: int) -> bool:
    """Is the coroutine's ``__await__`` (or ``send``/``close``) what is taken from it?

    The outer call (``self.start().__await__()``) is recorded just before the inner one."""
    callee = calls[row][C_CALLEE]
    wanted = (f"{callee}().__await__", f"{callee}().send", f"{callee}().close")
    return any(
        calls[r][C_CALLEE] in wanted for r in range(max(row - 2, 0), min(row + 3, len(calls)))
    )


class CoroutineInSync(Rule):
    """## What it does
    Reports a sync function that calls an `async def` of the project and uses the result
    as if it were the return value: takes an attribute or item from it, does arithmetic or
    a comparison with it, tests its truth, or iterates over it.

    ## Why is this bad?
    The result is a coroutine object, not the value. `if is_paid(order):` is always true,
    `fetch_rate() * amount` raises `TypeError`, and the coroutine is never run.

    ## Example
    ```python
    async def is_paid(order):
        ...

    def can_ship(order):
        if is_paid(order):
            return True
        return False
    ```

    Use instead:
    ```python
    async def is_paid(order):
        ...

    async def can_ship(order):
        if await is_paid(order):
            return True
        return False
    ```

    ## Fix
    `awaitify migrate path.py::can_ship` makes the caller async and awaits the call.
    """

    code = "ASY104"
    name = "coroutine-in-sync"
    category = Category.DEFECT
    message = "`{callee}` is a coroutine function but `{func}` uses its result as a value ({use})"
    fix_safety = "unsafe"
    follows_imports = True

    def check(self, project: ProjectView) -> Iterator[Hit]:
        graph = project.graph
        for fn in functions(project, is_async=False):
            calls = fn.module.facts.calls
            for site in graph.body_sites(fn):
                use = _VALUE_USES.get(calls[site.row][C_CTX])
                if use is None or site.kind != KIND_PROJECT:
                    continue
                if not graph.is_coroutine_function(site.target):
                    continue
                if fn.fn.name == "__await__" or _delegates_await(calls, site.row):
                    continue  # ``return self.start().__await__()`` is how awaitables delegate
                target = site.target
                assert isinstance(target, FuncRef)
                line, col, end_line, end_col = span(site)
                yield self.hit(
                    fn.module, line, col, end_line, end_col,
                    symbol=fn.label, chain=(fn.label, target.label),
                    class_index=class_of(fn.module, fn.index),
                    callee=target.label, func=fn.fn.name, use=use,
                )  # fmt: skip
