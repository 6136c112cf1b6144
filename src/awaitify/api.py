"""The library API. Functions here return results and never print.

    from awaitify.api import scan
    result = scan(["src"])
    result.summary.async_functions
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from awaitify import __version__
from awaitify.config import Config, load_config
from awaitify.engine.cache import Cache, open_cache
from awaitify.engine.discover import Discovery, SourceFile, discover
from awaitify.engine.runner import Analysed, run_files, split_by_stat
from awaitify.model import Result

ProgressFactory = Callable[[int], Callable[[int], None]]
_RESULT_FORMAT = 1


@dataclass
class ScanOptions:
    use_cache: bool = True
    jobs: int | None = None
    progress: ProgressFactory | None = None  # called with the number of files to analyse
    cwd: str | None = None
    extra_notes: list[str] = field(default_factory=list)


def resolve_config(paths: Sequence[str | Path], config: Config | None = None) -> Config:
    return config if config is not None else load_config([Path(p) for p in paths])


def _result_key(config: Config, cwd: str, files: Sequence[SourceFile], digests: dict[str, bytes]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}\0{_RESULT_FORMAT}\0{config.digest()}\0{cwd}\0".encode())
    for f in files:
        h.update(f.display.encode())
        h.update(b"\0")
        h.update(digests.get(f.abspath, b"-"))
    return h.digest()


def analyse_files(
    config: Config, files: Sequence[SourceFile], cache: Cache, options: ScanOptions
) -> list[Analysed]:
    """The per-file phase for ``files`` (exposed for ``history`` and ``migrate``)."""
    progress = options.progress(len(files)) if options.progress else None
    return run_files(files, cache, config.target_version, options.jobs, progress)


def project_result(
    config: Config, analysed: Sequence[Analysed], cwd: str, notes: Sequence[str] = ()
) -> Result:
    """The project phase: project view → rules → findings → inventory."""
    from awaitify.analysis.findings import code_selected, to_findings
    from awaitify.analysis.inventory import build_inventory
    from awaitify.analysis.project import build_project
    from awaitify.engine.source import source_line
    from awaitify.rules.registry import all_rules

    project = build_project(
        config, [(a.source.display, a.source.abspath, a.facts, a.digest) for a in analysed]
    )
    rules = [cls() for cls in all_rules() if code_selected(cls.code, config.select, config.ignore)]
    findings = to_findings(
        project,
        rules,
        ((rule, rule.check(project)) for rule in rules),
        lambda module, line: source_line(module.abspath, line),
    )
    summary, rows = build_inventory(project, findings)
    return Result(
        root=cwd,
        summary=summary,
        files=rows,
        findings=tuple(findings),
        config_summary=config_summary(config),
        notes=tuple(notes),
    )


def config_summary(config: Config) -> tuple[tuple[str, str], ...]:
    rows = [
        ("configuration", str(config.source) if config.source else "defaults (no [tool.awaitify])"),
        ("target-version", f"py3{config.target_version[1]}" if config.target_version else "not set"),
        ("select", ", ".join(config.select) or "all rules"),
        ("ignore", ", ".join(config.ignore) or "none"),
        ("endpoints", config.endpoints),
        ("critical-domains", ", ".join(config.critical_domains)),
        ("pytest-marker", config.pytest_marker),
    ]
    if config.session_factories:
        rows.append(
            ("session-factories", ", ".join(f"{s} → {a}" for s, a in config.session_factories))
        )
    if config.blocking_apis:
        rows.append(("blocking-apis", ", ".join(config.blocking_apis)))
    if config.async_apis:
        rows.append(("async-apis", ", ".join(config.async_apis)))
    return tuple(rows)


def discover_files(paths: Sequence[str | Path], config: Config, cwd: str | None = None) -> Discovery:
    return discover([Path(p) for p in paths], config, cwd)


def scan(
    paths: Sequence[str | Path] = (".",),
    config: Config | None = None,
    options: ScanOptions | None = None,
) -> Result:
    """Inventory and findings for ``paths``. Raises ``UsageError`` for bad paths or config."""
    options = options or ScanOptions()
    config = resolve_config(paths, config)
    cwd = options.cwd or os.getcwd()
    found = discover_files(paths, config, cwd)
    cache = open_cache(config.cache_dir, options.use_cache)
    try:
        stats = cache.get_stats()
        digests, pending = split_by_stat(found.files, stats)
        if not pending:
            blob = cache.get_result(_result_key(config, cwd, found.files, digests))
            if blob is not None:
                try:
                    cached: Result = pickle.loads(blob)
                    return cached
                except Exception:  # a damaged row: compute it again
                    pass
        analysed = analyse_files(config, found.files, cache, options)
        digests = {a.source.abspath: a.digest for a in analysed}
        notes = [*found.problems, *options.extra_notes, *cache.warnings]
        result = project_result(config, analysed, cwd, notes)
        cache.put_result(
            _result_key(config, cwd, found.files, digests),
            pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL),
        )
        return result
    finally:
        cache.close()
