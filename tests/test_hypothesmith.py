"""Generated programs never crash the extractor (and its counts agree with ``ast``)."""

from __future__ import annotations

import ast
import warnings

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awaitify.engine.parse import facts_from_bytes

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def ast_counts(source: bytes) -> tuple[int, int] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    nodes = list(ast.walk(tree))
    return (
        sum(isinstance(n, ast.AsyncFunctionDef) for n in nodes),
        sum(isinstance(n, ast.FunctionDef) for n in nodes),
    )


def check(source: bytes) -> None:
    facts = facts_from_bytes(source)  # must not raise, whatever the input
    facts_from_bytes(source, (3, 8))
    expected = ast_counts(source)
    if expected is not None and not facts.degraded:
        assert (facts.async_functions, facts.sync_functions) == expected
        assert facts.syntax_error is None


@SETTINGS
@given(hypothesmith.from_grammar())
def test_grammar_generated_programs(source: str) -> None:
    check(source.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(hypothesmith.from_node())
def test_node_generated_programs(source: str) -> None:
    check(source.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(source: bytes) -> None:
    check(source)


@SETTINGS
@given(st.lists(st.sampled_from([
    "def f(:\n", "async def g():\n    await x\n", "    return (\n", ")\n", "class C:\n",
    "    def m(self): pass\n", "asyncio.run(main())\n", "\tif x:\n", "'''\n", "\x00", "\r\n",
    "with a() as b:\n", "lambda: (yield)\n", "@deco\n", "import asyncio as aio\n",
]), max_size=30))  # fmt: skip
def test_shuffled_broken_fragments(parts: list[str]) -> None:
    check("".join(parts).encode())
