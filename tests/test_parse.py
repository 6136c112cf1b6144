"""Parsing: CPython's own syntax errors, the salvage of broken files, and inputs that must
give a finding or a count, never an exception."""

from __future__ import annotations

import ast
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from awaitify.analysis.facts import C_CALLEE, C_SCOPE, FileFacts
from awaitify.api import ScanOptions, scan
from awaitify.config import Config
from awaitify.engine.newer_syntax import lower_newer_syntax
from awaitify.engine.parse import facts_from_bytes


def cpython_error(src: bytes) -> SyntaxError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(src, "<unknown>", "exec", flags=ast.PyCF_ONLY_AST)
        except SyntaxError as exc:
            return exc
    raise AssertionError("the example parses")


BROKEN = {
    "unmatched paren": b"def total(items):\n    return sum(i.price for i in items))\n",
    "invalid syntax": b"x = 1\ndef f(:\n    pass\n",
    "unterminated string": b'x = "abc\n',
    "unexpected indent": b"x = 1\n    y = 2\n",
    "expected block": b"def f():\nreturn 1\n",
    "bad dedent": b"if x:\n        a = 1\n    b = 2\n",
    "missing colon": b"class A\n    pass\n",
    "print statement": b'print "hello"\n',
    "await outside async (parses)": None,
    "unicode error": b'x = "\xe9"\n',
}


@pytest.mark.parametrize("name", [k for k, v in BROKEN.items() if v is not None])
def test_syntax_error_is_cpythons_message_line_and_column(name: str) -> None:
    src = BROKEN[name]
    assert src is not None
    expected = cpython_error(src)
    problem = facts_from_bytes(src).syntax_error
    assert problem is not None
    assert (problem.message, problem.line, problem.col) == (
        expected.msg,
        expected.lineno,
        expected.offset,
    )


def test_a_file_that_parses_has_no_problem() -> None:
    f = facts_from_bytes(b"async def f():\n    await g()\n")
    assert f.syntax_error is None and f.newer_syntax is None and not f.salvaged


BROKEN_MIDDLE = """\
import asyncio


def before():
    asyncio.run(main())


class Service:
    async def fetch(self):
        return 1

    def broken(self:
        return {"a": 1,, }

    def after_in_class(self):
        loop.run_until_complete(self.fetch())


async def after():
    await asyncio.sleep(1)


def after_sync():
    from asgiref.sync import async_to_sync
    return async_to_sync(after)()
"""


def test_salvage_keeps_what_is_before_and_after_the_error() -> None:
    f = facts_from_bytes(BROKEN_MIDDLE.encode())
    assert f.syntax_error is not None and f.syntax_error.line == 12
    assert f.salvaged
    names = {fn.qualname for fn in f.functions}
    assert {"before", "Service.fetch", "Service.after_in_class", "after", "after_sync"} <= names
    assert "Service.broken" not in names
    assert f.async_functions == 2
    bridges = {
        (f.calls[i][C_CALLEE], f.functions[f.calls[i][C_SCOPE]].qualname) for i, _ in f.bridges
    }
    assert bridges == {
        ("asyncio.run", "before"),
        ("loop.run_until_complete", "Service.after_in_class"),
        ("asgiref.sync.async_to_sync", "after_sync"),
    }
    # line numbers are those of the original file
    assert next(fn for fn in f.functions if fn.qualname == "after").line == 19
    assert [c.name for c in f.classes] == ["Service"]


def test_salvage_of_several_errors() -> None:
    src = b"def a(:\n    pass\n\ndef b():\n    return 1\n\nx = )\n\nasync def c():\n    pass\n"
    f = facts_from_bytes(src)
    assert f.syntax_error is not None and f.syntax_error.line == 1
    assert {fn.name for fn in f.functions} >= {"b", "c"}


