"""``def f`` → ``async def f``; a test also gets ``@pytest.mark.asyncio`` (or ``anyio``), and
under pytest-asyncio's strict mode a fixture's ``@pytest.fixture`` becomes
``@pytest_asyncio.fixture``."""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer
from awaitify.migrate.locate import Target
from awaitify.migrate.model import FunctionEdit


def _fixture_func(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Name):
        return expr.value == "fixture"
    return (
        isinstance(expr, cst.Attribute)
        and expr.attr.value == "fixture"
        and isinstance(expr.value, cst.Name)
        and expr.value.value == "pytest"
    )


def _async_fixture(deco: cst.Decorator) -> cst.Decorator:
    new_func = cst.Attribute(value=cst.Name("pytest_asyncio"), attr=cst.Name("fixture"))
    expr = deco.decorator
    if isinstance(expr, cst.Call):
        return deco.with_changes(decorator=expr.with_changes(func=new_func))
    return deco.with_changes(decorator=new_func)


class MakeAsync(EditTransformer):
    description = "turn a selected or affected function into async def"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        edit = target.edit
        if not isinstance(node, cst.FunctionDef) or not isinstance(edit, FunctionEdit):
            return None
        if node.asynchronous is not None:
            return None
        decorators = list(node.decorators)
        if edit.async_fixture:
            for i, deco in enumerate(decorators):
                if _fixture_func(deco.decorator):
                    decorators[i] = _async_fixture(deco)
                    self.imports.add("pytest_asyncio", early=True)
                    self.imports.remove_if_unused("pytest")
                    self.imports.remove_if_unused("pytest", "fixture")
        if edit.marker:
            self.imports.add("pytest", early=True)
            marker = cst.Decorator(decorator=cst.parse_expression(f"pytest.mark.{edit.marker}"))
            decorators.insert(0, marker)
        return node.with_changes(asynchronous=cst.Asynchronous(), decorators=decorators)
