from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis.boundaries import owner_class
from awaitify.analysis.facts import C_CALLEE
from awaitify.analysis.project import ProjectView
from awaitify.analysis.sessions import CREATED, ENTERED, SessionUse, session_analysis
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule


class SyncSessionInAsync(Rule):
    """## What it does
    Reports a sync SQLAlchemy session used inside an `async def`: `with SessionLocal() as
    db:` or `db = Session(engine)` in the async body (where `SessionLocal` is a
    `sessionmaker(...)`, a `scoped_session(...)` or a project function returning
    `Session`), or a parameter, attribute or module variable typed as a sync `Session`
    (`db: Session = Depends(get_db)`, `self.db` set from a `Session`) whose methods the
    async body calls.

    One session is one finding: it is reported where the function creates or enters it,
    or — for a session that arrives as a parameter or attribute — at its first use in that
    function. Its method calls (`db.query`, `db.commit`, ...) in that function are not
    reported again as ASY100. Calls in a nested sync function or a lambda handed to
    `asyncio.to_thread` / `run_in_executor` run off the loop and are not uses.

    ## Why is this bad?
    Every query, flush and commit of a sync session blocks the event loop for the whole
    database round trip, stalling every other request the process is serving. In async
    code the session must be an `AsyncSession`, entered with `async with` and awaited.

    ## Example
    ```python
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import sessionmaker

    engine = create_engine("postgresql://db/billing")
    SessionLocal = sessionmaker(bind=engine)


    async def list_payments(invoice_id: int):
        with SessionLocal() as db:
            return list(db.scalars(select(Payment).where(Payment.invoice_id == invoice_id)))
    ```

    Use instead:
    ```python
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine("postgresql+asyncpg://db/billing")
    AsyncSessionLocal = async_sessionmaker(engine)


    async def list_payments(invoice_id: int):
        async with AsyncSessionLocal() as session:
            result = await session.scalars(select(Payment).where(Payment.invoice_id == invoice_id))
            return list(result)
    ```

    ## Fix
    With `[tool.awaitify.session-factories] SessionLocal = "AsyncSessionLocal"`,
    `awaitify migrate` turns `with SessionLocal() as db` into `async with
    AsyncSessionLocal() as db` and awaits the session's calls. Unsafe: lazy loading on an
    `AsyncSession` raises, so relationships may need `selectinload`.

    ## Options
    `session-factories` maps each sync session factory to its async twin.
    """

    code = "ASY204"
    name = "sync-session-in-async"
    category = Category.STANDARDIZE
    message = "{what} inside `async def {func}`: use an `AsyncSession` with `async with`{twin}"
    fix_safety = "unsafe"
    follows_imports = True

    def check(self, project: ProjectView) -> Iterator[Hit]:
        twins = dict(project.config.session_factories)
        for use in session_analysis(project).uses:
            fn = use.module.facts.functions[use.function]
            yield self.hit(
                use.module,
                use.line,
                use.col,
                use.end_line,
                use.end_col,
                symbol=fn.qualname,
                class_index=owner_class(use.module, use.function),
                what=_what(use),
                func=fn.name,
                twin=_twin(use, twins),
            )


def _what(use: SessionUse) -> str:
    if use.how == ENTERED:
        target = f" as {use.name}" if use.name else ""
        return f"`with {use.source}{target}` enters a sync session"
    if use.how == CREATED:
        return f"`{use.name} = {use.source}` creates a sync session"
    call = use.module.facts.calls[use.row][C_CALLEE]
    return f"the sync session {use.source} is used (first at `{call}()`)"


def _twin(use: SessionUse, twins: dict[str, str]) -> str:
    if use.how not in (ENTERED, CREATED):
        return ""
    factory = use.module.facts.calls[use.row][C_CALLEE]
    short = factory.rpartition(".")[2]
    twin = twins.get(factory) or twins.get(short)
    return f" (`{twin}()`)" if twin else ""
