"""``migrate``: selectors → plan → rewrite the files that change → verify → (apply).

Never prints. The facts come from the same per-file phase and cache as ``scan``; the
findings (for file, directory, ``--layer`` and ``--rule`` selectors) from the same rules.
LibCST parses only the files the plan changes. With ``apply=True`` the files are written
through :mod:`awaitify.migrate.apply` if, and only if, every check passed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from awaitify.analysis.boundaries import is_excluded
from awaitify.analysis.findings import code_selected, to_findings
from awaitify.analysis.project import Module, ProjectView, build_project
from awaitify.api import ScanOptions, analyse_files, discover_files, resolve_config
from awaitify.config import Config
from awaitify.engine.cache import open_cache
from awaitify.errors import UsageError
from awaitify.hashing import content_digest
from awaitify.migrate import apply as writer
from awaitify.migrate.model import FileChange, FileEdits, MigrationResult, Review
from awaitify.migrate.planner import Planner
from awaitify.migrate.pytest_style import read_pytest_style
from awaitify.migrate.rewrite import Rewritten, rewrite_source
from awaitify.migrate.selectors import needs_findings, parse_selector, select, validate_options
from awaitify.migrate.verify import verify
from awaitify.model import Finding
from awaitify.rules.registry import all_rules


def load_project(
    paths: str | Path | Sequence[str | Path],
    config: Config,
    options: ScanOptions,
    cwd: str,
    *,
    with_excluded: bool = False,
) -> tuple[ProjectView, list[str]]:
    """The project view of every file under ``paths`` (facts through the cache).

    ``with_excluded``: the files ``exclude`` keeps out of a scan are in it too, for the
    migration: they have no findings to fix, but their calls of a converted function are
    bridged like a boundary's (SPEC §6, "excluded path")."""
    roots = [paths] if isinstance(paths, (str, Path)) else list(paths)
    found = discover_files(roots, replace(config, exclude=()) if with_excluded else config, cwd)
    cache = open_cache(config.cache_dir, options.use_cache)
    try:
        analysed = analyse_files(config, found.files, cache, options)
        notes = [*found.problems, *cache.warnings]
    finally:
        cache.close()
    project = build_project(
        config, [(a.source.display, a.source.abspath, a.facts, a.digest) for a in analysed]
    )
    return project, notes


def project_findings(project: ProjectView) -> list[Finding]:
    from awaitify.engine.source import source_line

    config = project.config
    rules = [cls() for cls in all_rules() if code_selected(cls.code, config.select, config.ignore)]
    return to_findings(
        project,
        rules,
        ((rule, rule.check(project)) for rule in rules),
        lambda module, line: source_line(module.abspath, line),
    )


def project_root(config: Config, cwd: str) -> Path:
    """The project a migration analyses when no ``--root`` is given: the folder of the
    ``pyproject.toml`` that configured awaitify, else the current directory (callers of a
    converted function can be anywhere in the project, so a sub-folder is not enough)."""
    if config.source is not None:
        return config.root
    here = Path(cwd).resolve()
    root = config.root.resolve()
    return here if root == here or here in root.parents else root


