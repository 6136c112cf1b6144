from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.facts import (
    C_CALLEE,
    C_COL,
    C_CTX,
    C_END_COL,
    C_END_LINE,
    C_FLAGS,
    C_LINE,
    C_SCOPE,
    CALL_UNREACHABLE,
    CTX_EXPR,
)
from awaitify.analysis.project import Module, ProjectView
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule
from awaitify.rules.helpers import class_of, symbol

_TASK_FACTORIES = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.get_event_loop().create_task",
        "asyncio.get_running_loop().create_task",
    }
)
_LOOP_GETTERS = frozenset(
    {"asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop"}
)
#: what code names an event loop it holds (``self.loop``, ``hass.loop``, ``self._loop``)
_LOOP_NAMES = frozenset({"loop", "_loop", "event_loop", "_event_loop"})


class DanglingTask(Rule):
    """## What it does
    Reports a call to `asyncio.create_task`, `asyncio.ensure_future` or
    `loop.create_task` (on a loop from `get_running_loop()` / `get_event_loop()`, or one
    held in a variable or attribute named `loop`, `_loop` or `event_loop`, such as
    `self.loop` or `hass.loop`) whose result is thrown away.

    ## Why is this bad?
    The event loop keeps only a weak reference to tasks. A task nobody holds can be
    garbage-collected before it finishes, silently, and any exception it raises is never
    seen. Keep a reference (a set of background tasks, a `TaskGroup`) and await or cancel
    it on shutdown.

    ## Example
    ```python
    import asyncio

    async def handle(event):
        asyncio.create_task(audit(event))

    async def audit(event):
        ...
    ```

    Use instead:
    ```python
    import asyncio

    background = set()

    async def handle(event):
        task = asyncio.create_task(audit(event))
        background.add(task)
        task.add_done_callback(background.discard)

    async def audit(event):
        ...
    ```
    """

    code = "ASY105"
    name = "dangling-task"
    category = Category.DEFECT
    message = "the task created by `{callee}` is not kept: it can be garbage-collected mid-flight"
    follows_imports = True

    def check(self, project: ProjectView) -> Iterator[Hit]:
        for module in project.checked_modules:
            loops = self._loop_names(module)
            for call in module.facts.calls:
                if call[C_CTX] != CTX_EXPR or call[C_FLAGS] & CALL_UNREACHABLE:
                    continue
                callee = call[C_CALLEE]
                scope = call[C_SCOPE]
                if callee not in _TASK_FACTORIES and not (
                    callee.endswith(".create_task")
                    and (
                        (scope, callee[:-12]) in loops
                        or callee[:-12].rpartition(".")[2] in _LOOP_NAMES
                    )
                ):
                    continue
                yield self.hit(
                    module, call[C_LINE], call[C_COL], call[C_END_LINE], call[C_END_COL],
                    symbol=symbol(module, scope), class_index=class_of(module, scope),
                    callee=callee,
                )  # fmt: skip

    @staticmethod
    def _loop_names(module: Module) -> set[tuple[int, str]]:
        return {(a.scope, a.target) for a in module.facts.assigns if a.call in _LOOP_GETTERS}
