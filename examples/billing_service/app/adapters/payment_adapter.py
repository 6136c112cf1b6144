from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from app.config import settings

T = TypeVar("T")


class GatewayError(Exception):
    pass


class GatewayUnavailable(GatewayError):
    pass


@dataclass(frozen=True)
class ChargeResult:
    reference: str
    status: str


class PaymentGatewayClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self._timeout = timeout
        self._transport = transport

    async def charge(
        self, amount_cents: int, currency: str, customer_ref: str, idempotency_key: str
    ) -> ChargeResult:
        payload = {"amount": amount_cents, "currency": currency.lower(), "customer": customer_ref}
        return await self._post("/v1/charges", payload, idempotency_key)

    async def refund(self, reference: str, amount_cents: int) -> ChargeResult:
        payload = {"charge": reference, "amount": amount_cents}
        return await self._post("/v1/refunds", payload, f"refund-{reference}")

    async def _post(self, path: str, payload: dict[str, Any], idempotency_key: str) -> ChargeResult:
        async with self._client() as client:
            try:
                response = await client.post(
                    path, json=payload, headers={"Idempotency-Key": idempotency_key}
                )
            except httpx.TransportError as exc:
                raise GatewayUnavailable(str(exc)) from exc
        if response.status_code >= 500:
            raise GatewayUnavailable(f"{path} returned {response.status_code}")
        if response.status_code >= 400:
            raise GatewayError(response.json().get("error", response.text))
        data = response.json()
        return ChargeResult(reference=data["id"], status=data["status"])

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self._api_key}"},
            timeout=self._timeout,
            transport=self._transport,
        )


def get_gateway_client() -> PaymentGatewayClient:
    return PaymentGatewayClient(settings.gateway_url, settings.gateway_api_key)


class PaymentGatewayAdapter:
    """Blocking facade over PaymentGatewayClient for Celery tasks and scripts."""

    def __init__(self, client: PaymentGatewayClient) -> None:
        self.client = client

    def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run(coro)

    def charge(
        self, amount_cents: int, currency: str, customer_ref: str, idempotency_key: str
    ) -> ChargeResult:
        return self.run_async(
            self.client.charge(amount_cents, currency, customer_ref, idempotency_key)
        )

    def refund(self, reference: str, amount_cents: int) -> ChargeResult:
        return self.run_async(self.client.refund(reference, amount_cents))
