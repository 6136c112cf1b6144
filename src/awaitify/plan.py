"""``plan``: the order to migrate in, from the call graph, with each step's blast radius.

The work is what the findings name (the functions ``migrate`` would convert or fix up),
grouped into steps — one class, or the module-level functions of one file — and ordered

1. by phase: repositories → services (and the other library layers) → endpoints →
   worker bridges → tests, the order a standardization guide migrates in;
2. within a phase, callees before callers: a step whose functions call another step's
   comes after it (cycles are broken by priority, then path).

Each step is then simulated in that order with the migration planner itself, so its
blast radius is exactly what ``awaitify migrate <selector>`` would do at that point:
the functions it makes async (the selected ones and every sync caller up to a boundary),
the call sites it edits, the bridges and threads it inserts, the files it touches. A step
whose work an earlier step already did (its functions were converted as callers) is folded
into that step. Steps are grouped into weeks by ``team-capacity`` (functions per week).

:func:`build_plan` is the entry point for the report writers; ``Plan.model_steps()`` gives
the :class:`~awaitify.model.PlanStep` rows the Markdown guide's "Next steps" shows.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from awaitify.analysis.facts import FN_PROPERTY
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import FuncRef
from awaitify.api import ScanOptions
from awaitify.config import Config
from awaitify.migrate.model import BRIDGE, OFFLOAD
from awaitify.migrate.planner import Planner, PytestStyle, SourceReader
from awaitify.migrate.selectors import CONVERTIBLE_CODES, class_methods
from awaitify.model import Finding, PlanStep, Priority

PHASES = ("repositories", "services", "endpoints", "worker bridges", "tests")
_PHASE_OF_LAYER = {
    "repository": 0,
    "service": 1, "util": 1, "model": 1, "schema": 1, "other": 1, "script": 1,
    "api": 2,
    "worker": 3,
    "test": 4,
}  # fmt: skip


@dataclass(frozen=True)
class Step:
    order: int
    phase: str
    layer: str
    title: str  # "Convert InvoiceRepository to async"
    selectors: tuple[str, ...]  # ``path::Symbol`` as ``migrate`` takes them
    command: str
    selected: tuple[str, ...]  # the qualnames the findings name
    functions: tuple[str, ...]  # ``path::qualname`` made async by this step (selected + callers)
    fixed: tuple[str, ...]  # async functions whose bodies the step fixes up
    call_sites: int  # call sites edited (awaited, bridged, moved to a thread, ...)
    bridges: int  # ``asyncio.run`` inserted at boundaries
    threads: int  # calls moved to ``asyncio.to_thread``
    files: tuple[str, ...]  # files touched
    review: int  # items ``migrate`` would list as needing review
    priority: str
    codes: tuple[str, ...]  # the findings behind the step
    week: int = 0
    absorbs: tuple[str, ...] = ()  # titles of later steps this one completes

    @property
    def work(self) -> int:
        """Functions this step changes (what team capacity is counted in)."""
        return max(1, len(self.functions) + len(self.fixed))

    @property
    def blast_radius(self) -> int:
        return len(self.functions) + len(self.fixed) + self.call_sites

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "phase": self.phase,
            "layer": self.layer,
            "title": self.title,
            "selectors": list(self.selectors),
            "command": self.command,
            "selected": list(self.selected),
            "functions": list(self.functions),
            "fixed": list(self.fixed),
            "call_sites": self.call_sites,
            "bridges": self.bridges,
            "threads": self.threads,
            "files": list(self.files),
            "needs_review": self.review,
            "blast_radius": self.blast_radius,
            "priority": self.priority,
            "codes": list(self.codes),
            "week": self.week,
            "absorbs": list(self.absorbs),
        }


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    capacity: int  # functions per week
    weeks: int
    functions: int  # made async over the whole plan
    fixed: int  # async functions fixed up over the whole plan
    files: int  # files touched over the whole plan

    def model_steps(self) -> tuple[PlanStep, ...]:
        """The rows the Markdown guide's "Next steps" and ``Result.plan`` carry."""
        return tuple(
            PlanStep(
                order=s.order,
                layer=s.layer,
                title=s.title,
                targets=s.selectors,
                blast_radius=s.blast_radius,
                command=s.command,
            )
            for s in self.steps
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "team_capacity": self.capacity,
            "weeks": self.weeks,
            "summary": {
                "steps": len(self.steps),
                "functions": self.functions,
                "fixed": self.fixed,
                "files": self.files,
            },
            "steps": [s.to_json() for s in self.steps],
        }


