"""``awaitify syntax [--blame]``: Phase 1, every file that does not parse; exit 1 when any."""

from __future__ import annotations

import argparse
import sys

from awaitify.commands.common import config_from_args, emit, scan_options, warn
from awaitify.syntax_check import check_syntax
from awaitify.syntax_report import render


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    report = check_syntax(
        args.paths, config, scan_options(args, "checking syntax"), blame=args.blame
    )
    for note in report.notes:
        warn(note)
    color = args.format == "text" and args.output is None and sys.stdout.isatty()
    emit(render(args.format, report, color=color), args.output)
    return 1 if report.errors else 0
