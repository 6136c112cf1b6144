"""``awaitify syntax``: every file that does not parse, as a :class:`SyntaxReport`. Never prints.

    from awaitify.syntax_check import check_syntax
    report = check_syntax(["src"], blame=True)
    report.files_with_errors, report.groups()

The per-file phase is the one ``scan`` runs (same discovery, same cache), without the
project phase: a file's syntax problem is part of its facts. A file that does not parse is
ASY001; one that parses with the running Python but not under ``target-version`` is ASY002
(left out when the config ignores ASY002).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from awaitify.api import ScanOptions, analyse_files, discover_files, resolve_config
from awaitify.config import Config, common_dir
from awaitify.engine.cache import Cache, open_cache
from awaitify.engine.runner import Analysed
from awaitify.syntax_report import SyntaxEntry, SyntaxReport, entry


def _entries(config: Config, analysed: Sequence[Analysed]) -> list[tuple[SyntaxEntry, str]]:
    """(entry, absolute path) of every file with a syntax problem, sorted by path."""
    target = config.target_version
    label = f"py3{target[1]}" if target else ""
    newer_wanted = not any("ASY002".startswith(code) for code in config.ignore)
    out = []
    for a in analysed:
        facts = a.facts
        problem, code = facts.syntax_error, "ASY001"
        if problem is None and newer_wanted:
            problem, code = facts.newer_syntax, "ASY002"
        if problem is None:
            continue
        e = entry(
            a.source.display, problem.line, problem.col, problem.message, problem.code_line,
            code, label,
        )  # fmt: skip
        out.append((e, a.source.abspath))
    out.sort(key=lambda pair: pair[0].path)
    return out


def _blame(
    paths: Sequence[str | Path],
    config: Config,
    cache: Cache,
    options: ScanOptions,
    found: list[tuple[SyntaxEntry, str]],
) -> tuple[list[SyntaxEntry], list[str]]:
    from awaitify.blame import BlameRequest, blame_files, repo_relpath
    from awaitify.engine.blobfacts import BlobFacts
    from awaitify.engine.git import find_repository

    entries = [e for e, _ in found]
    repo = find_repository(common_dir([Path(p) for p in paths]))
    if isinstance(repo, str):
        return entries, [f"--blame: {repo}; the errors are listed without blame"]
    with repo:
        requests = {}
        for e, abspath in found:
            rel = repo_relpath(repo, abspath)
            if rel is not None:
                requests[e.path] = BlameRequest(rel, abspath, e.line, e.code)
        blobs = BlobFacts(repo, cache, config.target_version, options.jobs)
        blames, notes = blame_files(repo, blobs, list(requests.values()))
    out = []
    for e in entries:
        request = requests.get(e.path)
        blame = blames.get(request.relpath) if request else None
        out.append(dataclasses.replace(e, blame=blame))
    return out, notes


def check_syntax(
    paths: Sequence[str | Path] = (".",),
    config: Config | None = None,
    options: ScanOptions | None = None,
    blame: bool = False,
) -> SyntaxReport:
    """Files under ``paths`` that do not parse. Raises ``UsageError`` for bad paths or config."""
    options = options or ScanOptions()
    config = resolve_config(paths, config)
    cwd = options.cwd or os.getcwd()
    found = discover_files(paths, config, cwd)
    cache = open_cache(config.cache_dir, options.use_cache)
    try:
        analysed = analyse_files(config, found.files, cache, options)
        broken = _entries(config, analysed)
        entries = [e for e, _ in broken]
        notes = [*found.problems, *options.extra_notes]
        if blame and broken:
            entries, blame_notes = _blame(paths, config, cache, options, broken)
            notes += blame_notes
        notes += cache.warnings
    finally:
        cache.close()
    return SyntaxReport(
        root=cwd,
        files_checked=len(found.files),
        errors=tuple(entries),
        blame=blame,
        notes=tuple(notes),
    )
