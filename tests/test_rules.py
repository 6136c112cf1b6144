"""Every rule fixture under ``tests/fixtures/rules`` holds exactly (see ``rule_harness``);
and the harness itself fails when it should."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from rule_harness import (
    FixtureError,
    all_fixtures,
    check_fixture,
    expectations,
    findings,
    fixture_config,
)

from awaitify.analysis.callgraph import CallGraph
from awaitify.rules.registry import all_rules

Tree = Callable[[Mapping[str, str | bytes]], Path]


def test_asy206_at_module_level_advises_a_main_not_an_async_caller(tree: Tree) -> None:
    from awaitify.api import ScanOptions, scan

    root = tree(
        {
            "app/__init__.py": "",
            "app/boot.py": (
                "import asyncio\n\n\nasync def warm():\n    return 1\n\n\n"
                "VALUE = asyncio.run(warm())\n\n\ndef load():\n    return asyncio.run(warm())\n"
            ),
        }
    )
    found = scan([root], None, ScanOptions(use_cache=False, cwd=str(root), jobs=1)).findings
    by_line = {f.line: f.message for f in found if f.code == "ASY206"}
    assert by_line[8].endswith(
        'move it under `if __name__ == "__main__":` or into a `main()` function'
    )
    assert by_line[12].endswith("make the caller async and `await` instead")


def test_asy100_advises_the_thread_helper_of_the_modules_runner(tree: Tree) -> None:
    """synapse's coroutines run under Twisted's ``ensureDeferred``: ``asyncio.to_thread``
    would raise there, so the advice is Twisted's; trio's likewise."""
    from awaitify.api import ScanOptions, scan

    body = "\n\nasync def read(path):\n    with open(path) as f:\n        return f.read()\n"
    root = tree(
        {
            "tw.py": "from twisted.internet import defer" + body,
            "tr.py": "import trio" + body,
            "aio.py": "import asyncio" + body,
        }
    )
    found = scan([root], None, ScanOptions(use_cache=False, cwd=str(root), jobs=1)).findings
    advice = {f.path: f.message.partition("; use ")[2] for f in found if f.code == "ASY100"}
    assert advice["tw.py"].startswith("`await threads.deferToThread(...)`")
    assert advice["tr.py"].startswith("`await trio.to_thread.run_sync(...)`")
    assert "asyncio.to_thread" in advice["aio.py"] and "Twisted" not in advice["aio.py"]


@pytest.mark.parametrize("fixture", all_fixtures(), ids=lambda p: p.name)
def test_rule_fixture(fixture: Path) -> None:
    check_fixture(fixture)


def test_every_rule_has_a_fixture() -> None:
    names = [p.name for p in all_fixtures()]
    missing = [r.code for r in all_rules() if not any(n.startswith(r.code) for n in names)]
    assert not missing, f"rules without a fixture in tests/fixtures/rules: {missing}"


# -- the harness -----------------------------------------------------------------------------
BLOCKING = """\
import time


async def handler():
    time.sleep(1){comment}
    return 1
