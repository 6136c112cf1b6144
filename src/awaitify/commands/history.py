"""``awaitify history [--git RANGE]``: the §5 metrics per recorded run or per commit."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

from awaitify.commands.common import config_from_args, emit, scan_options, show_progress, warn
from awaitify.history import Run, git_history, load_runs
from awaitify.model import Priority


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.git is not None:
        options = scan_options(args)
        options.progress = None  # history --git draws its own bar (commits and blobs)
        bar = _Bar() if show_progress(args) else None
        try:
            found = git_history(args.paths, args.git, config, options, bar)
        finally:
            if bar:
                bar.stop()
        runs, notes = found.runs, found.notes
        if not runs:
            notes = [*notes, f"--git {args.git}: no commits in that range"]
    else:
        runs, notes = load_runs(config)
        if not runs and args.format == "text":
            notes = [*notes, "no recorded runs yet: record one with `awaitify scan --record`, "
                     "or compute past commits with `awaitify history --git RANGE`"]  # fmt: skip
    for note in notes:
        warn(note)
    renderer = {"json": render_json, "csv": render_csv}.get(args.format, render_text)
    emit(renderer(runs), args.output)
    return 0


# -- writers ---------------------------------------------------------------------------------
def render_json(runs: Sequence[Run]) -> str:
    doc = {"schema": 1, "runs": [r.to_json() for r in runs]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_FIXED = (
    "files", "files_with_syntax_errors", "lines", "async_functions", "sync_functions",
    "asyncio_run_calls", "bridges", "mixed_files", "mixed_classes",
)  # fmt: skip


def csv_rows(runs: Sequence[Run]) -> list[list[str]]:
    """Header and one row per run; rules and layers seen in any run get a column each."""
    codes = sorted({c for r in runs for c in r.summary.findings_by_code})
    layers = sorted({name for r in runs for name in r.summary.by_layer})
    header = ["commit", "date", "subject", *_FIXED]
    header += [f"priority_{p.value}" for p in Priority]
    header += codes
    header += [f"{name}.{col}" for name in layers for col in ("files", "async", "sync")]
    rows = [header]
    for r in runs:
        s = r.summary.to_json()
        row = [r.commit or "", r.date, r.subject or "", *(str(s[k]) for k in _FIXED)]
        row += [str(s["findings_by_priority"][p.value]) for p in Priority]
        row += [str(r.summary.findings_by_code.get(c, 0)) for c in codes]
        for name in layers:
            st = r.summary.by_layer.get(name)
            row += (
                [str(st.files), str(st.async_functions), str(st.sync_functions)]
                if st
                else ["0"] * 3
            )
        rows.append(row)
    return rows


def render_csv(runs: Sequence[Run]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(csv_rows(runs))
    return buf.getvalue()


def _pct(run: Run) -> str:
    share = run.async_share
    return "-" if share is None else f"{100 * share:.0f} %"


def _signed(n: int) -> str:
    return f"+{n:,}" if n > 0 else f"{n:,}"


def render_text(runs: Sequence[Run]) -> str:
    if not runs:
        return ""
    header = ("date", "commit", "files", "broken", "async", "sync", "async %", "bridges",
              "mixed files", "mixed classes", "high", "medium", "low", "subject")  # fmt: skip
    rows: list[tuple[str, ...]] = [header]
    for r in runs:
        s = r.summary
        p = s.findings_by_priority
        subject = r.subject or ""
        rows.append((
            r.date[:16].replace("T", " "), r.commit[:10] if r.commit else "-", f"{s.files:,}",
            f"{s.files_with_syntax_errors:,}", f"{s.async_functions:,}", f"{s.sync_functions:,}",
            _pct(r), f"{s.bridges:,}", f"{s.mixed_files:,}", f"{s.mixed_classes:,}",
            f"{p.get('high', 0):,}", f"{p.get('medium', 0):,}", f"{p.get('low', 0):,}",
            subject if len(subject) <= 50 else subject[:49] + "…",
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    left = {0, 1, len(header) - 1}
    lines = []
    for row in rows:
        cells = [
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    if len(runs) > 1:
        first, last = runs[0].summary, runs[-1].summary
        changes = [
            ("async functions", last.async_functions - first.async_functions),
            ("sync functions", last.sync_functions - first.sync_functions),
            (
                "files with syntax errors",
                last.files_with_syntax_errors - first.files_with_syntax_errors,
            ),
            ("bridges", last.bridges - first.bridges),
            ("mixed files", last.mixed_files - first.mixed_files),
        ]
        lines += [
            "",
            f"From first to last ({len(runs)} runs): async share {_pct(runs[0])} → {_pct(runs[-1])}; "
            + ", ".join(f"{name} {_signed(n)}" for name, n in changes),
        ]
    return "\n".join(lines) + "\n"


# -- progress --------------------------------------------------------------------------------
class _Bar:
    """One rich display on stderr: commits done, and the blobs being parsed."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.progress = Progress(
            "[bold]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.commits: Any = None
        self.blobs: Any = None
        self.started = False

    def start(self, commits: int) -> None:
        if commits < 2:
            return
        self.progress.start()
        self.started = True
        self.commits = self.progress.add_task("commits", total=commits)

    def commit_done(self) -> None:
        if self.commits is not None:
            self.progress.advance(self.commits)
        if self.blobs is not None:
            self.progress.remove_task(self.blobs)
            self.blobs = None

    def parsing(self, blobs: int) -> Callable[[int], None]:
        if blobs < 50:
            return lambda n: None
        if not self.started:
            self.progress.start()
            self.started = True
        self.blobs = self.progress.add_task("parsing files", total=blobs)
        task = self.blobs
        return lambda n: self.progress.advance(task, n)

    def stop(self) -> None:
        if self.started:
            self.progress.stop()
            self.started = False
