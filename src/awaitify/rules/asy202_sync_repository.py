from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.boundaries import HANDED_OVER, boundary_kind, offloaded_from_async
from awaitify.analysis.project import ProjectView
from awaitify.analysis.resolve import FuncRef
from awaitify.model import Category
from awaitify.rules._support import chain_text, def_span, is_public, sync_io_reason
from awaitify.rules.base import Hit, Rule


class SyncRepository(Rule):
    """## What it does
    Reports each public sync method of a repository that blocks: a method of a class in
    the `repository` layer (files under `repositories/`, `repo/`, `dao/`, `crud/`,
    `*_repository.py`, ...) or of a class named `*Repository`, `*Repo`, `*DAO` or `*CRUD`
    wherever it lives, that runs a sync database session, a DB-API cursor or another
    blocking call, directly or through other project functions. Public module-level
    functions of a repository-layer file (the `crud.py` style) count as repository methods
    too. The message gives the chain down to the blocking call.

    Private helpers, dunders, properties, methods that do no I/O, and the sync twin of an
    async method (`get` beside `async def aget`) are not reported. A function the async
    code only runs in a thread (`await asyncio.to_thread(get_items, db, 1)`) is: it is
    still the sync I/O to convert, and its migration turns that call into
    `await get_items(db, 1)`.

    ## Why is this bad?
    Repositories are the leaves of the call graph: every service and endpoint above them
    inherits their blocking I/O. A migration converts them first ("Phase 3"), to
    `AsyncSession` and `async def`, so that the layers above can follow.

    ## Example
    ```python
    from sqlalchemy.orm import Session


    class InvoiceRepository:
        def __init__(self, db: Session) -> None:
            self.db = db

        def get(self, invoice_id: int):
            return self.db.get(Invoice, invoice_id)
    ```

    Use instead:
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession


    class InvoiceRepository:
        def __init__(self, db: AsyncSession) -> None:
            self.db = db

        async def get(self, invoice_id: int):
            return await self.db.get(Invoice, invoice_id)
    ```

    ## Fix
    `awaitify migrate --rule ASY202` (or `--layer repository`) converts the methods, their
    session to the configured async twin, and awaits every call site. Unsafe: callers
    change.

    ## Options
    `[tool.awaitify.layers] repository = [...]` adds paths to the repository layer.
    """

    code = "ASY202"
    name = "sync-repository"
    category = Category.STANDARDIZE
    message = "`{func}` is a sync repository method that blocks (via `{via}`): make it async"
    fix_safety = "unsafe"

    def check(self, project: ProjectView) -> Iterator[Hit]:
        colors = project.colors
        resolver = project.graph.resolver
        for module in project.modules:
            functions = module.facts.functions
            if not functions:
                continue
            file_is_repository = module.layer == "repository"
            for i, fn in enumerate(functions):
                if fn.is_async or not is_public(fn):
                    continue
                if fn.class_index >= 0:
                    if module.class_layer(fn.class_index) != "repository":
                        continue
                elif not (file_is_repository and fn.parent < 0):
                    continue
                reason = sync_io_reason(colors, FuncRef(module, i))
                if reason is None:
                    continue
                kind = boundary_kind(module, i, resolver, project.config)
                if kind is not None and not (
                    kind[0] == HANDED_OVER and offloaded_from_async(resolver, FuncRef(module, i))
                ):
                    continue  # (run in a thread by async code: still its sync I/O)
                _, chain = reason
                yield self.hit(
                    module,
                    *def_span(fn),
                    symbol=fn.qualname,
                    chain=chain,
                    class_index=fn.class_index,
                    func=fn.qualname,
                    via=chain_text(chain),
                )
