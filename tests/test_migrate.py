"""``awaitify migrate``: selectors, the rewrites' fine print, the safety checks, the output.

The before/after trees of every kind of rewrite are in ``test_migrate_fixtures.py``; this
module covers what a tree cannot show: errors (exit 2, one line), refusals (exit 1, nothing
written), git state, atomic writes, the JSON format, and the position/parenthesis details
of single rewrites.
"""

from __future__ import annotations

import ast
import json
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from conftest import CliRun
from gitrepo import git

from awaitify.api import ScanOptions
from awaitify.config import Config
from awaitify.migrate import run as migrate_run
from awaitify.migrate.model import Review
from awaitify.migrate.pytest_style import read_asyncio_mode, read_pytest_style
from awaitify.migrate.run import migrate

Tree = Callable[[Mapping[str, str | bytes]], Path]
Cli = Callable[..., CliRun]

REPO = """\
import requests


class Repo:
    def get(self, key):
        return requests.get("https://kv.example/" + key).json()

    @property
    def size(self):
        return 0

    def __len__(self):
        return 0


def use(repo: Repo):
    return repo.get("a")
"""


def project(tree: Tree, files: Mapping[str, str | bytes] | None = None) -> Path:
    return tree({"pyproject.toml": "[tool.awaitify]\n", **(files or {"app/repo.py": REPO})})


def run(root: Path, *selectors: str, apply: bool = False, **kw: object):  # type: ignore[no-untyped-def]
    return migrate(
        list(selectors),
        root=root,
        apply=apply,
        allow_dirty=bool(kw.pop("allow_dirty", True)),
        options=ScanOptions(use_cache=False, cwd=str(root), jobs=1),
        **kw,  # type: ignore[arg-type]
    )


# -- selectors and usage errors -------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope.py"], "nope.py: no such file or directory"),
        (
            ["app/repo.py::Missing"],
            "app/repo.py::Missing: no function or class `Missing` in app/repo.py",
        ),
        (["app/repo.py::Repo.nope"], "no function or class `Repo.nope` in app/repo.py"),
        (["app/repo.py::Repo.__len__"], "is a dunder method"),
        (["app/repo.py::Repo.size"], "is a property"),
        (["app/repo.py::1x"], "is not a dotted name"),
        (["app::Repo"], "app is not a file"),
        (["--layer", "nowhere"], "--layer nowhere: not a layer"),
        (["--rule", "ASY999"], "--rule ASY999: no such rule"),
        (["--rule", "ASY301"], "--rule ASY301: its findings are not fixed by converting code"),
        ([], "name what to convert"),
        (["README.md"], "README.md: not one of the project's Python files"),
        (["empty"], "empty: no Python files of the project under it"),
    ],
)
def test_bad_selector_is_one_line_and_exit_2(
    tree: Tree, cli: Cli, argv: list[str], message: str
) -> None:
    root = project(tree, {"app/repo.py": REPO, "README.md": "hi\n", "empty/notes.txt": "x\n"})
    got = cli(["migrate", *argv, "--no-cache"], cwd=root)
    assert got.code == 2
    assert got.out == ""
    assert got.err.count("\n") == 1, got.err
    assert got.err.startswith("awaitify: error: ")
    assert message in got.err


def test_class_selector_converts_public_methods_only(tree: Tree) -> None:
    root = project(tree)
    result = run(root, "app/repo.py::Repo")
    (change,) = result.touched
    assert change.functions == ("Repo.get", "use")
    text = change.after.decode()
    assert "async def get" in text and "def size" in text and "async def size" not in text
    assert "def __len__" in text and "async def __len__" not in text


def test_file_and_layer_selectors_take_what_the_findings_name(tree: Tree) -> None:
    files = {
        "app/repositories/kv.py": REPO.replace("Repo", "KvRepository"),
        "app/services/pure.py": "def add(a, b):\n    return a + b\n",
    }
    root = project(tree, files)
    by_layer = run(root, layer="repository")
    assert [c.functions for c in by_layer.touched] == [("KvRepository.get", "use")]
    by_file = run(root, "app/repositories/kv.py")
    assert [c.after for c in by_file.touched] == [c.after for c in by_layer.touched]
    by_rule = run(root, rule="ASY202")
    assert [c.after for c in by_rule.touched] == [c.after for c in by_layer.touched]
    nothing = run(root, "app/services")
    assert nothing.touched == () and nothing.selected == 0


# -- output ---------------------------------------------------------------------------------
def test_dry_run_prints_diff_and_summary_and_writes_nothing(tree: Tree, cli: Cli) -> None:
    root = project(tree)
    before = (root / "app/repo.py").read_bytes()
    got = cli(["migrate", "app/repo.py::Repo.get", "--no-cache"], cwd=root)
    assert got.code == 0, got.err
    assert got.out.startswith("--- a/app/repo.py\n+++ b/app/repo.py\n")
    assert "\n-    def get(self, key):\n" in got.out
    assert "\n+    async def get(self, key):\n" in got.out
    assert "dry run, nothing written" in got.out
    for label in ("functions converted", "call sites awaited", "bridges inserted",
                  "calls moved to threads", "files touched", "needs review"):  # fmt: skip
        assert label in got.out
    assert (root / "app/repo.py").read_bytes() == before


def test_json_format(tree: Tree, cli: Cli) -> None:
    root = project(tree)
    got = cli(["migrate", "app/repo.py::Repo.get", "--format", "json", "--no-cache"], cwd=root)
    assert got.code == 0, got.err
    data = json.loads(got.out)
    assert data["schema"] == 1 and data["applied"] is False and data["refused"] == []
    summary = data["summary"]
    assert summary["functions_converted"] == 2
    assert summary["calls_awaited"] == 1
    assert summary["calls_to_threads"] == 1
    assert summary["files_touched"] == 1
    (entry,) = data["files"]
    assert entry["path"] == "app/repo.py"
    assert entry["functions"] == ["Repo.get", "use"]
    assert entry["diff"].startswith("--- a/app/repo.py")
    assert data["review"] == []


# -- applying -------------------------------------------------------------------------------
def test_apply_writes_atomically_and_a_second_run_changes_nothing(tree: Tree, cli: Cli) -> None:
    root = project(tree)
    mode = (root / "app/repo.py").stat().st_mode
    got = cli(["migrate", "app/repo.py::Repo", "--apply", "--no-cache"], cwd=root)
    assert got.code == 0, got.err
    assert "applied" in got.out
    text = (root / "app/repo.py").read_text()
    ast.parse(text)
    assert "return await asyncio.to_thread(lambda: requests.get(" in text
    assert (root / "app/repo.py").stat().st_mode == mode
    assert not list(root.rglob("*.tmp")), "temporary files left behind"
    again = cli(["migrate", "app/repo.py::Repo", "--apply", "--no-cache"], cwd=root)
    assert again.code == 0
    assert "files touched                                  0" in again.out
    assert (root / "app/repo.py").read_text() == text


