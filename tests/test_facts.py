"""Unit tests of the per-file facts: extraction and resolution through the file's imports."""

from __future__ import annotations

import marshal
import pickle
import textwrap

import pytest

from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_COL,
    C_CTX,
    C_FLAGS,
    C_LINE,
    C_PARENT,
    C_SCOPE,
    CALL_IN_DECORATOR,
    CALL_IN_DEFAULT,
    CALL_IN_LAMBDA,
    CALL_IN_MAIN,
    CALL_IN_TRY_RUNTIME_ERROR,
    CALL_STARRED_ARGS,
    CTX_ARG,
    CTX_ASSIGN,
    CTX_ASYNC_ITER,
    CTX_ASYNC_WITH,
    CTX_ATTR,
    CTX_AWAIT,
    CTX_CONTAINER,
    CTX_EXPR,
    CTX_ITER,
    CTX_OPERAND,
    CTX_OTHER,
    CTX_RETURN,
    CTX_TEST,
    CTX_WITH,
    CTX_YIELD,
    FN_ABSTRACT,
    FN_CLASSMETHOD,
    FN_GENERATOR,
    FN_HAS_AWAIT,
    FN_IN_MAIN,
    FN_OVERLOAD,
    FN_PROPERTY,
    FN_STATICMETHOD,
    FN_STUB,
    CallRow,
    FileFacts,
    Function,
    dump_facts,
    load_facts,
)
from awaitify.engine.parse import facts_from_bytes


def facts(src: str) -> FileFacts:
    return facts_from_bytes(textwrap.dedent(src).encode())


def calls_to(f: FileFacts, callee: str) -> list[CallRow]:
    return [c for c in f.calls if c[C_CALLEE] == callee]


def one_call(f: FileFacts, callee: str) -> CallRow:
    found = calls_to(f, callee)
    assert len(found) == 1, (callee, [c[C_CALLEE] for c in f.calls])
    return found[0]


def fn(f: FileFacts, qualname: str) -> Function:
    found = [x for x in f.functions if x.qualname == qualname]
    assert len(found) == 1, (qualname, [x.qualname for x in f.functions])
    return found[0]


def index_of(f: FileFacts, qualname: str) -> int:
    return f.functions.index(fn(f, qualname))


# -- resolution through imports -----------------------------------------------------------
def test_from_import_alias_resolves_to_its_target() -> None:
    f = facts(
        """
        from asyncio import run as r
        r(main())
        """
    )
    call = one_call(f, "asyncio.run")
    assert call[C_LINE] == 3
    assert f.bridges == ((f.calls.index(call), "asyncio.run"),)
    assert f.asyncio_run_calls() == 1


def test_import_module_as_alias() -> None:
    f = facts(
        """
        import a.b as m
        import asyncio as aio
        m.f(1)
        aio.run(x)
        """
    )
    assert one_call(f, "a.b.f")
    assert one_call(f, "asyncio.run")
    imports = {(i.local, i.target) for i in f.imports}
    assert ("m", "a.b") in imports and ("aio", "asyncio") in imports


def test_plain_dotted_import_binds_its_head() -> None:
    f = facts(
        """
        import os.path
        os.path.join("a", "b")
        os.getcwd()
        """
    )
    assert one_call(f, "os.path.join")
    assert one_call(f, "os.getcwd")
    assert {(i.local, i.target) for i in f.imports} == {("os", "os"), ("os.path", "os.path")}


def test_relative_imports_keep_their_dots() -> None:
    f = facts(
        """
        from ..db import SessionLocal
        from . import repo
        from .models import *
        from ... import deep as d
        SessionLocal()
        repo.get()
        d.x()
        """
    )
    targets = {i.local: i.target for i in f.imports}
    assert targets["SessionLocal"] == "..db.SessionLocal"
    assert targets["repo"] == ".repo"
    assert targets["*"] == ".models"
    assert targets["d"] == "...deep"
    assert one_call(f, "..db.SessionLocal")
    assert one_call(f, ".repo.get")
    assert one_call(f, "...deep.x")
    assert all(i.is_from for i in f.imports)


