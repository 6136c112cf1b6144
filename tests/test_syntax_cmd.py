"""``awaitify syntax``: grouping by kind, exit codes, the three formats, ASY002, no git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from awaitify.cli import main
from awaitify.syntax_report import kind_of

FILES = {
    "pkg/__init__.py": "",
    "pkg/ok.py": "async def fine():\n    return 1\n",
    "pkg/a.py": "def total(items):\n    return sum(i.price for i in items))\n",
    "pkg/b.py": "x = [1,\n     2]\ny = f(x))\n",
    "pkg/c.py": "def handler(request:\n    return request\n",
    "pkg/d.py": "def describe(event):\n    match event:\n        case 1:\n            return 'one'\n",
    "pkg/e.py": "if x\n    pass\n",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    monkeypatch.chdir(root)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # never find an outer repo
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["syntax", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("unmatched ')'", "unmatched ')'"),
        ("'(' was never closed", "'(' was never closed"),
        ("expected ':'", "expected ':'"),
        ("invalid syntax", "invalid syntax"),
        (
            "expected an indented block after function definition on line 12",
            "expected an indented block after function definition",
        ),
        (
            "expected an indented block after 'if' statement on line 3",
            "expected an indented block after 'if' statement",
        ),
        (
            "closing parenthesis ']' does not match opening parenthesis '(' on line 3",
            "closing parenthesis ']' does not match opening parenthesis '('",
        ),
        ("unterminated string literal (detected at line 40)", "unterminated string literal"),
        ("invalid character '€' (U+20AC)", "invalid character '…'"),
        ("invalid non-printable character U+00A0", "invalid non-printable character U+…"),
        ("invalid digit '8' in octal literal", "invalid digit '…' in octal literal"),
        (
            "name 'x' is used prior to global declaration",
            "name '…' is used prior to global declaration",
        ),
        ("keyword argument repeated: timeout", "keyword argument repeated: …"),
        ("expected 'except' or 'finally' block", "expected 'except' or 'finally' block"),
        (
            "Missing parentheses in call to 'print'. Did you mean print(...)?",
            "Missing parentheses in call to 'print'. Did you mean print(...)?",
        ),
        (
            "cannot assign to literal here. Maybe you meant '==' instead of '='?",
            "cannot assign to literal here. Maybe you meant '==' instead of '='?",
        ),
        ("file cannot be read: Permission denied", "file cannot be read"),
    ],
)
def test_kind_strips_the_specifics(message: str, kind: str) -> None:
    assert kind_of(message) == kind


def test_json_groups_and_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--format", "json")
    assert code == 1
    assert err == ""
    doc = json.loads(out)
    assert doc["schema"] == 1
    assert doc["root"] == str(project)
    assert doc["files_checked"] == 7
    assert doc["files_with_errors"] == 4  # d.py parses on the running Python
    assert doc["groups"] == [
        {"kind": "unmatched ')'", "count": 2},
        {"kind": "'(' was never closed", "count": 1},
        {"kind": "expected ':'", "count": 1},
    ]
    assert doc["errors"] == [
        {
            "path": "pkg/a.py", "line": 2, "column": 39, "message": "unmatched ')'",
            "kind": "unmatched ')'", "code_line": "    return sum(i.price for i in items))",
        },
        {
            "path": "pkg/b.py", "line": 3, "column": 9, "message": "unmatched ')'",
            "kind": "unmatched ')'", "code_line": "y = f(x))",
        },
        {
            "path": "pkg/c.py", "line": 1, "column": 12, "message": "'(' was never closed",
            "kind": "'(' was never closed", "code_line": "def handler(request:",
        },
        {
            "path": "pkg/e.py", "line": 1, "column": 5, "message": "expected ':'",
            "kind": "expected ':'", "code_line": "if x",
        },
    ]  # fmt: skip
    assert "blame" not in doc["errors"][0]


def test_text_groups_with_caret_and_counts(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "unmatched ')'  (2 files)"
    assert lines[1] == "  pkg/a.py:2:39: ASY001 unmatched ')'"
    assert lines[2] == "          return sum(i.price for i in items))"
    assert lines[3] == "      " + " " * 38 + "^"
    assert lines[-4:] == [
        "4 files of 7 checked do not parse",
        "  2  unmatched ')'",
        "  1  '(' was never closed",
        "  1  expected ':'",
    ]


def test_markdown(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "markdown")
    assert code == 1
    assert out.startswith("# Phase 1: syntax errors\n")
    assert "| `unmatched ')'` | 2 |" in out
    assert "## `unmatched ')'` (2)" in out
    assert "### `pkg/b.py:3:9`" in out
    assert "```python\ny = f(x))\n```" in out


def test_exit_zero_when_everything_parses(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "pkg/ok.py", "pkg/d.py")
    assert code == 0
    assert out == "No syntax errors in 2 files.\n"
    code, out, _ = run(capsys, "pkg/ok.py", "--format", "json")
    assert code == 0
    assert json.loads(out)["groups"] == [] and json.loads(out)["errors"] == []


def test_target_version_adds_asy002(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pkg/d.py", "--target-version", "py39", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    kind = "Pattern matching is only supported in Python 3.10 and greater (target-version py39)"
    assert doc["groups"] == [{"kind": kind, "count": 1}]
    (error,) = doc["errors"]
    assert error["path"] == "pkg/d.py"
    assert error["message"] == "Pattern matching is only supported in Python 3.10 and greater"
    # CPython points past the `match` statement; ASY002 goes on the statement itself
    assert (error["line"], error["column"]) == (2, 5)
    code, out, _ = run(capsys, "pkg/d.py", "--target-version", "py39")
    assert "pkg/d.py:2:" in out and "ASY002" in out
    code, _, _ = run(capsys, "pkg/d.py", "--target-version", "py310")
    assert code == 0


def test_target_version_from_config_and_ignore(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text('[tool.awaitify]\ntarget-version = "py39"\n')
    code, _, _ = run(capsys, "pkg/d.py")
    assert code == 1
    (project / "pyproject.toml").write_text(
        '[tool.awaitify]\ntarget-version = "py39"\nignore = ["ASY002"]\n'
    )
    code, _, _ = run(capsys, "pkg/d.py")
    assert code == 0


def test_blame_outside_git_says_so_once(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--blame", "--format", "json")
    assert code == 1
    assert err.count("\n") == 1
    assert "not in a git repository" in err and "--blame" in err
    doc = json.loads(out)
    assert doc["files_with_errors"] == 4
    assert all(e["blame"] is None for e in doc["errors"])
    code, out, err = run(capsys, "--blame")
    assert code == 1 and "unmatched ')'  (2 files)" in out
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["--target-version", "py99"],
        ["no/such/dir"],
        ["--format", "sarif"],
        ["--jobs", "0"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("awaitify: error: ") and err.count("\n") == 1


def test_undecodable_and_nul_bytes_are_errors_not_crashes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pkg" / "nul.py").write_bytes(b"x = 1\x00\n")
    code, out, _ = run(capsys, "pkg/nul.py", "--format", "json")
    assert code == 1
    (error,) = json.loads(out)["errors"]
    assert error["kind"] == "source code string cannot contain null bytes"


def test_output_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json", "-o", "report.json")
    assert code == 1 and out == ""
    assert json.loads((project / "report.json").read_text())["files_with_errors"] == 4
