"""One writer per output format. Writers see only a :class:`Result`, never a syntax tree."""

from __future__ import annotations

import importlib

from awaitify.model import Result

#: format name → module in this package exposing ``render(result, color) -> str``
WRITERS = {
    "text": "text",
    "json": "json_report",
    "markdown": "markdown",
    "sarif": "sarif",
    "github": "github",
    "html": "html",
}


def render(fmt: str, result: Result, color: bool = False) -> str:
    module = importlib.import_module(f"awaitify.report.{WRITERS[fmt]}")
    text: str = module.render(result, color=color)
    return text