def _commit_all(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")


def test_apply_refuses_a_file_with_uncommitted_changes(tree: Tree, cli: Cli) -> None:
    root = project(tree)
    _commit_all(root)
    path = root / "app/repo.py"
    path.write_text(path.read_text() + "\n# local edit\n")
    edited = path.read_bytes()
    got = cli(["migrate", "app/repo.py::Repo.get", "--apply", "--no-cache"], cwd=root)
    assert got.code == 1
    assert "app/repo.py: has uncommitted changes" in got.out
    assert "refused, nothing written" in got.out
    assert path.read_bytes() == edited
    forced = cli(
        ["migrate", "app/repo.py::Repo.get", "--apply", "--allow-dirty", "--no-cache"], cwd=root
    )
    assert forced.code == 0, forced.out
    assert "async def get" in path.read_text()


def test_apply_refuses_an_untracked_file_and_accepts_a_clean_one(tree: Tree, cli: Cli) -> None:
    root = project(tree)
    _commit_all(root)
    (root / "app/new.py").write_text(
        "from app.repo import Repo\n\n\ndef f(r: Repo):\n    return r.get('x')\n"
    )
    got = cli(["migrate", "app/repo.py::Repo.get", "--apply", "--no-cache"], cwd=root)
    assert got.code == 1
    assert "app/new.py: has uncommitted changes" in got.out
    (root / "app/new.py").unlink()
    clean = cli(["migrate", "app/repo.py::Repo.get", "--apply", "--no-cache"], cwd=root)
    assert clean.code == 0, clean.out
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True
    )
    assert status.stdout.split() == ["M", "app/repo.py"]


def test_refuses_an_output_that_would_not_parse(
    tree: Tree, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tree)
    before = (root / "app/repo.py").read_bytes()
    real = migrate_run.rewrite_source

    def broken(*args: object, **kw: object):  # type: ignore[no-untyped-def]
        done = real(*args, **kw)  # type: ignore[arg-type]
        return type(done)(done.after + b"\ndef (:\n", done.counts, done.functions, done.review)

    monkeypatch.setattr(migrate_run, "rewrite_source", broken)
    got = cli(["migrate", "app/repo.py::Repo.get", "--apply", "--no-cache"], cwd=root)
    assert got.code == 1
    assert "app/repo.py:" in got.out and "would not parse" in got.out
    assert "`def (:`" in got.out  # the rewritten line, quoted: its number is not the file's
    assert (root / "app/repo.py").read_bytes() == before


def test_refuses_a_new_defect(tree: Tree) -> None:
    # ``main`` is an entry point: it gets the asyncio.run bridge; but an async handler
    # calls it, so the bridge would run inside the running loop (a new ASY103)
    files = {
        "app/jobs.py": (
            "import requests\n\n\n"
            "def fetch():\n    return requests.get('https://x.example')\n\n\n"
            "def main():\n    return fetch()\n\n\n"
            "async def handler():\n    return main()\n"
        )
    }
    root = project(tree, files)
    before = (root / "app/jobs.py").read_bytes()
    result = run(root, "app/jobs.py::fetch", apply=True)
    assert not result.applied
    assert any("new ASY103" in r and "app/jobs.py:" in r for r in result.refused), result.refused
    assert (root / "app/jobs.py").read_bytes() == before


def test_refuses_a_file_that_changed_during_the_run(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tree)
    real_verify = migrate_run.verify

    def verify_then_edit(*args: object, **kw: object) -> list[str]:
        out = real_verify(*args, **kw)  # type: ignore[arg-type]
        (root / "app/repo.py").write_text(REPO + "\n# meanwhile\n")
        return out

    monkeypatch.setattr(migrate_run, "verify", verify_then_edit)
    result = run(root, "app/repo.py::Repo.get", apply=True)
    assert not result.applied
    assert result.refused == ("app/repo.py: changed on disk during the run",)
    assert (root / "app/repo.py").read_text().endswith("# meanwhile\n")


def test_a_file_with_a_syntax_error_that_needs_edits_refuses(tree: Tree) -> None:
    """Its edits cannot be made, and the other files' edits count on them: nothing is
    written until it parses (the reason names it first, not a symptom elsewhere)."""
    files = {
        "app/repo.py": REPO,
        "app/broken.py": "from app.repo import Repo\n\ndef f(r: Repo):\n    return r.get('x')\n\nx = (\n",
    }
    root = project(tree, files)
    result = run(root, "app/repo.py::Repo.get")
    assert result.refused and result.refused[0].startswith(
        "app/broken.py:6: the file does not parse"
    )
    assert not result.applied


# -- rewrite details --------------------------------------------------------------------------
def _rewrite(tree: Tree, source: str, selector: str, path: str = "app/m.py") -> str:
    root = project(tree, {path: source})
    result = run(root, f"{path}::{selector}")
    assert not result.refused, result.refused
    (change,) = result.touched
    return change.after.decode()


def test_await_gets_parentheses_only_where_precedence_needs_them(tree: Tree) -> None:
    src = (
        "import requests\n\n\n"
        "def get():\n    return requests.get('u')\n\n\n"
        "def use():\n"
        "    a = get().json()\n"
        "    b = get()[0]\n"
        "    c = get()()\n"
        "    d = (get()).x\n"
        "    e = get() + 1\n"
        "    f = not get()\n"
        "    g = f'{get()}'\n"
        "    return [get() for _ in range(2)], {'k': get()}, -get(), get() ** 2\n"
    )
    out = _rewrite(tree, src, "get")
    body = out[out.index("async def use") :]
    assert "a = (await get()).json()" in body
    assert "b = (await get())[0]" in body
    assert "c = (await get())()" in body
    assert "d = (await get()).x" in body
    assert "e = await get() + 1" in body
    assert "f = not await get()" in body
    assert "g = f'{await get()}'" in body
    assert (
        "return [await get() for _ in range(2)], {'k': await get()}, -await get(), await get() ** 2"
        in body
    )
    ast.parse(out)


def test_columns_are_characters_not_bytes(tree: Tree) -> None:
    src = (
        "import time\n\n\n"
        "def naïve():\n    time.sleep(1)\n\n\n"
        "def use():\n    élan = 'é'; naïve(); return élan\n"
    )
    out = _rewrite(tree, src, "naïve")
    assert "élan = 'é'; await naïve(); return élan" in out
    assert "await asyncio.sleep(1)" in out


