from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.project import ProjectView
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule


class NewerSyntaxThanTarget(Rule):
    """## What it does
    Reports a file that parses with the running Python but not under the project's
    `target-version` (from `[tool.awaitify]`, `--target-version`, or the lower bound of
    `requires-python`): a `match` statement in a project that still supports 3.9, an
    `except*` for 3.10, and so on.

    ## Why is this bad?
    The file works on the developer's machine and fails with a `SyntaxError` on the oldest
    Python the project promises to support.

    ## Example
    ```python
    # target-version = "py39"
    def describe(event):
        match event:
            case {"type": "paid"}:
                return "paid"
    ```

    Use instead:
    ```python
    # target-version = "py39"
    def describe(event):
        if event.get("type") == "paid":
            return "paid"
    ```

    ## Options
    `target-version` (py38..py314). Only checked when the target is older than the Python
    running awaitify.
    """

    code = "ASY002"
    name = "newer-syntax-than-target"
    category = Category.SYNTAX
    message = "{message} (target-version {target})"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        target = project.config.target_version
        label = f"py3{target[1]}" if target else "?"
        for module in project.modules:
            problem = module.facts.newer_syntax
            if problem is None:
                continue
            yield self.problem_hit(module, problem, target=label)
