"""Numbers the guide, the HTML report and ``check`` share, computed from a :class:`Result` only.

Everything here is a pure function of the result (and of the rule catalogue, which is
static), so two writers can never disagree on a number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from awaitify.model import (
    Category,
    ClassStats,
    Finding,
    LayerStats,
    Priority,
    Result,
    Summary,
    TrendPoint,
)

#: the order work is done in (SPEC §1.6: leaves first), then what is left
LAYER_ORDER = (
    "repository", "service", "api", "worker", "test", "util", "model", "schema", "script",
    "other", "migration",
)  # fmt: skip

#: category → SARIF level / GitHub annotation command
SARIF_LEVEL = {
    Category.SYNTAX: "error",
    Category.DEFECT: "error",
    Category.STANDARDIZE: "warning",
    Category.ACCEPTABLE: "note",
}
GITHUB_LEVEL = {
    Category.SYNTAX: "error",
    Category.DEFECT: "error",
    Category.STANDARDIZE: "warning",
    Category.ACCEPTABLE: "notice",
}

CATEGORY_TITLE = {
    Category.SYNTAX: "Syntax errors",
    Category.DEFECT: "Defects",
    Category.STANDARDIZE: "Needs standardization",
    Category.ACCEPTABLE: "Acceptable bridges",
}


def layer_rank(layer: str) -> int:
    return LAYER_ORDER.index(layer) if layer in LAYER_ORDER else len(LAYER_ORDER)


def pct(part: int, whole: int) -> str:
    """``30 %`` (rounded), or ``-`` when there is nothing to divide by."""
    return f"{round(100 * part / whole)} %" if whole else "-"


def share_pct(share: float) -> str:
    return f"{round(100 * share)} %"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


#: a full stop that ends a sentence: followed by a capital (or the end), not part of "..."
_SENTENCE_END = re.compile(r"(?<!\.)\.(?=\s+[A-Z]|$)")


@dataclass(frozen=True)
class RuleInfo:
    """What a writer needs to know about a rule; from the registry, else from a finding."""

    code: str
    name: str
    category: Category
    what: str = ""
    why: str = ""
    bad: str = ""
    good: str = ""
    fix: str = ""
    fix_safety: str = ""

    @property
    def summary(self) -> str:
        """The first sentence of "What it does", on one line."""
        text = " ".join(self.what.split())
        m = _SENTENCE_END.search(text)
        return text[: m.start() + 1] if m else text


def rule_catalogue(findings: Iterable[Finding] = ()) -> dict[str, RuleInfo]:
    """Every registered rule by code, plus any code a finding carries that is not registered."""
    from awaitify.rules.registry import all_rules

    out: dict[str, RuleInfo] = {}
    for rule in all_rules():
        doc = rule.doc()
        out[rule.code] = RuleInfo(
            rule.code, rule.name, rule.category, doc.what, doc.why, doc.bad, doc.good, doc.fix,
            rule.fix_safety,
        )  # fmt: skip
    for f in findings:
        if f.code not in out:
            out[f.code] = RuleInfo(f.code, f.name, f.category)
    return dict(sorted(out.items()))


def _codes(value: str, empty: str) -> tuple[str, ...]:
    if value in ("", empty):
        return ()
    return tuple(c.strip() for c in value.split(",") if c.strip())


def selection(result: Result) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``select`` and ``ignore`` codes/prefixes the run used (from its config summary)."""
    rows = dict(result.config_summary)
    return _codes(rows.get("select", ""), "all rules"), _codes(rows.get("ignore", ""), "none")


