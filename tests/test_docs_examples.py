"""Every rule's documented examples are run: the bad one fires, the good one does not.

An example may start with comment lines that set up the scan:

* ``# tests/test_reports.py`` — a path: the example is written to that file of the project
  (so it lands in the layer the rule needs; the default is ``example.py``);
* ``# target-version = "py39"`` — a ``key = value`` line: a ``[tool.awaitify]`` setting.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from awaitify.api import ScanOptions, scan
from awaitify.config import load_config
from awaitify.rules.base import Rule
from awaitify.rules.registry import all_rules

_PATH = re.compile(r"^#\s*([\w./-]+\.pyi?)\s*$")
_SETTING = re.compile(r"^#\s*([a-z][a-z-]*)\s*=\s*(.+?)\s*$")


def setup_from(example: str) -> tuple[str, list[str]]:
    """(relative path, [tool.awaitify] lines) from the example's leading comments."""
    path = "example.py"
    settings: list[str] = []
    for line in example.splitlines():
        if not line.startswith("#"):
            break
        if m := _PATH.match(line):
            path = m.group(1)
        elif m := _SETTING.match(line):
            settings.append(f"{m.group(1)} = {m.group(2)}")
    return path, settings


def codes_found(tmp_path: Path, rule: type[Rule], example: str) -> list[tuple[str, int]]:
    relpath, settings = setup_from(example)
    project = tmp_path / "project"
    target = project / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(example, encoding="utf-8")
    (project / ".git").mkdir()
    (project / "pyproject.toml").write_text(
        "[tool.awaitify]\n" + f'select = ["{rule.code}"]\n' + "".join(s + "\n" for s in settings),
        encoding="utf-8",
    )
    config = load_config([project])
    result = scan([project], config, ScanOptions(use_cache=False, cwd=str(project)))
    return [(f.code, f.line) for f in result.findings]


RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_bad_example_fires(tmp_path: Path, rule: type[Rule]) -> None:
    found = codes_found(tmp_path, rule, rule.doc().bad)
    assert any(code == rule.code for code, _ in found), f"{rule.code}: the bad example is silent"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_good_example_is_silent(tmp_path: Path, rule: type[Rule]) -> None:
    found = codes_found(tmp_path, rule, rule.doc().good)
    assert not [f for f in found if f[0] == rule.code], (
        f"{rule.code}: the good example fires {found}"
    )


def test_setup_comments() -> None:
    assert setup_from('# tests/test_x.py\n# target-version = "py39"\nimport x\n') == (
        "tests/test_x.py",
        ['target-version = "py39"'],
    )
    assert setup_from("import asyncio\n# not.py\n") == ("example.py", [])
