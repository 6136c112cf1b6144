from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.adapters.payment_adapter import GatewayError
from app.api.deps import get_billing_service
from app.db import SessionLocal, get_async_db, get_db
from app.models import Customer, Invoice, Payment
from app.schemas import InvoiceCreate, InvoiceOut, PaymentOut
from app.services.billing_service import BillingError, BillingService, InvoiceNotFound

router = APIRouter(prefix="/invoices", tags=["invoices"])


@router.post("", response_model=InvoiceOut, status_code=status.HTTP_201_CREATED)
def create_invoice(
    body: InvoiceCreate,
    db: Session = Depends(get_db),
    billing: BillingService = Depends(get_billing_service),
) -> Invoice:
    if db.get(Customer, body.customer_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "customer not found")
    return billing.create_invoice(
        db, body.customer_id, body.amount_cents, body.currency, body.due_in_days
    )


@router.get("/overdue", response_model=list[InvoiceOut])
async def list_overdue(db: Session = Depends(get_db)) -> list[Invoice]:
    stmt = (
        select(Invoice)
        .where(Invoice.status == "open", Invoice.due_at < date.today())
        .order_by(Invoice.due_at)
    )
    return list(db.scalars(stmt))


@router.get("/{invoice_id}", response_model=InvoiceOut)
async def get_invoice(
    invoice_id: int,
    session: AsyncSession = Depends(get_async_db),
    billing: BillingService = Depends(get_billing_service),
) -> Invoice:
    try:
        return await billing.get_invoice(session, invoice_id)
    except InvoiceNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


@router.get("/{invoice_id}/payments", response_model=list[PaymentOut])
async def list_payments(invoice_id: int) -> list[Payment]:
    with SessionLocal() as db:
        if db.get(Invoice, invoice_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "invoice not found")
        stmt = select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)
        return list(db.scalars(stmt))


@router.post("/{invoice_id}/send", response_model=InvoiceOut)
async def send_invoice(
    invoice_id: int,
    session: AsyncSession = Depends(get_async_db),
    billing: BillingService = Depends(get_billing_service),
) -> Invoice:
    try:
        return await billing.send_invoice(session, invoice_id)
    except InvoiceNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


@router.post("/{invoice_id}/charge", response_model=PaymentOut)
async def charge_invoice(
    invoice_id: int,
    session: AsyncSession = Depends(get_async_db),
    billing: BillingService = Depends(get_billing_service),
) -> Payment:
    try:
        return await billing.charge_invoice(session, invoice_id)
    except InvoiceNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except BillingError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except GatewayError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(exc)) from exc


@router.post("/{invoice_id}/void", response_model=InvoiceOut)
def void_invoice(
    invoice_id: int,
    db: Session = Depends(get_db),
    billing: BillingService = Depends(get_billing_service),
) -> Invoice:
    try:
        return billing.void_invoice(db, invoice_id)
    except InvoiceNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except BillingError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
