"""Apply one file's edits with LibCST; formatting and comments outside the edited tokens
stay byte for byte.

The file is parsed once. :mod:`awaitify.migrate.locate` finds every node the edits address
(positions refer to the original tree), then one transformer per kind of edit runs over
the tree, in an order where each one's output is what the next expects: generator
expressions that must await become lists first, then calls are awaited, moved to
threads, given their async twin, unbridged or bridged, sessions entered with ``async
with``, the functions themselves become ``async def``, and last a ``unittest.TestCase``
whose test became async turns into an ``IsolatedAsyncioTestCase``. Imports go through
LibCST's shared helpers at the end. Only files with edits are ever parsed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from awaitify.engine.parse import decode
from awaitify.migrate.edits.await_calls import AwaitCalls
from awaitify.migrate.edits.base import EditTransformer
from awaitify.migrate.edits.bridge import WrapInAsyncioRun
from awaitify.migrate.edits.functions import MakeAsync
from awaitify.migrate.edits.genexp import GenexpToList
from awaitify.migrate.edits.offload import OffloadToThread
from awaitify.migrate.edits.sessions import AsyncSessionWith
from awaitify.migrate.edits.testcase import IsolatedAsyncioBase
from awaitify.migrate.edits.twins import AsyncTwins
from awaitify.migrate.edits.unbridge import Unbridge
from awaitify.migrate.edits.unoffload import Unoffload
from awaitify.migrate.imports import ImportEdits
from awaitify.migrate.locate import CLASS, FUNCTION, GENEXP, WITH, Target, locate
from awaitify.migrate.model import (
    AWAIT,
    BRIDGE,
    OFFLOAD,
    TWIN,
    UNBRIDGE,
    UNOFFLOAD,
    Counts,
    FileEdits,
    FunctionEdit,
    Review,
)

#: (kind, transformer), in the order they run
PASSES: tuple[tuple[str, type[EditTransformer]], ...] = (
    (GENEXP, GenexpToList),
    (AWAIT, AwaitCalls),
    (OFFLOAD, OffloadToThread),
    (UNOFFLOAD, Unoffload),
    (TWIN, AsyncTwins),
    (UNBRIDGE, Unbridge),
    (BRIDGE, WrapInAsyncioRun),
    (WITH, AsyncSessionWith),
    (FUNCTION, MakeAsync),
    (CLASS, IsolatedAsyncioBase),
)


@dataclass(frozen=True)
class Rewritten:
    after: bytes
    counts: Counts
    functions: tuple[str, ...]  # qualnames made async
    review: tuple[Review, ...]


def _count(applied: list[Target]) -> Counts:
    c: dict[str, int] = {}

    def bump(name: str) -> None:
        c[name] = c.get(name, 0) + 1

    for t in applied:
        if t.kind == FUNCTION:
            bump("functions_converted")
            if isinstance(t.edit, FunctionEdit) and t.edit.is_test:
                bump("tests_converted")
            if isinstance(t.edit, FunctionEdit) and t.edit.is_fixture:
                bump("fixtures_converted")
        elif t.kind in (AWAIT, UNOFFLOAD):
            bump("calls_awaited")  # ``await to_thread(f, x)`` → ``await f(x)``: awaited too
        elif t.kind == OFFLOAD:
            bump("calls_to_threads")
        elif t.kind == TWIN:
            bump("async_twins")
        elif t.kind == UNBRIDGE:
            bump("bridges_removed")
        elif t.kind == BRIDGE:
            bump("bridges_inserted")
        elif t.kind == WITH:
            bump("async_withs")
    return Counts(**c)


def rewrite_source(
    source: bytes, edits: FileEdits, module_name: str = "", is_package: bool = False
) -> Rewritten:
    """The new bytes of one file (the same bytes when nothing applies)."""
    try:
        tree = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError) as exc:
        line = getattr(exc, "raw_line", 0) or 1
        return Rewritten(
            source, Counts(), (),
            (Review(edits.path, line, f"LibCST cannot parse this file ({type(exc).__name__}): "
                                      "none of its edits were made"),),
        )  # fmt: skip
    located = locate(tree, edits, decode(source))
    imports = ImportEdits(edits.abspath, module_name, is_package)
    current: dict[cst.CSTNode, cst.CSTNode] = {n: n for n in located.tracked}
    opened: set[cst.CSTNode] = set()
    applied: list[Target] = []
    module = tree
    for kind, transformer in PASSES:
        targets = {current[n]: t for n, t in located.targets.items() if t.kind == kind}
        if not targets:
            continue
        step = transformer(targets, set(current.values()), opened, imports)
        module = module.visit(step)
        replaced = step.replaced
        current = {n: replaced.get(c, c) for n, c in current.items()}
        opened = {replaced.get(o, o) for o in opened} | set(step.made)
        applied.extend(step.applied)
    if applied:
        module = imports.apply(module)
    functions = tuple(
        t.edit.qualname for t in applied if t.kind == FUNCTION and isinstance(t.edit, FunctionEdit)
    )
    review = tuple(Review(edits.path, line, message) for line, message in located.review)
    after = module.bytes if applied else source
    return Rewritten(after, _count(applied), functions, review)
