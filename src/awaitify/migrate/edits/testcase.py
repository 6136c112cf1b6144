"""``class T(unittest.TestCase)`` → ``class T(unittest.IsolatedAsyncioTestCase)``.

pytest runs a ``unittest.TestCase``'s methods through unittest, and pytest-asyncio does not
run them: an ``async def`` test method there would only create a coroutine that nobody
awaits, and pass without running. ``IsolatedAsyncioTestCase`` awaits its ``async def``
tests itself (sync tests, ``setUp`` and ``tearDown`` keep working), so a class whose test
becomes async changes base, and its test gets no pytest marker. The planner asks for this
only when the class derives from ``unittest.TestCase`` directly, written
``unittest.TestCase`` (any alias of the module) or ``TestCase`` imported from ``unittest``.
"""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer
from awaitify.migrate.locate import Target, testcase_base_index

ISOLATED = "IsolatedAsyncioTestCase"


class IsolatedAsyncioBase(EditTransformer):
    description = "make a unittest.TestCase whose test became async an IsolatedAsyncioTestCase"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        if not isinstance(node, cst.ClassDef):
            return None
        index = testcase_base_index(node)
        if index < 0:
            return None
        bases = list(node.bases)
        value = bases[index].value
        new: cst.BaseExpression
        if isinstance(value, cst.Attribute):
            new = value.with_changes(attr=cst.Name(ISOLATED))
        else:
            assert isinstance(value, cst.Name)
            new = value.with_changes(value=ISOLATED)
            self.imports.add("unittest", ISOLATED)
            self.imports.remove_if_unused("unittest", "TestCase")
        bases[index] = bases[index].with_changes(value=new)
        return node.with_changes(bases=bases)
