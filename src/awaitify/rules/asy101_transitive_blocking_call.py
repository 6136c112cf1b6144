from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis import apis
from awaitify.analysis.callgraph import KIND_BLOCKING, KIND_PROJECT, Site
from awaitify.analysis.color import consumes_generator
from awaitify.analysis.facts import (
    C_CTX,
    C_FLAGS,
    CALL_IN_LAMBDA,
    CTX_AWAIT,
    FN_GENERATOR,
    FN_OVERLOAD,
    RETURN_TARGET,
)
from awaitify.analysis.project import ProjectView
from awaitify.analysis.resolve import ClassRef, FuncRef, Resolver
from awaitify.analysis.sessions import sync_session_uses
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule
from awaitify.rules.helpers import class_of, functions, span

_SESSION = apis.SYNC_SESSION + "."


class TransitiveBlockingCall(Rule):
    """## What it does
    Reports a call, in the body of an `async def`, to a sync function of the project that
    blocks: it calls a known blocking API itself, or through other sync project functions.
    The message gives the whole chain down to the blocking API, across modules:
    `open_ticket → notify → requests.post`. A project context manager that enters a sync
    SQLAlchemy session (`with session_scope() as db:`) is ASY204's, once, where the `with`
    enters it: its commit is not reported again here.

    ## Why is this bad?
    The blocking call is one or more frames away from the coroutine, so neither a code
    reviewer nor a per-file linter sees it — but the event loop stops just the same while
    it runs.

    ## Example
    ```python
    import requests

    def notify(user):
        requests.post("https://hooks.example.com", json={"user": user})

    async def open_ticket(user):
        notify(user)
    ```

    Use instead:
    ```python
    import asyncio
    import requests

    def notify(user):
        requests.post("https://hooks.example.com", json={"user": user})

    async def open_ticket(user):
        await asyncio.to_thread(notify, user)
    ```

    ## Fix
    `awaitify migrate path.py::notify` makes the chain async (with an async HTTP client
    where one is known) or moves the call off the loop with `asyncio.to_thread`.
    """

    code = "ASY101"
    name = "transitive-blocking-call"
    category = Category.DEFECT
    message = "`{callee}` blocks the event loop (via {path}) inside `async def {func}`"
    fix_safety = "unsafe"
    follows_imports = True

    def check(self, project: ProjectView) -> Iterator[Hit]:
        graph = project.graph
        colors = project.colors
        # the colours first: propagating them classifies the calls of the functions they
        # reach, which the bodies read below must include
        colors.blocking  # noqa: B018
        bridging = colors.bridging
        sessions = sync_session_uses(project)
        for fn in functions(project, is_async=True):
            for site in graph.body_sites(fn):
                if site.kind != KIND_PROJECT:
                    continue
                target = site.target
                assert isinstance(target, FuncRef)
                if target in bridging:
                    continue  # a bridge through the callee is ASY103
                if not colors.blocks_at(site):
                    continue
                if _awaited_but_not_awaitable(site, target, graph.resolver):
                    continue  # the receiver's type was inferred wrong (see below)
                chain = tuple(colors.chain(target, KIND_BLOCKING))
                if (site.module.path, site.row) in sessions and chain[-1].startswith(_SESSION):
                    # ``with session_scope() as db``: the session it enters is one ASY204
                    # there, and its commit is that session's (one problem, one finding)
                    continue
                yield self._hit(fn, site, target, chain)
        # ``list(gen())``, ``for x in gen()`` in an async def: the generator's body runs here
        for gen in colors.blocking_generators:
            for site in graph.callers_of(gen):
                scope = site.scope
                if scope < 0 or not consumes_generator(site):
                    continue
                fn = FuncRef(site.module, scope)
                if not fn.fn.is_async or not project.in_focus(site.module):
                    continue
                if site.module.facts.calls[site.row][C_FLAGS] & CALL_IN_LAMBDA:
                    continue
                yield self._hit(fn, site, gen, tuple(colors.generator_chain(gen)))

    def _hit(self, fn: FuncRef, site: Site, callee: FuncRef, chain: tuple[str, ...]) -> Hit:
        line, col, end_line, end_col = span(site)
        return self.hit(
            fn.module, line, col, end_line, end_col,
            symbol=fn.label,
            chain=chain,
            class_index=class_of(fn.module, fn.index),
            callee=callee.label,
            path=" → ".join(chain),
            func=fn.fn.name,
        )  # fmt: skip


def _awaited_but_not_awaitable(site: Site, target: FuncRef, resolver: Resolver) -> bool:
    """``await managed.handler.reconnect()`` resolved to a sync function whose result cannot
    be awaited: it returns nothing (awaiting ``None`` raises), or a project class with no
    ``__await__``. The code awaits something else, so the resolution is wrong: pymilvus
    annotates an attribute with its sync handler and stores the async one; posthog's test
    helper takes ``emails: Emails`` and is given ``AsyncEmails``."""
    if site.module.facts.calls[site.row][C_CTX] != CTX_AWAIT:
        return False
    fn = target.fn
    if fn.flags & FN_GENERATOR:
        return False
    if fn.returns in ("", "None") and not any(
        a.scope == target.index and a.target == RETURN_TARGET for a in target.module.facts.assigns
    ):
        return True
    overloads = [
        f.returns
        for f in target.module.facts.functions
        if f.flags & FN_OVERLOAD and f.qualname == fn.qualname
    ]
    if overloads:
        # azure-cosmos: the overloads say what it returns, the implementation's
        # ``-> Union[...]`` does not (``await db.create_container_if_not_exists(...)``)
        return all(_not_awaitable(resolver, target, r) for r in overloads)
    if fn.returns and fn.returns != "None":
        return _not_awaitable(resolver, target, fn.returns)
    returned = resolver.returned_type(target)
    return isinstance(returned, ClassRef) and resolver.find_method(returned, "__await__") is None


def _not_awaitable(resolver: Resolver, target: FuncRef, returns: str) -> bool:
    """Does a function annotated ``-> returns`` give a value that cannot be awaited (a
    project class with no ``__await__``, or ``None``)?"""
    if returns == "None":
        return True
    returned = resolver.type_of_annotation(target.module, returns) if returns else None
    return isinstance(returned, ClassRef) and resolver.find_method(returned, "__await__") is None