@dataclass
class _Unit:
    module: Module
    class_index: int  # -1: module-level functions of the file
    functions: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.class_index >= 0:
            return self.module.facts.classes[self.class_index].qualname
        return self.module.path

    def refs(self) -> list[FuncRef]:
        """What the step's selectors select: a class fully (every public method that is not
        a property, as ``migrate path::Class`` does), else the named functions."""
        indices = list(self.functions)
        if self.class_index >= 0:
            indices += [i for i in class_methods(self.module, self.class_index) if i not in indices]
        return [FuncRef(self.module, i) for i in indices]

    @property
    def phase(self) -> int:
        return min(_PHASE_OF_LAYER.get(f.layer, 1) for f in self.findings)

    @property
    def layer(self) -> str:
        layers = sorted({f.layer for f in self.findings}, key=lambda x: _PHASE_OF_LAYER.get(x, 1))
        return layers[0] if layers else self.module.layer

    @property
    def priority(self) -> Priority:
        return min((f.priority for f in self.findings), key=lambda p: p.rank)

    def selectors(self, whole_file: bool) -> tuple[str, ...]:
        facts = self.module.facts
        if self.class_index >= 0:
            return (f"{self.module.path}::{facts.classes[self.class_index].qualname}",)
        if whole_file:  # the file's findings are exactly this unit's
            return (self.module.path,)
        names = sorted({facts.functions[i].qualname for i in self.functions})
        return tuple(f"{self.module.path}::{n}" for n in names)

    def title(self, converts: bool) -> str:
        facts = self.module.facts
        verb = "Convert" if converts else "Fix the async code of"
        if self.class_index >= 0:
            what = facts.classes[self.class_index].qualname
        else:
            names = sorted({facts.functions[i].qualname for i in self.functions})
            what = ", ".join(f"{n}()" for n in names[:3]) + (
                f" and {len(names) - 3} more" if len(names) > 3 else ""
            )
            what += f" in {os.path.basename(self.module.path)}"
        return f"{verb} {what}" + (" to async" if converts else "")


def _units(project: ProjectView, findings: Sequence[Finding]) -> list[_Unit]:
    by_path = {m.path: m for m in project.modules}
    units: dict[tuple[str, int], _Unit] = {}
    for f in findings:
        if f.code not in CONVERTIBLE_CODES or not f.symbol or f.symbol == "<module>":
            continue
        module = by_path.get(f.path)
        if module is None:
            continue
        fns = module.facts.functions
        for i, fn in enumerate(fns):
            if fn.qualname != f.symbol or fn.flags & FN_PROPERTY:
                continue
            top = i
            while fns[top].parent >= 0:  # a nested function belongs to its outer's unit
                top = fns[top].parent
            ci = fns[top].class_index
            unit = units.setdefault((module.path, ci), _Unit(module, ci))
            if i not in unit.functions:
                unit.functions.append(i)
            if f not in unit.findings:
                unit.findings.append(f)
    return list(units.values())


