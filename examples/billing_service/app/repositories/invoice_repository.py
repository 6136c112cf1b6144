from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Invoice


class InvoiceRepository:
    def get(self, db: Session, invoice_id: int) -> Invoice | None:
        return db.get(Invoice, invoice_id)

    def get_by_number(self, db: Session, number: str) -> Invoice | None:
        return db.query(Invoice).filter(Invoice.number == number).one_or_none()

    def list_for_customer(self, db: Session, customer_id: int) -> list[Invoice]:
        stmt = (
            select(Invoice)
            .where(Invoice.customer_id == customer_id)
            .order_by(Invoice.issued_at, Invoice.id)
        )
        return list(db.scalars(stmt))

    def next_number(self, db: Session) -> str:
        count = db.execute(select(func.count(Invoice.id))).scalar_one()
        return self._format_number(count + 1)

    def create(self, db: Session, invoice: Invoice) -> Invoice:
        db.add(invoice)
        db.commit()
        db.refresh(invoice)
        return invoice

    def total_cents(self, invoices: Iterable[Invoice]) -> int:
        return sum(invoice.amount_cents for invoice in invoices)

    @staticmethod
    def _format_number(sequence: int) -> str:
        return f"INV-{sequence:06d}"
