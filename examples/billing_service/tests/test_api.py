from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_customer_endpoints(client: TestClient) -> None:
    created = client.post("/customers", json={"name": "Initech", "email": "ap@initech.test"})
    assert created.status_code == 201
    customer_id = created.json()["id"]

    duplicate = client.post("/customers", json={"name": "Initech", "email": "AP@initech.test"})
    assert duplicate.status_code == 409
    assert client.get(f"/customers/{customer_id}").json()["name"] == "Initech"
    assert [c["id"] for c in client.get("/customers").json()] == [customer_id]
    assert client.get("/customers/404").status_code == 404


def test_invoice_lifecycle(client: TestClient, gateway, webhooks: list[dict]) -> None:
    customer_id = client.post(
        "/customers", json={"name": "Umbrella", "email": "finance@umbrella.test"}
    ).json()["id"]

    created = client.post("/invoices", json={"customer_id": customer_id, "amount_cents": 9_900})
    assert created.status_code == 201
    invoice = created.json()
    assert invoice["number"] == "INV-000001"
    assert invoice["status"] == "open"

    assert client.get(f"/invoices/{invoice['id']}").json()["amount_cents"] == 9_900
    assert client.post(f"/invoices/{invoice['id']}/send").json()["sent_at"] is not None
    assert client.get("/invoices/overdue").json() == []

    payment = client.post(f"/invoices/{invoice['id']}/charge").json()
    assert payment["status"] == "succeeded"
    assert client.get(f"/invoices/{invoice['id']}/payments").json()[0]["id"] == payment["id"]
    assert client.post(f"/invoices/{invoice['id']}/void").status_code == 409
    assert [w["event"] for w in webhooks] == ["invoice.sent", "invoice.paid"]


def test_overdue_and_missing_invoices(client: TestClient, open_invoice) -> None:
    overdue = client.get("/invoices/overdue").json()
    assert [i["number"] for i in overdue] == [open_invoice.number]
    assert client.get("/invoices/999").status_code == 404
    assert client.get("/invoices/999/payments").status_code == 404
    assert client.post("/invoices", json={"customer_id": 999, "amount_cents": 1}).status_code == 404


def test_register_and_login(client: TestClient) -> None:
    body = {"email": "cfo@acme.test", "password": "long-enough-pw"}
    assert client.post("/auth/register", json=body).status_code == 201
    assert client.post("/auth/register", json=body).status_code == 409

    token = client.post("/auth/token", json=body)
    assert token.status_code == 200
    assert token.json()["token_type"] == "bearer"
    bad = client.post("/auth/token", json={**body, "password": "nope"})
    assert bad.status_code == 401
