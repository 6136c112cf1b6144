"""A blocking call with a known safe async twin: ``time.sleep(x)`` → ``await asyncio.sleep(x)``,
and a blocking project method whose class has its async twin: ``self.read(x)`` →
``await self.aread(x)``.

Only twins with the same arguments and the same meaning are used (see
:data:`awaitify.migrate.model.ASYNC_TWINS`); every other blocking call goes to a thread.
"""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer
from awaitify.migrate.locate import Target
from awaitify.migrate.model import CallEdit


class AsyncTwins(EditTransformer):
    description = "replace a blocking call by its async twin (time.sleep → asyncio.sleep)"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        edit = target.edit
        if not isinstance(node, cst.Call) or not isinstance(edit, CallEdit) or not edit.twin:
            return None
        if "." not in edit.twin:  # a project method's twin: ``self.aread(...)``
            if not isinstance(node.func, cst.Attribute):
                return None
            func = node.func.with_changes(attr=cst.Name(edit.twin))
            return self.awaited(node.with_changes(func=func), target.parens)
        module, _, name = edit.twin.rpartition(".")
        self.imports.add(module)
        func = cst.Attribute(value=cst.Name(module), attr=cst.Name(name))
        old_module, _, old_name = edit.what.rpartition(".")
        if old_module:
            # only the import this call was written through: ``time.sleep(...)`` may leave
            # ``import time`` unused, ``real_sleep(...)`` its ``from time import sleep as
            # real_sleep``; another import of the module, unused before, is not this edit's
            if isinstance(node.func, cst.Attribute):
                self.imports.remove_if_unused(old_module)
            else:
                self.imports.remove_if_unused(old_module, old_name)
        return self.awaited(node.with_changes(func=func), target.parens)
