from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.bridges import ASY303, bridge_classes
from awaitify.analysis.project import ProjectView
from awaitify.model import Category
from awaitify.rules._support import bridge_hit
from awaitify.rules.base import Hit, Rule


class EntrypointBridge(Rule):
    """## What it does
    Reports a bridge (`asyncio.run`, `loop.run_until_complete`, `anyio.run`, ...) at a
    program's entry: under `if __name__ == "__main__":`, in a function named in
    `boundaries.entry-points` (default `main`), in a function defined or called under the
    `__main__` guard, in a click/typer command (`@click.command()`, `@cli.command()`,
    `@app.command()`, cyclopts) or a callback that click invokes (`@click.pass_context`,
    `@click.pass_obj`), in a function that builds an `argparse` parser, in a Django
    management command's `handle`, in a top-level `pytest_*` hook, in the `run` of a
    `Thread`/`Process`/gunicorn worker subclass, in a configured sync hook, anywhere in a
    file of the `script` layer — and in the functions such an entry hands control to: a
    nested or private function that nothing calls directly (a `Thread(target=...)`,
    `Process(target=...)` or executor job, which starts without an event loop), and a sync
    helper that only entry points call, directly or through other such helpers.

    ## Why is this bad?
    It is not: a program has to enter its event loop somewhere, and the entry point is the
    right place. The finding keeps entry bridges counted beside the other bridges; an
    async-native CLI framework removes even this one.

    ## Example
    ```python
    import asyncio


    async def sync_invoices() -> None:
        ...


    if __name__ == "__main__":
        asyncio.run(sync_invoices())
    ```

    Use instead:
    ```python
    import asyncclick as click


    @click.command()
    async def sync_invoices() -> None:
        ...


    if __name__ == "__main__":
        sync_invoices()
    ```

    ## Options
    `boundaries.entry-points` (function names or qualname globs) and `boundaries.sync-hooks`.
    """

    code = "ASY303"
    name = "entrypoint-bridge"
    category = Category.ACCEPTABLE
    message = "`{api}` at an entry point ({where}): an accepted place to enter the event loop"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        for found in bridge_classes(project).of(ASY303):
            yield bridge_hit(self, found)
