from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta

_tmpdir = tempfile.mkdtemp(prefix="billing-tests-")
atexit.register(shutil.rmtree, _tmpdir, ignore_errors=True)
os.environ["BILLING_DATABASE_PATH"] = os.path.join(_tmpdir, "billing.db")
os.environ["BILLING_RETRY_BACKOFF_SECONDS"] = "0"
os.environ["BILLING_FAILED_LOGIN_DELAY"] = "0"
os.environ["BILLING_WEBHOOK_URL"] = "https://hooks.test/billing"

import httpx  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.adapters.payment_adapter import PaymentGatewayClient  # noqa: E402
from app.db import SessionLocal, engine  # noqa: E402
from app.models import Base, Customer, Invoice  # noqa: E402
from app.services import billing_service  # noqa: E402
from app.services.auth_service import AuthService  # noqa: E402
from app.utils import events  # noqa: E402
from app.workers import tasks  # noqa: E402


@pytest.fixture(autouse=True)
def database() -> Iterator[None]:
    Base.metadata.create_all(engine)
    yield
    Base.metadata.drop_all(engine)


@pytest.fixture(autouse=True)
def webhooks(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    sent: list[dict] = []

    def fake_post(url: str, data: bytes = b"", **kwargs: object) -> requests.Response:
        sent.append({"url": url, **json.loads(data)})
        response = requests.Response()
        response.status_code = 204
        return response

    monkeypatch.setattr(requests, "post", fake_post)
    return sent


@pytest.fixture(autouse=True)
def published() -> Iterator[list[tuple[str, dict]]]:
    received: list[tuple[str, dict]] = []

    async def record(name: str, payload: dict) -> None:
        received.append((name, payload))

    events.subscribe(record)
    yield received
    events.clear_subscribers()


class FakeGateway:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.failures = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            self.failures -= 1
            return httpx.Response(503, json={"error": "try again"})
        status = "refunded" if request.url.path == "/v1/refunds" else "succeeded"
        return httpx.Response(200, json={"id": f"ch_{len(self.requests):04d}", "status": status})


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    fake = FakeGateway()
    client = PaymentGatewayClient(
        "https://gateway.test", "sk_test", transport=httpx.MockTransport(fake.handle)
    )
    monkeypatch.setattr(billing_service, "get_gateway_client", lambda: client)
    monkeypatch.setattr(tasks, "get_gateway_client", lambda: client)
    return fake


@pytest.fixture
def db() -> Iterator[Session]:
    with SessionLocal() as session:
        yield session


@pytest.fixture
def customer(db: Session) -> Customer:
    customer = Customer(name="Acme GmbH", email="billing@acme.test", currency="EUR")
    db.add(customer)
    db.commit()
    return customer


@pytest.fixture
def open_invoice(db: Session, customer: Customer) -> Invoice:
    invoice = Invoice(
        number="INV-000001",
        customer_id=customer.id,
        amount_cents=12_500,
        currency="EUR",
        issued_at=date.today() - timedelta(days=40),
        due_at=date.today() - timedelta(days=10),
    )
    db.add(invoice)
    db.commit()
    return invoice


@pytest.fixture
def auth() -> Iterator[AuthService]:
    with AuthService(SessionLocal()) as service:
        yield service
