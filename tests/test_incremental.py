"""A scan after an edit gives exactly what a scan from scratch gives, whichever path the
incremental engine takes (stored result, early cutoff on unchanged facts, graph reuse)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from awaitify.api import ScanOptions, scan
from awaitify.report import render

SERVICE = """\
import time
import requests


def notify(user):
    requests.post("https://hooks.example.com", json={"user": user})


class Billing:
    async def charge(self, user):
        time.sleep(1)
        notify(user)

    def refund(self, user):
        notify(user)
"""

API = """\
from app.service import Billing


async def handler(user):
    billing = Billing()
    billing.refund(user)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "service.py").write_text(SERVICE)
    (tmp_path / "app" / "api.py").write_text(API)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def doc(use_cache: bool) -> dict[str, object]:
    """The JSON document plus the SARIF one (which carries the fingerprints baselines use)."""
    result = scan(["."], options=ScanOptions(use_cache=use_cache, jobs=1))
    out: dict[str, object] = json.loads(render("json", result))
    out["sarif"] = json.loads(render("sarif", result))
    return out


def edit(path: Path, new_text: str) -> None:
    path.write_text(new_text)
    st = path.stat()
    # make sure the stat differs from the stored one even within one mtime tick
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


@pytest.mark.parametrize(
    ("change", "project_phase_runs"),
    [
        pytest.param(lambda s: s + "# a trailing comment\n", False, id="comment-at-end"),
        pytest.param(
            lambda s: s.replace("time.sleep(1)", "time.sleep(1)  # slow"),
            False,
            id="comment-on-line",
        ),
        pytest.param(lambda s: "import os\n" + s, True, id="lines-shift"),
        pytest.param(
            lambda s: (
                '"""Billing."""\n\n' + s.replace("class Billing", "# Billing\n\nclass Billing")
            ),
            False,
            id="lines-inserted-around-the-facts",
        ),
        pytest.param(
            lambda s: s.replace("\n\n\nclass Billing", "\nclass Billing"),
            False,
            id="blank-lines-removed",
        ),
        pytest.param(
            lambda s: s.replace("time.sleep(1)", "time.sleep(\n            1\n        )"),
            True,
            id="a-call-spans-more-lines",
        ),
        pytest.param(
            lambda s: s.replace(
                "        time.sleep(1)\n",
                "        # awaitify: ignore[ASY100]\n        time.sleep(1)\n",
            ),
            True,
            id="suppression-on-its-own-line",
        ),
        pytest.param(
            lambda s: s.replace("time.sleep(1)", "time.sleep(1)  # noqa: ASY100"),
            True,
            id="suppression",
        ),
        pytest.param(
            lambda s: s.replace("        notify(user)\n\n    def", "        pass\n\n    def"),
            True,
            id="call-removed",
        ),
    ],
)
def test_rescan_after_an_edit_equals_a_scan_from_scratch(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    change,
    project_phase_runs: bool,  # type: ignore[no-untyped-def]
) -> None:
    import awaitify.api as api

    first = doc(use_cache=True)
    assert first["summary"]["findings_by_code"]  # type: ignore[index]
    service = project / "app" / "service.py"
    edit(service, change(service.read_text()))
    runs: list[int] = []
    real = api.project_result
    monkeypatch.setattr(api, "project_result", lambda *a, **k: runs.append(1) or real(*a, **k))
    incremental = doc(use_cache=True)
    assert bool(runs) == project_phase_runs  # unchanged facts: the early cutoff
    monkeypatch.setattr(api, "project_result", real)
    assert incremental == doc(use_cache=False)
    assert incremental == doc(use_cache=True)  # and the stored result is the same again


# -- rules that follow imports re-check only the edited modules and their importers --------

LAYERED = {
    "app/__init__.py": "",
    "app/db.py": """\
import sqlite3


def fetch(key):
    return key


def store(key, value):
    sqlite3.connect("app.db").execute("insert into kv values (?, ?)", (key, value))
""",
    "app/service.py": """\
from app import db


def lookup(key):
    return db.fetch(key)


def save(key, value):
    db.store(key, value)
""",
    "app/api.py": """\
from app.service import lookup, save


async def get_item(key):
    return lookup(key)


async def put_item(key, value):
    save(key, value)
""",
    "app/jobs.py": """\
import asyncio
import time


async def tick():
    time.sleep(1)
    asyncio.create_task(tick())
""",
    "app/store.py": """\
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()
""",
    "app/orders.py": """\
from app.store import SessionLocal


async def close_order(order_id):
    with SessionLocal() as db:
        db.commit()
""",
}

