from __future__ import annotations

from sqlalchemy.orm import Session

from app.adapters.payment_adapter import PaymentGatewayAdapter
from app.models import Invoice, Payment
from app.services import billing_service
from app.workers.tasks import charge_invoice_task, refund_payment_task, send_payment_reminders


def test_charge_invoice_task(gateway, db: Session, open_invoice: Invoice) -> None:
    result = charge_invoice_task.apply(args=(open_invoice.id,)).get()

    assert result["status"] == "succeeded"
    db.expire_all()
    assert db.get(Invoice, open_invoice.id).status == "paid"


def test_send_payment_reminders(open_invoice: Invoice, published: list) -> None:
    assert send_payment_reminders() == 1
    assert published == [("invoice.overdue", {"invoice_id": open_invoice.id, "days_overdue": 10})]


def test_refund_payment_task(gateway, db: Session, open_invoice: Invoice) -> None:
    payment = Payment(
        invoice_id=open_invoice.id, amount_cents=12_500, provider_ref="ch_0001", status="succeeded"
    )
    db.add(payment)
    db.commit()

    assert refund_payment_task(payment.id) == "refunded"
    assert refund_payment_task(payment.id) == "skipped"
    assert gateway.requests[0].url.path == "/v1/refunds"


def test_payment_adapter_blocking_charge(gateway) -> None:
    adapter = PaymentGatewayAdapter(billing_service.get_gateway_client())

    result = adapter.charge(500, "EUR", "cus_1", "charge-test")

    assert result.status == "succeeded"
    assert gateway.requests[0].headers["Idempotency-Key"] == "charge-test"
