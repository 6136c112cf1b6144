"""``sum(g(x) for x in xs)`` → ``sum([g(x) for x in xs])`` when ``g`` became async.

An ``await`` inside a generator expression would turn it into an async generator, which
``sum`` cannot consume; a list comprehension awaits inside the function instead. Only a
generator expression handed straight to a builtin that consumes it at once is changed
(``list``, ``tuple``, ``set``, ``sorted``, ``sum``, ``min``, ``max``, ``dict``,
``str.join``); every other one is left for review.
"""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer
from awaitify.migrate.locate import Target


class GenexpToList(EditTransformer):
    description = "make a generator expression that must await a list comprehension"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        if not isinstance(node, cst.GeneratorExp):
            return None
        return cst.ListComp(elt=node.elt, for_in=node.for_in)
