"""``awaitify migrate``: convert code to async; a dry-run diff unless ``--apply``."""

from __future__ import annotations

import argparse

from awaitify.commands.common import config_from_args, emit, scan_options, warn
from awaitify.migrate.report import render_json, render_text
from awaitify.migrate.run import migrate


def run(args: argparse.Namespace) -> int:
    # the config comes from --root, or else from where the selectors are (as for scan PATHS)
    paths = [args.root] if args.root else [s.partition("::")[0] for s in args.selectors] or ["."]
    config = config_from_args(args, paths)
    result = migrate(
        args.selectors,
        layer=args.layer,
        rule=args.rule,
        root=args.root,
        config=config,
        apply=args.apply,
        allow_dirty=args.allow_dirty,
        options=scan_options(args, "migrating"),
    )
    for note in result.notes:
        warn(note)
    emit(render_json(result) if args.format == "json" else render_text(result), None)
    return 1 if result.refused else 0
