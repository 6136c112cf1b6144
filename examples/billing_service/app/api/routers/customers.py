from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import get_billing_service, get_customer_repository
from app.db import get_async_db
from app.models import Customer
from app.repositories.customer_repository import CustomerRepository
from app.schemas import CustomerCreate, CustomerOut
from app.services.billing_service import BillingService, is_supported_currency

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", response_model=CustomerOut, status_code=status.HTTP_201_CREATED)
def create_customer(
    body: CustomerCreate,
    customers: CustomerRepository = Depends(get_customer_repository),
) -> Customer:
    if not is_supported_currency(body.currency):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "unsupported currency")
    if customers.get_by_email(body.email) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, "customer already exists")
    return customers.create(body.name, body.email, body.currency)


@router.get("", response_model=list[CustomerOut])
async def list_customers(
    limit: int = 50,
    offset: int = 0,
    customers: CustomerRepository = Depends(get_customer_repository),
) -> list[Customer]:
    return customers.list_page(limit=limit, offset=offset)


@router.get("/{customer_id}", response_model=CustomerOut)
async def get_customer(
    customer_id: int, customers: CustomerRepository = Depends(get_customer_repository)
) -> Customer:
    customer = customers.get(customer_id)
    if customer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "customer not found")
    return customer


@router.get("/{customer_id}/statement")
async def get_statement(
    customer_id: int,
    session: AsyncSession = Depends(get_async_db),
    billing: BillingService = Depends(get_billing_service),
) -> dict[str, Any]:
    return await billing.customer_statement(session, customer_id)
