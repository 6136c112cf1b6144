"""``migrate`` selectors → the functions to convert.

``path/to/file.py::Class.method``, ``file.py::Class`` (every public method that is not a
dunder or a property: "fully async"), ``file.py::function``, a file, a directory,
``--layer repository`` and ``--rule ASY202``. A file, a directory, a layer or a rule
selects what the findings there name (SPEC §6). A selector that names nothing of the
project is a :class:`~awaitify.errors.UsageError` whose one-line message says what was not
found.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from awaitify.analysis.facts import FN_GENERATOR, FN_PROPERTY, Function
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import FuncRef
from awaitify.config import LAYERS
from awaitify.errors import UsageError
from awaitify.migrate.model import Review
from awaitify.model import Finding

#: findings whose fix is converting (or fixing up) the function they name
CONVERTIBLE_CODES = frozenset(
    {
        "ASY100", "ASY101", "ASY103", "ASY104",
        "ASY201", "ASY202", "ASY203", "ASY204", "ASY205", "ASY206",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Selector:
    text: str  # as the user wrote it
    path: str  # absolute, real path ("" for --layer / --rule)
    symbol: str  # qualname after ``::`` ("" for a file or directory)


@dataclass
class Selection:
    functions: list[FuncRef] = field(default_factory=list)
    review: list[Review] = field(default_factory=list)
    from_findings: bool = False  # a file, directory, layer or rule: findings decide

    def add(self, ref: FuncRef) -> None:
        if ref not in self.functions:
            self.functions.append(ref)


def parse_selector(text: str, cwd: str, root: str | None = None) -> Selector:
    """A selector's path is relative to the current directory, or else to ``root`` (the
    project given with ``--root``)."""
    path, sep, symbol = text.partition("::")
    if not path:
        raise UsageError(f"selector {text!r}: expected path/to/file.py[::Symbol]")
    if sep and not symbol:
        raise UsageError(f"selector {text!r}: nothing after '::'")
    if symbol and not all(part.isidentifier() for part in symbol.split(".")):
        raise UsageError(f"selector {text!r}: {symbol!r} is not a dotted name")
    full = os.path.realpath(os.path.join(cwd, path))
    if not os.path.exists(full) and root is not None:
        full = os.path.realpath(os.path.join(cwd, root, path))
    if not os.path.exists(full):
        raise UsageError(f"{path}: no such file or directory")
    if symbol and not os.path.isfile(full):
        raise UsageError(f"selector {text!r}: {path} is not a file")
    return Selector(text, full, symbol)


def needs_findings(selectors: Sequence[Selector], layer: str | None, rule: str | None) -> bool:
    return bool(layer or rule) or any(not s.symbol for s in selectors)


def validate_options(layer: str | None, rule: str | None, known_codes: Sequence[str]) -> None:
    if layer is not None and layer not in LAYERS:
        raise UsageError(f"--layer {layer}: not a layer (one of {', '.join(LAYERS)})")
    if rule is not None:
        code = rule.strip().upper()
        if code not in known_codes:
            raise UsageError(f"--rule {rule}: no such rule")
        if code not in CONVERTIBLE_CODES:
            raise UsageError(
                f"--rule {code}: its findings are not fixed by converting code to async "
                f"(migrate takes {', '.join(sorted(CONVERTIBLE_CODES))})"
            )


class _Index:
    def __init__(self, project: ProjectView) -> None:
        self.by_real: dict[str, Module] = {}
        for m in project.modules:
            self.by_real[os.path.realpath(m.abspath)] = m
        self.by_path = {m.path: m for m in project.modules}

    def module(self, selector: Selector) -> Module:
        found = self.by_real.get(selector.path)
        if found is None:
            shown = selector.text.partition("::")[0]
            raise UsageError(
                f"{shown}: not one of the project's Python files (outside --root, excluded "
                "or git-ignored)"
            )
        return found

    def under(self, directory: str) -> list[Module]:
        prefix = directory.rstrip(os.sep) + os.sep
        return [m for real, m in self.by_real.items() if real.startswith(prefix)]


def class_methods(module: Module, class_index: int) -> list[int]:
    """Public methods of a class that a "fully async" class converts (or fixes up)."""
    out = []
    for i, fn in enumerate(module.facts.functions):
        if fn.class_index != class_index or fn.parent >= 0:
            continue
        if fn.name.startswith("_") or fn.flags & FN_PROPERTY:
            continue
        out.append(i)
    return out


def functions_named(module: Module, qualname: str) -> list[int]:
    return [i for i, fn in enumerate(module.facts.functions) if fn.qualname == qualname]


def _symbol(selection: Selection, index: _Index, selector: Selector) -> None:
    module = index.module(selector)
    facts = module.facts
    found = functions_named(module, selector.symbol)
    if found:
        for i in found:
            fn = facts.functions[i]
            if fn.name.startswith("__") and fn.name.endswith("__") and not fn.is_async:
                raise UsageError(
                    f"{selector.text}: `{fn.qualname}` is a dunder method; awaitify keeps those sync"
                )
            if fn.flags & FN_PROPERTY:
                raise UsageError(
                    f"{selector.text}: `{fn.qualname}` is a property; a property cannot be awaited"
                )
            if fn.flags & FN_GENERATOR and not fn.is_async:
                raise UsageError(
                    f"{selector.text}: `{fn.qualname}` is a generator; converting generators "
                    "to async generators is not supported"
                )
            selection.add(FuncRef(module, i))
        return
    classes = [i for i, c in enumerate(facts.classes) if c.qualname == selector.symbol]
    if not classes:
        shown = selector.text.partition("::")[0]
        raise UsageError(f"{selector.text}: no function or class `{selector.symbol}` in {shown}")
    for ci in classes:
        for i in class_methods(module, ci):
            fn = facts.functions[i]
            if fn.flags & FN_GENERATOR and not fn.is_async:
                selection.review.append(
                    Review(module.path, fn.line, f"`{fn.qualname}` is a generator: left sync")
                )
                continue
            selection.add(FuncRef(module, i))


def _from_findings(selection: Selection, index: _Index, findings: Sequence[Finding]) -> None:
    for f in findings:
        if f.code not in CONVERTIBLE_CODES or not f.symbol or f.symbol == "<module>":
            continue
        module = index.by_path.get(f.path)
        if module is None:
            continue
        named = functions_named(module, f.symbol)
        # of several definitions under one name (marimo's ``def _():`` cells), the one the
        # finding is in
        holding = [i for i in named if _holds(module.facts.functions[i], f.line)]
        for i in holding or named:
            fn = module.facts.functions[i]
            if fn.flags & FN_GENERATOR and not fn.is_async:
                selection.review.append(
                    Review(module.path, fn.line, f"`{fn.qualname}` ({f.code}) is a generator: "
                           "convert it by hand")
                )  # fmt: skip
                continue
            if not fn.is_async and (
                fn.flags & FN_PROPERTY or (fn.name.startswith("__") and fn.name.endswith("__"))
            ):
                continue  # (an ``async def __aenter__`` stays: only its calls change)
            selection.add(FuncRef(module, i))


def _holds(fn: Function, line: int) -> bool:
    return fn.line <= line <= fn.end_line


def select(
    project: ProjectView,
    selectors: Sequence[Selector],
    layer: str | None,
    rule: str | None,
    findings: Sequence[Finding] | None,
) -> Selection:
    """The functions the selectors name, in the order given (duplicates dropped).

    ``--layer`` and ``--rule`` narrow the findings of the file and directory selectors, or
    of the whole project when there is none; ``file.py::Symbol`` selectors are added as
    they are.
    """
    index = _Index(project)
    selection = Selection()
    scoped: list[Finding] | None = None
    for selector in selectors:
        if selector.symbol:
            _symbol(selection, index, selector)
            continue
        if os.path.isdir(selector.path):
            modules = index.under(selector.path)
            if not modules:
                raise UsageError(f"{selector.text}: no Python files of the project under it")
        else:
            modules = [index.module(selector)]
        paths = {m.path for m in modules}
        scoped = [*(scoped or ()), *(f for f in findings or () if f.path in paths)]
    if scoped is None and (layer is not None or rule is not None):
        scoped = list(findings or ())
    if scoped is None:
        return selection
    # --layer and --rule narrow the findings of the paths (of the whole project without one)
    selection.from_findings = True
    if layer is not None:
        scoped = [f for f in scoped if f.layer == layer]
    if rule is not None:
        code = rule.strip().upper()
        scoped = [f for f in scoped if f.code == code]
    _from_findings(selection, index, scoped)
    return selection
