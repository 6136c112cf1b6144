"""What every edit transformer shares.

Each kind of edit is one :class:`EditTransformer`: it is given the nodes to change (found
once, on the original tree, by :mod:`awaitify.migrate.locate`) and rewrites exactly those
in :meth:`EditTransformer.apply`. The transformers run one after the other; each records
what became of the nodes the later ones still need (``replaced``). A transformer descends
only into those nodes, their ancestors and the replacements earlier transformers made
(``opened``: new nodes that nothing else tracks), so a file is walked in proportion to its
edits rather than its size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from awaitify.migrate.imports import ImportEdits
from awaitify.migrate.locate import Target

#: expressions that can follow ``await`` without parentheses
_PRIMARY = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString,
            cst.Integer, cst.Float, cst.List, cst.Tuple, cst.Dict, cst.Set,
            cst.ListComp, cst.SetComp, cst.DictComp, cst.ConcatenatedString,
            cst.FormattedString, cst.Await)  # fmt: skip


class EditTransformer(cst.CSTTransformer):
    #: one line for ``--help``-style listings and the docs
    description: ClassVar[str] = ""

    def __init__(
        self,
        targets: Mapping[cst.CSTNode, Target],
        tracked: set[cst.CSTNode],
        opened: set[cst.CSTNode],
        imports: ImportEdits,
    ) -> None:
        super().__init__()
        self.targets = targets
        self.tracked = tracked
        self.opened = opened
        self.imports = imports
        self.replaced: dict[cst.CSTNode, cst.CSTNode] = {}
        self.made: list[cst.CSTNode] = []  # this pass's replacements (opened for the next)
        self.applied: list[Target] = []
        self._inside = 0  # depth inside an opened replacement: visit everything there
        self._entered: list[bool] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        entered = self._inside > 0 or node in self.opened
        self._entered.append(entered)
        if entered:
            self._inside += 1
            return True
        return node in self.tracked

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode:
        if self._entered.pop():
            self._inside -= 1
        target = self.targets.get(original_node)
        result = updated_node
        if target is not None:
            new = self.apply(updated_node, target)
            if new is not None:
                result = new
                self.applied.append(target)
                self.made.append(new)
        if original_node in self.tracked or original_node in self.opened:
            self.replaced[original_node] = result
        return result

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        """The replacement of ``node``, or None to leave it (the edit does not apply)."""
        raise NotImplementedError

    # -- building blocks ------------------------------------------------------------------
    def awaited(self, node: cst.BaseExpression, parens: bool) -> cst.Await:
        """``await node``; the node's own parentheses move outside the ``await``, and a
        receiver gets some: ``(await f()).x``."""
        lpar, rpar = list(node.lpar), list(node.rpar)
        inner = node.with_changes(lpar=[], rpar=[]) if lpar else node
        if not lpar and parens:
            lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
        return cst.Await(expression=inner, lpar=lpar, rpar=rpar)

    def asyncio_attr(self, name: str) -> cst.Attribute:
        self.imports.add("asyncio")
        return cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name(name))


def operand(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` as the operand of ``await``: parenthesised unless it is a primary."""
    if expr.lpar or isinstance(expr, _PRIMARY):
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def leading_arg(value: cst.BaseExpression, call: cst.Call) -> cst.Arg:
    """An argument to put before ``call``'s own, laid out like them (one per line if so)."""
    if not call.args:
        return cst.Arg(value=value)
    ws = call.whitespace_before_args
    after: cst.BaseParenthesizableWhitespace = (
        ws if isinstance(ws, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
    )
    return cst.Arg(value=value, comma=cst.Comma(whitespace_after=after))
