from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_COL,
    C_CTX,
    C_END_COL,
    C_END_LINE,
    C_FLAGS,
    C_LINE,
    C_SCOPE,
    CALL_UNREACHABLE,
    CTX_ASSIGN,
    CTX_EXPR,
    RETURN_TARGET,
)
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import FuncRef
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule
from awaitify.rules.helpers import class_of, symbol

#: the last name of each task factory: a module that calls none has no task wrapper
_FACTORY_NAMES = frozenset({"create_task", "ensure_future"})

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
    `self.loop` or `hass.loop`) whose result is thrown away: called as a statement, or
    assigned to `_`. So is a call of a project function that returns the task it creates
    and keeps no other reference to it (a `spawn(coro)` helper that adds a done-callback and
    returns the task).

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
            discarded = self._discarded(module)
            for call in module.facts.calls:
                if call[C_FLAGS] & CALL_UNREACHABLE:
                    continue
                ctx = call[C_CTX]
                if ctx != CTX_EXPR and not (
                    ctx == CTX_ASSIGN and (call[C_SCOPE], call[C_LINE]) in discarded
                ):
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
        yield from self._through_wrappers(project)

    def _through_wrappers(self, project: ProjectView) -> Iterator[Hit]:
        """A call, as a statement, of a project function that returns the task it creates
        and keeps no other reference to it (browser-use's ``create_task_with_error_handling``):
        the task is as unreferenced as after a bare ``asyncio.create_task(...)``."""
        wrappers = [
            FuncRef(module, index)
            for module in project.modules
            if module.facts.tables.call_names & _FACTORY_NAMES
            for index in _task_wrappers(module)
        ]
        if not wrappers:
            return
        checked = {id(m) for m in project.checked_modules}
        graph = project.graph
        for wrapper in wrappers:
            for site in graph.callers_of(wrapper):
                module = site.module
                call = module.facts.calls[site.row]
                if id(module) not in checked or call[C_CTX] != CTX_EXPR:
                    continue
                if call[C_FLAGS] & CALL_UNREACHABLE:
                    continue
                scope = call[C_SCOPE]
                yield self.hit(
                    module, call[C_LINE], call[C_COL], call[C_END_LINE], call[C_END_COL],
                    symbol=symbol(module, scope), class_index=class_of(module, scope),
                    callee=wrapper.fn.qualname,
                )  # fmt: skip

    @staticmethod
    def _discarded(module: Module) -> set[tuple[int, int]]:
        """(scope, line) of the values assigned to ``_``, the name for a value not kept
        (``_ = asyncio.ensure_future(...)``: slack_sdk)."""
        return {(a.scope, a.line) for a in module.facts.assigns if a.target == "_" and a.call}

    @staticmethod
    def _loop_names(module: Module) -> set[tuple[int, str]]:
        return {(a.scope, a.target) for a in module.facts.assigns if a.call in _LOOP_GETTERS}


def _task_wrappers(module: Module) -> Iterator[int]:
    """Functions of ``module`` whose every ``return`` gives a task they create with
    ``asyncio.create_task`` / ``ensure_future`` (directly, or through a local variable that
    no call is given and that is assigned nowhere else): the caller holds the only
    reference to the task."""
    facts = module.facts
    returns: dict[int, list[tuple[str, str]]] = {}
    tasks: set[tuple[int, str]] = set()  # (scope, local) assigned a task
    other: set[tuple[int, str]] = set()  # (scope, name) assigned something else, or stored
    module_names = {a.target for a in facts.assigns if a.scope < 0 and a.class_index < 0}
    for a in facts.assigns:
        if a.scope < 0:
            continue
        if a.target == RETURN_TARGET:
            returns.setdefault(a.scope, []).append((a.call, a.name))
        elif a.call in _TASK_FACTORIES and "." not in a.target:
            tasks.add((a.scope, a.target))
        else:
            if "." not in a.target:
                other.add((a.scope, a.target))
            if a.name:
                other.add((a.scope, a.name))  # ``self._task = task``: kept
    if not returns:
        return
    for call in facts.calls:
        for arg in call[C_ARGS]:
            if arg:
                other.add((call[C_SCOPE], arg))  # ``background.add(task)``: kept
    for scope, name in tasks:
        if name in module_names:  # ``global _sweep_task``: a module variable keeps it
            other.add((scope, name))
    for scope, values in returns.items():
        if facts.functions[scope].is_async:
            continue  # its callers get a coroutine, which ASY102 is about
        if all(
            call in _TASK_FACTORIES
            or (not call and name and (scope, name) in tasks and (scope, name) not in other)
            for call, name in values
        ):
            yield scope
