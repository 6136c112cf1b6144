"""At an accepted boundary (Celery task, entry point, sync hook), a call to a function that
became async is wrapped in the bridge: ``f(x)`` → ``asyncio.run(f(x))``."""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer
from awaitify.migrate.locate import Target


class WrapInAsyncioRun(EditTransformer):
    description = "run a converted function from a sync boundary with asyncio.run"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        if not isinstance(node, cst.Call):
            return None
        inner = node.with_changes(lpar=[], rpar=[]) if node.lpar else node
        return cst.Call(
            func=self.asyncio_attr("run"),
            args=[cst.Arg(value=inner)],
            lpar=node.lpar,
            rpar=node.rpar,
        )
