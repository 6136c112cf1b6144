"""Rule documentation rendered from the rule classes (terminal text and docs/rules/*.md)."""

from __future__ import annotations

from awaitify.rules.base import Rule


def rule_markdown(rule: type[Rule]) -> str:
    doc = rule.doc()
    parts = [
        f"# {rule.code} {rule.name}",
        "",
        f"Category: **{rule.category.value}**"
        + (f" · Fix: **{rule.fix_safety}**" if rule.fix_safety else ""),
        "",
        "## What it does",
        "",
        doc.what,
        "",
        "## Why is this bad?",
        "",
        doc.why,
        "",
        "## Example",
        "",
        "```python",
        doc.bad.rstrip(),
        "```",
        "",
        "Use instead:",
        "",
        "```python",
        doc.good.rstrip(),
        "```",
    ]
    if doc.fix:
        parts += ["", "## Fix", "", doc.fix]
    if doc.options:
        parts += ["", "## Options", "", doc.options]
    parts += ["", "*Generated from the rule class by `python -m awaitify.rules.gen_docs`.*", ""]
    return "\n".join(parts)


def rule_text(rule: type[Rule]) -> str:
    doc = rule.doc()
    indent = "    "
    parts = [
        f"{rule.code} {rule.name} ({rule.category.value})",
        "",
        "What it does:",
        *(indent + ln for ln in doc.what.splitlines()),
        "",
        "Why is this bad?",
        *(indent + ln for ln in doc.why.splitlines()),
        "",
        "Example:",
        *(indent + ln for ln in doc.bad.rstrip().splitlines()),
        "",
        "Use instead:",
        *(indent + ln for ln in doc.good.rstrip().splitlines()),
    ]
    if doc.fix:
        parts += ["", "Fix:", *(indent + ln for ln in doc.fix.splitlines())]
    if doc.options:
        parts += ["", "Options:", *(indent + ln for ln in doc.options.splitlines())]
    return "\n".join(parts) + "\n"