def _order(project: ProjectView, units: list[_Unit]) -> list[_Unit]:
    """Phase first; within a phase callees before callers (Kahn), ties by priority/path."""
    graph = project.graph
    owner: dict[FuncRef, int] = {}
    for u, unit in enumerate(units):
        for ref in unit.refs():
            owner[ref] = u
    after: dict[int, set[int]] = defaultdict(set)  # unit → units that must come after it
    for u, unit in enumerate(units):
        for ref in unit.refs():
            for site in graph.callers_of(ref):
                if site.scope < 0:
                    continue
                v = owner.get(FuncRef(site.module, site.scope))
                if v is not None and v != u and units[v].phase == unit.phase:
                    after[u].add(v)
    indegree = {u: 0 for u in range(len(units))}
    for vs in after.values():
        for v in vs:
            indegree[v] += 1

    def rank(u: int) -> tuple[int, int, str, str]:
        unit = units[u]
        return (unit.phase, unit.priority.rank, unit.module.path, unit.name)

    remaining = set(range(len(units)))
    out: list[_Unit] = []
    while remaining:
        ready = [u for u in remaining if indegree[u] == 0]
        if not ready:  # a cycle: take the best-ranked unit and carry on
            ready = [min(remaining, key=rank)]
        u = min(ready, key=rank)
        remaining.discard(u)
        out.append(units[u])
        for v in after.get(u, ()):
            indegree[v] -= 1
    return out


def build_plan(
    project: ProjectView,
    findings: Sequence[Finding],
    read_source: SourceReader,
    style: PytestStyle | None = None,
) -> Plan:
    """The migration plan of a project from its findings (``scan``'s, or the rules')."""
    capacity = max(1, project.config.team_capacity)
    style = style or PytestStyle(marker=project.config.pytest_marker, auto=False)
    units = _order(project, _units(project, findings))
    subclasses = Planner(project, read_source, style).subclass_table() if units else {}
    done: dict[tuple[str, str], int] = {}  # function → the step that converts or fixes it
    steps: list[Step] = []
    absorbed: dict[int, list[str]] = defaultdict(list)
    by_abspath = {m.abspath: m.path for m in project.modules}
    units_per_file: dict[str, int] = defaultdict(int)
    for unit in units:
        units_per_file[unit.module.path] += 1
    for unit in units:
        plan = Planner(project, read_source, style, subclasses).run(unit.refs(), callbacks=False)
        new = [c for c in plan.converted if c not in done]
        fixed = [c for c in plan.fixed if c not in done]
        own = {(r.module.abspath, r.fn.qualname) for r in unit.refs()}
        if not new and not fixed:
            earlier = min((done[c] for c in own if c in done), default=len(steps) - 1)
            if earlier >= 0:
                absorbed[earlier].append(unit.title(converts=True))
            continue
        for c in (*new, *fixed):
            done[c] = len(steps)
        calls = [e for f in plan.files.values() for e in f.calls]
        phase = PHASES[unit.phase]
        selectors = unit.selectors(whole_file=units_per_file[unit.module.path] == 1)
        steps.append(
            Step(
                order=len(steps) + 1,
                phase=phase,
                layer=unit.layer,
                title=unit.title(converts=any(c in own for c in new)),
                selectors=selectors,
                command="awaitify migrate " + " ".join(selectors),
                selected=tuple(
                    sorted({unit.module.facts.functions[i].qualname for i in unit.functions})
                ),
                functions=tuple(f"{by_abspath[a]}::{q}" for a, q in new),
                fixed=tuple(f"{by_abspath[a]}::{q}" for a, q in fixed),
                call_sites=len(calls),
                bridges=sum(1 for e in calls if e.kind == BRIDGE),
                threads=sum(1 for e in calls if e.kind == OFFLOAD),
                files=tuple(sorted(f.path for f in plan.files.values() if f)),
                review=len(plan.review),
                priority=unit.priority.value,
                codes=tuple(sorted({f.code for f in unit.findings})),
            )
        )
    # weeks: fill each with up to ``capacity`` functions; a bigger step takes several
    week, used = 1, 0
    placed: list[Step] = []
    for i, step in enumerate(steps):
        if used and used + step.work > capacity:
            week, used = week + 1, 0
        start = week
        used += step.work
        while used > capacity:
            week, used = week + 1, used - capacity
        placed.append(
            Step(**{**step.__dict__, "week": start, "absorbs": tuple(absorbed.get(i, ()))})
        )
    files = {f for s in placed for f in s.files}
    return Plan(
        steps=tuple(placed),
        capacity=capacity,
        weeks=week if placed else 0,
        functions=sum(len(s.functions) for s in placed),
        fixed=sum(len(s.fixed) for s in placed),
        files=len(files),
    )


