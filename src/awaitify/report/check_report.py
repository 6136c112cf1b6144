"""Writers for ``awaitify check``: text, json, sarif and github, from a :class:`CheckOutcome`.

Only the findings that fail (new ones, with a baseline) are listed in text and github
output; SARIF also carries the baselined ones with ``baselineState: unchanged`` so code
scanning keeps them open instead of closing them as fixed.
"""

from __future__ import annotations

import json
from typing import Any

from awaitify import __version__
from awaitify.baseline import CheckOutcome, Entry
from awaitify.model import Finding, Priority
from awaitify.report import github, sarif
from awaitify.report.metrics import pct, plural

CHECK_FORMATS = ("text", "json", "sarif", "github")


def finding_line(f: Finding) -> str:
    return f"{f.path}:{f.line}:{f.column + 1}: {f.code} [{f.priority.value}] {f.message}"


def stale_line(e: Entry) -> str:
    where = f" (was line {', '.join(map(str, e.lines))})" if e.lines else ""
    copies = f" ×{e.count}" if e.count > 1 else ""  # noqa: RUF001 - a multiplication sign, on purpose
    symbol = f" {e.symbol}" if e.symbol else ""
    return f"{e.path}: {e.code}{symbol}{copies}{where}"


def adoption_line(outcome: CheckOutcome) -> str:
    a = outcome.adoption
    line = f"async adoption {pct(a.async_functions, a.io_functions)} ({a.async_functions:,} of {plural(a.io_functions, 'I/O function')})"
    before = outcome.baseline_adoption
    if before is not None:
        line += f"; baseline {pct(before.async_functions, before.io_functions)}"
        if outcome.regressed:
            line += " — went down"
    return line


def verdict(outcome: CheckOutcome) -> str:
    """One line: what failed, or that the check passed."""
    parts = []
    if outcome.baseline_path is not None:
        parts.append(f"{plural(len(outcome.failing), 'new finding')}")
        parts.append(f"{len(outcome.known):,} in the baseline")
    else:
        parts.append(plural(len(outcome.failing), "finding"))
    if outcome.not_gated:
        why = (
            "acceptable"
            if outcome.min_priority is Priority.LOW
            else "acceptable or below --min-priority"
        )
        parts.append(f"{outcome.not_gated:,} not failing ({why})")
    if outcome.stale:
        parts.append(
            f"{plural(outcome.stale_count, 'stale baseline entry', 'stale baseline entries')}"
        )
    status = "failed" if outcome.exit_code else "passed"
    reason = " (async adoption went down)" if outcome.regressed and not outcome.failing else ""
    return f"awaitify check {status}{reason}: " + ", ".join(parts)


def render_text(outcome: CheckOutcome) -> str:
    lines = [finding_line(f) for f in outcome.failing]
    if lines:
        lines.append("")
    if outcome.stale:
        lines.append(
            f"Stale baseline entries ({outcome.stale_count:,}): fixed, or changed since the"
            " baseline was written; refresh it with --write-baseline."
        )
        lines += ["  " + stale_line(e) for e in outcome.stale]
        lines.append("")
    lines.append(adoption_line(outcome))
    lines.append(verdict(outcome))
    return "\n".join(lines) + "\n"


def _finding_json(f: Finding) -> dict[str, Any]:
    doc = f.to_json()
    doc["fingerprint"] = f.fingerprint
    return doc


def document(outcome: CheckOutcome) -> dict[str, Any]:
    before = outcome.baseline_adoption
    return {
        "schema": 1,
        "tool": {"name": "awaitify", "version": __version__},
        "root": outcome.result.root,
        "passed": outcome.exit_code == 0,
        "exit_code": outcome.exit_code,
        "baseline": outcome.baseline_path,
        "min_priority": outcome.min_priority.value,
        "counts": {
            "findings": len(outcome.result.findings),
            "failing": len(outcome.failing),
            "baselined": len(outcome.known),
            "not_failing": outcome.not_gated,
            "stale": outcome.stale_count,
        },
        "adoption": {
            **outcome.adoption.to_json(),
            "baseline": before.to_json() if before else None,
            "regressed": outcome.regressed,
        },
        "findings": [_finding_json(f) for f in outcome.failing],
        "stale": [e.to_json() for e in outcome.stale],
    }


def render(outcome: CheckOutcome, fmt: str, color: bool = False) -> str:
    if fmt == "json":
        return json.dumps(document(outcome), indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        gate = sorted([*outcome.failing, *outcome.known], key=Finding.sort_key)
        states = None
        if outcome.baseline_path is not None:
            new = {id(f) for f in outcome.failing}
            states = ["new" if id(f) in new else "unchanged" for f in gate]
        doc = sarif.document(outcome.result, gate, states)
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        lines = github.annotation_lines(outcome.failing)
        return "\n".join(lines) + "\n" if lines else ""
    return render_text(outcome)
