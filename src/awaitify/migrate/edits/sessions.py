"""``with SessionLocal() as db:`` → ``async with AsyncSessionLocal() as db:`` where the
sync session factory has a configured async twin (``session-factories``).

The planner only asks for this when every use of ``db`` in the block is a method an
``AsyncSession`` has; the coroutine ones (``get``, ``execute``, ``commit``, ...) are awaited
by :class:`~awaitify.migrate.edits.await_calls.AwaitCalls`.
"""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer
from awaitify.migrate.locate import Target
from awaitify.migrate.model import WithEdit


def _rename(expr: cst.BaseExpression, name: str) -> cst.BaseExpression | None:
    if isinstance(expr, cst.Name):
        return expr.with_changes(value=name)
    if isinstance(expr, cst.Attribute):
        return expr.with_changes(attr=expr.attr.with_changes(value=name))
    return None


class AsyncSessionWith(EditTransformer):
    description = "enter the async twin of a sync session factory with async with"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        edit = target.edit
        if not isinstance(node, cst.With) or not isinstance(edit, WithEdit) or node.asynchronous:
            return None
        item = node.items[target.item]
        call = item.item
        if not isinstance(call, cst.Call):
            return None
        func = call.func
        renamed: cst.BaseExpression | None
        if isinstance(func, cst.Attribute) and func.attr.value == "begin":
            renamed_base = _rename(func.value, edit.twin_name)
            renamed = func.with_changes(value=renamed_base) if renamed_base is not None else None
            old = func.value
        else:
            renamed = _rename(func, edit.twin_name)
            old = func
        if renamed is None:
            return None
        if edit.import_module or edit.import_level:
            self.imports.add(edit.import_module, edit.twin_name, relative=edit.import_level)
            if isinstance(old, cst.Name):
                self.imports.remove_if_unused(
                    self.imports.absolute(edit.import_module, edit.import_level), old.value
                )
        items = list(node.items)
        items[target.item] = item.with_changes(item=call.with_changes(func=renamed))
        return node.with_changes(asynchronous=cst.Asynchronous(), items=items)
