from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.bridges import ASY206, bridge_classes
from awaitify.analysis.project import ProjectView
from awaitify.model import Category
from awaitify.rules._support import bridge_hit
from awaitify.rules.base import Hit, Rule


class BridgeOutsideBoundary(Rule):
    """## What it does
    Reports a sync→async bridge — `asyncio.run`, `loop.run_until_complete`,
    `async_to_sync`, `anyio.run`, `trio.run` — in sync code that is not an accepted
    boundary: not a Celery task (ASY301), not an adapter class or the sync twin of an async
    method (ASY302), not an entry point, a thread/process target or a helper that only
    entry points call (ASY303), not test code (ASY205). A service method, a repository, a
    utility function or a module-level call run at import time are typical places.

    A bridge directly in an `async def` body is a defect, reported as ASY103 instead. A
    sync function that bridges and is also called from async code gets both: ASY206 at the
    bridge, ASY103 at the async call site.

    ## Why is this bad?
    A bridge buried in the middle of the code base hides async code behind a sync
    signature: each call starts a new event loop (losing connection pools and context),
    and the first async caller that reaches it crashes with "asyncio.run() cannot be
    called from a running event loop". Bridges belong at the edges, where sync
    frameworks call in.

    ## Example
    ```python
    import asyncio


    class ReportService:
        def monthly_total(self, month: int) -> int:
            return asyncio.run(self._sum_invoices(month))

        async def _sum_invoices(self, month: int) -> int:
            ...
    ```

    Use instead:
    ```python
    class ReportService:
        async def monthly_total(self, month: int) -> int:
            return await self._sum_invoices(month)

        async def _sum_invoices(self, month: int) -> int:
            ...
    ```

    ## Fix
    `awaitify migrate path/to/file.py::ReportService.monthly_total` makes the function
    async, awaits it at every call site, and carries the change up through sync callers
    until an accepted boundary, where the bridge is inserted. Unsafe.

    ## Options
    `boundaries.task-decorators`, `boundaries.adapter-classes`, `boundaries.entry-points`
    and `boundaries.sync-hooks` declare more accepted boundaries.
    """

    code = "ASY206"
    name = "bridge-outside-boundary"
    category = Category.STANDARDIZE
    message = (
        "`{api}` in `{func}`, outside any accepted boundary (Celery task, adapter, entry "
        "point, test): {advice}"
    )
    fix_safety = "unsafe"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        for found in bridge_classes(project).of(ASY206):
            # module-level code has no caller to make async: it runs at import time
            advice = (
                "make the caller async and `await` instead"
                if found.function >= 0
                else 'move it under `if __name__ == "__main__":` or into a `main()` function'
            )
            yield bridge_hit(self, found, advice=advice)
