from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import requests

from app.config import settings

logger = logging.getLogger(__name__)


def sign(body: bytes) -> str:
    return hmac.new(settings.webhook_secret.encode(), body, hashlib.sha256).hexdigest()


def notify(event: str, payload: dict[str, Any]) -> None:
    body = json.dumps({"event": event, "data": payload}, sort_keys=True, default=str).encode()
    response = requests.post(
        settings.webhook_url,
        data=body,
        headers={"Content-Type": "application/json", "X-Billing-Signature": sign(body)},
        timeout=5,
    )
    if response.status_code >= 400:
        logger.warning("webhook %s rejected with %s", event, response.status_code)
