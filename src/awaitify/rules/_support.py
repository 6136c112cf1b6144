"""Helpers shared by the ASY2xx/ASY3xx rules: spans, "public", "blocking", bridge hits."""

from __future__ import annotations

from awaitify.analysis.boundaries import owner_class
from awaitify.analysis.bridges import BridgeSite, symbol_of
from awaitify.analysis.callgraph import KIND_BLOCKING, KIND_BRIDGE
from awaitify.analysis.color import Colors
from awaitify.analysis.facts import (
    C_COL,
    C_END_COL,
    C_END_LINE,
    C_LINE,
    FN_ABSTRACT,
    FN_OVERLOAD,
    FN_PROPERTY,
    FN_STUB,
    Function,
)
from awaitify.analysis.project import Module
from awaitify.analysis.resolve import FuncRef
from awaitify.rules.base import Hit, Rule


def def_span(fn: Function) -> tuple[int, int, int, int]:
    """The ``def name`` / ``async def name`` words: where ASY201/202/203 are reported."""
    width = len("async def " if fn.is_async else "def ") + len(fn.name)
    return fn.line, fn.col, fn.line, fn.col + width


def is_public(fn: Function) -> bool:
    """Public API that a standardization converts: not private, not a dunder, not a
    property, not an ``@overload`` signature or an abstract/stub declaration."""
    if fn.name.startswith("_"):
        return False
    return not fn.flags & (FN_PROPERTY | FN_OVERLOAD | FN_STUB | FN_ABSTRACT)


def sync_io_reason(colors: Colors, ref: FuncRef) -> tuple[str, tuple[str, ...]] | None:
    """("blocks", chain) or ("runs a bridge", chain) for a sync function that does I/O or
    enters async code; None for a pure helper. Blocking wins when it is both."""
    if ref in colors.blocking:
        return "blocks", tuple(colors.chain(ref, KIND_BLOCKING))
    if ref in colors.bridging:
        return "runs a bridge", tuple(colors.chain(ref, KIND_BRIDGE))
    return None


def chain_text(chain: tuple[str, ...]) -> str:
    return " → ".join(chain)


def bridge_hit(rule: Rule, found: BridgeSite, **fields: str) -> Hit:
    module: Module = found.site.module
    call = module.facts.calls[found.site.row]
    fn = found.function
    symbol = symbol_of(module, fn)
    return rule.hit(
        module,
        call[C_LINE],
        call[C_COL],
        call[C_END_LINE],
        call[C_END_COL],
        symbol=symbol,
        chain=(symbol, found.api) if fn >= 0 else (found.api,),
        class_index=owner_class(module, fn) if fn >= 0 else -1,
        api=found.api,
        func=symbol,
        where=found.where,
        **fields,
    )
