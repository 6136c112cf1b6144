from __future__ import annotations

import weakref
from collections.abc import Iterator

from awaitify.analysis.boundaries import boundary_kind, framework_sync_hook, is_adapter_class
from awaitify.analysis.bridges import only_called_from_entry_points
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import ClassRef, FuncRef, Resolver
from awaitify.model import Category
from awaitify.rules._support import chain_text, def_span, is_public, sync_io_reason
from awaitify.rules.base import Hit, Rule


class MixedClass(Rule):
    """## What it does
    In a class that has at least one `async def` method (its own, or inherited from a base
    class defined in the same module), reports each public sync method that blocks — it calls a blocking
    API such as `requests.post` or a sync SQLAlchemy `Session`, directly or through other
    project functions — or that runs a bridge (`asyncio.run`, `run_until_complete`,
    `async_to_sync`) into async code. The message gives the chain down to the blocking
    call.

    Dunders, `@property` methods, private `_helpers`, `@overload`/abstract stubs and pure
    helpers (methods that do no I/O, such as formatting) are not reported, and neither is
    the sync half of a deliberate dual API — a method whose async twin is already in the
    class (`read` beside `async def aread`, `send` beside `send_async` / `async_send`,
    `fetch_sync` beside `async def fetch`) — nor a method that only bridges and that only
    entry points call (its bridge is an entry bridge, ASY303). Classes of the
    repository layer are reported by ASY202 instead, adapter classes (ASY302) and test code
    not at all.

    ## Why is this bad?
    A class that is half sync and half async forces every caller to know which methods
    must be awaited, and its sync methods block the event loop as soon as an async method
    (or an async caller) uses them. A standardization guide asks for classes that are
    "fully async": every public method that does I/O becomes `async def`.

    ## Example
    ```python
    import requests


    class BillingService:
        async def charge(self, invoice_id: int) -> None:
            ...

        def refund(self, invoice_id: int) -> None:
            requests.post("https://payments.example/refunds", json={"id": invoice_id})
    ```

    Use instead:
    ```python
    import httpx


    class BillingService:
        async def charge(self, invoice_id: int) -> None:
            ...

        async def refund(self, invoice_id: int) -> None:
            async with httpx.AsyncClient() as client:
                await client.post("https://payments.example/refunds", json={"id": invoice_id})
    ```

    ## Fix
    `awaitify migrate path/to/file.py::BillingService` converts every public method of the
    class, awaits every call site in the project, and moves blocking calls off the loop.
    Unsafe: the method's callers change.

    ## Options
    `boundaries.adapter-classes` (classes that are sync facades on purpose) and
    `boundaries.sync-hooks` (framework hooks that must stay sync) are never reported.
    """

    code = "ASY201"
    name = "mixed-class"
    category = Category.STANDARDIZE
    message = (
        "`{func}` is sync and {what} (via `{via}`) in a class with async methods: make it async"
    )
    fix_safety = "unsafe"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        resolver = project.graph.resolver
        colors = project.colors
        config = project.config
        # Only a public sync method that blocks or bridges can be reported: start from the
        # coloured functions rather than from every class of the project.
        classes: dict[tuple[int, int], tuple[Module, int]] = {}
        for ref in (*colors.blocking, *colors.bridging):
            fn = ref.fn
            if fn.class_index >= 0 and not fn.is_async and is_public(fn):
                classes.setdefault((id(ref.module), fn.class_index), (ref.module, fn.class_index))
        position = {id(m): i for i, m in enumerate(project.modules)}
        for module, ci in sorted(classes.values(), key=lambda c: (position[id(c[0])], c[1])):
            if module.layer in ("test", "migration"):
                continue
            if module.class_layer(ci) in ("repository", "test", "migration"):
                continue
            if not has_async_methods(resolver, ClassRef(module, ci)):
                continue
            if is_adapter_class(module, ci, config, resolver):
                continue
            for i, fn in enumerate(module.facts.functions):
                if fn.class_index == ci:
                    hit = self._check_method(project, resolver, module, i)
                    if hit is not None:
                        yield hit

    def _check_method(
        self, project: ProjectView, resolver: Resolver, module: Module, index: int
    ) -> Hit | None:
        fn = module.facts.functions[index]
        if fn.is_async or not is_public(fn) or framework_sync_hook(fn):
            return None  # (a pydantic validator cannot become async)
        reason = sync_io_reason(project.colors, FuncRef(module, index))
        if reason is None:
            return None
        if boundary_kind(module, index, resolver, project.config) is not None:
            return None  # includes the sync half of a sync/async pair (``read``/``aread``)
        what, chain = reason
        if what != "blocks" and only_called_from_entry_points(project, resolver, module, index):
            return None  # its bridges are entry bridges (ASY303): it runs before any loop
        return self.hit(
            module,
            *def_span(fn),
            symbol=fn.qualname,
            chain=chain,
            class_index=fn.class_index,
            func=fn.qualname,
            what="blocking" if what == "blocks" else "runs a bridge into async code",
            via=chain_text(chain),
        )


_ASYNC_CLASSES: weakref.WeakKeyDictionary[Module, frozenset[int]] = weakref.WeakKeyDictionary()


def _async_classes(module: Module) -> frozenset[int]:
    found = _ASYNC_CLASSES.get(module)
    if found is None:
        found = frozenset(
            fn.class_index for fn in module.facts.functions if fn.is_async and fn.class_index >= 0
        )
        _ASYNC_CLASSES[module] = found
    return found


def has_async_methods(resolver: Resolver, cls: ClassRef) -> bool:
    """Does the class, or a base class defined in the same module, define an ``async def``?

    Async methods inherited from a framework base in another module (Home Assistant's
    ``Entity.async_update``) do not make a class mixed: its author wrote a sync class, and
    the framework runs its sync hooks (``update``) in an executor."""
    own = _async_classes(cls.module)
    if cls.index in own:
        return True
    if not own:
        return False  # no async class in the module: no same-module base can have one
    return any(c.index in own for c in resolver.mro(cls) if c.module is cls.module)