def test_function_local_import_resolves_in_its_function_only() -> None:
    f = facts(
        """
        import requests as http

        def fetch():
            import httpx as http
            from time import sleep
            sleep(1)
            return http.get("u")

        def other():
            def inner():
                return http.get("v")
            return inner()

        def nested():
            from pkg.sync_op import Op
            def inner():
                return Op()
            return inner

        def elsewhere():
            from pkg.async_op import Op
            return Op()
        """
    )
    assert one_call(f, "time.sleep")[C_SCOPE] == index_of(f, "fetch")
    # the same name bound at module level and by a function's own import: in that
    # function, its import (as in Python); everywhere else, the module's
    assert one_call(f, "httpx.get")[C_SCOPE] == index_of(f, "fetch")
    assert one_call(f, "requests.get")[C_SCOPE] == index_of(f, "other.inner")
    # an enclosing function's import reaches a nested one
    assert one_call(f, "pkg.sync_op.Op")[C_SCOPE] == index_of(f, "nested.inner")
    assert one_call(f, "pkg.async_op.Op")[C_SCOPE] == index_of(f, "elsewhere")
    local = [i for i in f.imports if i.target == "time.sleep"]
    assert local and local[0].scope == index_of(f, "fetch")


def test_a_parameter_or_local_shadowing_an_import_is_not_resolved() -> None:
    f = facts(
        """
        import httpx as client

        def use(client):
            client.get("u")

        def local():
            client = make()
            client.get("u")

        def module_level():
            client.get("u")
        """
    )
    assert [c[C_SCOPE] for c in calls_to(f, "client.get")] == [
        index_of(f, "use"), index_of(f, "local"),
    ]  # fmt: skip
    assert one_call(f, "httpx.get")[C_SCOPE] == index_of(f, "module_level")


def test_call_on_a_call_result_keeps_the_parentheses() -> None:
    f = facts(
        """
        import asyncio
        asyncio.get_event_loop().run_until_complete(main())
        super().save()
        """
    )
    outer = one_call(f, "asyncio.get_event_loop().run_until_complete")
    inner = one_call(f, "asyncio.get_event_loop")
    assert inner[C_CTX] == CTX_ATTR
    assert outer[C_CTX] == CTX_EXPR
    assert one_call(f, "super().save")


def test_a_division_in_a_receiver_is_a_call_of_truediv() -> None:
    f = facts(
        """
        from pathlib import Path
        (root / "a" / name()).read_text()
        (Path(p) / "b").read_bytes()
        (a / b)()
        """
    )
    assert one_call(f, "root.__truediv__().__truediv__().read_text")
    assert one_call(f, "pathlib.Path().__truediv__().read_bytes")
    assert one_call(f, "name")  # the calls inside the division are still recorded
    assert one_call(f, "pathlib.Path")
    assert one_call(f, "")  # a division called: nothing to name


def test_call_arguments_are_resolved_names() -> None:
    f = facts(
        """
        import asyncio
        from app.jobs import work
        asyncio.run(work, x.y, 1, *rest)
        """
    )
    call = one_call(f, "asyncio.run")
    assert call[C_ARGS] == ("app.jobs.work", "x.y", "", "")
    assert call[C_FLAGS] & CALL_STARRED_ARGS


def test_uncallable_callee_is_empty() -> None:
    f = facts("handlers[0](event)\n(lambda: 1)()\n")
    assert [c[C_CALLEE] for c in f.calls] == ["", ""]


# -- functions, classes, decorators, parameters ---------------------------------------------
def test_functions_methods_and_nested_defs_are_counted_lambdas_are_not() -> None:
    f = facts(
        """
        def a(): pass
        async def b(): pass
        class C:
            def m(self): pass
            async def n(self):
                def inner(): pass
                g = lambda: 1
        """
    )
    assert f.sync_functions == 3 and f.async_functions == 2
    assert [x.qualname for x in f.functions] == ["a", "b", "C.m", "C.n", "C.n.inner"]
    inner, n = fn(f, "C.n.inner"), fn(f, "C.n")
    assert inner.parent == index_of(f, "C.n") and inner.class_index == -1
    assert n.class_index == 0 and n.is_async and n.parent == -1
    assert f.classes[0].qualname == "C"


