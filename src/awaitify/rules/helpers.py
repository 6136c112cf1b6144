"""Small queries several rules share (not a rule module: the registry skips it)."""

from __future__ import annotations

from awaitify.analysis.callgraph import Site
from awaitify.analysis.facts import C_COL, C_END_COL, C_END_LINE, C_LINE
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import FuncRef

#: decorators that ship the function's body to run somewhere else entirely: not on this
#: process's event loop (pytest-pyodide runs it inside a Pyodide interpreter)
ELSEWHERE_DECORATORS = frozenset(
    {"pytest_pyodide.run_in_pyodide", "pytest_pyodide.decorator.run_in_pyodide"}
)


def functions(project: ProjectView, *, is_async: bool) -> list[FuncRef]:
    """The async (or sync) functions of the modules a rule that follows imports checks
    (several rules walk them: listed once per project), but those whose body runs in
    another interpreter (:data:`ELSEWHERE_DECORATORS`)."""

    def collect() -> list[FuncRef]:
        return [
            FuncRef(module, index)
            for module in project.checked_modules
            for index, fn in enumerate(module.facts.functions)
            if fn.is_async == is_async
            and not (fn.decorators and ELSEWHERE_DECORATORS.intersection(fn.decorators))
        ]

    return project.memo("async functions" if is_async else "sync functions", collect)


#: the symbol of a finding at module level (baselines key on it, so it is never empty)
MODULE_SYMBOL = "<module>"


def symbol(module: Module, scope: int) -> str:
    return module.facts.functions[scope].qualname if scope >= 0 else MODULE_SYMBOL


def span(site: Site) -> tuple[int, int, int, int]:
    call = site.module.facts.calls[site.row]
    return call[C_LINE], call[C_COL], call[C_END_LINE], call[C_END_COL]


def class_of(module: Module, scope: int) -> int:
    """Index of the class whose method (or nested function of a method) ``scope`` is."""
    functions_ = module.facts.functions
    while scope >= 0:
        fn = functions_[scope]
        if fn.class_index >= 0:
            return fn.class_index
        scope = fn.parent
    return -1
