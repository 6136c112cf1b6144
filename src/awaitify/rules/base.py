"""What a rule is: one class with its code, name, category, message, docs and examples.

The class docstring is the single source of the rule's documentation (``awaitify rules
CODE`` and ``docs/rules/CODE.md``). It has the sections ``## What it does``, ``## Why is
this bad?``, ``## Example`` (a fenced bad example), ``Use instead:`` (a fenced good
example) and optionally ``## Fix``. The examples are run by the tests: the bad one must
fire, the good one must not.

A rule never opens a file and never prints: :meth:`Rule.check` reads the
:class:`ProjectView` and yields :class:`Hit` objects; the engine turns them into findings
(priority, suppressions, selection, fingerprints).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from awaitify.analysis.facts import SyntaxProblem
from awaitify.analysis.project import Module, ProjectView
from awaitify.model import Category

_SECTION = re.compile(r"^## (.+)$", re.M)
_FENCE = re.compile(r"```python\n(.*?)```", re.S)


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule's raw result, before priority, suppression and selection."""

    module: Module
    line: int
    column: int
    end_line: int
    end_column: int
    symbol: str
    message: str
    chain: tuple[str, ...] = ()
    fix: str | None = None
    class_index: int = -1  # the class the finding belongs to, for its layer and priority


@dataclass(frozen=True)
class RuleDoc:
    what: str
    why: str
    bad: str
    good: str
    fix: str
    options: str

    @property
    def sections(self) -> dict[str, str]:
        return {"What it does": self.what, "Why is this bad?": self.why}


def parse_doc(doc: str) -> RuleDoc:
    import inspect

    text = inspect.cleandoc(doc)
    parts = _SECTION.split(text)
    sections: dict[str, str] = {}
    for i in range(1, len(parts) - 1, 2):
        sections[parts[i].strip()] = parts[i + 1].strip()
    example = sections.get("Example", "")
    fences = _FENCE.findall(example)
    return RuleDoc(
        what=sections.get("What it does", ""),
        why=sections.get("Why is this bad?", ""),
        bad=fences[0] if fences else "",
        good=fences[1] if len(fences) > 1 else "",
        fix=sections.get("Fix", ""),
        options=sections.get("Options", ""),
    )


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[Category]
    #: A format string; the ``{...}`` fields are what :meth:`check` passes to :meth:`hit`.
    message: ClassVar[str]
    #: "safe", "unsafe" or "" (no automatic fix).
    fix_safety: ClassVar[str] = ""
    #: True when whether a module has a hit depends only on that module and on the modules
    #: it imports, directly or not: never on the modules that import it, nor on names
    #: defined elsewhere. Such a rule checks only :attr:`ProjectView.checked_modules`; after
    #: an edit those are the edited modules and their importers, and its earlier findings
    #: in every other module still hold (``tests/test_incremental.py`` checks this).
    follows_imports: ClassVar[bool] = False

    def check(self, project: ProjectView) -> Iterator[Hit]:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> RuleDoc:
        return parse_doc(cls.__doc__ or "")

    def problem_hit(self, module: Module, problem: SyntaxProblem, **fields: str) -> Hit:
        """A hit at a syntax problem CPython reported (its columns are 1-based; findings
        carry 0-based columns like ``ast``)."""
        return Hit(
            module,
            problem.line,
            max(problem.col - 1, 0),
            problem.end_line,
            max(problem.end_col - 1, 0),
            "",
            self.message.format(message=problem.message, **fields),
        )

    def hit(
        self,
        module: Module,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        symbol: str = "",
        chain: tuple[str, ...] = (),
        fix: str | None = None,
        class_index: int = -1,
        **fields: str,
    ) -> Hit:
        return Hit(
            module, line, column, end_line, end_column, symbol,
            self.message.format(**fields), chain, fix, class_index,
        )  # fmt: skip
