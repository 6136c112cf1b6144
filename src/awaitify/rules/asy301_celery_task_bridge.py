from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.bridges import ASY301, bridge_classes
from awaitify.analysis.project import ProjectView
from awaitify.model import Category
from awaitify.rules._support import bridge_hit
from awaitify.rules.base import Hit, Rule


class CeleryTaskBridge(Rule):
    """## What it does
    Reports a Celery task that runs async code with a bridge (`asyncio.run`,
    `loop.run_until_complete`, `async_to_sync`, ...) in its own body or in a function
    nested in it. Tasks are recognised by `@app.task`, `@celery_app.task(bind=True)` (where
    the object was built by `celery.Celery(...)`, or imported from a module whose name
    mentions celery), `@shared_task`, the `run` method of a `celery.Task` subclass, and the
    decorators listed in `boundaries.task-decorators`.

    A task that only calls sync code which bridges internally (an adapter, ASY302) is not
    reported: that bridge is reported where it is.

    ## Why is this bad?
    It is not: Celery runs tasks in sync worker processes, so a task is an accepted
    boundary where async code is entered with `asyncio.run`. The finding keeps these
    bridges counted and visible (they never fail `check` by default) until the workers move
    to an async-native queue or Celery runs coroutines natively.

    ## Example
    ```python
    import asyncio

    from celery import Celery

    celery_app = Celery("billing")


    @celery_app.task(bind=True, max_retries=5)
    def charge_invoice_task(self, invoice_id: int) -> None:
        asyncio.run(charge(invoice_id))
    ```

    Use instead:
    ```python
    from taskiq_redis import ListQueueBroker

    broker = ListQueueBroker("redis://localhost")


    @broker.task
    async def charge_invoice_task(invoice_id: int) -> None:
        await charge(invoice_id)
    ```

    ## Options
    `boundaries.task-decorators` adds task decorators (dotted names or globs, e.g.
    `dramatiq.actor`).
    """

    code = "ASY301"
    name = "celery-task-bridge"
    category = Category.ACCEPTABLE
    message = (
        "Celery task `{func}` ({where}) runs async code with `{api}`: acceptable until "
        "Celery runs coroutines natively"
    )

    def check(self, project: ProjectView) -> Iterator[Hit]:
        for found in bridge_classes(project).of(ASY301):
            yield bridge_hit(self, found)
