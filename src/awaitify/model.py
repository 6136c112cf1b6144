"""The results awaitify hands to its writers: findings, per-file rows, the summary.

Writers see only these objects, never a syntax tree. Everything here is immutable and
ordered deterministically, so the same input gives byte-identical reports. The records are
NamedTuples (``result._replace(...)`` makes a changed copy): a run builds one per file and
per finding, and every warm run unpickles them, where tuples cost a fraction of a class.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple


class Category(str, enum.Enum):
    SYNTAX = "syntax"
    DEFECT = "defect"
    STANDARDIZE = "standardize"
    ACCEPTABLE = "acceptable"


class Priority(str, enum.Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 0, "medium": 1, "low": 2}[self.value]


class Finding(NamedTuple):
    code: str
    name: str
    category: Category
    priority: Priority
    path: str  # as printed: relative to the current directory when under it, with "/"
    line: int
    column: int  # 0-based, like ``ast`` col_offset (SARIF/GitHub writers add 1)
    end_line: int
    end_column: int
    symbol: str  # ``Class.method`` / ``function`` / ``<module>`` at module level ("" for ASY0xx)
    message: str
    chain: tuple[str, ...] = ()
    fix: str | None = None
    layer: str = "other"
    fingerprint: str = ""  # rule + path + symbol + hash of the normalised code line

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category.value,
            "priority": self.priority.value,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "symbol": self.symbol,
            "message": self.message,
            "chain": list(self.chain),
            "fix": self.fix,
        }


class SyntaxErrorInfo(NamedTuple):
    message: str
    line: int
    column: int
    code_line: str

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "line": self.line, "column": self.column}


class FileRow(NamedTuple):
    path: str
    layer: str
    lines: int
    async_functions: int
    sync_functions: int
    mixed: bool
    syntax_error: SyntaxErrorInfo | None
    bridges: int = 0
    asyncio_run_calls: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "layer": self.layer,
            "lines": self.lines,
            "async_functions": self.async_functions,
            "sync_functions": self.sync_functions,
            "mixed": self.mixed,
            "syntax_error": self.syntax_error.to_json() if self.syntax_error else None,
        }


class LayerStats(NamedTuple):
    files: int = 0
    async_functions: int = 0
    sync_functions: int = 0
    #: sync functions of the layer's files that do or drive I/O (see :func:`adoption_share`)
    sync_io_functions: int = 0

    @property
    def async_adoption(self) -> float:
        return adoption_share(self.async_functions, self.sync_io_functions)

    def to_json(self) -> dict[str, int]:
        return {
            "files": self.files,
            "async_functions": self.async_functions,
            "sync_functions": self.sync_functions,
        }


def adoption_share(async_functions: int, sync_io_functions: int) -> float:
    """Async adoption: the share of I/O functions that are async.

    I/O functions are every ``async def`` plus the sync ``def``s that do or drive I/O: those
    that block (call a blocking API, directly or through sync project functions) and those a
    defect or standardization finding names as its symbol (a sync method to convert, a sync
    function driving async code). Files of the ``migration`` layer are left out. With no
    I/O function at all there is nothing left to convert: 1.0.
    """
    total = async_functions + sync_io_functions
    return async_functions / total if total else 1.0


class ClassStats(NamedTuple):
    """Classes of one layer (by class name first, as SPEC §4 says, then by file)."""

    classes: int = 0
    #: classes with an ``async def`` method, a blocking public sync method, or an open
    #: ASY2xx finding on a method
    io_classes: int = 0
    #: I/O classes with neither a blocking public sync method nor an open ASY2xx finding:
    #: "fully async"
    async_classes: int = 0


class Summary(NamedTuple):
    files: int
    files_with_syntax_errors: int
    lines: int
    async_functions: int
    sync_functions: int
    asyncio_run_calls: int
    bridges: int
    mixed_files: int
    mixed_classes: int
    findings_by_code: dict[str, int]
    findings_by_priority: dict[str, int]
    by_layer: dict[str, LayerStats]
    bridges_by_kind: dict[str, int] = {}  # noqa: RUF012  # never mutated: records are immutable
    # Not part of the SPEC §5 JSON (kept out of ``to_json``): extra counts for the guide,
    # the HTML report and ``check --fail-on-regression``.
    sync_io_functions: int = 0
    classes_by_layer: dict[str, ClassStats] = {}  # noqa: RUF012

    @property
    def async_adoption(self) -> float:
        return adoption_share(self.async_functions, self.sync_io_functions)

    @property
    def async_share(self) -> float:
        """Share of all functions that are ``async def`` (0.0 with no function)."""
        total = self.async_functions + self.sync_functions
        return self.async_functions / total if total else 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        """Inverse of :meth:`to_json` (for history rows); extra counts default to 0."""
        layers = data.get("by_layer") or {}
        return cls(
            files=int(data.get("files", 0)),
            files_with_syntax_errors=int(data.get("files_with_syntax_errors", 0)),
            lines=int(data.get("lines", 0)),
            async_functions=int(data.get("async_functions", 0)),
            sync_functions=int(data.get("sync_functions", 0)),
            asyncio_run_calls=int(data.get("asyncio_run_calls", 0)),
            bridges=int(data.get("bridges", 0)),
            mixed_files=int(data.get("mixed_files", 0)),
            mixed_classes=int(data.get("mixed_classes", 0)),
            findings_by_code={
                str(k): int(v) for k, v in (data.get("findings_by_code") or {}).items()
            },
            findings_by_priority={
                str(k): int(v) for k, v in (data.get("findings_by_priority") or {}).items()
            },
            by_layer={
                str(k): LayerStats(
                    int(v.get("files", 0)),
                    int(v.get("async_functions", 0)),
                    int(v.get("sync_functions", 0)),
                )
                for k, v in layers.items()
            },
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "files_with_syntax_errors": self.files_with_syntax_errors,
            "lines": self.lines,
            "async_functions": self.async_functions,
            "sync_functions": self.sync_functions,
            "asyncio_run_calls": self.asyncio_run_calls,
            "bridges": self.bridges,
            "mixed_files": self.mixed_files,
            "mixed_classes": self.mixed_classes,
            "findings_by_code": dict(sorted(self.findings_by_code.items())),
            "findings_by_priority": {
                p.value: self.findings_by_priority.get(p.value, 0) for p in Priority
            },
            "by_layer": {k: v.to_json() for k, v in sorted(self.by_layer.items())},
        }


class TrendPoint(NamedTuple):
    """One earlier run (from ``history``), oldest first in :attr:`Result.trend`."""

    date: str  # ISO-8601
    summary: Summary
    commit: str | None = None  # 40 hex, for ``history --git`` rows
    subject: str | None = None

    @property
    def label(self) -> str:
        return self.commit[:8] if self.commit else self.date[:10]


class PlanStep(NamedTuple):
    """One step of the migration plan (``plan``), in the order the work should be done."""

    order: int
    layer: str
    title: str  # "Convert InvoiceRepository to async"
    targets: tuple[str, ...] = ()  # ``path::Symbol`` selectors
    blast_radius: int = 0  # functions and call sites the step touches
    command: str = ""  # "awaitify migrate app/repositories/invoices.py::InvoiceRepository"


class Result(NamedTuple):
    """What ``api.scan`` returns: the whole analysis of one run."""

    root: str
    summary: Summary
    files: tuple[FileRow, ...]
    findings: tuple[Finding, ...]
    config_summary: tuple[tuple[str, str], ...] = ()  # rules in force, for the guide
    notes: tuple[str, ...] = ()  # warnings gathered during the run (cache rebuilt, ...)
    #: earlier runs, oldest first, for the trend sections (set by ``history``; may be empty)
    trend: tuple[TrendPoint, ...] = ()
    #: the migration plan, in order (set by ``plan``; the guide's Next steps use it)
    plan: tuple[PlanStep, ...] = ()
    #: the scanned project's name (its configuration folder or the scanned folder)
    project: str = ""
