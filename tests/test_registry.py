"""The rule catalogue: unique codes and names, complete docs, fixtures, generated pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from awaitify.model import Category
from awaitify.rules.base import Rule
from awaitify.rules.gen_docs import stale_pages
from awaitify.rules.registry import all_rules, rule_by_code

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
DOCS = ROOT / "docs" / "rules"

RULES = all_rules()
BANDS = {
    "0": Category.SYNTAX,
    "1": Category.DEFECT,
    "2": Category.STANDARDIZE,
    "3": Category.ACCEPTABLE,
}


def _ids(rule: type[Rule]) -> str:
    return rule.code


def test_catalogue_has_every_rule_of_the_spec() -> None:
    codes = {r.code for r in RULES}
    expected = {"ASY001", "ASY002", *(f"ASY10{i}" for i in range(6)),
                *(f"ASY20{i}" for i in range(1, 7)), "ASY301", "ASY302", "ASY303"}  # fmt: skip
    assert expected <= codes


def test_codes_and_names_are_unique() -> None:
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))
    for rule in RULES:
        assert rule_by_code(rule.code) is rule


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_code_name_and_module_agree(rule: type[Rule]) -> None:
    assert re.fullmatch(r"ASY\d{3}", rule.code)
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", rule.name), "names are kebab-case"
    assert rule.category is BANDS[rule.code[3]], "the band of the code says the category"
    module = rule.__module__.rpartition(".")[2]
    assert module == f"asy{rule.code[3:]}_{rule.name.replace('-', '_')}"
    assert rule.fix_safety in ("", "safe", "unsafe")
    assert rule.message.strip()


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_docs_have_every_section(rule: type[Rule]) -> None:
    raw = rule.__doc__ or ""
    doc = rule.doc()
    assert "## What it does" in raw and doc.what.strip()
    assert "## Why is this bad?" in raw and doc.why.strip()
    assert "## Example" in raw and doc.bad.strip(), "a bad example in a ```python fence"
    assert "Use instead:" in raw and doc.good.strip(), "a good example after 'Use instead:'"
    assert doc.bad.strip() != doc.good.strip()
    example = raw.split("## Example", 1)[1].split("\n## ", 1)[0]
    assert example.index("```python") < example.index("Use instead:"), "bad example first"


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_every_rule_has_a_fixture_with_a_positive_case(rule: type[Rule]) -> None:
    candidates = [
        p for p in FIXTURES.glob(f"{rule.code}*")
        if (p.is_file() and p.suffix == ".py") or p.is_dir()
    ]  # fmt: skip
    assert candidates, f"no tests/fixtures/rules/{rule.code}*.py file or {rule.code}_*/ dir"
    files = [p for c in candidates for p in ([c] if c.is_file() else sorted(c.rglob("*.py")))]
    marker = re.compile(rf"#\s*error:.*\b{rule.code}\b")
    assert any(
        marker.search(line) for f in files for line in f.read_text(encoding="utf-8").splitlines()
    ), f"no `# error: {rule.code}` expectation in its fixtures"


def test_generated_docs_are_up_to_date() -> None:
    stale = stale_pages(DOCS)
    assert not stale, (
        f"docs/rules is stale ({', '.join(stale)}): run `python -m awaitify.rules.gen_docs`"
    )