def test_function_line_is_the_def_keyword_not_the_decorator() -> None:
    f = facts(
        """
        @decorator
        @other(1)
        async def handler():
            pass
        """
    )
    h = fn(f, "handler")
    assert (h.line, h.col, h.end_line) == (4, 0, 5)


def test_decorators_are_resolved_dotted_names() -> None:
    f = facts(
        """
        from celery import shared_task as st
        from fastapi import APIRouter
        import functools
        router = APIRouter()

        @st
        def task(): pass

        @router.get("/items")
        def items(): pass

        @functools.lru_cache(maxsize=1)
        def cached(): pass
        """
    )
    assert fn(f, "task").decorators == ("celery.shared_task",)
    assert fn(f, "items").decorators == ("router.get",)
    assert fn(f, "cached").decorators == ("functools.lru_cache",)
    deco_call = one_call(f, "router.get")
    assert deco_call[C_FLAGS] & CALL_IN_DECORATOR and deco_call[C_CTX] == CTX_OTHER


def test_method_kind_flags() -> None:
    f = facts(
        """
        import abc
        import typing
        from functools import cached_property as cp

        class C:
            @property
            def p(self): return 1
            @p.setter
            def p(self, v): pass
            @cp
            def q(self): return 2
            @staticmethod
            def s(): pass
            @classmethod
            def c(cls): pass
            @abc.abstractmethod
            def a(self): ...
            @typing.overload
            def o(self, x: int) -> int: ...
        """
    )
    flags = [x.flags for x in f.functions]
    assert flags[0] & FN_PROPERTY and flags[1] & FN_PROPERTY
    assert fn(f, "C.q").flags & FN_PROPERTY
    assert fn(f, "C.s").flags & FN_STATICMETHOD
    assert fn(f, "C.c").flags & FN_CLASSMETHOD
    assert fn(f, "C.a").flags & FN_ABSTRACT
    assert fn(f, "C.o").flags & FN_OVERLOAD


def test_parameters_and_annotations() -> None:
    f = facts(
        """
        from typing import Annotated, Optional, Union
        from sqlalchemy.orm import Session
        import typing as t

        def handler(db: Session, repo: "Repo", a: Optional[Session], b: Session | None,
                    c: "Session | None", d: Union[Session, None], e: None | Session,
                    f: Annotated[Session, Depends(get_db)], g: t.Optional[Session],
                    h: list[int], i, /, *args, k: "Optional[Session]" = None, **kwargs) -> "Result":
            pass
        """
    )
    h = fn(f, "handler")
    s = "sqlalchemy.orm.Session"
    assert h.params == (
        ("db", s), ("repo", "Repo"), ("a", s), ("b", s), ("c", s), ("d", s), ("e", s),
        ("f", s), ("g", s), ("h", ""), ("i", ""), ("k", s), ("*args", ""), ("**kwargs", ""),
    )  # fmt: skip
    assert h.returns == "Result"


def test_classes_bases_decorators_and_scope() -> None:
    f = facts(
        """
        from sqlalchemy.orm import DeclarativeBase
        import dataclasses

        @dataclasses.dataclass
        class Model(DeclarativeBase):
            class Meta:
                pass

        def factory():
            class Local(Model):
                pass
        """
    )
    model, meta, local = f.classes
    assert model.bases == ("sqlalchemy.orm.DeclarativeBase",)
    assert model.decorators == ("dataclasses.dataclass",)
    assert meta.qualname == "Model.Meta" and meta.parent == 0
    assert local.scope == index_of(f, "factory") and local.bases == ("Model",)


def test_stub_bodies() -> None:
    f = facts(
        '''
        def a(): ...
        def b(): pass
        def c():
            """Docs."""
        def d():
            raise NotImplementedError
        def e():
            raise NotImplementedError("later")
        def real():
            return 1
        def raises_other():
            raise ValueError
        '''
    )
    stubs = {x.name for x in f.functions if x.flags & FN_STUB}
    assert stubs == {"a", "b", "c", "d", "e"}


