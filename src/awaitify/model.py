"""The results awaitify hands to its writers: findings, per-file rows, the summary.

Writers see only these objects, never a syntax tree. Everything here is immutable and
ordered deterministically, so the same input gives byte-identical reports.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    category: Category
    priority: Priority
    path: str  # as printed: relative to the current directory when under it, with "/"
    line: int
    column: int  # 0-based, like ``ast`` col_offset (SARIF/GitHub writers add 1)
    end_line: int
    end_column: int
    symbol: str  # ``Class.method`` / ``function`` / "" for module level
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


@dataclass(frozen=True, slots=True)
class SyntaxErrorInfo:
    message: str
    line: int
    column: int
    code_line: str

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "line": self.line, "column": self.column}


@dataclass(frozen=True, slots=True)
class FileRow:
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


@dataclass(frozen=True, slots=True)
class LayerStats:
    files: int = 0
    async_functions: int = 0
    sync_functions: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "files": self.files,
            "async_functions": self.async_functions,
            "sync_functions": self.sync_functions,
        }


@dataclass(frozen=True, slots=True)
class Summary:
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
    bridges_by_kind: dict[str, int] = field(default_factory=dict)

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


@dataclass(frozen=True, slots=True)
class Result:
    """What ``api.scan`` returns: the whole analysis of one run."""

    root: str
    summary: Summary
    files: tuple[FileRow, ...]
    findings: tuple[Finding, ...]
    config_summary: tuple[tuple[str, str], ...] = ()  # rules in force, for the guide
    notes: tuple[str, ...] = ()  # warnings gathered during the run (cache rebuilt, ...)
