"""The inventory: per-file rows and the summary of SPEC §5, from modules and findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from awaitify.analysis.facts import FN_PROPERTY, FileFacts, Function
from awaitify.analysis.project import ProjectView
from awaitify.model import (
    Category,
    ClassStats,
    FileRow,
    Finding,
    LayerStats,
    Priority,
    Summary,
    SyntaxErrorInfo,
)


def build_inventory(
    project: ProjectView, findings: Sequence[Finding]
) -> tuple[Summary, tuple[FileRow, ...]]:
    mixed_paths = {f.path for f in findings if f.category is Category.STANDARDIZE}
    mixed_classes = {(f.path, f.symbol.rpartition(".")[0]) for f in findings if f.code == "ASY201"}
    rows: list[FileRow] = []
    layers: dict[str, list[int]] = {}
    bridge_kinds: Counter[str] = Counter()
    named = _named_symbols(findings)
    blocking = _blocking_functions(project)
    class_stats: dict[str, list[int]] = {}
    for m in project.modules:
        facts = m.facts
        n_async = facts.async_functions
        n_sync = len(facts.functions) - n_async
        problem = facts.syntax_error
        for _, kind in facts.bridges:
            bridge_kinds[kind] += 1
        rows.append(
            FileRow(
                path=m.path,
                layer=m.layer,
                lines=facts.lines,
                async_functions=n_async,
                sync_functions=n_sync,
                mixed=m.path in mixed_paths,
                syntax_error=(
                    SyntaxErrorInfo(problem.message, problem.line, problem.col, problem.code_line)
                    if problem
                    else None
                ),
                bridges=len(facts.bridges),
                asyncio_run_calls=facts.asyncio_run_calls(),
            )
        )
        work, standardize = named.get(m.path, (set(), Counter()))
        blocks = blocking.get(m.path, set())
        n_sync_io = 0
        if m.layer != "migration" and (blocks or work):  # migrations: never a target
            n_sync_io = sum(
                1
                for i, fn in enumerate(facts.functions)
                if not fn.is_async and (i in blocks or fn.qualname in work)
            )
        stats = layers.setdefault(m.layer, [0, 0, 0, 0])
        stats[0] += 1
        stats[1] += n_async
        stats[2] += n_sync
        stats[3] += n_sync_io
        if not facts.classes:
            continue
        methods: dict[int, list[int]] = {}
        for i, fn in enumerate(facts.functions):
            if fn.class_index >= 0:
                methods.setdefault(fn.class_index, []).append(i)
        for index, open_work in _class_work(facts, standardize).items():
            cstats = class_stats.setdefault(m.class_layer(index), [0, 0, 0])
            has_async = blocking_public = False
            for i in methods.get(index, ()):
                fn = facts.functions[i]
                has_async = has_async or fn.is_async
                if not fn.is_async and i in blocks and _public(fn):
                    blocking_public = True
            cstats[0] += 1
            if has_async or blocking_public or open_work:
                cstats[1] += 1
                if not blocking_public and not open_work:
                    cstats[2] += 1
    rows.sort(key=lambda r: r.path)
    by_code = Counter(f.code for f in findings)
    by_priority = Counter(f.priority.value for f in findings)
    summary = Summary(
        files=len(rows),
        files_with_syntax_errors=sum(1 for r in rows if r.syntax_error),
        lines=sum(r.lines for r in rows),
        async_functions=sum(r.async_functions for r in rows),
        sync_functions=sum(r.sync_functions for r in rows),
        asyncio_run_calls=sum(r.asyncio_run_calls for r in rows),
        bridges=sum(r.bridges for r in rows),
        mixed_files=len(mixed_paths),
        mixed_classes=len(mixed_classes),
        findings_by_code=dict(sorted(by_code.items())),
        findings_by_priority={p.value: by_priority.get(p.value, 0) for p in Priority},
        by_layer={k: LayerStats(*v) for k, v in sorted(layers.items())},
        bridges_by_kind=dict(sorted(bridge_kinds.items())),
        sync_io_functions=sum(v[3] for v in layers.values()),
        classes_by_layer={k: ClassStats(*v) for k, v in sorted(class_stats.items())},
    )
    return summary, tuple(rows)


def _public(fn: Function) -> bool:
    """A method a caller converts with its class: not private, not a dunder, not a property."""
    return not fn.name.startswith("_") and not fn.flags & FN_PROPERTY


def _blocking_functions(project: ProjectView) -> dict[str, set[int]]:
    """Per path: indices of the sync functions that block, directly or transitively."""
    out: dict[str, set[int]] = {}
    for ref in project.colors.blocking:
        out.setdefault(ref.module.path, set()).add(ref.index)
    return out


def _named_symbols(
    findings: Sequence[Finding],
) -> dict[str, tuple[set[str], Counter[str]]]:
    """Per path: symbols named by defect/standardize findings, and ASY2xx counts per symbol.

    The first set decides which sync functions are I/O functions (async adoption); the
    counter decides which classes still have standardization work.
    """
    out: dict[str, tuple[set[str], Counter[str]]] = {}
    for f in findings:
        if not f.symbol or f.category not in (Category.DEFECT, Category.STANDARDIZE):
            continue
        work, standardize = out.setdefault(f.path, (set(), Counter()))
        work.add(f.symbol)
        if f.category is Category.STANDARDIZE:
            standardize[f.symbol] += 1
    return out


def _class_work(facts: FileFacts, standardize: Counter[str]) -> dict[int, int]:
    """Open ASY2xx findings per class index, for every class of the file (0 when none).

    A finding belongs to the class of the method it names, or of the method a nested
    function named by it lives in.
    """
    work = dict.fromkeys(range(len(facts.classes)), 0)
    if not standardize:
        return work
    functions = facts.functions
    by_name = {fn.qualname: fn for fn in functions}
    for symbol, count in standardize.items():
        fn = by_name.get(symbol)
        while fn is not None and fn.class_index < 0 and fn.parent >= 0:
            fn = functions[fn.parent]
        if fn is not None and fn.class_index >= 0:
            work[fn.class_index] += count
    return work