def plan_paths(
    paths: Sequence[str | os.PathLike[str]] = (".",),
    config: Config | None = None,
    options: ScanOptions | None = None,
) -> Plan:
    """The plan for the project under ``paths`` (facts through the cache, as ``scan``)."""
    from awaitify.api import resolve_config
    from awaitify.migrate.pytest_style import read_pytest_style
    from awaitify.migrate.run import SourceFiles, load_project, project_findings

    options = options or ScanOptions()
    config = resolve_config([str(p) for p in paths], config)
    cwd = options.cwd or os.getcwd()
    project, _ = load_project([str(p) for p in paths], config, options, cwd)
    return build_plan(project, project_findings(project), SourceFiles(), read_pytest_style(config))


# -- rendering ---------------------------------------------------------------------------------
def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def render_text(plan: Plan) -> str:
    if not plan.steps:
        return "Migration plan: nothing to migrate (no finding names a function to convert).\n"
    out = [
        f"Migration plan: {_plural(len(plan.steps), 'step')}, "
        f"{_plural(plan.functions, 'function')} to make async, {plan.fixed:,} to fix up, "
        f"{_plural(plan.files, 'file')}; about {_plural(plan.weeks, 'week')} at "
        f"{plan.capacity} functions a week",
    ]
    phase = ""
    for s in plan.steps:
        if s.phase != phase:
            phase = s.phase
            out += ["", f"Phase {PHASES.index(phase) + 1}: {phase}"]
        out.append(f"  {s.order:>3}. {s.title}  [{s.priority}, week {s.week}]")
        out.append(f"       {s.command}")
        radius = [
            f"{_plural(len(s.functions), 'function')} made async",
            f"{_plural(s.call_sites, 'call site')}",
        ]
        if s.fixed:
            radius.insert(1, f"{len(s.fixed)} fixed up")
        if s.bridges:
            radius.append(_plural(s.bridges, "bridge"))
        if s.threads:
            radius.append(f"{s.threads} to threads")
        radius.append(_plural(len(s.files), "file"))
        if s.review:
            radius.append(f"{s.review} to review")
        out.append("       blast radius: " + ", ".join(radius))
        if s.absorbs:
            out.append("       also completes: " + "; ".join(s.absorbs))
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(plan: Plan) -> str:
    out = ["# Migration plan", ""]
    if not plan.steps:
        return "\n".join([*out, "Nothing to migrate: no finding names a function to convert.", ""])
    out += [
        f"{_plural(len(plan.steps), 'step')}: {_plural(plan.functions, 'function')} to make "
        f"async and {plan.fixed:,} to fix up across {_plural(plan.files, 'file')} — about "
        f"{_plural(plan.weeks, 'week')} at {plan.capacity} functions a week "
        "(`team-capacity`). Callees come before their callers; each command is what to run "
        "for the step.",
    ]
    phase = ""
    for s in plan.steps:
        if s.phase != phase:
            phase = s.phase
            out += [
                "",
                f"## Phase {PHASES.index(phase) + 1}: {phase}",
                "",
                "| # | step | priority | week | blast radius | command |",
                "|---|---|---|---|---|---|",
            ]
        radius = (
            f"{len(s.functions)} async, {len(s.fixed)} fixed, "
            f"{_plural(s.call_sites, 'call site')}, {_plural(len(s.files), 'file')}"
        )
        out.append(
            f"| {s.order} | {_md(s.title)} | {s.priority} | {s.week} | {radius} | "
            f"`{_md(s.command)}` |"
        )
    out += ["", "## By week", ""]
    for week in range(1, plan.weeks + 1):
        in_week = [s for s in plan.steps if s.week == week]
        if in_week:
            out.append(
                f"- **Week {week}**: " + "; ".join(f"{s.order}. {_md(s.title)}" for s in in_week)
            )
    return "\n".join(out) + "\n"


def render_json(plan: Plan) -> str:
    import json

    return json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n"