"""


def one_module(tree: Tree, comment: str, name: str = "ASY100_case.py") -> Path:
    return tree({name: BLOCKING.format(comment=comment)}) / name


def test_harness_accepts_a_matching_fixture(tree: Tree) -> None:
    check_fixture(one_module(tree, "  # error: ASY100"))
    check_fixture(one_module(tree, "  # error: ASY100:4"))


def test_harness_fails_on_a_missing_annotation(tree: Tree) -> None:
    with pytest.raises(AssertionError, match=r"reported but not expected:\n.*:5: ASY100"):
        check_fixture(one_module(tree, ""))


def test_harness_fails_on_a_finding_that_is_not_reported(tree: Tree) -> None:
    with pytest.raises(AssertionError, match=r"expected but not reported:\n.*:5: ASY101"):
        check_fixture(one_module(tree, "  # error: ASY100, ASY101"))


def test_harness_fails_on_a_wrong_column(tree: Tree) -> None:
    with pytest.raises(AssertionError) as info:
        check_fixture(one_module(tree, "  # error: ASY100:9"))
    assert "ASY100:9" in str(info.value) and "ASY100:4" in str(info.value)


def test_harness_rejects_a_malformed_expectation(tree: Tree) -> None:
    with pytest.raises(FixtureError, match="ASY10"):
        expectations(one_module(tree, "  # error: ASY10"))


def test_expectations_of_a_folder_fixture(tree: Tree) -> None:
    root = tree(
        {
            "ASY999_multi/app/a.py": "x = 1  # error: ASY100, ASY206:3\n",
            "ASY999_multi/app/sub/b.py": "y = 2\nz = 3  # error: ASY201:0\n",
            "ASY999_multi/app/c.py": "s = '# error: ASY100 is only text'\n",
        }
    )
    assert expectations(root / "ASY999_multi") == [
        ("app/a.py", 1, "ASY100", None),
        ("app/a.py", 1, "ASY206", 3),
        ("app/sub/b.py", 2, "ASY201", 0),
    ]


def test_config_from_a_header_or_a_pyproject(tree: Tree) -> None:
    root = tree(
        {
            "ASY002_x.py": '# awaitify-config: target-version = "py39"\n'
            '# awaitify-config: ignore = ["ASY3"]\nx = 1\n',
            "ASY100_plain.py": "x = 1\n",
            "ASY302_dir/pyproject.toml": "[tool.awaitify.boundaries]\nadapter-classes = ['*Facade']\n",
            "ASY302_dir/m.py": "",
        }
    )
    header = fixture_config(root / "ASY002_x.py")
    assert header.target_version == (3, 9) and header.ignore == ("ASY3",)
    assert fixture_config(root / "ASY100_plain.py").target_version is None
    folder = fixture_config(root / "ASY302_dir")
    assert folder.boundaries.adapter_classes == ("*Facade",)
    assert folder.root == (root / "ASY302_dir").resolve()


# -- messages the fixtures do not check --------------------------------------------------------
TRIO = """\
import trio


async def work():
    return 1


async def handler():
    return trio.run(work)


def test_work():
    assert trio.run(work) == 1
"""


def test_trio_run_is_told_as_trio(tree: Tree) -> None:
    """``trio.run`` inside an asyncio coroutine blocks the loop (trio checks only for a trio
    loop), and a sync test that drives ``trio.run`` should run under trio, not asyncio."""
    from awaitify.api import ScanOptions, scan

    root = tree({"tests/test_trio.py": TRIO})
    found = scan([root], None, ScanOptions(use_cache=False, cwd=str(root), jobs=1)).findings
    messages = {f.code: f.message for f in found}
    assert messages["ASY103"].endswith("the loop is blocked until `trio.run` returns")
    assert "`@pytest.mark.trio`" in messages["ASY205"]
    assert "pytest.mark.asyncio" not in messages["ASY205"]


def test_asy203_names_the_app_not_a_router_of_it(tree: Tree) -> None:
    """A sync handler on a router included into an app that has async handlers: the message
    names the app, whatever the routers are called."""
    from awaitify.api import ScanOptions, scan

    root = tree(
        {
            "web/__init__.py": "",
            "web/a_routes.py": (
                "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
                "@router.get('/items')\ndef items():\n    return []\n"
            ),
            "web/main.py": (
                "from fastapi import FastAPI\n\nfrom web import a_routes\n\n"
                "app = FastAPI()\napp.include_router(a_routes.router)\n\n\n"
                "@app.get('/healthz')\nasync def healthz():\n    return {}\n"
            ),
        }
    )
    found = scan([root], None, ScanOptions(use_cache=False, cwd=str(root), jobs=1)).findings
    (finding,) = [f for f in found if f.code == "ASY203"]
    assert "in the app `app`, which also has async handlers" in finding.message


@pytest.mark.parametrize("fixture", all_fixtures(), ids=lambda p: p.name)
def test_the_graph_on_demand_finds_what_a_graph_of_every_call_finds(
    fixture: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The call graph classifies a call only when someone asks about it. Every rule must
    report exactly what it reports when every call is classified up front."""
    on_demand = [f.to_json() for f in findings(fixture)]
    build = CallGraph._build

    def build_complete(graph: CallGraph) -> None:
        build(graph)
        graph.complete()

    monkeypatch.setattr(CallGraph, "_build", build_complete)
    assert [f.to_json() for f in findings(fixture)] == on_demand
