"""``awaitify scan`` from the command line: formats, exit codes, errors, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import subprocess_env
from jsonschema import Draft202012Validator

from awaitify import __version__

Tree = Callable[[Mapping[str, str | bytes]], Path]

PROJECT: dict[str, str | bytes] = {
    "app/services/billing_service.py": """
        import asyncio
        import requests


        class BillingService:
            def charge(self, amount):
                return requests.post("https://pay.example/charge", json={"amount": amount})

            async def refund(self, charge_id):
                await asyncio.sleep(0)
    """,
    "app/workers/tasks.py": """
        import asyncio
        from celery import shared_task

        from app.services.billing_service import BillingService


        @shared_task
        def refund_task(charge_id):
            asyncio.run(BillingService().refund(charge_id))
    """,
    "app/api/routes.py": """
        import time


        async def health():
            time.sleep(1)
            return {"ok": True}
    """,
    "app/legacy.py": "def broken(:\n    pass\n\nasync def fine():\n    pass\n",
    "app/__init__.py": "",
}

_INT = {"type": "integer", "minimum": 0}
_COUNTS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["files", "async_functions", "sync_functions"],
    "properties": {"files": _INT, "async_functions": _INT, "sync_functions": _INT},
}
#: SPEC §5, field by field; ``additionalProperties: false`` so nothing extra slips in
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "tool", "root", "summary", "files", "findings"],
    "properties": {
        "schema": {"const": 1},
        "tool": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "version"],
            "properties": {"name": {"const": "awaitify"}, "version": {"type": "string"}},
        },
        "root": {"type": "string"},
        "summary": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "files",
                "files_with_syntax_errors",
                "lines",
                "async_functions",
                "sync_functions",
                "asyncio_run_calls",
                "bridges",
                "mixed_files",
                "mixed_classes",
                "findings_by_code",
                "findings_by_priority",
                "by_layer",
            ],
            "properties": {
                **{
                    k: _INT
                    for k in (
                        "files",
                        "files_with_syntax_errors",
                        "lines",
                        "async_functions",
                        "sync_functions",
                        "asyncio_run_calls",
                        "bridges",
                        "mixed_files",
                        "mixed_classes",
                    )
                },
                "findings_by_code": {
                    "type": "object",
                    "propertyNames": {"pattern": "^ASY[0-9]{3}$"},
                    "additionalProperties": _INT,
                },
                "findings_by_priority": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["high", "medium", "low"],
                    "properties": {"high": _INT, "medium": _INT, "low": _INT},
                },
                "by_layer": {"type": "object", "additionalProperties": _COUNTS},
            },
        },
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "path",
                    "layer",
                    "lines",
                    "async_functions",
                    "sync_functions",
                    "mixed",
                    "syntax_error",
                ],
                "properties": {
                    "path": {"type": "string", "pattern": "^[^\\\\]+$"},
                    "layer": {"type": "string"},
                    "lines": _INT,
                    "async_functions": _INT,
                    "sync_functions": _INT,
                    "mixed": {"type": "boolean"},
                    "syntax_error": {
                        "oneOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["message", "line", "column"],
                                "properties": {
                                    "message": {"type": "string"},
                                    "line": {"type": "integer", "minimum": 1},
                                    "column": {"type": "integer", "minimum": 1},
                                },
                            },
                        ]
                    },
                },
            },
        },
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "code",
                    "name",
                    "category",
                    "priority",
                    "path",
                    "line",
                    "column",
                    "end_line",
                    "end_column",
                    "symbol",
                    "message",
                    "chain",
                    "fix",
                ],
                "properties": {
                    "code": {"type": "string", "pattern": "^ASY[0-9]{3}$"},
                    "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                    "category": {"enum": ["defect", "standardize", "acceptable", "syntax"]},
                    "priority": {"enum": ["high", "medium", "low"]},
                    "path": {"type": "string"},
                    "line": {"type": "integer", "minimum": 1},
                    "column": _INT,
                    "end_line": {"type": "integer", "minimum": 1},
                    "end_column": _INT,
                    "symbol": {"type": "string"},
                    "message": {"type": "string", "minLength": 1},
                    "chain": {"type": "array", "items": {"type": "string"}},
                    "fix": {"type": ["string", "null"]},
                },
            },
        },
    },
}


def scan_json(cli: Callable[..., Any], root: Path, *extra: str) -> dict[str, Any]:
    done = cli(["scan", "--format", "json", *extra], cwd=root)
    assert done.code == 0, done.err
    data: dict[str, Any] = json.loads(done.out)
    return data


def test_json_matches_the_spec_schema(tree: Tree, cli: Callable[..., Any]) -> None:
    root = tree(PROJECT)
    doc = scan_json(cli, root, ".")
    Draft202012Validator.check_schema(SCHEMA)
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(doc), key=str)
    assert not errors, [e.message for e in errors[:5]]
    assert doc["tool"] == {"name": "awaitify", "version": __version__}
    assert doc["root"] == str(root)


def test_json_counts_and_rows(tree: Tree, cli: Callable[..., Any]) -> None:
    root = tree(PROJECT)
    doc = scan_json(cli, root)
    s = doc["summary"]
    assert (s["files"], s["files_with_syntax_errors"]) == (5, 1)
    assert (s["async_functions"], s["sync_functions"]) == (3, 2)
    assert (s["asyncio_run_calls"], s["bridges"]) == (1, 1)
    assert sum(s["findings_by_code"].values()) == len(doc["findings"])
    assert sum(s["findings_by_priority"].values()) == len(doc["findings"])
    assert sum(v["files"] for v in s["by_layer"].values()) == 5
    paths = [f["path"] for f in doc["files"]]
    assert paths == sorted(paths) and "app/services/billing_service.py" in paths
    layers = {f["path"]: f["layer"] for f in doc["files"]}
    assert layers["app/services/billing_service.py"] == "service"
    assert layers["app/workers/tasks.py"] == "worker"
    assert layers["app/api/routes.py"] == "api"
    legacy = next(f for f in doc["files"] if f["path"] == "app/legacy.py")
    assert legacy["syntax_error"]["line"] == 1 and legacy["async_functions"] == 1
    codes = {(f["code"], f["path"]) for f in doc["findings"]}
    assert ("ASY001", "app/legacy.py") in codes
    assert s["lines"] == sum(f["lines"] for f in doc["files"])


def test_json_is_byte_identical_across_runs_cache_and_jobs(
    tree: Tree, cli: Callable[..., Any]
) -> None:
    files = dict(PROJECT)
    for i in range(60):  # enough files for the process pool
        files[f"app/gen/m{i}.py"] = f"import asyncio\nasync def f{i}():\n    asyncio.run(g())\n"
    root = tree(files)
    outputs = set()
    for argv in (
        ["--no-cache"],
        ["--no-cache", "--jobs", "1"],
        ["--no-cache", "--jobs", "2"],
        [],  # cold cache
        [],  # warm: from the stored result
        ["--jobs", "1"],
    ):
        done = cli(["scan", "--format", "json", *argv, "."], cwd=root)
        assert done.code == 0
        outputs.add(done.out)
    assert len(outputs) == 1
    assert "elapsed" not in outputs.pop()


def test_text_output(tree: Tree, cli: Callable[..., Any]) -> None:
    root = tree(PROJECT)
    done = cli(["scan", "app"], cwd=root)
    assert done.code == 0
    assert "Async/sync inventory" in done.out and "By layer" in done.out
    assert "app/legacy.py:1:" in done.out and "ASY001" in done.out
    assert done.err == ""  # no progress bar in a pipe, no warnings


def test_output_file(tree: Tree, cli: Callable[..., Any]) -> None:
    root = tree(PROJECT)
    done = cli(["scan", "--format", "json", "-o", "out/report.json", "."], cwd=root)
    assert done.code == 2 and "out/report.json" in done.err  # the folder does not exist
    done = cli(["scan", "--format", "json", "-o", "report.json", "."], cwd=root)
    assert done.code == 0 and done.out == ""
    assert json.loads((root / "report.json").read_text())["schema"] == 1
    done = cli(["scan", "--format", "json", "-o", "-", "."], cwd=root)
    assert done.code == 0 and json.loads(done.out)["schema"] == 1  # ``-`` is stdout
    assert not (root / "-").exists()


def test_paths_relative_to_cwd_or_absolute(tree: Tree, cli: Callable[..., Any]) -> None:
    root = tree(PROJECT)
    inside = scan_json(cli, root / "app", "--no-cache", "services")
    assert [f["path"] for f in inside["files"]] == ["services/billing_service.py"]
    assert inside["root"] == str(root / "app")
    outside = scan_json(cli, root / "app" / "api", "--no-cache", str(root / "app" / "workers"))
    assert [f["path"] for f in outside["files"]] == [str(root / "app/workers/tasks.py")]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["scan", "--frobnicate"], "--frobnicate"),
        (["scan", "--format", "yaml"], "yaml"),
        (["scan", "--jobs", "0"], "--jobs"),
        (["scan", "--jobs", "many"], "many"),
        (["scan", "--select", "E501"], "E501"),
        (["scan", "no/such/dir"], "no/such/dir"),
        (["scan", "--record", "--no-cache", "."], "--record"),
        (["scan", "--target-version", "py27"], "py27"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    tree: Tree, cli: Callable[..., Any], argv: list[str], needle: str
) -> None:
    root = tree(PROJECT)
    done = cli(argv, cwd=root)
    assert done.code == 2
    assert done.out == ""
    lines = done.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("awaitify: error: ") and needle in lines[0]


def test_no_command_prints_help_and_exits_2(cli: Callable[..., Any]) -> None:
    done = cli([])
    assert done.code == 2 and "usage: awaitify" in done.err


def test_python_dash_m_and_console_script(tree: Tree) -> None:
    root = tree(PROJECT)
    env = subprocess_env()
    version = subprocess.run(
        [sys.executable, "-m", "awaitify", "--version"], capture_output=True, text=True, env=env
    )
    assert version.returncode == 0 and version.stdout.strip() == f"awaitify {__version__}"
    done = subprocess.run(
        [sys.executable, "-m", "awaitify", "scan", "--format", "json", "--no-cache", "."],
        cwd=root, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["files"] == 5
    bad = subprocess.run(
        [sys.executable, "-m", "awaitify", "scan", "--nope"],
        cwd=root, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1
    script = Path(sys.executable).parent / "awaitify"
    if script.exists():
        done = subprocess.run([str(script), "scan", "--no-cache", "."], cwd=root,
                              capture_output=True, text=True, env=env)  # fmt: skip
        assert done.returncode == 0 and "Async/sync inventory" in done.stdout


def test_broken_pipe_is_quiet(tree: Tree) -> None:
    # more output than a pipe buffers, so the write after the reader left does fail
    root = tree({f"pkg/module_with_a_long_name_{i}.py": "x = 1\n" for i in range(800)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "awaitify", "scan", "--format", "json", "--no-cache", "."],
        cwd=root, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.read(10)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"Exception" not in err
    assert proc.returncode in (0, 1, 120, -13)  # never 2 and never a crash report


def test_no_progress_bar_in_ci_or_pipes(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    from awaitify.commands.common import show_progress

    class Args:
        no_progress = False

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.delenv("CI", raising=False)
    assert show_progress(Args())  # type: ignore[arg-type]
    monkeypatch.setenv("CI", "true")
    assert not show_progress(Args())  # type: ignore[arg-type]
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not show_progress(Args())  # type: ignore[arg-type]
    assert os.environ.get("CI") is None


def test_priority_follows_spec_section_4(tree: Callable[[Mapping[str, str]], Path]) -> None:
    """High: a defect, or a file or class whose path segment, module or class name contains
    a critical domain; a syntax error is no defect (ASY0xx), so it is high only there."""
    from awaitify.api import ScanOptions, scan
    from awaitify.config import Config

    root = tree(
        {
            "app/utils/plain.py": "def broken(:\n",
            "app/auth/broken.py": "def broken(:\n",
            "app/utils/oauth.py": "import asyncio\n\nclass Tokens:\n    async def a(self):\n"
            "        pass\n\n    def run(self):\n        asyncio.run(self.a())\n",
            "app/utils/stuff.py": "import asyncio\n\nclass UserPrepaymentStuff:\n"
            "    async def a(self):\n        pass\n\n    def run(self):\n"
            "        asyncio.run(self.a())\n",
            "app/utils/other.py": "import asyncio\n\nclass Other:\n    async def a(self):\n"
            "        pass\n\n    def run(self):\n        asyncio.run(self.a())\n",
        }
    )
    result = scan([root], Config(root=root), ScanOptions(use_cache=False, cwd=str(root), jobs=1))
    got = {(f.path, f.code): f.priority.value for f in result.findings}
    assert got[("app/utils/plain.py", "ASY001")] == "low"
    assert got[("app/auth/broken.py", "ASY001")] == "high"
    assert got[("app/utils/oauth.py", "ASY201")] == "high"
    assert got[("app/utils/stuff.py", "ASY201")] == "high"
    assert got[("app/utils/other.py", "ASY201")] == "low"


def test_an_unreadable_folder_named_is_a_usage_error(
    tree: Tree, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """(Root reads any folder: the denial is simulated.)"""
    root = tree(PROJECT)
    closed = root / "closed"
    closed.mkdir()
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if os.fspath(path) == str(closed):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    done = cli(["scan", "--no-progress", "--no-cache", str(closed)], cwd=root)
    assert done.code == 2 and done.out == ""
    assert (
        done.err.strip() == f"awaitify: error: {closed}: cannot read directory: Permission denied"
    )


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux only")
def test_a_file_name_that_is_no_utf8_is_scanned_and_reported(
    tree: Tree, cli: Callable[..., Any]
) -> None:
    root = tree({"app/__init__.py": ""})
    name = os.path.join(os.fsencode(root / "app"), b"b\xe9d.py")
    with open(name, "wb") as fh:
        fh.write(b"import time\n\nasync def f():\n    time.sleep(1)\n")
    for fmt in ("json", "sarif", "markdown", "html", "github", "text"):
        out = root / f"out.{fmt}"
        done = cli(["scan", "--no-progress", "--format", fmt, "-o", str(out), "."], cwd=root)
        assert done.code == 0, (fmt, done.err)
        assert "b\\udce9d.py" in out.read_text(encoding="utf-8") or fmt in ("sarif", "markdown")
    doc = json.loads((root / "out.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in doc["findings"]] == ["ASY100"]
