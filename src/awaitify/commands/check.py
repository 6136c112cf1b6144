"""``awaitify check``: the CI gate. Exit 0 clean, 1 new findings (or adoption went down), 2 usage.

The gate itself is :mod:`awaitify.baseline` (pure); this module reads and writes the files.
"""

from __future__ import annotations

import argparse
import os
import sys

from awaitify.api import scan
from awaitify.baseline import Baseline, Entry, evaluate, from_result, loads, path_key
from awaitify.commands.common import config_from_args, emit, scan_options, warn
from awaitify.errors import UsageError
from awaitify.model import Priority
from awaitify.report.check_report import render, verdict
from awaitify.report.metrics import rule_active


def read_baseline(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError as exc:
        raise UsageError(
            f"--baseline: {path}: no such file (create it with --write-baseline)"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--baseline: cannot read {path}: {exc}") from exc
    return loads(text, path)


def write_baseline(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as fh:
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"--write-baseline: cannot write {path}: {exc.strerror}") from exc


def run(args: argparse.Namespace) -> int:
    if args.baseline and args.write_baseline:
        raise UsageError("use either --baseline (compare) or --write-baseline (record), not both")
    if args.fail_on_regression and not args.baseline:
        raise UsageError("--fail-on-regression compares against a baseline: add --baseline FILE")
    baseline = read_baseline(args.baseline) if args.baseline else None  # fail before scanning
    config = config_from_args(args)
    result = scan(args.paths, config, scan_options(args, "checking"))
    for note in result.notes:
        warn(note)

    if args.write_baseline:
        from awaitify.baseline import dumps

        base_dir = os.path.dirname(os.path.abspath(args.write_baseline))
        written = from_result(result, base_dir)
        write_baseline(args.write_baseline, dumps(written))
        print(
            f"awaitify: wrote {written.findings:,} findings ({len(written.entries):,} entries)"
            f" to {args.write_baseline}",
            file=sys.stderr,
        )
        return 0

    base_dir = os.path.dirname(os.path.abspath(args.baseline)) if args.baseline else result.root
    scanned = {path_key(row.path, result.root, base_dir) for row in result.files}

    def in_scope(entry: Entry) -> bool:
        # only what this run could have found again is stale: a scanned (or deleted) file,
        # a rule that ran
        if not rule_active(entry.code, config.select, config.ignore):
            return False
        return entry.path in scanned or not os.path.exists(os.path.join(base_dir, entry.path))

    outcome = evaluate(
        result,
        baseline,
        explicit=config.select,
        min_priority=Priority(args.min_priority),
        base_dir=base_dir,
        in_scope=in_scope,
        fail_on_regression=args.fail_on_regression,
        baseline_path=args.baseline,
    )
    emit(render(outcome, args.format), args.output)
    if args.format != "text" or args.output:
        print(verdict(outcome), file=sys.stderr)
    return outcome.exit_code