def test_generators_and_await_flags() -> None:
    f = facts(
        """
        def gen():
            yield 1
        async def agen():
            yield 1
        async def coro():
            await x()
        async def uses_async_for():
            async for i in it():
                pass
        async def uses_async_with():
            async with lock():
                pass
        async def only_nested():
            def inner():
                yield 1
            f = lambda: (yield)
            return inner
        """
    )
    assert fn(f, "gen").flags & FN_GENERATOR
    assert fn(f, "agen").flags & FN_GENERATOR
    assert not fn(f, "coro").flags & FN_GENERATOR
    assert fn(f, "coro").flags & FN_HAS_AWAIT
    assert fn(f, "uses_async_for").flags & FN_HAS_AWAIT
    assert fn(f, "uses_async_with").flags & FN_HAS_AWAIT
    assert not fn(f, "only_nested").flags & (FN_GENERATOR | FN_HAS_AWAIT)
    assert fn(f, "only_nested.inner").flags & FN_GENERATOR


# -- how each call's result is used ---------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "ctx"),
    [
        ("f()", CTX_EXPR),
        ("async def g():\n    await f()", CTX_AWAIT),
        ("def g():\n    return f()", CTX_RETURN),
        ("x = f()", CTX_ASSIGN),
        ("x: int = f()", CTX_ASSIGN),
        ("(x := f())", CTX_ASSIGN),
        ("x += f()", CTX_OPERAND),
        ("f().attr", CTX_ATTR),
        ("f()[0]", CTX_ATTR),
        ("x = f() + 1", CTX_OPERAND),
        ("x = f() == 1", CTX_OPERAND),
        ("x = -f()", CTX_OPERAND),
        ('x = f"{f()}"', CTX_OPERAND),
        ("if f(): pass", CTX_TEST),
        ("while f(): pass", CTX_TEST),
        ("assert f()", CTX_TEST),
        ("x = not f()", CTX_TEST),
        ("x = f() and y", CTX_TEST),
        ("for i in f(): pass", CTX_ITER),
        ("x = [i for i in f()]", CTX_ITER),
        ("with f(): pass", CTX_WITH),
        ("async def g():\n    async with f(): pass", CTX_ASYNC_WITH),
        ("async def g():\n    async for i in f(): pass", CTX_ASYNC_ITER),
        ("def g():\n    yield f()", CTX_YIELD),
        ("x = [f()]", CTX_CONTAINER),
        ("x = {'k': f()}", CTX_CONTAINER),
        ("def g(a=f()): pass", CTX_OTHER),
        ("x = lambda: f()", CTX_RETURN),
    ],
)
def test_call_contexts(code: str, ctx: int) -> None:
    f = facts(code + "\n")
    assert one_call(f, "f")[C_CTX] == ctx


def test_argument_context_points_at_the_parent_call() -> None:
    f = facts("import asyncio\nasyncio.run(main(), debug=check())\n")
    run = one_call(f, "asyncio.run")
    for name in ("main", "check"):
        arg = one_call(f, name)
        assert arg[C_CTX] == CTX_ARG and arg[C_PARENT] == f.calls.index(run)
    assert run[C_PARENT] == -1


def test_or_keeps_the_outer_use_for_its_last_operand() -> None:
    f = facts("x = a() or b()\n")
    assert one_call(f, "a")[C_CTX] == CTX_TEST
    assert one_call(f, "b")[C_CTX] == CTX_ASSIGN


def test_call_positions() -> None:
    f = facts("x = 1\nif True:\n    y = obj.method(1,\n        2)\n")
    call = one_call(f, "obj.method")
    assert (call[C_LINE], call[C_COL], call[4], call[5]) == (3, 8, 4, 10)


