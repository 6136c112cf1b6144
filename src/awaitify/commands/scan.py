"""``awaitify scan``: inventory + findings in any format."""

from __future__ import annotations

import argparse
import sys

from awaitify.api import scan
from awaitify.commands.common import config_from_args, emit, scan_options, warn
from awaitify.errors import UsageError
from awaitify.report import render


def run(args: argparse.Namespace) -> int:
    if args.record and args.no_cache:
        raise UsageError("--record stores the run in .awaitify/, which --no-cache keeps shut")
    config = config_from_args(args)
    result = scan(args.paths, config, scan_options(args))
    for note in result.notes:
        warn(note)
    if args.format in ("markdown", "html"):
        from awaitify.api import plan
        from awaitify.history import load_trend
        from awaitify.report.metrics import with_trend

        # the guide's "Next steps" are the head of the migration plan
        result = result._replace(plan=plan(args.paths, config, scan_options(args)).model_steps())
        result = with_trend(result, load_trend(config))  # before recording: no double count
    if args.record:
        from awaitify.history import record_run

        for warning in record_run(config, result):
            warn(warning)
    emit(
        render(args.format, result, color=args.output is None and sys.stdout.isatty()), args.output
    )
    return 0
