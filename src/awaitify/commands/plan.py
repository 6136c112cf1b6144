"""``awaitify plan``: the ordered migration plan (text, Markdown or JSON)."""

from __future__ import annotations

import argparse
import os

from awaitify.commands.common import config_from_args, emit, scan_options, warn
from awaitify.migrate.pytest_style import read_pytest_style
from awaitify.migrate.run import SourceFiles, load_project, project_findings
from awaitify.plan import build_plan, render_json, render_markdown, render_text


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    project, notes = load_project(args.paths, config, scan_options(args, "planning"), os.getcwd())
    for note in notes:
        warn(note)
    plan = build_plan(project, project_findings(project), SourceFiles(), read_pytest_style(config))
    render = {"json": render_json, "markdown": render_markdown}.get(args.format, render_text)
    emit(render(plan), args.output)
    return 0