# -- call flags and scopes ------------------------------------------------------------------
def test_lambda_main_block_decorator_and_default_flags() -> None:
    f = facts(
        """
        import asyncio

        def deco(x): return x

        @deco(make())
        def h(a=default()):
            cb = lambda: asyncio.run(job())
            return cb

        if __name__ == "__main__":
            asyncio.run(main())
            def helper(): pass
        """
    )
    in_lambda = next(c for c in calls_to(f, "asyncio.run") if c[C_LINE] == 8)
    in_main = next(c for c in calls_to(f, "asyncio.run") if c[C_LINE] == 12)
    assert in_lambda[C_FLAGS] & CALL_IN_LAMBDA and not in_lambda[C_FLAGS] & CALL_IN_MAIN
    assert in_lambda[C_SCOPE] == index_of(f, "h")
    assert in_main[C_FLAGS] & CALL_IN_MAIN and in_main[C_SCOPE] == -1
    assert one_call(f, "make")[C_FLAGS] & CALL_IN_DECORATOR
    assert one_call(f, "default")[C_FLAGS] & CALL_IN_DEFAULT
    assert one_call(f, "job")[C_FLAGS] & CALL_IN_LAMBDA
    assert fn(f, "helper").flags & FN_IN_MAIN
    assert not fn(f, "h").flags & FN_IN_MAIN


def test_reversed_main_guard_counts_too() -> None:
    f = facts('if "__main__" == __name__:\n    run()\n')
    assert one_call(f, "run")[C_FLAGS] & CALL_IN_MAIN


def test_nested_def_calls_belong_to_the_nested_scope() -> None:
    f = facts(
        """
        import time
        async def outer():
            def blocking():
                time.sleep(1)
            await loop.run_in_executor(None, blocking)
            time.sleep(2)
        """
    )
    first, second = calls_to(f, "time.sleep")
    assert first[C_SCOPE] == index_of(f, "outer.blocking")
    assert second[C_SCOPE] == index_of(f, "outer")


# -- bridges --------------------------------------------------------------------------------
def test_every_bridge_kind_with_its_enclosing_function() -> None:
    f = facts(
        """
        import asyncio
        import anyio
        import trio
        from asgiref.sync import async_to_sync

        def celery_task():
            asyncio.run(work())

        def legacy():
            loop = asyncio.new_event_loop()
            loop.run_until_complete(work())
            asyncio.get_event_loop().run_until_complete(work())

        class View:
            def get(self):
                return async_to_sync(self.fetch)()

        def cli():
            anyio.run(main)
            trio.run(main)
        """
    )
    kinds = [(f.calls[i][C_CALLEE], kind, f.calls[i][C_SCOPE]) for i, kind in f.bridges]
    assert kinds == [
        ("asyncio.run", "asyncio.run", index_of(f, "celery_task")),
        ("loop.run_until_complete", "run_until_complete", index_of(f, "legacy")),
        (
            "asyncio.get_event_loop().run_until_complete",
            "run_until_complete",
            index_of(f, "legacy"),
        ),
        ("asgiref.sync.async_to_sync", "async_to_sync", index_of(f, "View.get")),
        ("anyio.run", "anyio.run", index_of(f, "cli")),
        ("trio.run", "trio.run", index_of(f, "cli")),
    ]
    assert f.asyncio_run_calls() == 1


def test_a_local_function_named_run_is_not_a_bridge() -> None:
    f = facts("def run(x): pass\nrun(1)\nimport subprocess\nsubprocess.run(['ls'])\n")
    assert f.bridges == ()


# -- with statements and assignments --------------------------------------------------------
def test_with_and_async_with() -> None:
    f = facts(
        """
        from app.db import SessionLocal

        def sync_use():
            with SessionLocal() as db, open("f") as fh:
                db.query(User)

        async def async_use(engine):
            async with engine.begin() as conn:
                await conn.execute(q)
            with lock:
                pass
        """
    )
    db, fh, conn, lock = f.withs
    assert (db.is_async, db.expr, db.target, db.scope) == (
        False, "app.db.SessionLocal", "db", index_of(f, "sync_use"),
    )  # fmt: skip
    assert f.calls[db.call][C_CALLEE] == "app.db.SessionLocal"
    assert fh.expr == "open" and fh.target == "fh"
    assert conn.is_async and conn.expr == "engine.begin" and conn.target == "conn"
    assert lock.call == -1 and lock.expr == "lock" and lock.target == ""
    assert (db.line, db.col) == (5, 9)