#: (file, old text, new text): each edit changes what some rule that follows imports reports
EDITS = [
    ("app/db.py", "    return key\n", "    import time\n    time.sleep(0.1)\n    return key\n"),
    ("app/jobs.py", "    time.sleep(1)\n", "    await asyncio.sleep(1)\n"),
    ("app/service.py", "    db.store(key, value)\n", "    return None\n"),
    ("app/jobs.py", "    await asyncio.sleep(1)\n", "    time.sleep(1)\n"),
    ("app/service.py", "    return None\n", "    db.store(key, value)\n"),
    ("app/db.py", "    import time\n    time.sleep(0.1)\n    return key\n", "    return key\n"),
    ("app/store.py", "import sessionmaker\n", "import async_sessionmaker as sessionmaker\n"),
    ("app/store.py", "import async_sessionmaker as sessionmaker\n", "import sessionmaker\n"),
]


def test_edits_recheck_only_their_importers_and_equal_a_scan_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import awaitify.api as api

    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n")
    for rel, text in LAYERED.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    monkeypatch.chdir(tmp_path)
    focus_sizes: list[int | None] = []
    real_focus = api._focus

    def recording(project, previous):  # type: ignore[no-untyped-def]
        found = real_focus(project, previous)
        focus_sizes.append(None if found is None else len(found))
        return found

    monkeypatch.setattr(api, "_focus", recording)
    doc(use_cache=True)
    seen_codes: set[str] = set()
    focused = 0
    for rel, old, new in EDITS:
        path = tmp_path / rel
        text = path.read_text()
        assert old in text
        edit(path, text.replace(old, new))
        focus_sizes.clear()
        incremental = doc(use_cache=True)
        assert incremental == doc(use_cache=False), f"after editing {rel}"
        # when the project phase ran (a state seen before comes back from the cache), the
        # rules that follow imports checked the edited module and its importers only
        if focus_sizes:
            assert focus_sizes[0] is not None and focus_sizes[0] < len(LAYERED)
            focused += 1
        seen_codes.update(incremental["summary"]["findings_by_code"])  # type: ignore[index]
    assert focused >= 4
    # the edits made and unmade findings of every rule that follows imports it can reach
    assert {"ASY100", "ASY101", "ASY105", "ASY204"} <= seen_codes


def test_two_edited_files_that_had_the_same_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The early cutoff looks up each edited file's previous facts by its own path, even
    when two files had the same content (and so the same cache key)."""
    same = "import time\n\n\nasync def wait():\n    time.sleep(1)\n"
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n")
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(same)
    monkeypatch.chdir(tmp_path)
    doc(use_cache=True)
    edit(tmp_path / "a.py", "# moved\n" + same)
    edit(tmp_path / "b.py", "# moved\n# twice\n" + same)
    incremental = doc(use_cache=True)
    assert incremental == doc(use_cache=False)


def test_a_fixture_edited_in_conftest_is_seen_by_the_tests_that_use_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest hands a test its fixtures from the ``conftest.py`` files above it, which the
    test never imports: an edit there must re-check the tests (redisvl's ``client``)."""
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n")
    tests = tmp_path / "tests"
    (tests / "unit").mkdir(parents=True)
    conftest = tests / "conftest.py"
    conftest.write_text(
        "import pytest\nfrom redis import Redis\n\n\n"
        "@pytest.fixture\ndef client():\n    return Redis.from_url('redis://x')\n"
    )
    (tests / "unit" / "test_z.py").write_text(
        "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_z(client):\n"
        "    client.exists('k')\n"
    )
    monkeypatch.chdir(tmp_path)
    assert [f["code"] for f in doc(True)["findings"]] == ["ASY100"]  # type: ignore[index]
    conftest.write_text(
        "import pytest\n\n\nclass Fake:\n    async def exists(self, k):\n        return 0\n\n\n"
        "@pytest.fixture\ndef client():\n    return Fake()\n"
    )
    assert doc(True) == doc(False)
    assert [f["code"] for f in doc(True)["findings"]] == ["ASY102"]  # type: ignore[index]
