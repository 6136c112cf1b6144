from __future__ import annotations

import asyncio
import csv
import logging
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.adapters.payment_adapter import (
    GatewayUnavailable,
    PaymentGatewayClient,
    get_gateway_client,
)
from app.config import settings
from app.db import AsyncSessionLocal
from app.models import Customer, Invoice, Payment
from app.repositories.invoice_repository import InvoiceRepository
from app.utils.cache import TTLCache
from app.utils.events import publish_event
from app.utils.money import format_cents
from app.utils.notifications import notify

logger = logging.getLogger(__name__)

DEFAULT_TERMS = "Payment due within the stated term. Late payments may incur fees."

_rates: TTLCache[Decimal] = TTLCache(ttl_seconds=600)
_background_tasks: set[asyncio.Task[None]] = set()


class BillingError(Exception):
    pass


class InvoiceNotFound(BillingError):
    pass


async def _download_rate(base: str, quote: str) -> Decimal:
    async with httpx.AsyncClient(base_url=settings.fx_api_url, timeout=5.0) as client:
        response = await client.get("/latest", params={"from": base, "to": quote})
        response.raise_for_status()
        return Decimal(str(response.json()["rates"][quote]))


async def fetch_rate(base: str, quote: str) -> Decimal:
    if base == quote:
        return Decimal(1)
    return await _rates.get_or_fetch(f"{base}/{quote}", partial(_download_rate, base, quote))


def is_supported_currency(currency: str) -> bool:
    if currency.upper() == settings.base_currency:
        return True
    try:
        if fetch_rate(settings.base_currency, currency.upper()):
            return True
    except httpx.HTTPError:
        logger.warning("FX provider unavailable, rejecting %s", currency)
    return False


