"""SARIF 2.1.0 for code-scanning services (GitHub code scanning, Azure DevOps, ...).

One run; ``tool.driver.rules`` holds every rule with its documentation (generated from the
rule class, like ``awaitify rules CODE``) and its default level; each result carries a
physical location (1-based columns), a logical location (the symbol), the finding's
fingerprint as a partial fingerprint, and its priority, layer and chain as properties.
Validated in the tests against the official OASIS schema in ``schemas/``.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from awaitify import __version__
from awaitify.model import Finding, Result
from awaitify.report.metrics import SARIF_LEVEL, RuleInfo, rule_catalogue

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: the key of :attr:`Finding.fingerprint` in ``partialFingerprints`` (versioned, per SARIF §3.27.17)
FINGERPRINT_KEY = "awaitify/v1"
SRCROOT = "%SRCROOT%"


def _help_text(info: RuleInfo) -> str:
    parts = [info.what, "", "Why is this bad?", info.why]
    if info.bad:
        parts += ["", "Example:", info.bad.rstrip()]
    if info.good:
        parts += ["", "Use instead:", info.good.rstrip()]
    if info.fix:
        parts += ["", "Fix:", info.fix]
    return "\n".join(parts).strip()


def _help_markdown(info: RuleInfo) -> str:
    parts = [f"**{info.code} {info.name}** ({info.category.value})", "", info.what]
    if info.why:
        parts += ["", "#### Why is this bad?", "", info.why]
    if info.bad:
        parts += ["", "#### Example", "", "```python", info.bad.rstrip(), "```"]
    if info.good:
        parts += ["", "Use instead:", "", "```python", info.good.rstrip(), "```"]
    if info.fix:
        parts += ["", "#### Fix", "", info.fix]
    parts += ["", f"`awaitify rules {info.code}` explains it in the terminal."]
    return "\n".join(parts).strip()


def _descriptor(info: RuleInfo) -> dict[str, Any]:
    short = info.summary or info.name.replace("-", " ")
    descriptor: dict[str, Any] = {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": " ".join(info.what.split()) or short},
        "defaultConfiguration": {"level": SARIF_LEVEL[info.category]},
        "properties": {
            "category": info.category.value,
            "tags": ["async", info.category.value],
            "precision": "high",
        },
    }
    if info.what:
        descriptor["help"] = {"text": _help_text(info), "markdown": _help_markdown(info)}
    if info.fix_safety:
        descriptor["properties"]["fix-safety"] = info.fix_safety
    return descriptor


def artifact_uri(path: str) -> tuple[str, str | None]:
    """``(uri, uriBaseId)``: relative paths resolve against ``%SRCROOT%``, others are file URIs."""
    if posixpath.isabs(path):
        return PurePosixPath(path).as_uri(), None
    if len(path) > 2 and path[1] == ":" and path[2] == "/":  # a Windows drive path
        return "file:///" + quote(path, safe="/:", errors="surrogateescape"), None
    return quote(path, safe="/-_.~", errors="surrogateescape"), SRCROOT


def _region(f: Finding) -> dict[str, int]:
    region = {"startLine": max(f.line, 1), "startColumn": f.column + 1}
    end_line = max(f.end_line, f.line)
    if end_line > f.line or f.end_column > f.column:
        region["endLine"] = end_line
        region["endColumn"] = f.end_column + 1  # exclusive, like ``ast`` end offsets
    return region


def _message(f: Finding) -> str:
    text = f.message
    if f.chain and " → ".join(f.chain) not in text:
        text += " (chain: " + " → ".join(f.chain) + ")"
    return text


def _result(f: Finding, rule_index: int, state: str | None) -> dict[str, Any]:
    uri, base = artifact_uri(f.path)
    location: dict[str, Any] = {"uri": uri}
    if base:
        location["uriBaseId"] = base
    physical = {"artifactLocation": location, "region": _region(f)}
    loc: dict[str, Any] = {"physicalLocation": physical}
    if f.symbol:
        loc["logicalLocations"] = [
            {"fullyQualifiedName": f.symbol, "kind": "member" if "." in f.symbol else "function"}
        ]
    out: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": SARIF_LEVEL[f.category],
        "message": {"text": _message(f)},
        "locations": [loc],
    }
    if f.fingerprint:
        out["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    if state:
        out["baselineState"] = state
    props: dict[str, Any] = {
        "priority": f.priority.value,
        "category": f.category.value,
        "layer": f.layer,
    }
    if f.chain:
        props["chain"] = list(f.chain)
    if f.fix:
        props["fix"] = f.fix
    out["properties"] = props
    return out


def document(
    result: Result,
    findings: Sequence[Finding] | None = None,
    states: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The SARIF log as a dict.

    ``findings`` defaults to every finding of ``result``; ``states`` (parallel to it) sets
    each result's ``baselineState`` (``new`` / ``unchanged``) when ``check`` compares
    against a baseline.
    """
    items = list(result.findings if findings is None else findings)
    catalogue = rule_catalogue(items)
    index = {code: i for i, code in enumerate(catalogue)}
    root = result.root.replace("\\", "/")
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "awaitify",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_descriptor(info) for info in catalogue.values()],
            }
        },
        # Finding columns come from ``ast`` offsets (UTF-8 bytes): exact on ASCII lines, which
        # is what code scanning needs to place an annotation on the right line and token
        "columnKind": "unicodeCodePoints",
        "results": [
            _result(f, index[f.code], states[i] if states else None) for i, f in enumerate(items)
        ],
        "properties": {
            "summary": result.summary.to_json(),
            "asyncAdoption": round(result.summary.async_adoption, 4),
        },
    }
    if posixpath.isabs(root):
        run["originalUriBaseIds"] = {
            SRCROOT: {"uri": PurePosixPath(root).as_uri().rstrip("/") + "/"}
        }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: Result, color: bool = False) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
