from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.models import Customer, Invoice
from app.repositories.customer_repository import CustomerRepository
from app.repositories.invoice_repository import InvoiceRepository


def test_customer_create_normalises_and_finds_by_email(db: Session) -> None:
    repo = CustomerRepository(db)
    created = repo.create("Globex", "AP@Globex.test", "usd")

    assert created.email == "ap@globex.test"
    assert created.currency == "USD"
    assert repo.get_by_email("ap@globex.test").id == created.id
    assert repo.get(created.id).name == "Globex"
    assert repo.get(999) is None


def test_customer_list_page(db: Session) -> None:
    repo = CustomerRepository(db)
    for i in range(5):
        repo.create(f"Customer {i}", f"c{i}@example.test")

    page = repo.list_page(limit=2, offset=2)

    assert [c.name for c in page] == ["Customer 2", "Customer 3"]


def test_invoice_numbers_and_lookup(db: Session, customer: Customer) -> None:
    repo = InvoiceRepository()
    for amount in (1_000, 2_500):
        repo.create(
            db,
            Invoice(
                number=repo.next_number(db),
                customer_id=customer.id,
                amount_cents=amount,
                currency="EUR",
                issued_at=date(2024, 3, 1),
                due_at=date(2024, 3, 31),
            ),
        )

    invoices = repo.list_for_customer(db, customer.id)

    assert [i.number for i in invoices] == ["INV-000001", "INV-000002"]
    assert repo.get_by_number(db, "INV-000002").amount_cents == 2_500
    assert repo.total_cents(invoices) == 3_500
