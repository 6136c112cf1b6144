"""What the commands share: config from arguments, the progress bar, writing the output."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from awaitify.api import ScanOptions
from awaitify.config import Config, load_config, parse_target
from awaitify.errors import UsageError


def split_codes(value: str | None, option: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for code in codes:
        if not code.startswith("ASY") or (not code[3:].isdigit() and code != "ASY"):
            raise UsageError(f"{option}: {code!r} is not a rule code or prefix (e.g. ASY1, ASY201)")
    return codes


def config_from_args(args: argparse.Namespace, paths: list[str] | None = None) -> Config:
    paths = paths if paths is not None else list(getattr(args, "paths", None) or ["."])
    for p in paths:
        if not os.path.lexists(p):
            raise UsageError(f"{p}: no such file or directory")
    config_file = getattr(args, "config", None)
    if config_file and not os.path.isfile(config_file):
        raise UsageError(f"--config: {config_file}: no such file")
    config = load_config([Path(p) for p in paths], Path(config_file) if config_file else None)
    overrides: dict[str, object] = {}
    target = getattr(args, "target_version", None)
    if target:
        overrides["target_version"] = parse_target(target, "--target-version")
    select = split_codes(getattr(args, "select", None), "--select")
    ignore = split_codes(getattr(args, "ignore", None), "--ignore")
    if select is not None:
        overrides["select"] = select
    if ignore is not None:
        overrides["ignore"] = tuple(dict.fromkeys((*config.ignore, *ignore)))
    return config.with_overrides(**overrides)


def show_progress(args: argparse.Namespace) -> bool:
    if getattr(args, "no_progress", False) or os.environ.get("CI"):
        return False
    return sys.stderr.isatty()


def progress_factory(label: str) -> Callable[[int], Callable[[int], None]]:
    """A rich progress bar on stderr; only ever used on a terminal."""

    def start(total: int) -> Callable[[int], None]:
        if total < 200:
            return lambda n: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        progress = Progress(
            f"[bold]{label}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        progress.start()
        task = progress.add_task(label, total=total)
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            progress.advance(task, n)
            if done[0] >= total:
                progress.stop()

        return advance

    return start


def scan_options(args: argparse.Namespace, label: str = "analysing") -> ScanOptions:
    jobs = getattr(args, "jobs", None)
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    return ScanOptions(
        use_cache=not getattr(args, "no_cache", False),
        jobs=jobs,
        progress=progress_factory(label) if show_progress(args) else None,
    )


def emit(text: str, output: str | None) -> None:
    """Write a report to ``output`` (a file) or stdout."""
    if output:
        try:
            # a file name that is no UTF-8 shows as ``b\udce9d.py`` (its text is escaped)
            Path(output).write_text(text, encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from exc
        return
    sys.stdout.write(text)
    if text and not text.endswith("\n"):
        sys.stdout.write("\n")
    sys.stdout.flush()


def warn(message: str) -> None:
    print(f"awaitify: warning: {message}", file=sys.stderr)
