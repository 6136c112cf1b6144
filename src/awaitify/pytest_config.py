"""pytest-asyncio's mode as the project's own pytest configuration sets it:
``[tool.pytest.ini_options]`` in ``pyproject.toml``, ``[pytest]`` in ``pytest.ini`` /
``tox.ini``, ``[tool:pytest]`` in ``setup.cfg``, the first file pytest itself would use.
Read with the config (:func:`awaitify.config.load_config`), so that ASY205's advice and the
test conversion agree, and a change of it is a change of the config's digest."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

from awaitify.config import is_file, is_repository_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]


def _from_pyproject(path: Path) -> str | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    options = data.get("tool", {}).get("pytest", {}).get("ini_options")
    if isinstance(options, dict):
        mode = options.get("asyncio_mode")
        return str(mode) if mode is not None else ""
    return None


def _from_ini(path: Path, section: str) -> str | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    if not parser.has_section(section):
        return None
    return parser.get(section, "asyncio_mode", fallback="").strip()


def read_asyncio_mode(start: Path) -> str:
    """pytest-asyncio's mode from the pytest config pytest itself would use ("" if none)."""
    for directory in (start, *start.parents):
        for name, reader in (
            ("pytest.ini", lambda p: _from_ini(p, "pytest")),
            ("pyproject.toml", _from_pyproject),
            ("tox.ini", lambda p: _from_ini(p, "pytest")),
            ("setup.cfg", lambda p: _from_ini(p, "tool:pytest")),
        ):
            candidate = directory / name
            if is_file(candidate):
                found = reader(candidate)
                if found is not None:
                    return found
        if is_repository_root(directory):
            break
    return ""
