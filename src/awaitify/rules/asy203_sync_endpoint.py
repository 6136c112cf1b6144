from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from awaitify.analysis.boundaries import Route, enclosing_functions, route_of, variable_origin
from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_CTX,
    C_PARENT,
    C_SCOPE,
    CTX_ARG,
    RETURN_TARGET,
)
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import FuncRef, Resolver
from awaitify.model import Category
from awaitify.rules._support import def_span
from awaitify.rules.base import Hit, Rule


@dataclass(frozen=True)
class _Handler:
    module: Module
    index: int
    route: Route
    is_async: bool


class _Groups:
    """Union-find over router/app keys: ``app.include_router(items.router)`` joins them."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        parent = self.parent
        root = key
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(key, key) != root:
            parent[key], key = root, parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class SyncEndpoint(Rule):
    """## What it does
    Reports a sync route handler — a `def` decorated with `@router.get`, `@app.post`,
    `@api.put`, `@router.api_route`, `@app.websocket`, ... on a FastAPI, Starlette, Quart or
    Litestar-style router or app — when its module, its router, or the app that router is
    included in (`app.include_router(router)`) also has `async def` handlers. With
    `endpoints = "async"` every sync handler is reported.

    Flask and Django views are not route handlers here (they are sync frameworks), and
    neither are dependency providers (`Depends(get_db)`), which carry no route decorator.

    ## Why is this bad?
    An ASGI framework runs a sync handler in a thread pool, next to async handlers that run
    on the event loop: two execution models, two ways to reach the database, and a thread
    pool that caps concurrency (40 threads by default in Starlette). Once the services
    below are async, the endpoints are converted ("Phase 4") so that the whole request
    path awaits.

    ## Example
    ```python
    from fastapi import APIRouter

    router = APIRouter()


    @router.get("/invoices/{invoice_id}")
    async def get_invoice(invoice_id: int):
        ...


    @router.post("/invoices/{invoice_id}/void")
    def void_invoice(invoice_id: int):
        ...
    ```

    Use instead:
    ```python
    from fastapi import APIRouter

    router = APIRouter()


    @router.get("/invoices/{invoice_id}")
    async def get_invoice(invoice_id: int):
        ...


    @router.post("/invoices/{invoice_id}/void")
    async def void_invoice(invoice_id: int):
        ...
    ```

    ## Fix
    `awaitify migrate --rule ASY203` converts the handlers and the sync code they call.
    Unsafe: a handler that keeps blocking calls must have them moved off the loop.

    ## Options
    `endpoints = "async"` reports every sync handler, not only those next to async ones.
    """

    code = "ASY203"
    name = "sync-endpoint"
    category = Category.STANDARDIZE
    message = "sync route handler `{func}` (`@{decorator}`) {context}: make it `async def`"
    fix_safety = "unsafe"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        resolver = project.graph.resolver
        all_async = project.config.endpoints == "async"
        handlers: list[_Handler] = []
        groups = _Groups()
        owners: set[str] = set()  # what ``include_router`` is called on
        children: set[str] = set()  # what is included
        for module in project.modules:
            if module.layer in ("test", "migration"):
                continue
            facts = module.facts
            for i, fn in enumerate(facts.functions):
                if not fn.decorators:
                    continue
                route = route_of(module, i, resolver)
                if route is not None:
                    is_async = fn.is_async or _wrapped_async(module, i, route, resolver)
                    handlers.append(_Handler(module, i, route, is_async))
            if "include_router" not in facts.tables.call_names:
                continue
            for row, call in enumerate(facts.calls):
                callee = call[C_CALLEE]
                if not callee.endswith(".include_router") or not call[C_ARGS]:
                    continue
                included = call[C_ARGS][0]
                scope = call[C_SCOPE]
                if included:
                    child = variable_origin(resolver, module, scope, included).key
                else:  # ``app.include_router(get_items_router(deps))``: a factory's router
                    child = _factory_router(module, row, resolver)
                    if not child:
                        continue
                owner = variable_origin(resolver, module, scope, callee.rpartition(".")[0]).key
                groups.union(owner, child)
                owners.add(owner)
                children.add(child)
        if not handlers:
            return
        async_modules = {id(h.module) for h in handlers if h.is_async}
        async_routers = {h.route.router for h in handlers if h.is_async}
        async_groups = {groups.find(router) for router in async_routers}
        apps: dict[str, str] = {}  # group -> its app: the owner nothing includes
        for key in sorted(owners - children):
            apps.setdefault(groups.find(key), key)
        for h in handlers:
            if h.is_async:
                continue
            if all_async:
                context = 'and `endpoints = "async"` is set'
            elif groups.find(h.route.router) in async_groups:
                group_key = groups.find(h.route.router)
                if h.route.router in async_routers:
                    context = f"on `{h.route.label}`, which also has async handlers"
                elif id(h.module) in async_modules:
                    context = "in a module that also has async handlers"
                else:
                    app = apps.get(group_key, group_key).rpartition(".")[2]
                    context = f"in the app `{app}`, which also has async handlers"
            elif id(h.module) in async_modules:
                context = "in a module that also has async handlers"
            else:
                continue
            fn = h.module.facts.functions[h.index]
            yield self.hit(
                h.module,
                *def_span(fn),
                symbol=fn.qualname,
                class_index=fn.class_index,
                func=fn.qualname,
                decorator=h.route.decorator,
                context=context,
            )


def _wrapped_async(module: Module, index: int, route: Route, resolver: Resolver) -> bool:
    """Is what the route registers an ``async def`` after all? A project decorator applied
    under the route's (zenml's ``@async_fastapi_endpoint_wrapper``) that defines an ``async
    def`` wrapper registers that wrapper, which runs the sync handler in a thread."""
    fn = module.facts.functions[index]
    decorators = list(fn.decorators)
    below = (
        decorators[decorators.index(route.decorator) + 1 :] if route.decorator in decorators else []
    )
    for name in below:
        target = resolver.resolve_name(module, fn.parent, name)
        if not isinstance(target, FuncRef):
            continue
        functions = target.module.facts.functions
        for f in functions[target.index + 1 :]:
            if f.line > target.fn.end_line:
                break
            if f.is_async and target.index in enclosing_functions(target.module, f.parent):
                return True  # (``def factory(x): def deco(f): async def wrapper`` too)
    return False


def _factory_router(module: Module, row: int, resolver: Resolver) -> str:
    """The key of the router a project factory returns, for ``include_router(factory(...))``
    (feast's ``get_entity_router(handler)``: ``router = APIRouter()``, handlers decorated
    with ``@router.get(...)`` inside it, ``return router``); "" when it is not that."""
    facts = module.facts
    inner = next(
        (c for c in facts.calls if c[C_PARENT] == row and c[C_CTX] == CTX_ARG and c[C_CALLEE]),
        None,
    )
    if inner is None:
        return ""
    factory = resolver.resolve_name(module, inner[C_SCOPE], inner[C_CALLEE])
    if not isinstance(factory, FuncRef):
        return ""
    home = factory.module
    names = {
        a.name
        for a in home.facts.assigns
        if a.scope == factory.index and a.target == RETURN_TARGET and a.name
    }
    if len(names) != 1:
        return ""
    return variable_origin(resolver, home, factory.index, names.pop()).key
