from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import AsyncSessionLocal
from app.models import Customer, Invoice, Payment, User
from app.services.auth_service import AuthError, AuthService, hash_token
from app.services.billing_service import BillingError, BillingService, is_supported_currency
from app.utils.cache import TTLCache


def test_create_invoice_sets_number_terms_and_due_date(db: Session, customer: Customer) -> None:
    invoice = BillingService().create_invoice(db, customer.id, 4_200, "eur", due_in_days=14)

    assert invoice.number == "INV-000001"
    assert invoice.currency == "EUR"
    assert (invoice.due_at - invoice.issued_at).days == 14
    assert invoice.terms.startswith("Payment due")


def test_create_invoice_rejects_non_positive_amount(db: Session, customer: Customer) -> None:
    with pytest.raises(BillingError):
        BillingService().create_invoice(db, customer.id, 0)


def test_void_invoice(db: Session, open_invoice: Invoice) -> None:
    assert BillingService().void_invoice(db, open_invoice.id).status == "void"


def test_base_currency_is_supported() -> None:
    assert is_supported_currency("eur")


@pytest.mark.asyncio
async def test_charge_invoice_retries_unavailable_gateway(
    gateway, open_invoice: Invoice, webhooks: list[dict], published: list
) -> None:
    gateway.failures = 1
    async with AsyncSessionLocal() as session:
        payment = await BillingService().charge_invoice(session, open_invoice.id)
        await asyncio.sleep(0)
        invoice = await session.get(Invoice, open_invoice.id)

    assert len(gateway.requests) == 2
    assert payment.status == "succeeded"
    assert invoice.status == "paid"
    assert webhooks[0]["event"] == "invoice.paid"
    assert published == [("invoice.paid", {"invoice_id": open_invoice.id})]


@pytest.mark.asyncio
async def test_charge_paid_invoice_is_rejected(gateway, open_invoice: Invoice) -> None:
    async with AsyncSessionLocal() as session:
        await BillingService().charge_invoice(session, open_invoice.id)
        with pytest.raises(BillingError):
            await BillingService().charge_invoice(session, open_invoice.id)
        payments = (await session.scalars(select(Payment))).all()

    assert len(payments) == 1


@pytest.mark.asyncio
async def test_send_invoice_posts_webhook(open_invoice: Invoice, webhooks: list[dict]) -> None:
    async with AsyncSessionLocal() as session:
        invoice = await BillingService().send_invoice(session, open_invoice.id)

    assert invoice.sent_at is not None
    assert webhooks[0]["event"] == "invoice.sent"
    assert webhooks[0]["data"]["email"] == "billing@acme.test"
    assert webhooks[0]["data"]["invoice"] == "INV-000001 (€125.00)"


def test_export_open_invoices_writes_csv(open_invoice: Invoice, tmp_path: Path) -> None:
    target = tmp_path / "open.csv"

    async def export() -> int:
        async with AsyncSessionLocal() as session:
            service = BillingService()
            return await service.export_open_invoices(session, open_invoice.customer_id, target)

    assert asyncio.run(export()) == 1
    rows = list(csv.reader(target.read_text(encoding="utf-8").splitlines()))
    assert rows[1][:3] == ["INV-000001", "12500", "EUR"]


def test_register_rejects_duplicate_email(auth: AuthService) -> None:
    auth.register("ops@acme.test", "correct horse")
    with pytest.raises(AuthError):
        auth.register("OPS@acme.test", "battery staple")


@pytest.fixture
def finance_user(auth: AuthService) -> User:
    return auth.register("finance@acme.test", "s3cret-pass")


@pytest.mark.asyncio
async def test_authenticate_and_issue_token(
    auth: AuthService, finance_user: User, webhooks: list[dict]
) -> None:
    assert await auth.authenticate("finance@acme.test", "wrong-pass") is None
    assert webhooks[-1]["event"] == "auth.login_failed"

    user = await auth.authenticate("Finance@acme.test", "s3cret-pass")
    assert user is not None
    assert user.id == finance_user.id
    token = await auth.issue_token(user)
    assert user.api_token_hash == hash_token(token)


def test_ttl_cache_dump(tmp_path: Path) -> None:
    cache: TTLCache[int] = TTLCache(ttl_seconds=60)
    cache.set("EUR/USD", 1)
    cache.dump(tmp_path / "rates.json")

    assert '"EUR/USD": "1"' in (tmp_path / "rates.json").read_text(encoding="utf-8")
