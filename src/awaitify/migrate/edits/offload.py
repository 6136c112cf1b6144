"""A blocking call left in async code moves off the event loop.

``f(a, k=b)`` → ``await asyncio.to_thread(f, a, k=b)``. When the call is the receiver of a
chain (``db.scalars(q).first()``, ``requests.get(u).json()``) the whole chain moves, or the
rest of it would still block on the loop: ``await asyncio.to_thread(lambda:
db.scalars(q).first())`` (the lambda runs at once, so late binding cannot bite).
"""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer, leading_arg
from awaitify.migrate.locate import Target


class OffloadToThread(EditTransformer):
    description = "move a blocking call in async code to asyncio.to_thread"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        if not isinstance(node, cst.BaseExpression):
            return None
        to_thread = self.asyncio_attr("to_thread")
        if target.chain:
            inner = node.with_changes(lpar=[], rpar=[]) if node.lpar else node
            lam = cst.Lambda(params=cst.Parameters(), body=inner)
            call = cst.Call(func=to_thread, args=[cst.Arg(value=lam)])
            outer = call.with_changes(lpar=node.lpar, rpar=node.rpar)
            return self.awaited(outer, target.parens)
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        call = node.with_changes(
            func=to_thread,
            args=[leading_arg(func, node), *node.args],
            whitespace_after_func=cst.SimpleWhitespace(""),
        )
        return self.awaited(call, target.parens)
