from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Customer


class CustomerRepository:
    def __init__(self, db: Session) -> None:
        self.db = db

    def get(self, customer_id: int) -> Customer | None:
        return self.db.get(Customer, customer_id)

    def get_by_email(self, email: str) -> Customer | None:
        stmt = select(Customer).where(Customer.email == email.lower())
        return self.db.scalars(stmt).first()

    def list_page(self, limit: int = 50, offset: int = 0) -> list[Customer]:
        stmt = select(Customer).order_by(Customer.id).limit(limit).offset(offset)
        return list(self.db.scalars(stmt))

    def create(self, name: str, email: str, currency: str = "EUR") -> Customer:
        customer = Customer(name=name, email=email.lower(), currency=currency.upper())
        self.db.add(customer)
        self.db.commit()
        self.db.refresh(customer)
        return customer
