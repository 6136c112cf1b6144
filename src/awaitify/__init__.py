"""awaitify: take a codebase caught between sync and async all the way to async, safely."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
