from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.boundaries import owner_class
from awaitify.analysis.bridges import ASY302, bridge_classes
from awaitify.analysis.project import ProjectView
from awaitify.model import Category
from awaitify.rules._support import bridge_hit
from awaitify.rules.base import Hit, Rule


class AdapterBridge(Rule):
    """## What it does
    Reports a bridge (`asyncio.run`, `loop.run_until_complete`, `async_to_sync`, ...) in a
    sync method of an adapter class: a class whose name, or the name of one of its project
    base classes, matches `boundaries.adapter-classes` (default `*Adapter` and `*Bridge`).
    The sync twin of an async method — `send` beside `async def asend`, `read_sync` beside
    `async def read`, `__iter__` beside `__aiter__` — is the sync face of a deliberate dual
    API, an adapter too, and so is a module-level function beside its async twin in the
    same module (`def query` beside `async def aquery`). A loop-aware dispatcher — a sync
    function that checks for a running loop (`asyncio.get_running_loop()`,
    `loop.is_running()`) and then schedules the coroutine as a task on it, bridging only
    when no loop runs — is one as well. Methods of the adapter that reach the bridge
    through `self.run_async(...)` are not reported again: the bridge is reported once,
    where it is.

    ## Why is this bad?
    It is not: an adapter is the deliberate sync facade over an async client, for the sync
    callers that remain (Celery tasks, scripts, a sync framework). The finding keeps the
    adapter's bridges counted, so the team can see when the last sync caller is gone and
    the adapter can be deleted.

    ## Example
    ```python
    import asyncio


    class PaymentGatewayAdapter:
        def __init__(self, client: PaymentGatewayClient) -> None:
            self.client = client

        def refund(self, reference: str) -> Refund:
            return asyncio.run(self.client.refund(reference))
    ```

    Use instead:
    ```python
    async def refund_payment(client: PaymentGatewayClient, reference: str) -> Refund:
        return await client.refund(reference)
    ```

    ## Options
    `boundaries.adapter-classes`: class-name globs (default `["*Adapter", "*Bridge"]`).
    """

    code = "ASY302"
    name = "adapter-bridge"
    category = Category.ACCEPTABLE
    message = "adapter {kind} `{func}`{twin} wraps `{api}`: an accepted sync facade over async code"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        for found in bridge_classes(project).of(ASY302):
            twin = "" if found.where.startswith("adapter class") else f" ({found.where})"
            module = found.site.module
            method = found.function >= 0 and owner_class(module, found.function) >= 0
            yield bridge_hit(self, found, twin=twin, kind="method" if method else "function")