def rule_active(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    if select and not any(code.startswith(s) for s in select):
        return False
    return not any(code.startswith(i) for i in ignore)


def fails_check_by_default(category: Category) -> bool:
    """``check`` fails on syntax, defects and standardization; never on acceptable bridges."""
    return category is not Category.ACCEPTABLE


def by_category(findings: Iterable[Finding], category: Category) -> list[Finding]:
    return [f for f in findings if f.category is category]


def group_by(findings: Iterable[Finding], key: str) -> dict[str, list[Finding]]:
    """Findings grouped by an attribute (``code``, ``path``, ``layer``), keys sorted."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(str(getattr(f, key)), []).append(f)
    return dict(sorted(out.items()))


def work_findings(result: Result) -> list[Finding]:
    """Findings that are work to do: everything but the acceptable bridges."""
    return [f for f in result.findings if f.category is not Category.ACCEPTABLE]


@dataclass(frozen=True)
class FileWork:
    path: str
    layer: str
    findings: int  # work findings (syntax, defects, standardization)
    high: int
    medium: int
    low: int
    syntax_error: bool


def files_by_work(result: Result) -> list[FileWork]:
    """Files with work left, most first (high-priority findings break ties, then path)."""
    layers = {row.path: row.layer for row in result.files}
    broken = {row.path for row in result.files if row.syntax_error}
    out: list[FileWork] = []
    for path, items in group_by(work_findings(result), "path").items():
        counts = Counter(f.priority for f in items)
        out.append(
            FileWork(
                path, layers.get(path, items[0].layer), len(items), counts[Priority.HIGH],
                counts[Priority.MEDIUM], counts[Priority.LOW], path in broken,
            )
        )  # fmt: skip
    out.sort(key=lambda w: (-w.findings, -w.high, -w.medium, w.path))
    return out


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the migration checklist, with the progress measured in this run."""

    key: str
    title: str
    progress: str  # "12 of 40 classes fully async (30 %)"
    left: int  # what is still to do, in the item's unit; 0 = done
    codes: tuple[str, ...]  # rules that measure it
    check: str  # the command that checks it
    fix: str  # the command that fixes it (or shows how)
    done: int | None = None
    total: int | None = None

    @property
    def complete(self) -> bool:
        return self.left == 0


def _count(result: Result, prefix: str) -> int:
    return sum(n for code, n in result.summary.findings_by_code.items() if code.startswith(prefix))


def _files_with(result: Result, prefix: str) -> int:
    return len({f.path for f in result.findings if f.code.startswith(prefix)})


def rule_ran(result: Result, prefix: str) -> bool:
    """Whether a registered rule whose code starts with ``prefix`` was enabled in the run.

    A checklist item whose rule did not run cannot be measured, so it is left out rather
    than shown as done.
    """
    from awaitify.rules.registry import all_rules

    select, ignore = selection(result)
    return any(
        rule.code.startswith(prefix) and rule_active(rule.code, select, ignore)
        for rule in all_rules()
    )


def _class_item(
    result: Result, key: str, layer: str, noun: str, code: str, title: str, fix: str
) -> ChecklistItem | None:
    if not rule_ran(result, code):
        return None
    stats = result.summary.classes_by_layer.get(layer, ClassStats())
    left_findings = _count(result, code)
    if stats.io_classes == 0 and left_findings == 0:
        return None
    todo = stats.io_classes - stats.async_classes
    progress = (
        f"{stats.async_classes:,} of {plural(stats.io_classes, noun + ' class', noun + ' classes')}"
        f" fully async ({pct(stats.async_classes, stats.io_classes)})"
    )
    progress += f"; {plural(left_findings, 'finding')} left ({code})"
    return ChecklistItem(
        key, title, progress, max(todo, left_findings), (code,),
        f"awaitify check --select {code}", fix, stats.async_classes, stats.io_classes,
    )  # fmt: skip


def checklist(result: Result) -> list[ChecklistItem]:
    """The migration checklist of a standardization guide, measured on this result.

    Items whose subject does not exist in the codebase (no repository classes and no
    ASY202 finding, ...) are left out rather than shown as trivially done.
    """
    s = result.summary
    items: list[ChecklistItem] = []
    broken = s.files_with_syntax_errors
    items.append(
        ChecklistItem(
            "syntax",
            "Phase 1 — fix syntax errors",
            f"{plural(broken, 'file')} left ({s.files - broken:,} of {plural(s.files, 'file')}"
            f" parse, {pct(s.files - broken, s.files)})",
            broken, ("ASY001", "ASY002"), "awaitify syntax", "awaitify syntax --blame",
            s.files - broken, s.files,
        )
    )  # fmt: skip
    defects = _count(result, "ASY1")
    if rule_ran(result, "ASY1"):
        items.append(
            ChecklistItem(
                "defects",
                "Fix the defects: blocking calls on the loop, unawaited coroutines, bridges in"
                " a running loop",
                f"{plural(defects, 'defect')} left in {plural(_files_with(result, 'ASY1'), 'file')}",
                defects, ("ASY1",), "awaitify check --select ASY1", "awaitify migrate --rule ASY100",
            )
        )  # fmt: skip
    for item in (
        _class_item(result, "repositories", "repository", "repository", "ASY202",
                    "Convert the repositories to async",
                    "awaitify migrate --layer repository"),
        _class_item(result, "services", "service", "service", "ASY201",
                    "Convert service classes to fully async", "awaitify migrate --layer service"),
    ):  # fmt: skip
        if item is not None:
            items.append(item)
    api = s.by_layer.get("api", LayerStats())
    endpoints = _count(result, "ASY203")
    if rule_ran(result, "ASY203") and (api.async_functions + api.sync_io_functions or endpoints):
        io = api.async_functions + api.sync_io_functions
        items.append(
            ChecklistItem(
                "endpoints",
                "Convert the endpoints to async",
                f"{api.async_functions:,} of {plural(io, 'I/O function')} in the api layer async"
                f" ({pct(api.async_functions, io)}); {plural(endpoints, 'sync handler')} left"
                " (ASY203)",
                max(endpoints, api.sync_io_functions), ("ASY203",),
                "awaitify check --select ASY203", "awaitify migrate --layer api",
                api.async_functions, io,
            )
        )  # fmt: skip
    for key, code, title, noun, fix in (
        ("sessions", "ASY204", "Use `AsyncSession` with `async with` in async code",
         "sync session", "awaitify migrate --rule ASY204"),
        ("bridges", "ASY206", "Keep `asyncio.run` bridges at the accepted boundaries",
         "bridge", "awaitify migrate --rule ASY206"),
        ("tests", "ASY205", "Make the tests of async code `async def` tests",
         "sync test", "awaitify migrate --rule ASY205"),
    ):  # fmt: skip
        if not rule_ran(result, code):
            continue
        n = _count(result, code)
        extra = ""
        if key == "bridges":
            accepted = _count(result, "ASY3")
            if not n and not accepted and not s.bridges:
                continue
            extra = f"; {plural(accepted, 'accepted bridge')} kept (ASY3xx)"
        elif key == "tests":
            tests = s.by_layer.get("test", LayerStats())
            if not n and not tests.files:
                continue
        elif not n and not s.async_functions:
            continue
        items.append(
            ChecklistItem(
                key, title,
                f"{plural(n, noun)} left in {plural(_files_with(result, code), 'file')}{extra}",
                n, (code,), f"awaitify check --select {code}", fix,
            )
        )  # fmt: skip
    return items


@dataclass(frozen=True)
class WorkStep:
    """A step of the ordered work list (the guide's Next steps until ``plan`` exists)."""

    title: str
    layer: str
    findings: tuple[Finding, ...]
    command: str

    @property
    def files(self) -> int:
        return len({f.path for f in self.findings})


def work_list(result: Result) -> list[WorkStep]:
    """Syntax first, then defects, then standardization layer by layer, leaves first."""
    steps: list[WorkStep] = []
    syntax = by_category(result.findings, Category.SYNTAX)
    if syntax:
        steps.append(WorkStep("Repair the files that do not parse", "", tuple(syntax),
                              "awaitify syntax --blame"))  # fmt: skip
    defects = by_category(result.findings, Category.DEFECT)
    if defects:
        steps.append(WorkStep("Fix the defects", "", tuple(defects),
                              "awaitify check --select ASY1"))  # fmt: skip
    standardize = by_category(result.findings, Category.STANDARDIZE)
    for layer, items in sorted(
        group_by(standardize, "layer").items(), key=lambda kv: layer_rank(kv[0])
    ):
        title = {
            "repository": "Convert the repositories to async",
            "service": "Convert the service classes to fully async",
            "api": "Convert the endpoints to async",
            "worker": "Standardize the workers",
            "test": "Convert the tests of async code to async tests",
        }.get(layer, f"Standardize the {layer} layer")
        steps.append(WorkStep(title, layer, tuple(items), f"awaitify migrate --layer {layer}"))
    return steps


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Priority first, then location: the order a reader should take them in."""
    return sorted(findings, key=lambda f: (f.priority.rank, f.sort_key()))


class RunLike(Protocol):
    """A recorded run as ``history`` gives it (``awaitify.history.Run``)."""

    @property
    def date(self) -> str: ...
    @property
    def summary(self) -> Summary: ...
    @property
    def commit(self) -> str | None: ...
    @property
    def subject(self) -> str | None: ...


def with_trend(result: Result, runs: Iterable[RunLike]) -> Result:
    """``result`` with earlier runs (oldest first) for the trend sections of the reports.

    Give it the runs recorded *before* this one: the reports add this scan as the last point.
    """
    points = tuple(TrendPoint(r.date, r.summary, r.commit, r.subject) for r in runs)
    return result._replace(trend=points)