def test_assignments_seed_receiver_inference() -> None:
    f = facts(
        """
        import requests
        from sqlalchemy.orm import Session

        client = requests.Session()

        class Repo:
            session: Session

            def __init__(self, s):
                self.http = requests.Session()
                self.db = s
                self.other: Session = make()

        async def f():
            x = await fetch()
        """
    )
    rows = {(a.target, a.scope, a.class_index): a for a in f.assigns}
    init = index_of(f, "Repo.__init__")
    assert rows[("client", -1, -1)].call == "requests.Session"
    assert rows[("session", -1, 0)].annotation == "sqlalchemy.orm.Session"
    assert rows[("self.http", init, -1)].call == "requests.Session"
    assert rows[("self.db", init, -1)].name == "s"
    assert rows[("self.other", init, -1)].annotation == "sqlalchemy.orm.Session"
    assert rows[("self.other", init, -1)].call == "make"
    assert rows[("x", index_of(f, "f"), -1)].call == "fetch"  # the awaited call


# -- suppressions, record, round trip ---------------------------------------------------------
def test_suppression_comments() -> None:
    f = facts(
        """
        a()  # awaitify: ignore[ASY201]
        b()  # noqa: ASY100, ASY101
        c()  # awaitify: ignore
        d()  # noqa
        e()  # noqa: E731
        g()  # NOQA: asy100
        h()  # NoQA
        s = "# noqa"; t = 'it''s # noqa'; time.sleep(1)
        u = "# noqa: x"  # awaitify: ignore[asy102]
        """
    )
    # any case, as flake8 and ruff read it; never inside a string
    assert f.suppressions == (
        (2, "ASY201"), (3, "ASY100,ASY101"), (4, ""), (5, ""), (6, "E731"), (7, "ASY100"),
        (8, ""), (10, "ASY102"),
    )  # fmt: skip


def test_facts_round_trip_and_pickle() -> None:
    f = facts(
        """
        import asyncio
        class A:
            async def m(self, db: "Session"):
                with x() as y:
                    asyncio.run(z())  # noqa
        """
    )
    assert load_facts(dump_facts(f)) == f
    assert pickle.loads(pickle.dumps(f)) == f


def test_facts_from_the_cache_keep_imports_assigns_and_withs_serialised_until_read() -> None:
    """A scan after a one-file edit loads every file's facts and reads the imports,
    assignments and ``with`` rows of only a few hundred modules."""
    from awaitify.analysis.facts import Deferred

    f = facts(
        """
        import asyncio
        from app.db import Session as S
        def handler(db):
            session = S()
            with session.begin() as tx:
                asyncio.run(tx.commit())
        """
    )
    blob = dump_facts(f)
    lazy = load_facts(blob, defer=True)
    assert all(isinstance(tuple.__getitem__(lazy, i), Deferred) for i in (7, 9, 10))
    again = marshal.loads(dump_facts(lazy))  # passed on as read, not decoded and encoded
    assert [again[i] for i in (7, 9, 10)] == [tuple.__getitem__(lazy, i).blob for i in (7, 9, 10)]
    assert load_facts(dump_facts(lazy)) == f
    assert lazy == f and f == lazy  # compared by their rows
    assert lazy.imports == f.imports and lazy.assigns == f.assigns and lazy.withs == f.withs
    assert [i.local for i in lazy.imports] == ["asyncio", "S"]
    assert lazy.withs[0].expr.endswith("begin") and lazy._replace(lines=0).assigns == f.assigns
    assert pickle.loads(pickle.dumps(lazy)) == f


def test_damaged_facts_blob_raises_value_error() -> None:
    with pytest.raises(ValueError):
        load_facts(b"\x00garbage")


def test_facts_do_not_depend_on_anything_but_the_bytes() -> None:
    src = b"import asyncio\nasync def f():\n    await asyncio.sleep(1)\n"
    assert facts_from_bytes(src) == facts_from_bytes(src)
    # the per-process extractor is reused: a second, different file starts clean
    other = facts_from_bytes(b"def g(): pass\n")
    assert [x.qualname for x in other.functions] == ["g"] and other.calls == ()


