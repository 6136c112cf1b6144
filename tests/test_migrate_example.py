"""End to end on ``examples/billing_service``: its own pytest suite passes before the
migration, and again after ``awaitify migrate --layer repository --apply`` (and after
migrating the whole ``app`` package); a second run changes nothing.

The suite needs the example's requirements (FastAPI, SQLAlchemy + aiosqlite, Celery,
httpx, requests, pytest-asyncio: ``examples/billing_service/requirements.txt``). It runs
with the Python running these tests, or with ``AWAITIFY_EXAMPLE_PYTHON`` when that names
another interpreter that has them; without them the test is skipped, saying so.

The before/after fixture trees whose ``tests/`` folder is a runnable pytest suite are run
the same way (they need only pytest-asyncio, and anyio for the anyio case).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO_ROOT, CliRun

EXAMPLE = REPO_ROOT / "examples" / "billing_service"
FIXTURES = Path(__file__).parent / "fixtures" / "migrate"
EXAMPLE_MODULES = (
    "fastapi",
    "sqlalchemy",
    "aiosqlite",
    "celery",
    "httpx",
    "requests",
    "pytest_asyncio",
)

Cli = Callable[..., CliRun]


def python_with(modules: tuple[str, ...]) -> str:
    """An interpreter that can import ``modules``, or skip the test with the reason."""
    candidate = os.environ.get("AWAITIFY_EXAMPLE_PYTHON") or sys.executable
    probe = subprocess.run(
        [candidate, "-c", "import " + ", ".join(modules)], capture_output=True, text=True
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        pytest.skip(
            f"{candidate} cannot import {', '.join(modules)} ({last}): install them (for the "
            "example: examples/billing_service/requirements.txt) or set AWAITIFY_EXAMPLE_PYTHON"
        )
    return candidate


def run_suite(python: str, root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"],
        cwd=root, capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip


def copy_example(tmp_path: Path) -> Path:
    root = tmp_path / "billing_service"
    shutil.copytree(
        EXAMPLE, root, ignore=shutil.ignore_patterns(".awaitify", "__pycache__", ".pytest_cache")
    )
    return root


@pytest.mark.parametrize(
    "argv", [["--layer", "repository"], ["app"]], ids=["repository-layer", "app"]
)
def test_example_suite_passes_before_and_after_the_migration(
    tmp_path: Path, cli: Cli, argv: list[str]
) -> None:
    python = python_with(EXAMPLE_MODULES)
    root = copy_example(tmp_path)
    before = run_suite(python, root)
    assert before.returncode == 0, before.stdout[-3000:] + before.stderr[-2000:]

    got = cli(["migrate", *argv, "--apply", "--no-cache"], cwd=root)
    assert got.code == 0, got.out[-3000:] + got.err
    assert "applied" in got.out
    repo = (root / "app/repositories/invoice_repository.py").read_text()
    assert "async def get(self, db: Session, invoice_id: int)" in repo
    assert "    def total_cents(" in repo  # pure: no finding names it

    after = run_suite(python, root)
    assert after.returncode == 0, after.stdout[-3000:] + after.stderr[-2000:]
    assert "passed" in after.stdout

    again = cli(["migrate", *argv, "--no-cache"], cwd=root)
    assert again.code == 0
    assert "files touched                                  0" in again.out


SUITES = {
    "tests_strict": ("pytest_asyncio",),
    "tests_auto": ("pytest_asyncio",),
    "tests_anyio": ("anyio",),
}


@pytest.mark.parametrize("name", sorted(SUITES))
def test_fixture_suites_pass_before_and_after(tmp_path: Path, name: str) -> None:
    python = python_with(SUITES[name])
    root = tmp_path / name
    shutil.copytree(FIXTURES / name / "before", root)
    before = run_suite(python, root)
    assert before.returncode == 0, before.stdout[-3000:]
    shutil.copytree(FIXTURES / name / "after", root, dirs_exist_ok=True)
    after = run_suite(python, root)
    assert after.returncode == 0, after.stdout[-3000:]
