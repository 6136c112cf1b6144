"""The fixture harness for rules: expectations sit inline on the offending line.

A fixture is ``tests/fixtures/rules/ASYnnn*.py`` (one module) or a folder
``tests/fixtures/rules/ASYnnn_name/`` (several modules; any ``.py`` file in it may carry
expectations). On the line where a finding must start::

    time.sleep(1)  # error: ASY100
    time.sleep(1)  # error: ASY100:4          (0-based column, as ``ast`` counts)
    asyncio.run(main())  # error: ASY103, ASY206:4

The fixture is scanned with :func:`awaitify.api.scan` and the findings must equal the
expectations exactly: every expected (path, line, code[, column]) is found, and nothing
else is, so a line without ``# error:`` must stay silent. A column is compared only where
the expectation gives one.

Configuration: a one-module fixture may carry ``# awaitify-config: KEY = VALUE`` lines
(``[tool.awaitify]`` TOML, one key per line, e.g. ``target-version = "py39"``); a folder may
hold a ``pyproject.toml`` with a ``[tool.awaitify]`` table. Without either, the defaults
apply, rooted at the fixture (so layers come from the paths inside the fixture).
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections import Counter
from dataclasses import replace
from pathlib import Path

from awaitify.api import ScanOptions, scan
from awaitify.config import Config, from_table, load_config
from awaitify.model import Finding

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"

_NAME = re.compile(r"^ASY\d{3}")
_EXPECT = re.compile(r"#\s*error:\s*(.*?)\s*$")
_ITEM = re.compile(r"^(ASY\d{3})(?::(\d+))?$")
_CONFIG = re.compile(r"^#\s*awaitify-config:\s*(.+?)\s*$")

#: (path relative to the fixture root, line, code, column or None)
Expectation = tuple[str, int, str, int | None]


class FixtureError(Exception):
    """A malformed fixture (a bad ``# error:`` comment, a bad config line)."""


def all_fixtures(folder: Path = FIXTURES) -> list[Path]:
    """Every fixture file and folder, sorted by name."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if _NAME.match(p.name) and (p.is_dir() or p.suffix == ".py")
    )


def _comments(text: str) -> list[tuple[int, str]]:
    """(line, comment text) of every comment; a file that does not tokenize (a syntax
    fixture) falls back to a per-line search."""
    try:
        return [
            (tok.start[0], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(text).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        found = []
        for number, line in enumerate(text.splitlines(), 1):
            at = line.find("#")
            if at >= 0:
                found.append((number, line[at:]))
        return found


def expectations_in(path: Path, rel: str) -> list[Expectation]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    out: list[Expectation] = []
    for line, comment in _comments(text):
        m = _EXPECT.search(comment)
        if not m:
            continue
        for item in m.group(1).split(","):
            parsed = _ITEM.match(item.strip())
            if not parsed:
                raise FixtureError(f"{path}:{line}: bad expectation {item.strip()!r}")
            column = int(parsed.group(2)) if parsed.group(2) is not None else None
            out.append((rel, line, parsed.group(1), column))
    return out


def _header_config(path: Path) -> Config:
    lines = []
    for raw in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        m = _CONFIG.match(raw.strip())
        if m:
            lines.append(m.group(1))
    root = path.parent.resolve()
    if not lines:
        return Config(root=root)
    try:
        table = tomllib.loads("\n".join(lines))
    except tomllib.TOMLDecodeError as exc:
        raise FixtureError(f"{path}: bad awaitify-config line: {exc}") from exc
    return from_table(table, path)


def fixture_config(fixture: Path) -> Config:
    if fixture.is_dir():
        pyproject = fixture / "pyproject.toml"
        config = load_config([fixture], pyproject) if pyproject.is_file() else Config(root=fixture)
        config = replace(config, root=fixture.resolve())
    else:
        config = _header_config(fixture)
    # the fixture stands alone: the repository's .gitignore and config do not apply
    return replace(config, respect_gitignore=False)


def expectations(fixture: Path) -> list[Expectation]:
    if fixture.is_file():
        return expectations_in(fixture, fixture.name)
    out: list[Expectation] = []
    for path in sorted(fixture.rglob("*.py")):
        if "__pycache__" not in path.parts:
            out.extend(expectations_in(path, path.relative_to(fixture).as_posix()))
    return out


def findings(fixture: Path) -> list[Finding]:
    root = fixture if fixture.is_dir() else fixture.parent
    result = scan(
        [fixture], fixture_config(fixture), ScanOptions(use_cache=False, jobs=1, cwd=str(root))
    )
    return list(result.findings)


def compare(expected: list[Expectation], found: list[Finding]) -> tuple[list[str], list[str]]:
    """(missing, unexpected) as readable lines; both empty when the fixture holds."""
    with_column = {(p, ln, c) for p, ln, c, col in expected if col is not None}
    want = Counter(expected)
    got: Counter[Expectation] = Counter()
    messages: dict[Expectation, str] = {}
    for f in found:
        key = (f.path, f.line, f.code)
        item: Expectation = (*key, f.column) if key in with_column else (*key, None)
        if item not in want and key in with_column and (*key, None) in want:
            item = (*key, None)
        got[item] += 1
        messages[item] = f.message
    missing = [_show(e) for e in sorted((want - got).elements(), key=_order)]
    unexpected = [
        f"{_show(e)}  {messages.get(e, '')}" for e in sorted((got - want).elements(), key=_order)
    ]
    return missing, unexpected


def _order(e: Expectation) -> tuple[str, int, str, int]:
    return (e[0], e[1], e[2], -1 if e[3] is None else e[3])


def _show(e: Expectation) -> str:
    path, line, code, column = e
    return f"{path}:{line}: {code}" + (f":{column}" if column is not None else "")


def check_fixture(fixture: Path) -> None:
    """Raise ``AssertionError`` listing every missing and every unexpected finding."""
    __tracebackhide__ = True  # pytest shows the message, not this function
    missing, unexpected = compare(expectations(fixture), findings(fixture))
    if missing or unexpected:
        parts = [f"fixture {fixture.name} does not hold"]
        if missing:
            parts += ["  expected but not reported:", *(f"    {m}" for m in missing)]
        if unexpected:
            parts += ["  reported but not expected:", *(f"    {u}" for u in unexpected)]
        raise AssertionError("\n".join(parts))