def test_scan_reports_asy001_and_counts_the_rest(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text(BROKEN_MIDDLE)
    result = scan(
        [tmp_path], Config(root=tmp_path), ScanOptions(use_cache=False, cwd=str(tmp_path))
    )
    (finding,) = [f for f in result.findings if f.code == "ASY001"]
    expected = cpython_error(BROKEN_MIDDLE.encode())
    assert (finding.path, finding.line, finding.column) == (
        "broken.py",
        expected.lineno,
        (expected.offset or 1) - 1,
    )
    assert finding.message == expected.msg
    assert result.summary.files_with_syntax_errors == 1
    assert result.summary.async_functions == 2
    assert result.summary.asyncio_run_calls == 1
    assert result.summary.bridges == 3
    (row,) = result.files
    assert row.syntax_error is not None and row.syntax_error.line == 12


# -- encodings and odd bytes ----------------------------------------------------------------
def test_non_utf8_bytes_are_a_finding_and_the_rest_is_counted() -> None:
    src = b'x = "caf\xe9"\n\ndef f():\n    pass\n\nasync def g():\n    pass\n'
    f = facts_from_bytes(src)
    assert f.syntax_error is not None and "utf-8" in f.syntax_error.message
    assert f.syntax_error.message == cpython_error(src).msg
    assert (f.sync_functions, f.async_functions) == (1, 1)


def test_coding_cookie_is_honoured() -> None:
    src = b'# -*- coding: latin-1 -*-\nx = "caf\xe9"\ndef f():\n    pass\n'
    f = facts_from_bytes(src)
    assert f.syntax_error is None and f.sync_functions == 1


def test_unknown_coding_cookie_is_a_finding_not_a_crash() -> None:
    f = facts_from_bytes(b"# coding: bogus\ndef f():\n    pass\n")
    assert f.syntax_error is not None and "unknown encoding" in f.syntax_error.message
    assert f.syntax_error.line >= 1 and f.syntax_error.col >= 1
    assert f.sync_functions == 1


def test_bom_is_skipped_and_lines_are_kept() -> None:
    f = facts_from_bytes(b"\xef\xbb\xbfimport asyncio\n\nasync def f():\n    asyncio.run(g())\n")
    assert f.syntax_error is None
    assert f.functions[0].line == 3 and f.asyncio_run_calls() == 1


def test_crlf_line_endings() -> None:
    src = b"def f():\r\n    return 1\r\n\r\nasync def g():\r\n    await h()\r\n"
    f = facts_from_bytes(src)
    assert f.syntax_error is None and f.lines == 5
    assert [(fn.name, fn.line) for fn in f.functions] == [("f", 1), ("g", 4)]


def test_crlf_with_a_syntax_error_keeps_positions() -> None:
    src = b"x = 1\r\ndef f(:\r\n    pass\r\n\r\nasync def g():\r\n    pass\r\n"
    f = facts_from_bytes(src)
    assert f.syntax_error is not None and f.syntax_error.line == 2
    assert [(fn.name, fn.line) for fn in f.functions] == [("g", 5)]


def test_nul_bytes_are_a_finding_and_the_rest_is_counted() -> None:
    src = b"def f():\n    pass\nx = '\x00'\ndef g():\n    pass\n"
    f = facts_from_bytes(src)
    assert f.syntax_error is not None and "null bytes" in f.syntax_error.message
    assert (f.syntax_error.line, f.syntax_error.col) == (3, 6)
    assert {fn.name for fn in f.functions} == {"f", "g"}


def test_empty_and_whitespace_files() -> None:
    for src in (b"", b"\n\n", b"   \n", b"\xef\xbb\xbf"):
        f = facts_from_bytes(src)
        assert f.syntax_error is None and f.functions == ()


def test_a_100k_line_file_is_counted() -> None:
    chunk = "def f{0}(x):\n    return g(x)\n\n\n"
    src = "".join(chunk.format(i) for i in range(25_000)).encode()
    f = facts_from_bytes(src)
    assert f.lines == 100_000
    assert f.sync_functions == 25_000 and len(f.calls) == 25_000


# -- inputs too deep for a parser or for the extractor --------------------------------------
DEEP = {
    "nested parentheses": "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
    "unary chain": "x = " + "-" * 100_000 + "1\n",
    "binary chain": "x = " + "+".join(["a"] * 100_000) + "\n",
    "attribute chain": "x = a" + ".b" * 100_000 + "\n",
    "conditional chain": "def g():\n    x = " + "a if b else " * 3000 + "f()\n",
    "not chain": "def g():\n    x = " + "not " * 2000 + "f()\n",
    "lambda chain": "x = " + "lambda: " * 900 + "f()\n",
    "nested lists": "x = " + "[" * 150 + "]" * 150 + "\n",
    "nested calls": "x = " + "f(" * 150 + ")" * 150 + "\n",
    "indentation": "".join("    " * i + "if x:\n" for i in range(120)) + "    " * 120 + "pass\n",
    "nested defs": "".join("    " * i + f"def f{i}():\n" for i in range(99))
    + "    " * 99
    + "pass\n",
    "broken and deep": "def g(:\n    pass\nx = " + "not " * 2000 + "f()\ndef h(): pass\n",
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_input_gives_a_finding_or_a_count_never_an_exception(name: str) -> None:
    f: FileFacts = facts_from_bytes(DEEP[name].encode())
    assert f.syntax_error is not None or f.degraded or f.functions or f.calls or f.lines


def test_deep_inputs_through_scan(tmp_path: Path) -> None:
    for i, name in enumerate(sorted(DEEP)):
        (tmp_path / f"deep_{i}.py").write_text(DEEP[name])
    result = scan(
        [tmp_path], Config(root=tmp_path), ScanOptions(use_cache=False, cwd=str(tmp_path))
    )
    assert result.summary.files == len(DEEP)
    assert result.summary.files_with_syntax_errors >= 4
    assert result.summary.sync_functions >= 99


# -- ASY002: syntax newer than the target version -------------------------------------------
MATCH = b"def describe(event):\n    match event:\n        case {'type': 'paid'}:\n            return 1\n"


def test_newer_syntax_than_target() -> None:
    older = facts_from_bytes(MATCH, (3, 9))
    assert older.syntax_error is None
    assert older.newer_syntax is not None
    assert "3.10" in older.newer_syntax.message
    assert facts_from_bytes(MATCH, (3, 10)).newer_syntax is None
    assert facts_from_bytes(MATCH).newer_syntax is None


def test_except_star_against_py310_is_reported_on_the_try() -> None:
    src = b"x = 1\ntry:\n    pass\nexcept* ValueError:\n    pass\ny = 2\n"
    problem = facts_from_bytes(src, (3, 10)).newer_syntax
    with pytest.raises(SyntaxError) as expected:
        ast.parse(src, feature_version=(3, 10))
    assert problem is not None and problem.message == expected.value.msg
    # CPython points past the statement; the finding goes on the statement itself
    assert (problem.line, problem.col, problem.end_line) == (2, 1, 5)


def test_match_against_py39_is_reported_on_the_match() -> None:
    src = MATCH + b"\n\ndef fine(x):\n    return x\n"
    problem = facts_from_bytes(src, (3, 9)).newer_syntax
    assert problem is not None and (problem.line, problem.col) == (2, 5)
    assert problem.code_line == "    match event:"


def test_parenthesized_with_against_py38_is_reported_on_that_with() -> None:
    src = b"with x:\n    with (open(a) as b, open(c) as d):\n        pass\n"
    problem = facts_from_bytes(src, (3, 8)).newer_syntax
    assert problem is not None and (problem.line, problem.col) == (2, 5)


def test_other_constructs_keep_cpythons_position() -> None:
    src = b"def f(a, /, b):\n    return a\n"
    problem = facts_from_bytes(src, (3, 8)).newer_syntax
    assert problem is None  # positional-only parameters are 3.8
    src = b"x = 1\ndef f[T](a: T) -> T:\n    return a\n"
    if facts_from_bytes(src).syntax_error is None:  # type parameters: Python 3.12+
        problem = facts_from_bytes(src, (3, 11)).newer_syntax
        with pytest.raises(SyntaxError) as expected:
            ast.parse(src, feature_version=(3, 11))
        assert problem is not None
        assert (problem.line, problem.col) == (expected.value.lineno, expected.value.offset)


# PEP 695 (Python 3.12): on an older interpreter, lowered so that CPython reads the file
GENERIC = textwrap.dedent(
    """\
    import time

    type Pair[T] = tuple[T, T]


    class Store[T]:
        async def load(self) -> None:
            time.sleep(1)

        def get[U: int](self, x: U) -> U:
            return x
    """
).encode()


def test_newer_python_syntax_is_no_syntax_error_and_is_analysed_whole() -> None:
    f = facts_from_bytes(GENERIC)
    assert f.syntax_error is None and not f.salvaged
    assert [(fn.qualname, fn.is_async) for fn in f.functions] == [
        ("Store.load", True),
        ("Store.get", False),
    ]
    assert [c.name for c in f.classes] == ["Store"]
    assert any(call[C_CALLEE] == "time.sleep" for call in f.calls)


def test_newer_python_syntax_against_an_older_target_is_asy002() -> None:
    problem = facts_from_bytes(GENERIC, (3, 11)).newer_syntax
    assert problem is not None
    # CPython 3.12's own message for a construct on the line, whichever Python runs awaitify
    # (3.12 names the alias's type parameters first; lowering, its ``type`` keyword)
    assert problem.message in (
        "Type statement is only supported in Python 3.12 and greater",
        "Type parameter lists are only supported in Python 3.12 and greater",
    )
    assert problem.line == 3
    assert facts_from_bytes(GENERIC, (3, 12)).newer_syntax is None


def test_a_broken_file_with_newer_syntax_stays_asy001() -> None:
    f = facts_from_bytes(b"class Store[T]:\n    def f(self):\n        return (\n")
    assert f.syntax_error is not None


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="lowering runs below Python 3.12")
def test_lowering_keeps_every_column() -> None:
    lowered = lower_newer_syntax(GENERIC.decode())
    assert lowered is not None
    before = GENERIC.decode().splitlines()
    after = lowered.text.splitlines()
    assert [len(line) for line in after] == [len(line) for line in before]
    assert after[2] == "_ =  Pair[T] = tuple[T, T]"
    assert after[5] == "class Store   :"
    assert (lowered.line, lowered.col) == (3, 0)


def test_a_broken_file_is_asy001_not_asy002() -> None:
    f = facts_from_bytes(b"match x:\n    case 1: pass\ndef f(:\n", (3, 9))
    assert f.syntax_error is not None and f.newer_syntax is None


def test_asy002_finding_through_scan(tmp_path: Path) -> None:
    (tmp_path / "events.py").write_bytes(MATCH)
    (tmp_path / "ok.py").write_text("x = 1\n")
    config = Config(root=tmp_path, target_version=(3, 9))
    result = scan([tmp_path], config, ScanOptions(use_cache=False, cwd=str(tmp_path)))
    codes = [(f.code, f.path) for f in result.findings]
    assert codes == [("ASY002", "events.py")]
    assert "target-version py39" in result.findings[0].message
    result = scan(
        [tmp_path], Config(root=tmp_path, target_version=(3, 10)), ScanOptions(use_cache=False)
    )
    assert not [f for f in result.findings if f.code == "ASY002"]


def test_target_version_is_part_of_the_cache_key(tmp_path: Path) -> None:
    (tmp_path / "events.py").write_bytes(MATCH)
    options = ScanOptions(cwd=str(tmp_path))
    first = scan([tmp_path], Config(root=tmp_path), options)
    assert not first.findings
    second = scan([tmp_path], Config(root=tmp_path, target_version=(3, 9)), options)
    assert [f.code for f in second.findings] == ["ASY002"]


def test_source_text_helper_is_untouched_by_dedent() -> None:
    # a guard for the fixtures above: they are bytes exactly as written
    assert textwrap.dedent(BROKEN_MIDDLE) == BROKEN_MIDDLE
