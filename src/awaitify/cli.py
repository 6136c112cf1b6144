"""Command line: argv → options → one command module → exit code.

Every command lives in ``awaitify.commands.<name>`` with ``run(args) -> int``; this module
only parses arguments and turns user errors into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from awaitify import __version__
from awaitify.errors import UsageError

SCAN_FORMATS = ("text", "json", "markdown", "sarif", "github", "html")


def _terminal_width() -> int:
    """What ``shutil.get_terminal_size`` gives, without importing shutil (and bz2, lzma)."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    # argparse builds a formatter for every add_argument; the stock one imports shutil
    # each time it measures the terminal, several milliseconds on every run.
    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        super().__init__(
            prog,
            indent_increment,
            max_help_position,
            _terminal_width() - 2 if width is None else width,
        )


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _paths(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths", nargs="*", default=["."], metavar="PATHS", help="files or folders (default: .)"
    )
    p.add_argument("--config", metavar="FILE", help="a pyproject.toml to read [tool.awaitify] from")
    p.add_argument("--no-cache", action="store_true", help="do not read or write .awaitify/")
    p.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="worker processes (default: all cores)"
    )
    p.add_argument("--target-version", metavar="PY3X", help="py38..py314 (overrides the config)")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")


def _output(p: argparse.ArgumentParser, formats: Sequence[str], default: str = "text") -> None:
    p.add_argument(
        "--format", choices=formats, default=default, help=f"output format (default: {default})"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the report to FILE instead of stdout (- is stdout)",
    )


def _scan_command(sub: Any) -> None:
    p = sub.add_parser("scan", help="inventory and findings")
    _paths(p)
    _output(p, SCAN_FORMATS)
    p.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes")
    p.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes")
    p.add_argument("--record", action="store_true", help="store this run's summary for `history`")


def _check_command(sub: Any) -> None:
    p = sub.add_parser("check", help="CI gate: exit 1 on new findings")
    _paths(p)
    _output(p, ("text", "json", "sarif", "github"))
    p.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes")
    p.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes")
    p.add_argument("--baseline", metavar="FILE", help="only findings not in FILE fail")
    p.add_argument("--write-baseline", metavar="FILE", help="write the current findings to FILE")
    p.add_argument("--min-priority", choices=("low", "medium", "high"), default="low")
    p.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="also fail when async adoption went down against the baseline",
    )


def _syntax_command(sub: Any) -> None:
    p = sub.add_parser("syntax", help="Phase 1: every file that does not parse")
    _paths(p)
    _output(p, ("text", "json", "markdown"))
    p.add_argument("--blame", action="store_true", help="find the commit that broke each file")


def _plan_command(sub: Any) -> None:
    p = sub.add_parser("plan", help="ordered migration plan from the call graph")
    _paths(p)
    _output(p, ("text", "markdown", "json"))


def _migrate_command(sub: Any) -> None:
    p = sub.add_parser("migrate", help="convert code to async (dry run unless --apply)")
    p.add_argument("selectors", nargs="*", metavar="SELECTOR")
    p.add_argument("--layer", metavar="LAYER", help="every finding of a layer, e.g. repository")
    p.add_argument("--rule", metavar="CODE", help="every finding of a rule, e.g. ASY202")
    p.add_argument("--apply", action="store_true", help="write the changes")
    p.add_argument(
        "--allow-dirty", action="store_true", help="allow files with uncommitted changes"
    )
    p.add_argument("--format", choices=("diff", "json"), default="diff")
    p.add_argument("--config", metavar="FILE")
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--jobs", "-j", type=int, metavar="N")
    p.add_argument("--target-version", metavar="PY3X")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--root",
        metavar="DIR",
        help="the project to analyse (default: the one the selectors are in: the folder of "
        "the nearest pyproject.toml with [tool.awaitify], else the current directory)",
    )


def _rules_command(sub: Any) -> None:
    p = sub.add_parser("rules", help="list the rules, or explain one")
    p.add_argument("code", nargs="?", metavar="CODE")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def _history_command(sub: Any) -> None:
    p = sub.add_parser("history", help="metrics per recorded run or per git commit")
    p.add_argument("paths", nargs="*", default=["."], metavar="PATHS")
    p.add_argument("--git", metavar="REV-RANGE", help="one row per commit of `git rev-list RANGE`")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    p.add_argument("-o", "--output", metavar="FILE")
    p.add_argument("--config", metavar="FILE")
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--jobs", "-j", type=int, metavar="N")
    p.add_argument("--target-version", metavar="PY3X")
    p.add_argument("--no-progress", action="store_true")


_COMMANDS = {
    "scan": _scan_command,
    "check": _check_command,
    "syntax": _syntax_command,
    "plan": _plan_command,
    "migrate": _migrate_command,
    "rules": _rules_command,
    "history": _history_command,
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a ``command``, only that command's (argparse costs milliseconds
    per option, and a run needs one command)."""
    parser = _Parser(
        prog="awaitify",
        description="Take a codebase caught between sync and async all the way to async, safely.",
    )
    parser.add_argument("--version", action="version", version=f"awaitify {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, add in _COMMANDS.items():
        if command is None or name == command:
            add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    command = words[0] if words and words[0] in _COMMANDS else None
    parser = build_parser(command)
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help(sys.stderr)
            return 2
        if getattr(args, "output", None) == "-":
            args.output = None  # ``-o -``: stdout, as in most tools
        module = importlib.import_module(f"awaitify.commands.{args.command}")
        code: int = module.run(args)
        return code
    except UsageError as exc:
        print(f"awaitify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("awaitify: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def entry() -> NoReturn:
    """The ``awaitify`` console script and ``python -m awaitify``: :func:`main` in a process
    that ends as soon as its output is out.

    A scan of a large codebase leaves millions of small objects behind; a final garbage
    collection and freeing them one by one at interpreter exit cost more than a second on
    7,000 files, for nothing, since the process is ending. So the collector stays off (a run
    makes next to no cyclic garbage) and, once stdout and stderr are flushed, the process
    exits at once. ``main`` itself (tests, embedding) keeps the normal behaviour.
    """
    gc.disable()
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)
