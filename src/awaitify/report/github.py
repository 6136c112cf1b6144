"""GitHub Actions workflow commands: one annotation per finding.

``::error file=app/x.py,line=10,col=5,endLine=10,endColumn=20,title=ASY100 blocking-call-in-async::message``

Levels: ``error`` for syntax errors and defects, ``warning`` for standardization, ``notice``
for acceptable bridges. Values are escaped as the Actions toolkit does: ``%``, CR and LF in
the message; those plus ``:`` and ``,`` in properties.
"""

from __future__ import annotations

from collections.abc import Iterable

from awaitify.model import Finding, Result
from awaitify.report.metrics import GITHUB_LEVEL


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    props = [
        ("file", f.path),
        ("line", str(max(f.line, 1))),
        ("col", str(f.column + 1)),
    ]
    end_line = max(f.end_line, f.line)
    if end_line > f.line or f.end_column > f.column:
        props.append(("endLine", str(end_line)))
        props.append(("endColumn", str(f.end_column + 1)))
    props.append(("title", f"{f.code} {f.name}"))
    message = f.message
    if f.symbol:
        message += f" [{f.symbol}]"
    if f.chain and " → ".join(f.chain) not in message:
        message += "\nchain: " + " → ".join(f.chain)
    message += f"\npriority: {f.priority.value}"
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{GITHUB_LEVEL[f.category]} {head}::{escape_data(message)}"


def annotation_lines(findings: Iterable[Finding]) -> list[str]:
    return [annotation(f) for f in findings]


def render(result: Result, color: bool = False) -> str:
    lines = annotation_lines(result.findings)
    return "\n".join(lines) + "\n" if lines else ""
