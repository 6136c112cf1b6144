from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.project import ProjectView
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule


class SyntaxErrorRule(Rule):
    """## What it does
    Reports a file that CPython cannot parse (or cannot read or decode), with the message,
    line and column CPython itself gives. The rest of the file is still analysed: the parts
    that parse are recovered with an error-tolerant parser, so their functions, calls and
    bridges are counted and checked.

    ## Why is this bad?
    A module that does not parse cannot be imported: everything that imports it fails at
    run time. Broken files are "Phase 1" of a migration — often the work of a bulk regex
    "fix" script — and must be repaired before any code is converted.

    ## Example
    ```python
    def total(items):
        return sum(item.price for item in items))
    ```

    Use instead:
    ```python
    def total(items):
        return sum(item.price for item in items)
    ```

    ## Fix
    None: `awaitify syntax --blame` shows the commit and the hunk that broke the file.
    """

    code = "ASY001"
    name = "syntax-error"
    category = Category.SYNTAX
    message = "{message}"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        for module in project.modules:
            problem = module.facts.syntax_error
            if problem is None:
                continue
            yield self.problem_hit(module, problem)
