"""``awaitify rules [CODE]``: the catalogue, or one rule's docs (generated from the rule)."""

from __future__ import annotations

import argparse
import json

from awaitify.commands.common import emit
from awaitify.errors import UsageError
from awaitify.rules.docs import rule_markdown, rule_text
from awaitify.rules.registry import all_rules, rule_by_code


def run(args: argparse.Namespace) -> int:
    if args.code:
        rule = rule_by_code(args.code.upper())
        if rule is None:
            raise UsageError(f"unknown rule code {args.code!r} (see `awaitify rules`)")
        if args.format == "json":
            doc = rule.doc()
            emit(
                json.dumps(
                    {
                        "code": rule.code,
                        "name": rule.name,
                        "category": rule.category.value,
                        "what": doc.what,
                        "why": doc.why,
                        "bad": doc.bad,
                        "good": doc.good,
                        "fix": doc.fix,
                        "fix_safety": rule.fix_safety,
                    },
                    indent=2,
                ),
                None,
            )
        elif args.format == "markdown":
            emit(rule_markdown(rule), None)
        else:
            emit(rule_text(rule), None)
        return 0
    rules = all_rules()
    if args.format == "json":
        emit(
            json.dumps(
                [{"code": r.code, "name": r.name, "category": r.category.value} for r in rules],
                indent=2,
            ),
            None,
        )
        return 0
    width = max(len(r.name) for r in rules)
    lines = [f"{r.code}  {r.name.ljust(width)}  {r.category.value}" for r in rules]
    emit("\n".join(lines) + "\n", None)
    return 0
