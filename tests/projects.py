"""Build a ProjectView from source texts written to a temporary folder (shared by tests)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from awaitify.analysis.project import ProjectView, build_project
from awaitify.config import Config
from awaitify.engine.parse import facts_from_bytes
from awaitify.hashing import content_digest


def make_project(
    tmp_path: Path, files: dict[str, str], config: Config | None = None
) -> ProjectView:
    entries = []
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = textwrap.dedent(text).encode()
        path.write_bytes(data)
        entries.append((rel, str(path), facts_from_bytes(data), content_digest(data)))
    return build_project(config or Config(root=tmp_path), entries)
