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
