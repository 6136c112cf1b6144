"""The SPEC §5 JSON document: deterministic, sorted, no timings."""

from __future__ import annotations

import json
from typing import Any

from awaitify import __version__
from awaitify.model import Result


def document(result: Result) -> dict[str, Any]:
    return {
        "schema": 1,
        "tool": {"name": "awaitify", "version": __version__},
        "root": result.root,
        "summary": result.summary.to_json(),
        "files": [row.to_json() for row in result.files],
        "findings": [f.to_json() for f in result.findings],
    }


def render(result: Result, color: bool = False) -> str:
    return json.dumps(document(result), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
