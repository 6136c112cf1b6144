"""``f(x)`` → ``await f(x)``: a call to a converted function, or to a coroutine method of an
async session, from code that is async now."""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer
from awaitify.migrate.locate import Target


class AwaitCalls(EditTransformer):
    description = "await every call to a function that became async"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        if not isinstance(node, cst.Call):
            return None
        return self.awaited(node, target.parens)
