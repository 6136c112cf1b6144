"""Every ``tests/fixtures/migrate/NAME/`` case: ``before/`` migrated with the selectors of
``case.toml`` must give ``after/`` byte for byte (files absent from ``after/`` must not
change), and every case must hold the migration contract (SPEC §6):

* every rewritten file parses;
* running the same migration again changes nothing;
* a fresh scan of the result shows no ASY1xx defect that the original did not have.

``case.toml``: ``selectors`` (list), optional ``layer``, ``rule``, ``refused = true`` (the
migration must be refused and nothing written), ``review`` (substrings that must appear in
the "needs review" list) and ``not-reviewed`` (substrings that must not).
``AWAITIFY_REGEN_MIGRATE=1`` rewrites the ``after/`` trees from the current output (review
the diff before committing it).
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from awaitify.api import ScanOptions, scan
from awaitify.migrate.model import MigrationResult
from awaitify.migrate.run import migrate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES_DIR = Path(__file__).parent / "fixtures" / "migrate"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "case.toml").is_file())
REGEN = os.environ.get("AWAITIFY_REGEN_MIGRATE") == "1"


def case_of(name: str) -> dict[str, Any]:
    return tomllib.loads((CASES_DIR / name / "case.toml").read_text(encoding="utf-8"))


def files_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def run_case(root: Path, case: dict[str, Any], apply: bool = True) -> MigrationResult:
    return migrate(
        case.get("selectors", []),
        layer=case.get("layer"),
        rule=case.get("rule"),
        root=root,
        apply=apply,
        allow_dirty=True,
        options=ScanOptions(use_cache=False, cwd=str(root), jobs=1),
    )


def defects(root: Path) -> Counter[tuple[str, str, str]]:
    result = scan([root], None, ScanOptions(use_cache=False, cwd=str(root), jobs=1))
    return Counter((f.code, f.path, f.symbol) for f in result.findings if f.code.startswith("ASY1"))


@pytest.fixture(params=CASES)
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path, MigrationResult]:
    name = request.param
    root = tmp_path / name
    shutil.copytree(CASES_DIR / name / "before", root)
    return name, root, run_case(root, case_of(name))


def test_fixture_gives_expected_tree(migrated: tuple[str, Path, MigrationResult]) -> None:
    name, root, result = migrated
    case = case_of(name)
    before = files_of(CASES_DIR / name / "before")
    got = files_of(root)
    if case.get("refused"):
        assert result.refused, "the migration should have been refused"
        assert not result.applied
        assert got == before, "a refused migration must not write anything"
    else:
        assert not result.refused, result.refused
        if REGEN:
            after_dir = CASES_DIR / name / "after"
            shutil.rmtree(after_dir, ignore_errors=True)
            for rel, data in got.items():
                if before.get(rel) != data:
                    (after_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                    (after_dir / rel).write_bytes(data)
        expected = {**before, **files_of(CASES_DIR / name / "after")}
        assert sorted(got) == sorted(expected)
        for rel in expected:
            assert got[rel].decode() == expected[rel].decode(), rel
    messages = [f"{r.path}:{r.line}: {r.message}" for r in result.review]
    for wanted in case.get("review", []):
        assert any(wanted in m for m in messages), (wanted, messages)
    for unwanted in case.get("not-reviewed", []):
        assert not any(unwanted in m for m in messages), (unwanted, messages)


def test_fixture_properties(migrated: tuple[str, Path, MigrationResult]) -> None:
    name, root, result = migrated
    if case_of(name).get("refused"):
        pytest.skip("refused: nothing was written")
    assert result.touched, "a fixture must change something"
    for change in result.touched:
        ast.parse(change.after, filename=change.path)  # the output parses
    again = run_case(root, case_of(name), apply=False)
    assert not again.refused, again.refused
    assert again.touched == (), [c.path for c in again.touched]  # idempotent
    original = tmp_original(root, name)
    new = defects(root) - defects(original)
    assert not new, f"new defects after the migration: {sorted(new)}"


def tmp_original(root: Path, name: str) -> Path:
    original = root.parent / f"{name}-original"
    if not original.exists():
        shutil.copytree(CASES_DIR / name / "before", original)
    return original


def test_every_case_has_an_after_tree_or_is_refused() -> None:
    for name in CASES:
        if not case_of(name).get("refused"):
            assert (CASES_DIR / name / "after").is_dir(), f"{name}: no after/ tree"