def test_crlf_and_byte_order_mark_are_preserved(tree: Tree) -> None:
    src = "\ufeffimport time\r\n\r\n\r\ndef wait():\r\n    time.sleep(1)  # nap\r\n"
    root = project(tree, {"app/m.py": src.encode("utf-8")})
    result = run(root, "app/m.py::wait")
    (change,) = result.touched
    assert change.after.startswith(b"\xef\xbb\xbf")
    assert b"\r\nasync def wait():\r\n    await asyncio.sleep(1)  # nap\r\n" in change.after
    assert b"\n" not in change.after.replace(b"\r\n", b"")


def test_a_chain_with_an_edit_inside_is_not_moved_whole(tree: Tree) -> None:
    src = (
        "import requests\n\n\n"
        "def key():\n    return requests.get('k').text\n\n\n"
        "def value():\n    return requests.get(key()).json()\n"
    )
    out = _rewrite(tree, src, "key")
    assert "return (await asyncio.to_thread(requests.get, await key())).json()" in out


def test_multiline_call_moves_to_a_thread_one_argument_per_line(tree: Tree) -> None:
    src = (
        "import requests\n\n\n"
        "def post(body):\n"
        "    requests.post(\n"
        "        'https://x.example',  # where\n"
        "        json=body,\n"
        "    )\n"
    )
    out = _rewrite(tree, src, "post")
    assert out.endswith(
        "async def post(body):\n"
        "    await asyncio.to_thread(\n"
        "        requests.post,\n"
        "        'https://x.example',  # where\n"
        "        json=body,\n"
        "    )\n"
    )


def test_async_to_sync_and_anyio_run_are_unbridged(tree: Tree) -> None:
    src = (
        "import anyio\n"
        "from asgiref.sync import async_to_sync\n\n\n"
        "async def fetch(x, y=0):\n    return x + y\n\n\n"
        "def both(x):\n"
        "    return async_to_sync(fetch)(x, y=1) + anyio.run(fetch, x)\n"
    )
    out = _rewrite(tree, src, "both")
    assert "return await fetch(x, y=1) + await fetch(x)" in out
    assert "async_to_sync" not in out and "import anyio" not in out


# -- pytest configuration ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pytest.ini", "[pytest]\nasyncio_mode = auto\n"),
        ("pyproject.toml", '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'),
        ("setup.cfg", "[tool:pytest]\nasyncio_mode = auto\n"),
        ("tox.ini", "[pytest]\nasyncio_mode = auto\n"),
    ],
)
def test_asyncio_mode_is_read_from_the_projects_pytest_config(
    tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text)
    assert read_asyncio_mode(tmp_path) == "auto"
    assert read_pytest_style(Config(root=tmp_path)).auto
    assert not read_pytest_style(Config(root=tmp_path, asyncio_mode="strict")).auto
    assert not read_pytest_style(Config(root=tmp_path, pytest_marker="anyio")).auto


def test_pytest_ini_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = strict\n")
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\nasyncio_mode = "auto"\n')
    assert read_asyncio_mode(tmp_path) == "strict"


def only_reviewed(tree: Tree, path: str, src: str, selector: str) -> Review:
    """Migrate ``selector`` in a project of one file: nothing may be written, and the one
    review item is returned."""
    root = project(tree, {path: src})
    result = run(root, selector)
    assert result.touched == ()
    (item,) = result.review
    assert item.path == path
    return item


def test_cached_function_is_never_converted(tree: Tree) -> None:
    src = (
        "import functools\n\nimport requests\n\n\n"
        "@functools.lru_cache\n"
        "def rates():\n    return requests.get('https://fx.example').json()\n"
    )
    item = only_reviewed(tree, "app/fx.py", src, "app/fx.py::rates")
    assert item.line == 7
    assert "@functools.lru_cache, which would cache the coroutine" in item.message


def test_pydantic_validator_is_never_converted(tree: Tree) -> None:
    src = (
        "from pathlib import Path\n\nfrom pydantic import BaseModel, model_validator\n\n\n"
        "class Agent(BaseModel):\n"
        "    @model_validator(mode='after')\n"
        "    def load(self):\n        self.text = Path('a.txt').read_text()\n        return self\n"
    )
    item = only_reviewed(tree, "app/agent.py", src, "app/agent.py::Agent.load")
    assert item.line == 8
    assert "pydantic hook (`@model_validator`), which pydantic calls synchronously" in item.message


def test_a_threading_lock_in_async_code_is_listed_not_rewritten(tree: Tree) -> None:
    src = (
        "import threading\n\n\nclass Log:\n"
        "    def __init__(self):\n        self._lock = threading.Lock()\n\n"
        "    async def append(self, sink):\n        with self._lock:\n            await sink()\n"
    )
    item = only_reviewed(tree, "app/log.py", src, "app/log.py::Log.append")
    assert item.line == 9
    assert "`with self._lock:` holds a `threading.Lock` across an `await`" in item.message


def test_selector_paths_may_be_relative_to_root(tree: Tree, cli: Cli) -> None:
    root = project(tree)
    got = cli(["migrate", "--root", "proj", "app/repo.py::Repo.get", "--no-cache"], cwd=root.parent)
    assert got.code == 2 and "no such file or directory" in got.err  # no folder called proj
    got = cli(
        ["migrate", "--root", root.name, "app/repo.py::Repo.get", "--no-cache"], cwd=root.parent
    )
    assert got.code == 0, got.err
    assert f"--- a/{root.name}/app/repo.py" in got.out


def test_library_api(tree: Tree) -> None:
    from awaitify import api

    root = project(tree)
    result = api.migrate(
        ["app/repo.py::Repo.get"], root=root, options=ScanOptions(use_cache=False, cwd=str(root))
    )
    assert [c.path for c in result.touched] == ["app/repo.py"]
    plan = api.plan([root], options=ScanOptions(use_cache=False, cwd=str(root)))
    (step,) = plan.steps  # `*Repo` classes are repositories wherever they live: ASY202
    assert step.command == "awaitify migrate app/repo.py::Repo"


def test_project_is_found_from_the_selectors(cli: Cli) -> None:
    """The example's README command, from the repository root: the example's own
    pyproject.toml makes it the project, so its callers and tests are found."""
    from conftest import REPO_ROOT

    selector = "examples/billing_service/app/repositories/invoice_repository.py::InvoiceRepository"
    got = cli(["migrate", selector, "--no-cache"], cwd=REPO_ROOT)
    assert got.code == 0, got.err
    assert "+++ b/examples/billing_service/app/services/billing_service.py" in got.out
    assert "+++ b/examples/billing_service/tests/test_repositories.py" in got.out


