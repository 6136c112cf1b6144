from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.bridges import (
    ASY205,
    ISOLATED_TESTCASE,
    UNITTEST_TESTCASE,
    BridgeSite,
    bridge_classes,
    testcase_bases,
)
from awaitify.analysis.facts import C_COL, C_LINE
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import ClassRef, Resolver
from awaitify.model import Category
from awaitify.rules._support import bridge_hit
from awaitify.rules.base import Hit, Rule


class SyncTestOfAsync(Rule):
    """## What it does
    Reports a sync test (a `test*` function, or a method of a `Test*` class or a
    `unittest.TestCase`, in the test layer) or a sync pytest fixture that drives async
    code itself: it calls `asyncio.run`, `loop.run_until_complete` (including the
    `event_loop` fixture's), `async_to_sync`, `anyio.run` or `trio.run`. One test is one
    finding, at its first bridge.

    A sync test that only calls sync code that bridges internally (a Celery task, an
    adapter, `TestClient`) is not reported: the test does not drive the loop. Bridges in
    other test helpers are not reported either (the test layer is an accepted boundary;
    the tests that use those helpers are what the migration converts).

    ## Why is this bad?
    Each `asyncio.run` starts and tears down a fresh event loop inside the test, so
    fixtures, connection pools and tasks that belong to the test's loop cannot be shared;
    `run_until_complete` on a deprecated `event_loop` fixture breaks with newer
    pytest-asyncio. An `async def` test run by pytest-asyncio (or anyio) awaits the code
    under test directly, the way production code calls it.

    A method of a `unittest.TestCase` is different: pytest runs it through unittest, and
    pytest-asyncio does not run TestCase methods, so an `async def` test method with
    `@pytest.mark.asyncio` would only create a coroutine nobody awaits, and pass without
    running. Derive the class from `unittest.IsolatedAsyncioTestCase` instead, which
    awaits its `async def` tests itself (no marker).

    ## Example
    ```python
    # tests/test_reports.py
    import asyncio


    def test_monthly_report():
        report = asyncio.run(build_report(month=3))
        assert report.total == 1200
    ```

    Use instead:
    ```python
    # tests/test_reports.py
    import pytest


    @pytest.mark.asyncio
    async def test_monthly_report():
        report = await build_report(month=3)
        assert report.total == 1200
    ```

    ## Fix
    `awaitify migrate` makes the test `async def`, replaces the bridge with `await`, and
    adds `@pytest.mark.asyncio` (nothing under `asyncio_mode = "auto"`, `@pytest.mark.anyio`
    with `pytest-marker = "anyio"`). A method of a class that derives directly from
    `unittest.TestCase` gets no marker: the class becomes a
    `unittest.IsolatedAsyncioTestCase`; a method of any other TestCase subclass (a
    framework's, or one that derives from `unittest.TestCase` through a project class) is
    left for review. Unsafe: fixtures the test uses may need to become async too.

    ## Options
    `pytest-marker` (`asyncio` or `anyio`) and `asyncio-mode` decide the marker the fix
    adds and the one the message suggests (a test that drives `trio.run` is told to run
    under trio instead).
    """

    code = "ASY205"
    name = "sync-test-of-async"
    category = Category.STANDARDIZE
    message = "sync {where} `{func}` drives async code with `{api}`: {advice}"
    fix_safety = "unsafe"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        first: dict[tuple[int, int], BridgeSite] = {}
        for found in bridge_classes(project).of(ASY205):
            module = found.site.module
            key = (id(module), found.function)
            call = module.facts.calls[found.site.row]
            best = first.get(key)
            if best is None or (call[C_LINE], call[C_COL]) < _position(best):
                first[key] = found
        config = project.config
        if config.pytest_marker == "anyio":
            marker = "`@pytest.mark.anyio`"
        elif config.asyncio_mode == "auto":
            marker = ""
        else:
            marker = "`@pytest.mark.asyncio`"
        resolver = project.graph.resolver
        for found in first.values():
            if found.where == "fixture":
                advice = "make it an async fixture and `await` instead"
            elif found.api == "trio.run":  # trio code does not run on an asyncio loop
                advice = (
                    "make it an `async def` test run by trio (`@pytest.mark.trio` with "
                    "pytest-trio, or `@pytest.mark.anyio` with the trio backend)"
                )
            else:
                advice = _testcase_advice(resolver, found) or (
                    "make it an `async def` test" + (f" with {marker}" if marker else "")
                )
            yield bridge_hit(self, found, advice=advice)


def _testcase_advice(resolver: Resolver, found: BridgeSite) -> str:
    """The advice for a method of a unittest-style class ("" for any other test): pytest
    runs it through unittest, where a pytest-asyncio marker does nothing."""
    module = found.site.module
    fn = module.facts.functions[found.function]
    if fn.class_index < 0 or fn.parent >= 0:
        return ""
    bases = testcase_bases(resolver, module, fn.class_index)
    if not bases:
        return ""
    if bases != [UNITTEST_TESTCASE] and _has_async_tests(resolver, module, fn.class_index):
        # azure's ``AsyncStorageRecordedTestCase``: its ``async def test_*`` methods run
        # already (the base runs them), so this one can be one too
        return "make it an `async def` test, as the class's other async tests are"
    if ISOLATED_TESTCASE in bases:
        return "make it an `async def` test (`unittest.IsolatedAsyncioTestCase` awaits it)"
    if bases == [UNITTEST_TESTCASE]:
        direct = {
            base: resolver.resolve_name(module, -1, base)
            for base in module.facts.classes[fn.class_index].bases
        }
        through = [base for base, target in direct.items() if isinstance(target, ClassRef)]
        if through and not any(
            isinstance(target, str) and target.endswith("TestCase") for target in direct.values()
        ):  # ``class TestX(TableTest)``, ``class TableTest(TestCase)``: as migrate says
            via = through[0].rpartition(".")[2]
            return (
                f"the class derives from `unittest.TestCase` through `{via}`: derive `{via}` "
                "from `unittest.IsolatedAsyncioTestCase` by hand, then make it an `async def` "
                "test (pytest-asyncio does not run `unittest.TestCase` methods)"
            )
        return (
            "derive the test case from `unittest.IsolatedAsyncioTestCase` instead of "
            "`unittest.TestCase` and make it an `async def` test (pytest-asyncio does not "
            "run `unittest.TestCase` methods)"
        )
    return (
        f"make it async with `{bases[0]}`'s own async test support (pytest-asyncio does "
        "not run TestCase methods)"
    )


def _has_async_tests(resolver: Resolver, module: Module, class_index: int) -> bool:
    """Does the class, or a project class it derives from, have ``async def test*``
    methods?"""
    for c in resolver.mro(ClassRef(module, class_index)):
        for fn in c.module.facts.functions:
            if fn.class_index == c.index and fn.is_async and fn.name.startswith("test"):
                return True
    return False


def _position(found: BridgeSite) -> tuple[int, int]:
    call = found.site.module.facts.calls[found.site.row]
    return call[C_LINE], call[C_COL]
