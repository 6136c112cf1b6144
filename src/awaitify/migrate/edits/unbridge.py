"""A bridge inside code that is async now becomes an ``await``.

``asyncio.run(c)`` / ``loop.run_until_complete(c)`` → ``await c``;
``anyio.run(f, *a)`` / ``trio.run(f, *a)`` → ``await f(*a)``;
``async_to_sync(f)(*a)`` → ``await f(*a)``. Keeping the bridge would start a second event
loop inside the running one: a ``RuntimeError`` (ASY103).
"""

from __future__ import annotations

import libcst as cst

from awaitify.migrate.edits.base import EditTransformer, operand
from awaitify.migrate.locate import Target
from awaitify.migrate.model import CallEdit

_REMOVABLE = {
    "asyncio.run": ("asyncio", "run"),
    "anyio.run": ("anyio", "run"),
    "trio.run": ("trio", "run"),
    "async_to_sync": ("asgiref.sync", "async_to_sync"),
    "asgiref.sync.async_to_sync": ("asgiref.sync", "async_to_sync"),
}


def _positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and a.star == ""]


def _strip_comma(args: list[cst.Arg]) -> list[cst.Arg]:
    if args and args[-1].comma is not cst.MaybeSentinel.DEFAULT:
        return [*args[:-1], args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    return args


def _called(fn: cst.BaseExpression, args: list[cst.Arg]) -> cst.BaseExpression:
    """``fn(*args)``: the body itself for ``lambda: body`` called with nothing
    (``anyio.run(lambda: main(x))`` → ``await main(x)``), and a callee that is not an atom
    in parentheses (``(lambda x: main(x))(1)``)."""
    if isinstance(fn, cst.Lambda) and not args and not _has_parameters(fn.params):
        return fn.body
    if (
        isinstance(
            fn,
            (
                cst.Lambda,
                cst.IfExp,
                cst.BooleanOperation,
                cst.BinaryOperation,
                cst.UnaryOperation,
                cst.Comparison,
                cst.Await,
                cst.NamedExpr,
            ),
        )
        and not fn.lpar
    ):
        fn = fn.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Call(func=fn, args=args)


def _has_parameters(params: cst.Parameters) -> bool:
    return bool(
        params.params or params.posonly_params or params.kwonly_params
        or isinstance(params.star_arg, cst.Param) or params.star_kwarg
    )  # fmt: skip


class Unbridge(EditTransformer):
    description = "replace a bridge (asyncio.run, run_until_complete, ...) by await"

    def apply(self, node: cst.CSTNode, target: Target) -> cst.CSTNode | None:
        edit = target.edit
        if not isinstance(node, cst.Call) or not isinstance(edit, CallEdit):
            return None
        kind = edit.what
        if kind.endswith("async_to_sync"):
            inner = node.func
            if not isinstance(inner, cst.Call) or not _positional(inner):
                return None
            fn = _positional(inner)[0].value
            value: cst.BaseExpression = _called(fn, _strip_comma(list(node.args)))
        elif kind in ("anyio.run", "trio.run"):
            args = [a for a in node.args if a.keyword is None]
            if not args or args[0].star:
                return None
            value = _called(args[0].value, _strip_comma(args[1:]))
        else:  # asyncio.run(c, debug=...), loop.run_until_complete(c)
            args = _positional(node)
            if not args:
                return None
            value = args[0].value
        if kind in _REMOVABLE:
            module, name = _REMOVABLE[kind]
            self.imports.remove_if_unused(module)
            self.imports.remove_if_unused(module, name)
        value = operand(value.with_changes(lpar=[], rpar=[]) if value.lpar else value)
        lpar, rpar = list(node.lpar), list(node.rpar)
        if not lpar and target.parens:
            lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
        return cst.Await(expression=value, lpar=lpar, rpar=rpar)
