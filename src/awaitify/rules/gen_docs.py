"""Write ``docs/rules/ASYnnn.md`` for every rule, and the ``docs/rules/README.md`` index.

    python -m awaitify.rules.gen_docs [DOCS_DIR]     (default: docs/rules)
    python -m awaitify.rules.gen_docs --check        exit 1 when a page is stale

The pages are generated from the rule classes (:func:`awaitify.rules.docs.rule_markdown`),
so the docs never drift from the code; ``tests/test_registry.py`` fails when they are stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from awaitify.model import Category
from awaitify.rules.base import Rule
from awaitify.rules.docs import rule_markdown
from awaitify.rules.registry import all_rules

#: a full stop that ends a sentence: not part of "..." and not "e.g." / "i.e."
_SENTENCE_END = re.compile(r"(?<![.])(?<!e\.g)(?<!i\.e)\.(?=\s)")

_BANDS = (
    (Category.SYNTAX, "ASY0xx — syntax (Phase 1)"),
    (Category.DEFECT, "ASY1xx — defects (wrong at run time)"),
    (Category.STANDARDIZE, "ASY2xx — needs standardization (the migration's work list)"),
    (Category.ACCEPTABLE, "ASY3xx — acceptable bridges (reported, counted, never fail `check`)"),
)


def _summary(rule: type[Rule]) -> str:
    """The first sentence of the rule's "What it does", on one line, for the index."""
    text = " ".join(rule.doc().what.split())
    end = _SENTENCE_END.search(text)
    first = text if end is None else text[: end.start() + 1]
    return first.replace("|", "\\|")


def index_markdown(rules: tuple[type[Rule], ...]) -> str:
    parts = [
        "# awaitify rules",
        "",
        "Every page here is generated from the rule classes in `src/awaitify/rules/` by",
        "`python -m awaitify.rules.gen_docs`; `awaitify rules CODE` prints the same text.",
        "Do not edit these files by hand: a test fails when they differ from the code.",
    ]
    for category, title in _BANDS:
        members = [r for r in rules if r.category is category]
        if not members:
            continue
        parts += ["", f"## {title}", "", "| code | name | fix | what |", "|---|---|---|---|"]
        for r in members:
            fix = r.fix_safety or "—"
            parts.append(f"| [{r.code}]({r.code}.md) | {r.name} | {fix} | {_summary(r)} |")
    parts.append("")
    return "\n".join(parts)


def expected_pages() -> dict[str, str]:
    """File name → content of every generated page (the index included)."""
    rules = all_rules()
    pages = {f"{r.code}.md": rule_markdown(r) for r in rules}
    pages["README.md"] = index_markdown(rules)
    return pages


def stale_pages(docs_dir: Path) -> list[str]:
    """Pages that are missing, differ from the code, or belong to no rule any more."""
    pages = expected_pages()
    out = []
    for name, text in sorted(pages.items()):
        path = docs_dir / name
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != text:
            out.append(name)
    if docs_dir.is_dir():
        for path in sorted(docs_dir.glob("ASY*.md")):
            if path.name not in pages:
                out.append(path.name)
    return out


def write_pages(docs_dir: Path) -> list[str]:
    """Write every page (and delete pages of rules that no longer exist); returns changes."""
    pages = expected_pages()
    docs_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in sorted(pages.items()):
        path = docs_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    for path in sorted(docs_dir.glob("ASY*.md")):
        if path.name not in pages:
            path.unlink()
            changed.append(path.name)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    docs_dir = Path(args[0]) if args else Path("docs/rules")
    if check:
        stale = stale_pages(docs_dir)
        for name in stale:
            print(f"stale: {docs_dir / name}", file=sys.stderr)
        return 1 if stale else 0
    for name in write_pages(docs_dir):
        print(f"wrote {docs_dir / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
