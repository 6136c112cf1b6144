from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.routers import auth, customers, invoices
from app.db import async_engine
from app.models import Base


async def create_tables() -> None:
    async with async_engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await create_tables()
    yield
    await async_engine.dispose()


app = FastAPI(title="billing-service", version="1.4.0", lifespan=lifespan)
app.include_router(auth.router)
app.include_router(customers.router)
app.include_router(invoices.router)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    asyncio.run(create_tables())
    print("schema ready; serve with: uvicorn app.main:app")
