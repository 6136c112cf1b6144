"""The library API. Functions here return results and never print.

from awaitify.api import scan
result = scan(["src"])
result.summary.async_functions
"""

from __future__ import annotations

import gc
import os
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from awaitify import __version__
from awaitify.config import Config, load_config
from awaitify.engine.cache import Cache, open_cache
from awaitify.engine.discover import RACY_NS, Discovery, SourceFile, discover
from awaitify.hashing import blake2b, content_digest
from awaitify.model import Finding, Result

if TYPE_CHECKING:
    from awaitify.analysis.project import ProjectView
    from awaitify.engine.runner import Analysed
    from awaitify.engine.snapshot import Snapshot
    from awaitify.migrate.model import MigrationResult
    from awaitify.plan import Plan

ProgressFactory = Callable[[int], Callable[[int], None]]
_RESULT_FORMAT = 1
#: The version of what the project phase makes of the facts (resolution, rules): part of
#: the keys of stored results and call graphs, so that a cache written by an older
#: analysis is never served by a newer one of the same release (facts have
#: ``FACTS_VERSION``). Bump it with any change to what a scan reports.
ANALYSIS_VERSION = 15
#: At most this many changed files are hashed before deciding whether the stored result
#: still holds (an edit that was undone, a ``touch``); more means real work anyway.
_HASH_FIRST = 64


@dataclass
class ScanOptions:
    use_cache: bool = True
    jobs: int | None = None
    progress: ProgressFactory | None = None  # called with the number of files to analyse
    cwd: str | None = None
    extra_notes: list[str] = field(default_factory=list)


class Previous(NamedTuple):
    """The stored result of the last scan, and the content hash of each file it saw (by
    display path): what an incremental project phase starts from."""

    result: Result
    digests: dict[str, bytes]


def resolve_config(paths: Sequence[str | Path], config: Config | None = None) -> Config:
    return config if config is not None else load_config([Path(p) for p in paths])


@lru_cache(maxsize=1)
def _model_shape() -> str:
    """Every model record with its fields: a stored result is only read back by the same
    shape (records are rebuilt from their values, see :func:`_dump_result`)."""
    from awaitify import model

    return ";".join(
        f"{name}({','.join(value._fields)})"
        for name, value in sorted(vars(model).items())
        if isinstance(value, type) and issubclass(value, tuple) and hasattr(value, "_fields")
    )


def _result_key(config: Config, cwd: str, entries: Sequence[tuple[str, bytes]]) -> bytes:
    """``entries``: (display path, content hash) of every file, in display order."""
    h = blake2b(digest_size=16)
    h.update(f"{__version__}\0{ANALYSIS_VERSION}\0{_RESULT_FORMAT}\0{_model_shape()}\0".encode())
    h.update(f"{config.digest()}\0{cwd}\0".encode(errors="surrogateescape"))
    for display, digest in entries:
        h.update(display.encode(errors="surrogateescape"))
        h.update(b"\0")
        h.update(digest or b"-")
    return h.digest()


def analyse_files(
    config: Config, files: Sequence[SourceFile], cache: Cache, options: ScanOptions
) -> list[Analysed]:
    """The per-file phase for ``files`` (exposed for ``history`` and ``migrate``)."""
    progress = options.progress(len(files)) if options.progress else None
    from awaitify.engine.runner import run_files

    return run_files(files, cache, config.target_version, options.jobs, progress)


def _graph_key(config: Config, cwd: str) -> bytes:
    return blake2b(
        f"graph\0{__version__}\0{ANALYSIS_VERSION}\0{config.digest()}\0{cwd}".encode(
            errors="surrogateescape"
        ),
        digest_size=16,
    ).digest()