class SourceFiles:
    """File bytes, read once, checked against the digest the facts were made from."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def __call__(self, module: Module) -> bytes:
        found = self._data.get(module.abspath)
        if found is None:
            with open(module.abspath, "rb") as fh:
                found = fh.read()
            if module.digest and content_digest(found) != module.digest:
                raise UsageError(f"{module.path} changed while awaitify was reading it: run again")
            self._data[module.abspath] = found
        return found


#: fewer files than this are rewritten in-process: forking costs more than it saves
_POOL_THRESHOLD = 4


def _rewrite_job(job: tuple[bytes, FileEdits, str, bool]) -> Rewritten:
    return rewrite_source(*job)


def rewrite_all(
    jobs: Sequence[tuple[bytes, FileEdits, str, bool]], processes: int | None = None
) -> list[Rewritten]:
    """Rewrite every file (LibCST), on every core when there are enough files."""
    workers = min(processes or os.cpu_count() or 1, len(jobs))
    if workers < 2 or len(jobs) < _POOL_THRESHOLD or not _can_fork():
        return [_rewrite_job(job) for job in jobs]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_rewrite_job, jobs, chunksize=1)


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def migrate(
    selectors: Sequence[str],
    *,
    layer: str | None = None,
    rule: str | None = None,
    root: str | Path | None = None,
    config: Config | None = None,
    apply: bool = False,
    allow_dirty: bool = False,
    options: ScanOptions | None = None,
) -> MigrationResult:
    """Plan, rewrite and check a migration; write it only with ``apply=True`` when safe.

    Raises :class:`~awaitify.errors.UsageError` for a bad selector or option.
    """
    options = options or ScanOptions()
    cwd = options.cwd or os.getcwd()
    if not selectors and layer is None and rule is None:
        raise UsageError("migrate: name what to convert (a SELECTOR, --layer or --rule)")
    if root is None:
        parsed = [parse_selector(s, cwd) for s in selectors]
        config = resolve_config([s.path for s in parsed] or [cwd], config)
        root = project_root(config, cwd)
    else:
        parsed = [parse_selector(s, cwd, str(root)) for s in selectors]
        config = resolve_config([root], config)
    if config.source is None and config.root != Path(root).resolve():
        # no pyproject.toml configures awaitify: module names and layers are relative to
        # the project analysed, not to the folder of the selected file
        config = replace(config, root=Path(root).resolve())
    validate_options(layer, rule, [r.code for r in all_rules()])
    project, notes = load_project(root, config, options, cwd, with_excluded=True)
    findings = None
    if needs_findings(parsed, layer, rule):
        excluded = {m.path for m in project.modules if is_excluded(m, config)}
        findings = [f for f in project_findings(project) if f.path not in excluded]
    selection = select(project, parsed, layer, rule, findings)
    sources = SourceFiles()
    planner = Planner(project, sources, read_pytest_style(config))
    plan = planner.run(selection.functions)
    review: list[Review] = [*selection.review, *plan.review]
    by_abspath = {m.abspath: m for m in project.modules}
    jobs: list[tuple[bytes, FileEdits, str, bool]] = []
    broken: list[str] = []
    for abspath, edits in sorted(plan.files.items(), key=lambda kv: kv[1].path):
        if not edits:
            continue
        module = by_abspath[abspath]
        if module.facts.syntax_error is not None:
            # the other files' edits count on this one's: the migration cannot go half way
            error = module.facts.syntax_error
            broken.append(
                f"{module.path}:{error.line}: the file does not parse ({error.message}): "
                "its part of the migration cannot be made; fix it first"
            )
            continue
        jobs.append((sources(module), edits, module.name, module.is_package))
    changes: list[FileChange] = []
    for (source, edits, _, _), done in zip(jobs, rewrite_all(jobs, options.jobs), strict=True):
        review.extend(done.review)
        changes.append(
            FileChange(edits.path, edits.abspath, source, done.after, done.counts, done.functions)
        )
    refused = broken or verify(project, changes, plan.converted, plan.on_loop)
    applied = False
    touched = [c for c in changes if c.changed]
    if apply and not refused and touched:
        stale = writer.stale_files(touched)
        if stale:
            refused.extend(f"{p}: changed on disk during the run" for p in stale)
        if not allow_dirty:
            dirty = writer.dirty_files([c.abspath for c in touched])
            shown = {os.path.realpath(c.abspath): c.path for c in touched}
            refused.extend(
                f"{shown.get(p, p)}: has uncommitted changes (commit or stash them, or pass "
                "--allow-dirty)"
                for p in dirty
            )
        if not refused:
            writer.write_changes(touched)
            applied = True
    review.sort(key=lambda r: (r.path, r.line, r.message))
    return MigrationResult(
        changes=tuple(changes),
        review=tuple(dict.fromkeys(review)),
        refused=tuple(refused),
        applied=applied,
        selected=len(selection.functions),
        notes=tuple(notes),
    )
