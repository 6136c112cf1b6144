"""The ``check`` gate and its baseline. Pure: no file access, no printing.

A baseline is a JSON file of accepted findings, each keyed by **rule + path + symbol +
fingerprint** (:attr:`Finding.fingerprint`, a hash of the normalised code line), never by
line number: an edit that only moves lines leaves every key intact. Matching counts
duplicates — two identical findings in one function need two entries — so a third copy
is new. Entries that nothing matches any more are *stale* (fixed, or changed enough to be
a different finding) and are reported so the file can be refreshed.

The file also stores the async adoption of the run that wrote it, for
``--fail-on-regression``.

Paths in the file are relative to the baseline file's own directory, so the file works
whatever directory ``check`` runs from.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from awaitify import __version__
from awaitify.errors import UsageError
from awaitify.model import Category, Finding, Priority, Result, Summary, adoption_share

SCHEMA = 1

Key = tuple[str, str, str, str]  # code, path (relative to the baseline), symbol, fingerprint


class BaselineError(UsageError):
    """An unreadable or malformed baseline file (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Adoption:
    """Async adoption: ``async_functions`` out of ``async + sync_io`` I/O functions."""

    async_functions: int
    sync_io_functions: int

    @classmethod
    def of(cls, summary: Summary) -> Adoption:
        return cls(summary.async_functions, summary.sync_io_functions)

    @property
    def io_functions(self) -> int:
        return self.async_functions + self.sync_io_functions

    @property
    def share(self) -> float:
        return adoption_share(self.async_functions, self.sync_io_functions)

    def below(self, before: Adoption) -> bool:
        """True when this share is lower than ``before``'s (compared exactly, as fractions)."""
        if self.io_functions == 0 or before.io_functions == 0:
            return self.share < before.share
        return (
            self.async_functions * before.io_functions < before.async_functions * self.io_functions
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "async_functions": self.async_functions,
            "sync_io_functions": self.sync_io_functions,
            "share": round(self.share, 6),
        }


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    path: str  # relative to the baseline file's directory, "/"-separated
    symbol: str
    fingerprint: str
    count: int = 1
    lines: tuple[int, ...] = ()  # where they were when the baseline was written (information only)
    message: str = ""  # for people reading the file and the stale report

    @property
    def key(self) -> Key:
        return (self.code, self.path, self.symbol, self.fingerprint)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "path": self.path,
            "symbol": self.symbol,
            "fingerprint": self.fingerprint,
            "count": self.count,
            "lines": list(self.lines),
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Baseline:
    entries: tuple[Entry, ...]
    adoption: Adoption | None = None
    version: str = __version__

    @property
    def findings(self) -> int:
        return sum(e.count for e in self.entries)


def path_key(path: str, root: str, base_dir: str) -> str:
    """``path`` (as findings print it: relative to ``root``, or absolute) relative to ``base_dir``."""
    full = path if os.path.isabs(path) else os.path.join(root, path)
    try:
        rel = os.path.relpath(os.path.normpath(full), os.path.normpath(base_dir))
    except ValueError:  # another drive on Windows
        rel = os.path.normpath(full)
    return rel.replace(os.sep, "/")


def finding_key(f: Finding, root: str, base_dir: str) -> Key:
    return (f.code, path_key(f.path, root, base_dir), f.symbol, f.fingerprint)


def from_findings(
    findings: Iterable[Finding], root: str, base_dir: str, adoption: Adoption | None
) -> Baseline:
    grouped: dict[Key, list[Finding]] = {}
    for f in findings:
        grouped.setdefault(finding_key(f, root, base_dir), []).append(f)
    entries = tuple(
        Entry(
            *key,
            count=len(group),
            lines=tuple(sorted(f.line for f in group)),
            message=group[0].message,
        )
        for key, group in sorted(grouped.items())
    )
    return Baseline(entries, adoption)


def from_result(result: Result, base_dir: str) -> Baseline:
    """Every finding of ``result`` (the gate decides later which can fail)."""
    return from_findings(result.findings, result.root, base_dir, Adoption.of(result.summary))


def dumps(baseline: Baseline) -> str:
    doc = {
        "schema": SCHEMA,
        "tool": {"name": "awaitify", "version": baseline.version},
        "adoption": baseline.adoption.to_json() if baseline.adoption else None,
        "findings": [e.to_json() for e in baseline.entries],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BaselineError(f"{where} must be a non-negative integer")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise BaselineError(f"{where} must be a string")
    return value


def loads(text: str, source: str = "baseline") -> Baseline:
    """Parse a baseline file's text; :class:`BaselineError` names what is wrong."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{source}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise BaselineError(f'{source}: not an awaitify baseline (no "findings" list)')
    if doc.get("schema") != SCHEMA:
        raise BaselineError(
            f"{source}: baseline schema {doc.get('schema')!r} is not supported (expected {SCHEMA})"
        )
    entries = []
    for i, raw in enumerate(doc["findings"]):
        where = f"{source}: findings[{i}]"
        if not isinstance(raw, dict):
            raise BaselineError(f"{where} must be an object")
        lines = raw.get("lines", [])
        if not isinstance(lines, list):
            raise BaselineError(f"{where}.lines must be a list")
        entries.append(
            Entry(
                code=_str(raw.get("code"), f"{where}.code"),
                path=_str(raw.get("path"), f"{where}.path"),
                symbol=_str(raw.get("symbol", ""), f"{where}.symbol"),
                fingerprint=_str(raw.get("fingerprint", ""), f"{where}.fingerprint"),
                count=max(_int(raw.get("count", 1), f"{where}.count"), 1),
                lines=tuple(_int(n, f"{where}.lines") for n in lines),
                message=_str(raw.get("message", ""), f"{where}.message"),
            )
        )
    adoption = None
    raw_adoption = doc.get("adoption")
    if raw_adoption is not None:
        if not isinstance(raw_adoption, dict):
            raise BaselineError(f"{source}: adoption must be an object")
        adoption = Adoption(
            _int(raw_adoption.get("async_functions"), f"{source}: adoption.async_functions"),
            _int(raw_adoption.get("sync_io_functions"), f"{source}: adoption.sync_io_functions"),
        )
    version = doc.get("tool", {}).get("version", "") if isinstance(doc.get("tool"), dict) else ""
    return Baseline(tuple(entries), adoption, str(version))


@dataclass(frozen=True)
class Comparison:
    matched: tuple[Finding, ...]  # findings the baseline accounts for
    unmatched: tuple[Finding, ...]  # findings the baseline does not know
    stale: tuple[Entry, ...]  # entries (count = how many copies) that nothing matched


def compare(
    baseline: Baseline,
    findings: Sequence[Finding],
    root: str,
    base_dir: str,
    in_scope: Callable[[Entry], bool] = lambda entry: True,
) -> Comparison:
    """Count-aware matching of ``findings`` against ``baseline``.

    ``in_scope`` says whether an unmatched entry could have been found by this run (its file
    was scanned, or no longer exists; its rule was enabled): only those are stale.
    """
    available: Counter[Key] = Counter()
    by_key: dict[Key, Entry] = {}
    for entry in baseline.entries:
        available[entry.key] += entry.count
        by_key.setdefault(entry.key, entry)
    matched: list[Finding] = []
    unmatched: list[Finding] = []
    for f in findings:
        key = finding_key(f, root, base_dir)
        if available[key] > 0:
            available[key] -= 1
            matched.append(f)
        else:
            unmatched.append(f)
    stale = []
    for key, left in sorted(available.items()):
        if left > 0:
            entry = by_key[key]
            if in_scope(entry):
                stale.append(
                    Entry(entry.code, entry.path, entry.symbol, entry.fingerprint, left,
                          entry.lines, entry.message)
                )  # fmt: skip
    return Comparison(tuple(matched), tuple(unmatched), tuple(stale))


def gated(f: Finding, explicit: Sequence[str], min_priority: Priority) -> bool:
    """Whether ``f`` can fail ``check``.

    Syntax errors, defects and standardization findings can; acceptable bridges (ASY3xx)
    cannot, unless ``--select`` named them explicitly (``--select ASY3`` or ``ASY301``, not
    the catch-all ``ASY``). Findings below ``min_priority`` cannot.
    """
    if f.priority.rank > min_priority.rank:
        return False
    if f.category is Category.ACCEPTABLE:
        return any(len(code) > 3 and f.code.startswith(code) for code in explicit)
    return True


@dataclass(frozen=True)
class CheckOutcome:
    """What ``check`` decided, for the writers and the exit code."""

    result: Result
    failing: tuple[Finding, ...]  # gated findings not in the baseline: these fail
    known: tuple[Finding, ...]  # gated findings the baseline accounts for
    not_gated: int  # findings that never fail here (acceptable, below --min-priority)
    stale: tuple[Entry, ...] = ()
    adoption: Adoption = field(default_factory=lambda: Adoption(0, 0))
    baseline_adoption: Adoption | None = None
    regressed: bool = False
    baseline_path: str | None = None
    min_priority: Priority = Priority.LOW

    @property
    def exit_code(self) -> int:
        return 1 if self.failing or self.regressed else 0

    @property
    def stale_count(self) -> int:
        return sum(e.count for e in self.stale)


def evaluate(
    result: Result,
    baseline: Baseline | None = None,
    *,
    explicit: Sequence[str] = (),
    min_priority: Priority = Priority.LOW,
    base_dir: str | None = None,
    in_scope: Callable[[Entry], bool] = lambda entry: True,
    fail_on_regression: bool = False,
    baseline_path: str | None = None,
) -> CheckOutcome:
    """The gate: which findings fail, which the baseline knows, and the adoption check."""
    adoption = Adoption.of(result.summary)
    if baseline is None:
        gate = [f for f in result.findings if gated(f, explicit, min_priority)]
        return CheckOutcome(
            result, tuple(gate), (), len(result.findings) - len(gate), (), adoption,
            min_priority=min_priority,
        )  # fmt: skip
    comparison = compare(baseline, result.findings, result.root, base_dir or result.root, in_scope)
    failing = tuple(f for f in comparison.unmatched if gated(f, explicit, min_priority))
    known = tuple(f for f in comparison.matched if gated(f, explicit, min_priority))
    regressed = bool(
        fail_on_regression and baseline.adoption is not None and adoption.below(baseline.adoption)
    )
    return CheckOutcome(
        result, failing, known, len(result.findings) - len(failing) - len(known),
        comparison.stale, adoption, baseline.adoption, regressed, baseline_path, min_priority,
    )  # fmt: skip