def test_without_config_the_project_is_the_current_directory(tree: Tree, cli: Cli) -> None:
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/a/__init__.py": "",
            "pkg/a/repo.py": "import time\n\n\ndef wait():\n    time.sleep(1)\n",
            "pkg/b/__init__.py": "",
            "pkg/b/use.py": "from pkg.a.repo import wait\n\n\ndef go():\n    wait()\n",
        }
    )
    got = cli(["migrate", "pkg/a/repo.py::wait", "--no-cache"], cwd=root)
    assert got.code == 0, got.err
    assert "+++ b/pkg/b/use.py" in got.out and "+    await wait()" in got.out


# -- unittest test cases ----------------------------------------------------------------------
TESTCASE_TEST = """\
import asyncio
import unittest


async def compute():
    raise AssertionError("body ran")


class TestCompute(unittest.TestCase):
    def test_compute(self):
        asyncio.run(compute())
"""


def _pytest(root: Path) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore", "tests"],
        cwd=root, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_testcase_test_still_runs_after_the_migration(tree: Tree) -> None:
    """pytest-asyncio does not run TestCase methods: an ``async def`` test method with
    ``@pytest.mark.asyncio`` would pass without running its body. The class becomes an
    IsolatedAsyncioTestCase instead, which awaits it: the failing test still fails."""
    root = project(tree, {"tests/test_x.py": TESTCASE_TEST})
    assert "1 failed" in _pytest(root).stdout
    result = run(root, rule="ASY205", apply=True)
    assert result.applied, (result.refused, result.review)
    after = (root / "tests/test_x.py").read_text()
    assert "class TestCompute(unittest.IsolatedAsyncioTestCase):" in after
    assert "    async def test_compute(self):\n        await compute()\n" in after
    assert "pytest" not in after
    ran = _pytest(root)
    assert "1 failed" in ran.stdout and "body ran" in ran.stdout, ran.stdout[-2000:]


def test_a_test_of_a_framework_testcase_is_left_for_review(tree: Tree) -> None:
    src = TESTCASE_TEST.replace(
        "import unittest\n", "import unittest\n\nfrom tornado.testing import AsyncTestCase\n"
    ).replace("(unittest.TestCase)", "(AsyncTestCase)")
    root = project(tree, {"tests/test_x.py": src})
    result = run(root, "tests/test_x.py::TestCompute.test_compute")
    assert result.touched == ()
    (review,) = result.review
    assert review.line == 12
    assert review.message.startswith(
        "`TestCompute.test_compute` left sync: it is a test method of `TestCompute`, a "
        "`tornado.testing.AsyncTestCase`: pytest-asyncio does not run TestCase methods"
    )


def test_a_testcase_hook_stays_sync(tree: Tree) -> None:
    src = TESTCASE_TEST.replace(
        "    def test_compute",
        "    def setUp(self):\n        asyncio.run(compute())\n\n    def test_compute",
    )
    root = project(tree, {"tests/test_x.py": src})
    result = run(root, "tests/test_x.py::TestCompute.setUp")
    assert result.touched == ()
    assert [(r.line, r.message) for r in result.review] == [
        (
            10,
            "`TestCompute.setUp` left sync: it is `setUp` of a `unittest.TestCase`, which "
            "unittest calls without awaiting it",
        )
    ]


def test_asy205_advises_isolated_asyncio_testcase_for_a_testcase_method(tree: Tree) -> None:
    from awaitify.api import scan

    src = TESTCASE_TEST + "\n\ndef test_plain():\n    asyncio.run(compute())\n"
    root = project(tree, {"tests/test_x.py": src})
    found = scan([root], None, ScanOptions(use_cache=False, cwd=str(root), jobs=1)).findings
    messages = {f.symbol: f.message for f in found if f.code == "ASY205"}
    method = messages["TestCompute.test_compute"]
    assert "`unittest.IsolatedAsyncioTestCase`" in method and "pytest.mark" not in method
    assert "`@pytest.mark.asyncio`" in messages["test_plain"]


def test_asy205_names_the_project_base_a_testcase_method_inherits_through(tree: Tree) -> None:
    from awaitify.api import scan

    src = TESTCASE_TEST.replace(
        "class TestCompute(unittest.TestCase):",
        "class TableTest(unittest.TestCase):\n    pass\n\n\nclass TestCompute(TableTest):",
    )
    root = project(tree, {"tests/test_x.py": src})
    found = scan([root], None, ScanOptions(use_cache=False, cwd=str(root), jobs=1)).findings
    (message,) = [f.message for f in found if f.code == "ASY205"]
    assert "derives from `unittest.TestCase` through `TableTest`" in message
    assert "derive `TableTest` from `unittest.IsolatedAsyncioTestCase` by hand" in message
    review = run(root, "tests/test_x.py::TestCompute.test_compute").review  # migrate agrees
    assert any("through `TableTest`" in r.message for r in review)


# -- calls the call graph cannot resolve ------------------------------------------------------
def test_unresolved_calls_list_is_exactly_the_possible_callers(tmp_path: Path) -> None:
    import shutil

    from test_migrate_fixtures import CASES_DIR, case_of

    root = tmp_path / "unresolved_callers"
    shutil.copytree(CASES_DIR / "unresolved_callers" / "before", root)
    result = run(root, *case_of("unresolved_callers")["selectors"])
    got = [f"{r.path}:{r.line}: {r.message}" for r in result.review]
    assert got == case_of("unresolved_callers")["review"]


