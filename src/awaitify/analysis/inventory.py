"""The inventory: per-file rows and the summary of SPEC §5, from modules and findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from awaitify.analysis.project import ProjectView
from awaitify.model import (
    Category,
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
    mixed_classes = {
        (f.path, f.symbol.rpartition(".")[0]) for f in findings if f.code == "ASY201"
    }
    rows: list[FileRow] = []
    layers: dict[str, list[int]] = {}
    bridge_kinds: Counter[str] = Counter()
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
        stats = layers.setdefault(m.layer, [0, 0, 0])
        stats[0] += 1
        stats[1] += n_async
        stats[2] += n_sync
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
    )
    return summary, tuple(rows)
