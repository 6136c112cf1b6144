from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], Awaitable[None]]

_subscribers: list[Handler] = []


def subscribe(handler: Handler) -> Handler:
    _subscribers.append(handler)
    return handler


def clear_subscribers() -> None:
    _subscribers.clear()


async def publish_event(name: str, payload: dict[str, Any]) -> None:
    for handler in list(_subscribers):
        try:
            await handler(name, payload)
        except Exception:
            logger.exception("event handler %r failed for %s", handler, name)
