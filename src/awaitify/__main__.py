from __future__ import annotations

from awaitify.cli import entry

entry()