def project_result(
    config: Config,
    analysed: Sequence[Analysed],
    cwd: str,
    notes: Sequence[str] = (),
    cache: Cache | None = None,
    graph_memo: dict[str, bytes] | None = None,
    previous: Previous | None = None,
) -> Result:
    """The project phase: project view → rules → findings → inventory.

    With a ``cache`` (or, across the commits of one ``history`` run, a ``graph_memo``), the
    call graph of the previous run is reused for every module whose import closure did not
    change, and this run's graph is kept for the next one. With the ``previous`` result of
    the same files, the rules that follow imports check only the changed modules and the
    modules that import them, directly or not; their other findings are the previous ones."""
    from awaitify.analysis.findings import code_selected, to_findings
    from awaitify.analysis.inventory import build_inventory
    from awaitify.analysis.project import build_project
    from awaitify.engine.source import source_line
    from awaitify.rules.registry import all_rules

    project = build_project(
        config, [(a.source.display, a.source.abspath, a.facts, a.digest) for a in analysed]
    )
    if graph_memo is not None:  # consecutive commits of ``history --git``
        project.previous_graph = graph_memo.get("graph")
    elif cache is not None and cache.enabled:
        project.previous_graph = cache.get_result(_graph_key(config, cwd))
    rules = [cls() for cls in all_rules() if code_selected(cls.code, config.select, config.ignore)]
    kept: list[Finding] = []
    if previous is not None:
        focus = _focus(project, previous)
        if focus is not None:
            project.focus = focus
            following = {rule.code for rule in rules if rule.follows_imports}
            checked = {m.path for m in project.modules if id(m) in focus}
            kept = [
                f for f in previous.result.findings if f.code in following and f.path not in checked
            ]
    findings = to_findings(
        project,
        rules,
        ((rule, rule.check(project)) for rule in rules),
        lambda module, line: source_line(module.abspath, line),
        kept,
    )
    if "graph" in vars(project):  # only when a rule needed the call graph
        if graph_memo is not None:
            graph_memo["graph"] = project.graph.snapshot()
        elif cache is not None and cache.enabled:
            cache.put_result(_graph_key(config, cwd), project.graph.snapshot())
    summary, rows = build_inventory(project, findings)
    return Result(
        root=cwd,
        summary=summary,
        files=rows,
        findings=tuple(findings),
        config_summary=config_summary(config),
        notes=tuple(notes),
        project=config.root.name,
    )


def _focus(project: ProjectView, previous: Previous) -> frozenset[int] | None:
    """ids of the modules changed since ``previous`` and of every module that imports one,
    directly or not; None when the previous run saw other files (imports may then resolve
    differently) or when every module is in it anyway."""
    digests = previous.digests
    modules = project.modules
    if len(digests) != len(modules) or any(m.path not in digests for m in modules):
        return None
    changed = [m for m in modules if not m.digest or digests[m.path] != m.digest]
    focus = project.graph.dependents(changed)
    return frozenset(focus) if len(focus) < len(modules) else None