def test_unresolved_calls_skip_library_objects_literals_and_awaits(tree: Tree) -> None:
    files = {
        "app/repo.py": REPO,
        "app/use.py": (
            "import os\n"
            "from web import Router\n\n"
            "router = Router()\n"
            "_SYMBOLS = {'EUR': '€'}\n\n\n"
            "class Cache:\n"
            "    def __init__(self) -> None:\n"
            "        self._entries: dict[str, int] = {}\n\n"
            "    def hit(self, key: str) -> int | None:\n"
            "        return self._entries.get(key)\n\n\n"
            "@router.get('/')\n"
            "def index(obj, currency: str) -> object:\n"
            "    return _SYMBOLS.get(currency), os.environ.get('X'), obj.get('a')\n\n\n"
            "async def fetch(obj) -> object:\n"
            "    return await obj.get('a')\n\n\n"
            "async def fetch_all(objs) -> object:\n"
            "    found = [o.get('a') for o in objs]\n"
            "    return found\n\n\n"
            "def hand_over(obj, job, executor) -> None:\n"
            "    schedule(target=obj.get, get=job.get)\n"
            "    executor.submit(obj.get, 'a')\n"
            "    executor.submit(os.environ.get, 'a')\n"
            "    print(job.get)\n"
        ),
    }
    root = project(tree, files)
    result = run(root, "app/repo.py::Repo.get")
    unresolved = [(r.path, r.line, r.message) for r in result.review if "may " in r.message]
    assert unresolved == [
        (
            "app/use.py", 18,
            "may call `Repo.get`, now async: could not resolve the receiver of `obj.get(...)`; "
            "await it if it does",
        ),
        (
            "app/use.py", 26,
            "may call `Repo.get`, now async: could not resolve the receiver of `o.get(...)`; "
            "await it if it does",
        ),
        (
            "app/use.py", 31,
            "may pass `Repo.get`, now async, as a value to `schedule(..., target=...)`: could "
            "not resolve `obj.get`; whatever calls it must await it if it is",
        ),
        (
            "app/use.py", 32,
            "may pass `Repo.get`, now async, as a value to `executor.submit(...)`: could "
            "not resolve `obj.get`; whatever calls it must await it if it is",
        ),
    ]  # fmt: skip


def test_a_converted_function_used_as_a_decorator_or_an_imported_callback_is_listed(
    tree: Tree,
) -> None:
    files = {
        "app/__init__.py": "",
        "app/deco.py": (
            "import time\n\n\ndef with_context(f):\n    time.sleep(0.1)\n    return f\n"
        ),
        "app/cli.py": (
            "import threading\n\n"
            "from app.deco import with_context\n\n\n"
            "@with_context\n"
            "def command():\n"
            "    return 1\n\n\n"
            "def start():\n"
            "    threading.Thread(target=with_context).start()\n"
        ),
    }
    root = project(tree, files)
    result = run(root, "app/deco.py::with_context")
    assert [(r.path, r.line, r.message) for r in result.review] == [
        (
            "app/cli.py", 6,
            "`with_context` is now async but decorates `command`: a decorator runs when "
            "`command` is defined, where it cannot be awaited, and `command` would become a "
            "coroutine; keep `with_context` sync",
        ),
        (
            "app/cli.py", 12,
            "`with_context` is now async but is passed as a value to "
            "`threading.Thread(..., target=...)`: whatever calls it must await it",
        ),
    ]  # fmt: skip


def test_a_sync_function_that_returned_a_coroutine_returns_its_result(tree: Tree) -> None:
    src = (
        "import asyncio\n\n\n"
        "async def _afetch(key):\n"
        "    return key\n\n\n"
        "def fetch(key, use_async=False):\n"
        "    if use_async:\n"
        "        return _afetch(key)\n"
        "    return key\n\n\n"
        "def pause():\n"
        "    return asyncio.sleep(0)\n\n\n"
        "async def handler():\n"
        "    return await fetch(1, use_async=True)\n"
    )
    root = project(tree, {"app/svc.py": src})
    result = run(root, "app/svc.py::fetch", "app/svc.py::pause")
    assert not result.refused, result.refused
    (change,) = result.touched
    after = change.after.decode()
    assert (
        "async def fetch(key, use_async=False):\n    if use_async:\n        return await _afetch(key)\n"
        in after
    )
    assert "async def pause():\n    return await asyncio.sleep(0)\n" in after
    assert "    return await fetch(1, use_async=True)\n" in after  # not awaited twice
    assert [(r.line, r.message.split(";")[0]) for r in result.review] == [
        (10, "`fetch` returned the coroutine of `_afetch(...)`"),
        (15, "`pause` returned the coroutine of `asyncio.sleep(...)`"),
    ]


def test_a_function_that_installs_signal_handlers_is_not_moved_to_a_thread(tree: Tree) -> None:
    src = (
        "import asyncio\nimport signal\nimport time\n\n\n"
        "def serve_forever():\n"
        "    loop = asyncio.new_event_loop()\n"
        "    loop.add_signal_handler(signal.SIGTERM, loop.stop)\n"
        "    time.sleep(0.1)\n\n\n"
        "def start():\n"
        "    time.sleep(0.1)\n"
        "    serve_forever()\n"
    )
    root = project(tree, {"app/m.py": src})
    result = run(root, "app/m.py::start")
    (change,) = result.touched
    assert "to_thread(serve_forever" not in change.after.decode()
    assert [(r.line, r.message.split(";")[0]) for r in result.review] == [
        (
            14,
            "`serve_forever` is not moved to a thread: it needs the main thread, where signal "
            "handlers must be installed, which a worker thread does not have (it calls "
            "`loop.add_signal_handler`)",
        )
    ]


def test_a_project_decorator_on_a_converted_function_is_listed(tree: Tree) -> None:
    src = (
        "import functools\nimport time\n\n\n"
        "def logged(f):\n"
        "    @functools.wraps(f)\n"
        "    def wrapper(*args):\n"
        "        return f(*args)\n"
        "    return wrapper\n\n\n"
        "@logged\n"
        "def fetch():\n"
        "    time.sleep(0.1)\n"
    )
    root = project(tree, {"app/m.py": src})
    result = run(root, "app/m.py::fetch")
    assert [(r.line, r.message) for r in result.review] == [
        (
            13,
            "`fetch` is decorated with `@logged`, a project decorator awaitify does not see "
            "through: check that it passes the coroutine on (and awaits it where it uses the "
            "result)",
        )
    ]


def test_a_blocking_method_with_an_async_twin_is_replaced_by_it(tree: Tree) -> None:
    src = (
        "import time\n\n\n"
        "class Tokens:\n"
        "    def validated(self, token):\n"
        "        time.sleep(0.1)\n"
        "        return token\n\n"
        "    async def avalidated(self, token):\n"
        "        return token\n\n"
        "    def revoke(self, token):\n"
        "        time.sleep(0.1)\n"
        "        return self.validated(token)\n"
    )
    root = project(tree, {"app/tokens.py": src})
    result = run(root, "app/tokens.py::Tokens.revoke")
    assert not result.refused, result.refused
    (change,) = result.touched
    after = change.after.decode()
    assert "    async def revoke(self, token):\n" in after
    assert "        return await self.avalidated(token)\n" in after
    assert "to_thread(self.validated" not in after


