"""How the project runs async tests: the marker (``asyncio`` or ``anyio``, from
``pytest-marker``) and pytest-asyncio's mode (``asyncio-mode``, else read from the project's
own pytest configuration: ``[tool.pytest.ini_options]`` in ``pyproject.toml``, ``[pytest]``
in ``pytest.ini`` / ``tox.ini``, ``[tool:pytest]`` in ``setup.cfg``).

Under ``asyncio_mode = "auto"`` an ``async def`` test needs no marker and an async fixture
no special decorator; in strict mode (pytest-asyncio's default) a converted test gets
``@pytest.mark.asyncio`` and a converted fixture ``@pytest_asyncio.fixture``. With anyio a
converted test gets ``@pytest.mark.anyio`` and fixtures stay ``@pytest.fixture``.
"""

from __future__ import annotations

from awaitify.config import Config
from awaitify.migrate.planner import PytestStyle
from awaitify.pytest_config import read_asyncio_mode

__all__ = ["read_asyncio_mode", "read_pytest_style"]


def read_pytest_style(config: Config) -> PytestStyle:
    marker = config.pytest_marker
    mode = config.asyncio_mode or read_asyncio_mode(config.root)
    return PytestStyle(marker=marker, auto=marker == "asyncio" and mode == "auto")