def config_summary(config: Config) -> tuple[tuple[str, str], ...]:
    rows = [
        ("configuration", str(config.source) if config.source else "defaults (no [tool.awaitify])"),
        (
            "target-version",
            f"py3{config.target_version[1]}" if config.target_version else "not set",
        ),
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
    b = config.boundaries
    rows.append(("task decorators", ", ".join(("celery tasks", *b.task_decorators))))
    rows.append(("adapter classes", ", ".join(b.adapter_classes)))
    rows.append(
        ("entry points", ", ".join(("__main__ blocks", "click/typer commands", *b.entry_points)))
    )
    if b.sync_hooks:
        rows.append(("sync hooks", ", ".join(b.sync_hooks)))
    for layer, globs in config.layers:
        rows.append((f"layer {layer}", ", ".join(globs)))
    for glob, codes in config.per_file_ignores:
        rows.append((f"per-file-ignores {glob}", ", ".join(codes)))
    if config.blocking_apis:
        rows.append(("blocking-apis", ", ".join(config.blocking_apis)))
    if config.async_apis:
        rows.append(("async-apis", ", ".join(config.async_apis)))
    return tuple(rows)


def discover_files(
    paths: Sequence[str | Path], config: Config, cwd: str | None = None
) -> Discovery:
    return discover([Path(p) for p in paths], config, cwd)


def scan(
    paths: Sequence[str | Path] = (".",),
    config: Config | None = None,
    options: ScanOptions | None = None,
) -> Result:
    """Inventory and findings for ``paths``. Raises ``UsageError`` for bad paths or config.

    Cheapest first: when the snapshot of the last scan of these paths still holds and no
    file changed, the stored result is returned without walking the tree, reading a file or
    running the project phase; when only a few files changed they are hashed first, and an
    edit that was undone still finds its stored result.
    """
    options = options or ScanOptions()
    config = resolve_config(paths, config)
    cwd = options.cwd or os.getcwd()
    started = time.time_ns()
    cache = open_cache(config.cache_dir, options.use_cache)
    collecting = gc.isenabled()
    gc.disable()  # facts are millions of tuples and no cycles: collecting only costs time
    try:
        return _scan(paths, config, cwd, cache, options, started)
    finally:
        if collecting:
            gc.enable()
        cache.close()


def _scan(
    paths: Sequence[str | Path],
    config: Config,
    cwd: str,
    cache: Cache,
    options: ScanOptions,
    started: int,
) -> Result:
    from awaitify.engine.snapshot import check_rows, load_snapshot, save_snapshot, snapshot_key

    skey = snapshot_key(config, cwd, paths) if cache.enabled else b""
    snap = load_snapshot(cache, skey, config) if cache.enabled else None
    seen: Discovery | Snapshot
    if snap is not None:  # the tree holds the same files: no walk, no stat index
        pairs = [(r[0], r[1]) for r in snap.rows]
        digests, pending = check_rows(snap.rows)
        seen = snap
    else:
        found = discover_files(paths, config, cwd)
        pairs = [(f.abspath, f.display) for f in found.files]
        stats = cache.get_stats()
        from awaitify.engine.runner import split_by_stat

        digests, pending = split_by_stat(found.files, stats)
        seen = found
    fresh: dict[str, tuple[int, int, int, bytes]] = {}
    # a copy of the stat index: ``stats`` is updated with this run's hashes below
    known_before = snap.stats() if snap is not None else dict(stats)
    previous: Previous | None = None
    looked_up = False  # for ``previous``: not looked up twice when it is not stored
    if cache.enabled and len(pending) <= _HASH_FIRST:
        # a few edited (or only touched) files: hash them, the result may be stored already
        for path in pending:
            got = _stat_and_hash(path)
            if got is not None:
                fresh[path] = got
                digests[path] = got[3]
        pending = [p for p in pending if p not in fresh]
        if not pending:
            entries = [(display, digests[path]) for path, display in pairs]
            blob = cache.get_result(_result_key(config, cwd, entries))
            cached = _load_result(blob) if blob is not None else None
            if cached is not None:
                if fresh or snap is None or snap.refreshed:
                    stats = snap.stats() if snap is not None else stats
                    stats.update(fresh)
                    save_snapshot(cache, skey, pairs, stats, seen, started - RACY_NS)
                return cached._replace(
                    notes=(*seen.problems, *options.extra_notes, *cache.warnings)
                )
            previous = _previous(config, cwd, cache, pairs, known_before)
            looked_up = True
            patched = _unchanged_facts_result(config, cache, pairs, digests, fresh, previous)
            if patched is not None:
                stats = dict(known_before)
                stats.update(fresh)
                cache.put_result(_result_key(config, cwd, entries), _dump_result(patched))
                save_snapshot(cache, skey, pairs, stats, seen, started - RACY_NS)
                cache.put_stats((path, *st) for path, st in fresh.items())
                return patched._replace(
                    notes=(*seen.problems, *options.extra_notes, *cache.warnings)
                )
    if snap is not None:
        files = snap.files()
        stats = snap.stats()
    else:
        files = found.files
    stats.update(fresh)
    progress = options.progress(len(pending)) if options.progress and pending else None
    stats_out: dict[str, tuple[int, int, int, bytes]] = {}
    from awaitify.engine.runner import run_files  # the per-file phase: not on the warm path

    analysed = run_files(
        files,
        cache,
        config.target_version,
        options.jobs,
        progress,
        stats=stats,
        known=(digests, pending),
        stats_out=stats_out,
        started_ns=started,
    )
    notes = [*seen.problems, *options.extra_notes]
    if not looked_up and cache.enabled and len(pending) <= _HASH_FIRST:
        previous = _previous(config, cwd, cache, pairs, known_before)
    result = project_result(config, analysed, cwd, (), cache, previous=previous)
    entries = [(a.source.display, a.digest) for a in analysed]
    cache.put_result(_result_key(config, cwd, entries), _dump_result(result))
    save_snapshot(cache, skey, pairs, stats_out, seen, started - RACY_NS)
    cache.flush()  # the facts written during the project phase: their warnings, if any
    return result._replace(notes=(*notes, *cache.warnings))


def _previous(
    config: Config,
    cwd: str,
    cache: Cache,
    pairs: Sequence[tuple[str, str]],
    before: dict[str, tuple[int, int, int, bytes]],
) -> Previous | None:
    """The stored result of the files as ``before`` (path → stat and hash) saw them."""
    if any(path not in before for path, _ in pairs):
        return None
    entries = [(display, before[path][3]) for path, display in pairs]
    blob = cache.get_result(_result_key(config, cwd, entries))
    result = _load_result(blob) if blob is not None else None
    return Previous(result, dict(entries)) if result is not None else None


def _unchanged_facts_result(
    config: Config,
    cache: Cache,
    pairs: Sequence[tuple[str, str]],
    digests: dict[str, bytes],
    fresh: dict[str, tuple[int, int, int, bytes]],
    previous: Previous | None,
) -> Result | None:
    """Early cutoff: when every edited file has the same facts as before (a comment, an edit
    inside a string: nothing the analysis reads changed), the previous result still holds
    but for the edited files' line counts and the fingerprints of their findings (a
    fingerprint hashes the text of the finding's line). The same holds when the facts only
    moved to other lines, in order (lines inserted or removed around them: a comment block,
    blank lines, a longer docstring); the findings of that file then move with them (see
    :mod:`awaitify.analysis.renumber`). None otherwise."""
    from awaitify.analysis.facts import dump_facts, load_facts
    from awaitify.analysis.findings import fingerprint
    from awaitify.analysis.renumber import line_mapping
    from awaitify.engine.parse import facts_from_bytes
    from awaitify.engine.runner import facts_key, facts_salt
    from awaitify.engine.source import source_line

    if not fresh or previous is None:
        return None
    display_of = dict(pairs)
    salt = facts_salt(config.target_version)
    # by path: two edited files may have had the same content (and so the same key)
    old_keys = {
        path: facts_key(previous.digests[display_of[path]], salt)
        for path in fresh
        if previous.digests[display_of[path]] != digests[path]  # not only touched: edited
    }
    old_blobs = cache.get_facts(set(old_keys.values()))
    lines: dict[str, int] = {}  # display path -> new line count
    moved: dict[str, dict[int, int]] = {}  # display path -> old line -> new line
    new_facts: list[tuple[bytes, bytes]] = []
    same = True
    for path, key in old_keys.items():
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        if content_digest(data) != digests[path]:
            return None  # changed again since it was hashed
        facts = facts_from_bytes(data, config.target_version)
        # stored either way: when the facts did change, the full run finds them by hash
        new_facts.append((facts_key(digests[path], salt), dump_facts(facts)))
        if key not in old_blobs:
            same = False
            continue
        old = load_facts(old_blobs[key])
        if facts._replace(lines=0) != old._replace(lines=0):
            mapping = line_mapping(old, facts)
            if mapping is None:
                same = False
                continue
            moved[display_of[path]] = mapping
        lines[display_of[path]] = facts.lines
    cache.put_facts(new_facts)
    if not same:
        return None
    last = previous.result
    abspath_of = {display: path for path, display in pairs}
    root = str(config.root)
    findings: list[Finding] = []
    for f in last.findings:
        if f.path in moved:
            mapping = moved[f.path]
            if f.line not in mapping or f.end_line not in mapping:
                return None  # a line the facts do not hold: recompute rather than guess
            f = f._replace(line=mapping[f.line], end_line=mapping[f.end_line])
        if f.path in lines and f.path in abspath_of:
            f = f._replace(
                fingerprint=fingerprint(
                    f.code,
                    os.path.relpath(abspath_of[f.path], root).replace(os.sep, "/"),
                    f.symbol,
                    source_line(abspath_of[f.path], f.line),
                )
            )
        findings.append(f)
    files = tuple(
        row._replace(lines=lines[row.path]) if row.path in lines else row for row in last.files
    )
    summary = last.summary._replace(lines=sum(row.lines for row in files))
    return last._replace(files=files, findings=tuple(findings), summary=summary)


def _stat_and_hash(path: str) -> tuple[int, int, int, bytes] | None:
    """(size, mtime_ns, inode, content hash) of one file; None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, content_digest(data))


def _dump_result(result: Result) -> bytes:
    """Pickle with every model record reduced to ``tuple.__new__(cls, values)``: loading then
    builds each record in C, where a NamedTuple's own ``__new__`` is a Python call per row
    (thousands of rows on every warm run)."""
    import copyreg
    import io

    from awaitify import model

    def reducer(obj: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        return tuple.__new__, (type(obj), tuple(obj))

    table = dict(copyreg.dispatch_table)
    for value in vars(model).values():
        if isinstance(value, type) and issubclass(value, tuple) and hasattr(value, "_fields"):
            table[value] = reducer
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = table
    pickler.dump(result._replace(notes=()))
    return buf.getvalue()


def _load_result(blob: bytes) -> Result | None:
    try:
        loaded = pickle.loads(blob)
    except Exception:  # a damaged row, or one from another version of the model: recompute
        return None
    return loaded if isinstance(loaded, Result) else None


def plan(
    paths: Sequence[str | Path] = (".",),
    config: Config | None = None,
    options: ScanOptions | None = None,
) -> Plan:
    """The ordered migration plan for ``paths`` (see :mod:`awaitify.plan`)."""
    from awaitify.plan import plan_paths

    return plan_paths(paths, config, options)


def migrate(selectors: Sequence[str], **kwargs: Any) -> MigrationResult:
    """Plan, rewrite and check a migration; writes only with ``apply=True`` when every check
    passes (see :func:`awaitify.migrate.run.migrate` for the keyword arguments)."""
    from awaitify.migrate.run import migrate as run_migration

    return run_migration(selectors, **kwargs)