def test_a_test_that_runs_trio_stays_sync(tree: Tree) -> None:
    files = {
        "app/__init__.py": "",
        "app/work.py": "import time\n\n\ndef compute():\n    time.sleep(0.1)\n    return 1\n",
        "tests/test_work.py": (
            "import trio\n\n"
            "from app.work import compute\n\n\n"
            "async def check():\n"
            "    assert compute() == 1\n\n\n"
            "def test_compute():\n"
            "    trio.run(check)\n"
        ),
    }
    root = project(tree, files)
    result = run(root, "tests/test_work.py::test_compute")
    assert result.touched == ()
    assert [(r.line, r.message) for r in result.review] == [
        (
            10,
            "`test_compute` left sync: it runs trio code (`trio.run`), and awaitify migrates "
            "code to asyncio",
        )
    ]


# -- blocking functions that need the running loop ------------------------------------------
def test_a_function_that_needs_the_running_loop_is_not_moved_to_a_thread(tree: Tree) -> None:
    src = (
        "import asyncio\nimport time\n\n\n"
        "def schedule(name: str) -> 'asyncio.Future[str]':\n"
        "    time.sleep(0.1)\n"
        "    return asyncio.get_running_loop().create_future()\n\n\n"
        "def show(name: str) -> 'asyncio.Future[str]':\n"
        "    time.sleep(0.1)\n"
        "    return schedule(name)\n"
    )
    root = project(tree, {"app/m.py": src})
    result = run(root, "app/m.py::show")
    assert not result.refused, result.refused  # the ASY101 it leaves was there, in sync code
    (change,) = result.touched
    after = change.after.decode()
    assert "async def show" in after and "    return schedule(name)\n" in after
    assert "to_thread" not in after
    assert [(r.line, r.message.split(":")[0]) for r in result.review] == [
        (12, "`schedule` is not moved to a thread")
    ]
    assert "it calls `asyncio.get_running_loop`" in result.review[0].message


def test_a_function_with_its_own_event_loop_still_moves_to_a_thread(tree: Tree) -> None:
    src = (
        "import asyncio\nimport time\n\n\n"
        "async def job() -> int:\n    return 1\n\n\n"
        "def run_job() -> int:\n"
        "    try:\n        asyncio.get_running_loop()\n    except RuntimeError:\n        pass\n"
        "    loop = asyncio.new_event_loop()\n"
        "    return loop.run_until_complete(job())\n\n\n"
        "def show() -> int:\n    time.sleep(0.1)\n    return run_job()\n"
    )
    out = _rewrite(tree, src, "show")
    assert "return await asyncio.to_thread(run_job)" in out


def _kept_on_loop(tree: Tree, src: str, rule: str) -> tuple[str, list[str]]:
    """``app/m.py`` migrated for ``rule``: its new text ("" when untouched) and the review
    notes, as "`name` is not moved to a thread" heads and whole messages."""
    result = run(project(tree, {"app/m.py": src}), rule=rule)
    after = result.touched[0].after.decode() if result.touched else ""
    return after, [r.message for r in result.review]


def test_a_function_that_uses_the_current_loop_before_its_own_stays_on_the_loop(
    tree: Tree,
) -> None:
    """python-binance's ``get_loop``: the current loop, or a new one when there is none. On
    the loop's thread that is the running loop; in a worker thread, a new loop that never
    runs, which the client built in ``__init__`` then holds (its futures hang)."""
    src = (
        "import asyncio\n\n\n"
        "def get_loop():\n"
        "    try:\n        return asyncio.get_event_loop()\n"
        "    except RuntimeError:\n"
        "        loop = asyncio.new_event_loop()\n        asyncio.set_event_loop(loop)\n"
        "        return loop\n\n\n"
        "class Client:\n"
        "    def __init__(self, key_path=None):\n"
        "        self.loop = get_loop()\n"
        "        if key_path:\n"
        "            with open(key_path) as f:\n                self.key = f.read()\n\n\n"
        "def make():\n    return Client()\n"
    )
    root = project(tree, {"app/m.py": src})
    result = run(root, "app/m.py::make")
    after = result.touched[0].after.decode()
    assert "async def make" in after and "to_thread" not in after
    assert [r.message.split(":")[0] for r in result.review] == [
        "`Client.__init__` is not moved to a thread"
    ]
    assert "it calls `asyncio.get_event_loop`" in result.review[0].message


#: marimo's runtime context lives in a ``threading.local()``: in a worker thread
#: ``get_context()`` raises, one call below the function that would move there
THREAD_LOCAL = (
    "import threading\n\n"
    "_LOCAL = threading.local()\n\n\n"
    "def current_user() -> str:\n    return _LOCAL.user\n\n\n"
    "def load_profile() -> str:\n"
    "    user = current_user()\n"
    "    with open(__file__) as f:\n        return user + f.read()\n\n\n"
    "def plain() -> str:\n"
    "    with open(__file__) as f:\n        return f.read()\n\n\n"
    "async def handler() -> str:\n"
    "    _LOCAL.user = 'alice'\n"
    "    return load_profile() + plain()\n"
)
#: langflow's ``_stream_message`` puts tokens on an ``asyncio.Queue``: asyncio's objects are
#: not thread-safe, so moved to a thread the put races the loop. A ``queue.Queue`` is made
#: for threads: that one moves
ASYNCIO_QUEUE = (
    "import asyncio\nimport queue\nimport time\n\n\n"
    "def emit(q: asyncio.Queue, item):\n"
    "    time.sleep(0.01)\n    q.put_nowait(item)\n\n\n"
    "def relay(q: asyncio.Queue, item):\n    emit(q, item)\n\n\n"
    "def hand_off(q: queue.Queue, item):\n"
    "    time.sleep(0.01)\n    q.put_nowait(item)\n\n\n"
    "async def producer(q: asyncio.Queue, out: queue.Queue):\n"
    "    relay(q, 1)\n    hand_off(out, 2)\n"
)


@pytest.mark.parametrize(
    ("src", "moved", "kept", "reason"),
    [
        (THREAD_LOCAL, "return load_profile() + await asyncio.to_thread(plain)",
         "load_profile", "it uses `_LOCAL`, a `threading.local()`"),
        (ASYNCIO_QUEUE, "    relay(q, 1)\n    await asyncio.to_thread(hand_off, out, 2)\n",
         "relay", "it calls `q.put_nowait` on an asyncio object"),
    ],
    ids=["threading.local", "asyncio.Queue"],
)  # fmt: skip
def test_a_function_that_needs_the_loops_thread_stays_on_the_loop(
    tree: Tree, src: str, moved: str, kept: str, reason: str
) -> None:
    after, reviews = _kept_on_loop(tree, src, "ASY101")
    assert moved in after
    assert [m.split(":")[0] for m in reviews] == [f"`{kept}` is not moved to a thread"]
    assert reason in reviews[0]


