from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    def __init__(self, ttl_seconds: float = 300.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[float, V]] = {}

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def set(self, key: str, value: V) -> None:
        self._entries[key] = (time.monotonic() + self.ttl_seconds, value)

    async def get_or_fetch(self, key: str, fetch: Callable[[], Awaitable[V]]) -> V:
        value = self.get(key)
        if value is None:
            value = await fetch()
            self.set(key, value)
        return value

    def dump(self, path: Path) -> None:
        now = time.monotonic()
        live = {key: str(val) for key, (expires, val) in self._entries.items() if expires >= now}
        path.write_text(json.dumps(live, indent=2, sort_keys=True), encoding="utf-8")
