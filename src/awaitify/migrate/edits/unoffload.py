"""A function a thread ran comes back to the loop once it is ``async def``.

``await asyncio.to_thread(f, a, k=b)`` → ``await f(a, k=b)``, and ``await
loop.run_in_executor(None, f, a)`` → ``await f(a)``: in the thread, the converted ``f``
would only make a coroutine. This is how the phases compose: ``migrate --rule ASY204``
moves a sync repository's calls to threads, and ``--rule ASY202`` then converts the
repository and brings those calls back.
"""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer
from awaitify.migrate.locate import Target
from awaitify.migrate.model import CallEdit


class Unoffload(EditTransformer):
    description = "call a function made async on the loop rather than in a thread"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        if not isinstance(node, cst.Call) or not isinstance(target.edit, CallEdit):
            return None
        position = int(target.edit.twin or "0")
        args = list(node.args)
        if len(args) <= position or any(a.keyword or a.star for a in args[: position + 1]):
            return None
        function = args[position].value
        rest = args[position + 1 :]
        return node.with_changes(
            func=function, args=rest, whitespace_after_func=cst.SimpleWhitespace("")
        )