def test_a_function_that_closes_an_asyncio_server_stays_on_the_loop(tree: Tree) -> None:
    """pygls' ``shutdown`` waits for its thread pool, then closes the ``asyncio.Server``,
    whose sockets the loop's selector holds: that close must run on the loop's thread."""
    src = (
        "import asyncio\nfrom concurrent.futures import ThreadPoolExecutor\n\n\n"
        "class Server:\n"
        "    def __init__(self):\n"
        "        self._server: asyncio.Server | None = None\n"
        "        self._pool = ThreadPoolExecutor()\n\n"
        "    def shutdown(self):\n"
        "        self._pool.shutdown()\n"
        "        if self._server:\n            self._server.close()\n\n"
        "    async def on_client(self, reader, writer):\n"
        "        await reader.read()\n        self.shutdown()\n"
    )
    after, reviews = _kept_on_loop(tree, src, "ASY101")
    assert not after
    assert "it calls `self._server.close` on an asyncio object" in reviews[0]


def test_a_converted_function_that_a_thread_ran_is_awaited_on_the_loop(tree: Tree) -> None:
    """The phases compose: ``--rule ASY204`` moved the repository's calls to threads, and
    converting the repository brings them back (``await asyncio.to_thread(get_items, db,
    1)`` → ``await get_items(db, 1)``); in the thread it would only make a coroutine."""
    crud = (
        "from sqlalchemy.orm import Session\n\n\n"
        "def get_items(db: Session, owner: int):\n"
        "    return db.execute('select 1').all()\n"
    )
    api = (
        "import asyncio\n\nfrom app.crud import get_items\n\n\n"
        "async def list_items(db, loop):\n"
        "    first = await asyncio.to_thread(get_items, db, owner=1)\n"
        "    again = await loop.run_in_executor(None, get_items, db, 2)\n"
        "    later = asyncio.to_thread(get_items, db, 3)\n"
        "    return first, again, await later\n"
    )
    root = project(tree, {"app/__init__.py": "", "app/crud.py": crud, "app/api.py": api})
    result = run(root, "app/crud.py::get_items")
    after = {c.path: c.after.decode() for c in result.touched}
    assert "    first = await get_items(db, owner=1)\n" in after["app/api.py"]
    assert "    again = await get_items(db, 2)\n" in after["app/api.py"]
    # not awaited where it is made: left as it was, for review, and the check refuses it
    assert "    later = asyncio.to_thread(get_items, db, 3)\n" in after["app/api.py"]
    assert any("passed as a value to `asyncio.to_thread(...)`" in r.message for r in result.review)


def test_nothing_moves_to_a_thread_in_code_that_also_runs_at_exit(tree: Tree) -> None:
    """pyppeteer's ``atexit`` callback runs ``loop.run_until_complete(self.kill())``: at
    interpreter exit ``asyncio.to_thread`` cannot start a thread, and the cleanup was lost."""
    src = (
        "import asyncio\nimport atexit\nimport shutil\n\n\n"
        "def cleanup(path):\n    shutil.rmtree(path, ignore_errors=True)\n\n\n"
        "class Launcher:\n"
        "    def __init__(self):\n        self.loop = asyncio.new_event_loop()\n\n"
        "    def start(self):\n"
        "        def _close_process(*args):\n"
        "            self.loop.run_until_complete(self.kill())\n\n"
        "        atexit.register(_close_process)\n\n"
        "    async def kill(self):\n        cleanup('/tmp/x')\n\n\n"
        "async def elsewhere():\n    cleanup('/tmp/y')\n"
    )
    after, reviews = _kept_on_loop(tree, src, "ASY101")
    assert "        cleanup('/tmp/x')\n" in after
    assert "    await asyncio.to_thread(cleanup, '/tmp/y')\n" in after
    assert [m.split(":")[0] for m in reviews] == ["`cleanup` is not moved to a thread"]
    assert "the `atexit` callback `Launcher.start._close_process`" in reviews[0]


def test_nothing_moves_to_an_asyncio_thread_in_a_twisted_module(tree: Tree) -> None:
    """synapse's coroutines run under Twisted's ``ensureDeferred``, even on its asyncio
    reactor: ``asyncio.to_thread`` raises "no running event loop" there."""
    src = (
        "from twisted.internet import defer, task\n\n\n"
        "async def read_conf(path):\n"
        "    with open(path) as f:\n        return f.read()[:20]\n\n\n"
        "def main(reactor):\n"
        "    return defer.ensureDeferred(read_conf(__file__)).addCallback(print)\n"
    )
    after, reviews = _kept_on_loop(tree, src, "ASY100")
    assert not after
    assert "the module uses Twisted" in reviews[0] and "deferToThread" in reviews[0]


def test_a_twin_removes_only_the_import_its_call_was_written_through(tree: Tree) -> None:
    """azure-identity's test imports ``time`` (unused) and ``sleep as real_sleep``: the
    rewrite of ``real_sleep(0.1)`` may drop the second import, never the first."""
    src = (
        "import time\nfrom time import sleep as real_sleep\n\n\n"
        "async def f():\n    real_sleep(0.1)\n"
    )
    after, _ = _kept_on_loop(tree, src, "ASY100")
    assert after.startswith("import time\nimport asyncio\n")
    assert "real_sleep" not in after and "    await asyncio.sleep(0.1)\n" in after


def test_a_thread_locks_acquire_is_never_moved_to_a_thread(tree: Tree) -> None:
    """django-eventstream: moved to a thread, an ``RLock`` is released on the loop's thread
    (``RuntimeError``), and a ``Lock`` a cancelled task took stays taken."""
    src = (
        "import threading\n\nLOCK = threading.RLock()\nSTATE = {}\n\n\n"
        "async def update(fetch):\n"
        "    LOCK.acquire()\n    STATE['x'] = await fetch()\n    LOCK.release()\n"
    )
    after, reviews = _kept_on_loop(tree, src, "ASY100")
    assert not after
    assert reviews[0].startswith("`threading.RLock.acquire` is not moved to a thread")
    assert "use an `asyncio.Lock`" in reviews[0]


# -- output -----------------------------------------------------------------------------------
def test_apply_with_nothing_selected_says_so(tree: Tree, cli: Cli) -> None:
    root = project(tree)
    got = cli(["migrate", "--rule", "ASY205", "--apply", "--no-cache"], cwd=root)
    assert got.code == 0, got.err
    assert got.out.startswith("awaitify migrate: nothing to migrate, nothing written\n")
    assert "dry run" not in got.out


