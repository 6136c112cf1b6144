from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from app.db import get_db
from app.repositories.customer_repository import CustomerRepository
from app.services.auth_service import AuthService
from app.services.billing_service import BillingService


def get_customer_repository(db: Session = Depends(get_db)) -> CustomerRepository:
    return CustomerRepository(db)


def get_auth_service(db: Session = Depends(get_db)) -> AuthService:
    return AuthService(db)


def get_billing_service() -> BillingService:
    return BillingService()