class BillingService:
    def __init__(self, gateway: PaymentGatewayClient | None = None) -> None:
        self.invoices = InvoiceRepository()
        self.gateway = gateway or get_gateway_client()
        self._terms: str | None = None

    def __repr__(self) -> str:
        return f"BillingService(gateway={self.gateway.base_url!r})"

    @property
    def payment_terms(self) -> str:
        if self._terms is None:
            if settings.terms_path:
                self._terms = Path(settings.terms_path).read_text(encoding="utf-8").strip()
            else:
                self._terms = DEFAULT_TERMS
        return self._terms

    def describe(self, invoice: Invoice) -> str:
        return f"{invoice.number} ({format_cents(invoice.amount_cents, invoice.currency)})"

    async def get_invoice(self, session: AsyncSession, invoice_id: int) -> Invoice:
        invoice = await session.get(Invoice, invoice_id)
        if invoice is None:
            raise InvoiceNotFound(f"invoice {invoice_id} not found")
        return invoice

    async def list_open_invoices(self, session: AsyncSession, customer_id: int) -> list[Invoice]:
        result = await session.scalars(
            select(Invoice)
            .where(Invoice.customer_id == customer_id, Invoice.status == "open")
            .order_by(Invoice.due_at, Invoice.id)
        )
        return list(result)

    def create_invoice(
        self,
        db: Session,
        customer_id: int,
        amount_cents: int,
        currency: str = "EUR",
        due_in_days: int = 30,
    ) -> Invoice:
        if amount_cents <= 0:
            raise BillingError("invoice amount must be positive")
        issued = date.today()
        invoice = Invoice(
            number=self.invoices.next_number(db),
            customer_id=customer_id,
            amount_cents=amount_cents,
            currency=currency.upper(),
            status="open",
            terms=self.payment_terms,
            issued_at=issued,
            due_at=issued + timedelta(days=due_in_days),
        )
        return self.invoices.create(db, invoice)

    def void_invoice(self, db: Session, invoice_id: int) -> Invoice:
        invoice = self.invoices.get(db, invoice_id)
        if invoice is None:
            raise InvoiceNotFound(f"invoice {invoice_id} not found")
        if invoice.status == "paid":
            raise BillingError(f"invoice {invoice.number} is already paid")
        invoice.status = "void"
        db.commit()
        return invoice

    async def charge_invoice(self, session: AsyncSession, invoice_id: int) -> Payment:
        invoice = await self.get_invoice(session, invoice_id)
        if invoice.status != "open":
            raise BillingError(f"invoice {invoice.number} is {invoice.status}")
        for attempt in range(1, settings.charge_attempts + 1):
            try:
                charge = await self.gateway.charge(
                    amount_cents=invoice.amount_cents,
                    currency=invoice.currency,
                    customer_ref=f"cus_{invoice.customer_id}",
                    idempotency_key=f"charge-{invoice.number}",
                )
                break
            except GatewayUnavailable:
                if attempt == settings.charge_attempts:
                    raise
                logger.warning("gateway unavailable for %s (attempt %d)", invoice.number, attempt)
                time.sleep(settings.retry_backoff_seconds * attempt)

        payment = Payment(
            invoice_id=invoice.id,
            amount_cents=invoice.amount_cents,
            provider_ref=charge.reference,
            status=charge.status,
        )
        session.add(payment)
        if charge.status == "succeeded":
            invoice.status = "paid"
            invoice.paid_at = datetime.now(timezone.utc)
        await session.commit()

        if invoice.status == "paid":
            await asyncio.to_thread(notify, "invoice.paid", {"invoice": invoice.number})
            task = asyncio.create_task(publish_event("invoice.paid", {"invoice_id": invoice.id}))
            _background_tasks.add(task)
            task.add_done_callback(_background_tasks.discard)
        return payment

    async def send_invoice(self, session: AsyncSession, invoice_id: int) -> Invoice:
        invoice = await self.get_invoice(session, invoice_id)
        customer = await session.get(Customer, invoice.customer_id)
        if customer is None:
            raise BillingError(f"invoice {invoice.number} has no customer")
        notify(
            "invoice.sent",
            {"invoice": self.describe(invoice), "email": customer.email, "due_at": invoice.due_at},
        )
        invoice.sent_at = datetime.now(timezone.utc)
        await session.commit()
        asyncio.create_task(publish_event("invoice.sent", {"invoice_id": invoice.id}))
        return invoice

    async def send_reminders(self, session: AsyncSession, today: date) -> int:
        overdue = list(
            await session.scalars(
                select(Invoice).where(Invoice.status == "open", Invoice.due_at < today)
            )
        )
        await asyncio.gather(
            *(
                publish_event(
                    "invoice.overdue",
                    {"invoice_id": inv.id, "days_overdue": (today - inv.due_at).days},
                )
                for inv in overdue
            )
        )
        return len(overdue)

    async def refund_payment(self, session: AsyncSession, payment_id: int) -> Payment:
        payment = await session.get(Payment, payment_id)
        if payment is None or payment.status != "succeeded":
            raise BillingError(f"payment {payment_id} cannot be refunded")
        await self.gateway.refund(payment.provider_ref, payment.amount_cents)
        payment.status = "refunded"
        invoice = await self.get_invoice(session, payment.invoice_id)
        invoice.status = "refunded"
        await session.commit()
        publish_event("payment.refunded", {"payment_id": payment.id, "invoice_id": invoice.id})
        return payment

    def total_outstanding(self, customer_id: int) -> int:
        return asyncio.run(self._outstanding_cents(customer_id))

    async def _outstanding_cents(self, customer_id: int) -> int:
        async with AsyncSessionLocal() as session:
            total = await session.scalar(
                select(func.coalesce(func.sum(Invoice.amount_cents), 0)).where(
                    Invoice.customer_id == customer_id, Invoice.status == "open"
                )
            )
        return int(total or 0)

    async def customer_statement(self, session: AsyncSession, customer_id: int) -> dict[str, Any]:
        invoices = await self.list_open_invoices(session, customer_id)
        rate = fetch_rate(settings.base_currency, settings.reporting_currency)
        outstanding = self.total_outstanding(customer_id)
        converted = Decimal(outstanding) * await rate
        return {
            "customer_id": customer_id,
            "open_invoices": [invoice.number for invoice in invoices],
            "outstanding_cents": outstanding,
            "outstanding_reporting_cents": int(converted),
            "reporting_currency": settings.reporting_currency,
        }

    async def export_open_invoices(
        self, session: AsyncSession, customer_id: int, path: Path
    ) -> int:
        invoices = await self.list_open_invoices(session, customer_id)
        rows = [
            (inv.number, inv.amount_cents, inv.currency, inv.due_at.isoformat()) for inv in invoices
        ]

        def write_csv() -> None:
            with open(path, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["number", "amount_cents", "currency", "due_at"])
                writer.writerows(rows)

        await asyncio.to_thread(write_csv)
        return len(rows)