def test_removing_the_first_import_leaves_no_blank_lines_at_the_top(tree: Tree) -> None:
    src = "import asyncio\n\n\nasync def job():\n    return 1\n\n\ndef run():\n    return asyncio.run(job())\n"
    out = _rewrite(tree, src, "run")
    assert out == "async def job():\n    return 1\n\n\nasync def run():\n    return await job()\n"
    with_header = "#!/usr/bin/env python\n" + src
    assert _rewrite(tree, with_header, "run", "app/n.py").startswith("#!/usr/bin/env python\n")


TRIO_WORKER = """import time

import trio


class Worker:
    async def ping(self):
        await trio.sleep(0)

    def rest(self):
        time.sleep(0.1)


async def main():
    Worker().rest()
"""


def test_a_call_kept_in_a_trio_module_is_accepted_after_the_rewrite(tmp_path: Path) -> None:
    """Converting a method of a trio module keeps its ``time.sleep`` (listed for review):
    the check after the rewrite knows that call by its function, so the migration is not
    refused for the ASY100 it leaves (it was, while the kept call had no caller)."""
    (tmp_path / "app.py").write_text(TRIO_WORKER)
    result = run(tmp_path, "app.py::Worker.rest")
    assert not result.refused, result.refused
    assert any("the module uses trio" in r.message for r in result.review)
    assert [c.path for c in result.touched] == ["app.py"]


# -- what the eighth session's readers found ------------------------------------------------
def _reviews(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{r.path}:{r.line}: {r.message}" for r in result.review]


def test_what_cannot_move_to_a_thread_is_listed(tree: Tree) -> None:
    """A consumed generator (its body runs where it is iterated), a google-cloud async
    client (built on the running loop), a third-party decorator around the function made
    async, a session entered on the loop whose calls move to threads."""
    files = {
        "app/__init__.py": "",
        "app/gen.py": (
            "import time\n\n\ndef ticks():\n    time.sleep(1)\n    yield 1\n\n\n"
            "async def consume():\n    return list(ticks())\n"
        ),
        "app/hook.py": (
            "from google.cloud.batch_v1 import BatchServiceAsyncClient\n\n\n"
            "class Hook:\n    def creds(self):\n        return open('/etc/c').read()\n\n"
            "    def get_conn(self):\n        return BatchServiceAsyncClient(credentials=self.creds())\n\n"
            "    async def job(self):\n        client = self.get_conn()\n        return client\n"
        ),
        "app/trigger.py": (
            "from airflow.utils.session import provide_session\nfrom sqlalchemy.orm import Session\n\n\n"
            "class Trigger:\n    @provide_session\n    def task_instance(self, *, session: Session):\n"
            "        return session.scalar(1)\n"
        ),
        "app/db.py": (
            "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
            "SessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n\n\n"
            "async def count():\n    with SessionLocal() as db:\n        return db.scalar(1)\n"
        ),
    }
    root = project(tree, files)
    reviews = "\n".join(_reviews(run(root, "app/gen.py::consume")))
    assert "app/gen.py:10: iterating `ticks(...)` runs its blocking body here" in reviews
    reviews = "\n".join(_reviews(run(root, "app/hook.py::Hook.job")))
    assert "it calls `google.cloud.batch_v1.BatchServiceAsyncClient`" in reviews
    reviews = "\n".join(_reviews(run(root, "app/trigger.py::Trigger.task_instance")))
    assert "decorated with `@provide_session` (`airflow.utils.session.provide_session`)" in reviews
    reviews = "\n".join(_reviews(run(root, "app/db.py::count")))
    assert "app/db.py:8: the session this `with` enters is now used from worker threads" in reviews


def test_to_thread_is_not_written_for_a_target_below_3_9(tree: Tree) -> None:
    root = tree(
        {
            "pyproject.toml": '[project]\nrequires-python = ">=3.8"\n[tool.awaitify]\n',
            "app/m.py": "import requests\n\n\nasync def slow():\n    return requests.get('u')\n",
        }
    )
    result = run(root, "app/m.py::slow")
    assert not result.touched
    assert any("`asyncio.to_thread` needs Python 3.9" in m for m in _reviews(result))


def test_getattr_with_a_name_known_at_run_time_is_listed(tree: Tree) -> None:
    root = project(
        tree,
        {
            "app/__init__.py": "",
            "app/report.py": (
                "import time\n\n\nclass ReportService:\n    def fetch(self, x):\n"
                "        time.sleep(0)\n        return x\n\n\n"
                "def dynamic(name):\n    svc = ReportService()\n    fn = getattr(svc, name)\n"
                "    return fn('x')\n"
            ),
        },
    )
    reviews = _reviews(run(root, "app/report.py::ReportService"))
    assert any(
        m.startswith(
            "app/report.py:12: may call `ReportService.fetch`, now async: "
            "`getattr(svc, name)` picks a method"
        )
        for m in reviews
    ), reviews


def test_a_converted_function_kept_as_a_value_is_listed(tree: Tree) -> None:
    src = (
        "import time\n\n\ndef load(k):\n    time.sleep(0)\n    return k\n\n\n"
        "def a(k, fn=load):\n    return fn(k)\n\n\n"
        "def b(k, cb=None):\n    cb = cb or load\n    return cb(k)\n\n\n"
        'HANDLERS = {"load": load}\n'
    )
    root = project(tree, {"app/__init__.py": "", "app/m.py": src})
    reviews = _reviews(run(root, "app/m.py::load"))
    for line, where in (
        (9, "a parameter's default"),
        (14, "an operand of `or`"),
        (18, "a dict's value"),
    ):
        assert (
            f"app/m.py:{line}: `load` is now async but is kept as a value ({where})"
            in "\n".join(reviews)
        ), reviews


def test_a_weakref_finalize_callback_is_not_bridged(tree: Tree) -> None:
    """The garbage collector runs it, maybe on the loop's thread, where asyncio.run
    raises: listed, and the migration refused, rather than a bridge that fails silently."""
    src = (
        "import shutil\nimport weakref\n\n\nclass FileRepository:\n"
        "    def erase(self) -> None:\n        shutil.rmtree('d')\n\n\n"
        "class Backend:\n    def __init__(self) -> None:\n        self.repo = FileRepository()\n"
        "        self._f = weakref.finalize(self, _finalize, self.repo)\n\n\n"
        "def _finalize(repo: FileRepository) -> None:\n    repo.erase()\n"
    )
    root = project(tree, {"app/__init__.py": "", "app/store.py": src})
    result = run(root, "app/store.py::FileRepository.erase")
    assert any("`_finalize` is a `weakref.finalize` callback" in m for m in _reviews(result))
    assert result.refused