# -- facts that differ only by line numbers (the early cutoff of a rescan) -------------------
RENUMBER_SRC = """\
import time


def work():  # awaitify: ignore[ASY100]
    time.sleep(1)


class Job:
    def run(self):
        with open("x") as fh:
            return fh.read()
"""


def test_line_mapping_follows_lines_inserted_and_removed() -> None:
    from awaitify.analysis.renumber import line_mapping

    old = facts(RENUMBER_SRC)
    new = facts('"""Jobs."""\n# note\n' + RENUMBER_SRC.replace("\n\n\nclass", "\n\n\n\n\nclass"))
    mapping = line_mapping(old, new)
    assert mapping == {1: 3, 4: 6, 5: 7, 8: 12, 9: 13, 10: 14, 11: 15}
    assert line_mapping(old, old) == {line: line for line in mapping}


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda s: s.replace("time.sleep(1)", "time.sleep(\n        1)"), id="span"),
        pytest.param(lambda s: s.replace("  # awaitify: ignore[ASY100]", ""), id="suppression"),
        pytest.param(lambda s: s.replace("import time", "import time\nimport os"), id="import"),
        pytest.param(
            lambda s: s.replace("def work():", "def work():\n    pass\n\n\ndef other():"),
            id="function",
        ),
        pytest.param(lambda s: s + "def broken(:\n", id="syntax-error"),
    ],
)
def test_line_mapping_is_none_when_more_than_lines_changed(edit) -> None:  # type: ignore[no-untyped-def]
    from awaitify.analysis.renumber import line_mapping

    assert line_mapping(facts(RENUMBER_SRC), facts(edit(RENUMBER_SRC))) is None


def test_lookup_tables_are_built_with_the_facts_and_survive_the_cache() -> None:
    facts = facts_from_bytes(
        textwrap.dedent(
            """
            from .impl import run as start
            SessionLocal = make()

            def top():
                def inner(): ...

            class Repo:
                kind: str = "sql"

                async def __init__(self):
                    self.db = SessionLocal()

                def save(self): ...
            """
        ).encode()
    )
    tables = load_facts(dump_facts(facts)).tables
    assert tables == facts.tables
    names = {f.qualname: i for i, f in enumerate(facts.functions)}
    assert tables.top_functions == {"top": names["top"]}
    assert tables.top_classes == {"Repo": 0}
    assert tables.nested == {names["top"]: {"inner": names["top.inner"]}}
    assert tables.methods == {0: {"__init__": names["Repo.__init__"], "save": names["Repo.save"]}}
    assert [facts.assigns[i].target for i in tables.class_attrs[0]["kind"]] == ["kind"]
    assert [facts.assigns[i].target for i in tables.self_attrs[0]["db"]] == ["self.db"]
    assert tables.aliases == (("run", "start"),)
    assert tables.coroutines == {"__init__"}
    assert tables.async_count == facts.async_functions == 1
    assert tables.call_names == {"make", "SessionLocal"}
    assert tables.async_inits == (names["Repo.__init__"],)
    assert tables.defined == {"top", "inner", "Repo", "__init__", "save", "SessionLocal", "start"}


def test_calls_in_a_try_that_catches_runtime_error_are_flagged() -> None:
    f = facts(
        """
        def run(c):
            try:
                guarded(c)
                def later():
                    nested(c)
            except (ValueError, RuntimeError):
                handler(c)
            try:
                broad(c)
            except Exception:
                pass
        """
    )
    flagged = {call[C_CALLEE] for call in f.calls if call[C_FLAGS] & CALL_IN_TRY_RUNTIME_ERROR}
    assert flagged == {"guarded"}  # not a nested def, a handler or a broader except


def test_an_asyncio_runner_run_is_a_bridge() -> None:
    f = facts(
        """
        import asyncio

        def job():
            with asyncio.Runner() as runner:
                return runner.run(main())

        def other(runner):
            runner.run()  # a parameter named runner: nothing says it is an asyncio.Runner
        """
    )
    rows = [f.calls[i][C_CALLEE] for i, kind in f.bridges if kind == "asyncio.Runner.run"]
    assert rows == ["runner.run"]
    assert len(f.bridges) == 1
