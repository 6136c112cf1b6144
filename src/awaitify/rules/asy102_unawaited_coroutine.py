from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.callgraph import dropped_by_parent
from awaitify.analysis.facts import (
    C_CTX,
    CTX_ARG,
    CTX_EXPR,
    CTX_OPERAND,
)
from awaitify.analysis.project import ProjectView
from awaitify.analysis.resolve import FuncRef
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule
from awaitify.rules.helpers import class_of, span, symbol

#: uses of a call's value that drop the coroutine: a statement, an operand (``work() ==
#: 1``, ``f"{work()}"``)
_DROPPED = frozenset({CTX_EXPR, CTX_OPERAND})


class UnawaitedCoroutine(Rule):
    """## What it does
    Reports a call to a coroutine function — an `async def` of the project, or a known
    async API such as `asyncio.sleep` or `AsyncSession.commit` — whose result is dropped:
    not awaited, returned, assigned, or passed on to `create_task`, `gather`, a bridge or
    any other call. A coroutine used as an operand (`work() == 1`, `f"{work()}"`) or
    handed to a call that never awaits it (`print(work())`, `str(work())`,
    `logger.info("%s", work())`) is dropped too.

    ## Why is this bad?
    Calling a coroutine function only creates a coroutine object; its body never runs.
    The write is not committed, the e-mail is not sent, and the only trace is a
    `RuntimeWarning: coroutine ... was never awaited` in a log nobody reads.

    ## Example
    ```python
    async def save(order):
        ...

    async def checkout(order):
        save(order)
    ```

    Use instead:
    ```python
    async def save(order):
        ...

    async def checkout(order):
        await save(order)
    ```

    ## Fix
    `awaitify migrate` adds the `await` when it converts the caller; in an async caller the
    fix is always `await`.
    """

    code = "ASY102"
    name = "unawaited-coroutine"
    category = Category.DEFECT
    message = "coroutine `{callee}(...)` is never awaited: its body will not run"
    fix_safety = "safe"
    follows_imports = True

    def check(self, project: ProjectView) -> Iterator[Hit]:
        graph = project.graph
        for sites in list(graph.sites.values()):  # a rule may classify more
            if not project.in_focus(sites[0].module):
                continue
            for site in sites:
                call = site.module.facts.calls[site.row]
                ctx = call[C_CTX]
                if ctx != CTX_EXPR:
                    # a value use in sync code is ASY104's (a coroutine used as a value)
                    scope = site.scope
                    if scope < 0 or not site.module.facts.functions[scope].is_async:
                        continue
                    if ctx == CTX_ARG:
                        if not dropped_by_parent(site.module.facts.calls, call):
                            continue
                    elif ctx not in _DROPPED:
                        continue
                if not graph.returns_coroutine(site):
                    continue
                target = site.target
                callee = target.label if isinstance(target, FuncRef) else site.api
                line, col, end_line, end_col = span(site)
                scope = site.scope
                yield self.hit(
                    site.module, line, col, end_line, end_col,
                    symbol=symbol(site.module, scope),
                    class_index=class_of(site.module, scope),
                    callee=callee,
                )  # fmt: skip
