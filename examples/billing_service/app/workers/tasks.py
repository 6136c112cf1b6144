from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from celery import Celery, Task, shared_task

from app.adapters.payment_adapter import (
    GatewayUnavailable,
    PaymentGatewayAdapter,
    get_gateway_client,
)
from app.config import settings
from app.db import AsyncSessionLocal, SessionLocal
from app.models import Payment
from app.services.billing_service import BillingService

celery_app = Celery("billing", broker=settings.broker_url)
celery_app.conf.update(task_acks_late=True, task_default_queue="billing", timezone="UTC")


async def _charge(invoice_id: int) -> Payment:
    async with AsyncSessionLocal() as session:
        return await BillingService(get_gateway_client()).charge_invoice(session, invoice_id)


async def _send_reminders(today: date) -> int:
    async with AsyncSessionLocal() as session:
        return await BillingService().send_reminders(session, today)


@celery_app.task(bind=True, max_retries=5, default_retry_delay=30)
def charge_invoice_task(self: Task, invoice_id: int) -> dict[str, Any]:
    try:
        payment = asyncio.run(_charge(invoice_id))
    except GatewayUnavailable as exc:
        raise self.retry(exc=exc) from exc
    return {"payment_id": payment.id, "status": payment.status}


@shared_task
def send_payment_reminders() -> int:
    return asyncio.run(_send_reminders(date.today()))


@shared_task
def refund_payment_task(payment_id: int) -> str:
    adapter = PaymentGatewayAdapter(get_gateway_client())
    with SessionLocal() as db:
        payment = db.get(Payment, payment_id)
        if payment is None or payment.status != "succeeded":
            return "skipped"
        result = adapter.refund(payment.provider_ref, payment.amount_cents)
        payment.status = "refunded"
        db.commit()
        return result.status
