"""Progress over time: recorded runs (``scan --record``) and past commits (``history --git``).

Every run, recorded or computed, carries the full SPEC §5 summary — per layer and per rule
— so the numbers of ``history`` are exactly those ``scan`` prints for the same tree.

``history --git RANGE`` never checks anything out. Per commit it lists the tree
(``git ls-tree``), keeps the files ``scan`` would analyse (``include``, ``exclude``, the
folders discovery skips), gets each blob's facts from
:class:`~awaitify.engine.blobfacts.BlobFacts` — a blob met before, in any run or commit, is
neither read nor parsed again — and runs the same project phase as ``scan``
(:func:`awaitify.api.project_result`). The summary of a commit is also kept by its tree id
and the config, so a second ``history --git`` over the same commits only asks git for the
commit list. N commits cost one cold scan plus the files they change.

For the reports: :func:`load_trend` gives the recorded runs, oldest first.
"""

from __future__ import annotations

import datetime
import fnmatch
import hashlib
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pathspec

from awaitify import __version__
from awaitify.analysis.facts import FACTS_VERSION
from awaitify.api import ScanOptions, project_result, resolve_config
from awaitify.config import Config, common_dir
from awaitify.engine.blobfacts import BlobFacts, BlobStats
from awaitify.engine.cache import Cache, open_cache
from awaitify.engine.discover import SKIP_DIRS, SourceFile, display_path
from awaitify.engine.git import Commit, GitError, Repository, TreeEntry, find_repository
from awaitify.engine.runner import Analysed
from awaitify.errors import UsageError
from awaitify.model import LayerStats, Priority, Result, Summary

_SUMMARY_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Run:
    """One point of the trend: a recorded run or a commit."""

    commit: str | None  # None: recorded outside a git repository
    date: str  # ISO-8601: when the run was recorded, or the commit's committer date
    subject: str | None  # the commit's subject
    summary: Summary

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "date": self.date,
            "subject": self.subject,
            "summary": self.summary.to_json(),
        }

    @property
    def async_share(self) -> float | None:
        """Async functions / all functions, None when there are no functions."""
        total = self.summary.async_functions + self.summary.sync_functions
        return self.summary.async_functions / total if total else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): _int(v) for k, v in value.items()}


def summary_from_json(data: Mapping[str, Any]) -> Summary:
    """Inverse of :meth:`Summary.to_json`; tolerant of fields a newer version added or dropped."""
    layers = data.get("by_layer")
    by_layer = {}
    if isinstance(layers, Mapping):
        for name, row in layers.items():
            if isinstance(row, Mapping):
                by_layer[str(name)] = LayerStats(
                    _int(row.get("files")),
                    _int(row.get("async_functions")),
                    _int(row.get("sync_functions")),
                )
    priorities = _counts(data.get("findings_by_priority"))
    return Summary(
        files=_int(data.get("files")),
        files_with_syntax_errors=_int(data.get("files_with_syntax_errors")),
        lines=_int(data.get("lines")),
        async_functions=_int(data.get("async_functions")),
        sync_functions=_int(data.get("sync_functions")),
        asyncio_run_calls=_int(data.get("asyncio_run_calls")),
        bridges=_int(data.get("bridges")),
        mixed_files=_int(data.get("mixed_files")),
        mixed_classes=_int(data.get("mixed_classes")),
        findings_by_code=dict(sorted(_counts(data.get("findings_by_code")).items())),
        findings_by_priority={p.value: priorities.get(p.value, 0) for p in Priority},
        by_layer=dict(sorted(by_layer.items())),
    )


def _run_from_row(commit: str | None, date: str, subject: str | None, text: str) -> Run | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, Mapping):
        return None
    return Run(commit, date, subject, summary_from_json(data))


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


# -- recorded runs ---------------------------------------------------------------------------
def record_run(config: Config, result: Result, cache: Cache | None = None) -> list[str]:
    """Store ``result``'s summary with HEAD's commit (if any) and the time; returns warnings.

    Recording is explicit, so it writes ``.awaitify/`` even when the scan ran without the
    cache. Outside git the commit and subject are null.
    """
    commit = subject = None
    repo = find_repository(config.root)
    if not isinstance(repo, str):
        with repo:
            head = repo.head()
        if head is not None:
            commit, subject = head.sha, head.subject
    summary = json.dumps(result.summary.to_json(), sort_keys=True)
    own = cache is None
    store = open_cache(config.cache_dir) if cache is None else cache
    try:
        store.add_run(commit, _now(), subject, summary)
        problems = list(store.warnings)
        if not store.enabled:
            problems.append("the run was not recorded: the cache in .awaitify/ cannot be used")
        return problems
    finally:
        if own:
            store.close()


def load_runs(config: Config) -> tuple[list[Run], list[str]]:
    """Recorded runs, oldest first, and warnings (a damaged row is skipped with one)."""
    runs: list[Run] = []
    notes: list[str] = []
    cache = open_cache(config.cache_dir)
    try:
        for commit, date, subject, text in cache.runs():
            run = _run_from_row(commit, date, subject, text)
            if run is None:
                notes.append(f"skipped a damaged run recorded at {date}")
            else:
                runs.append(run)
        notes += cache.warnings
    finally:
        cache.close()
    return runs, notes


def load_trend(config: Config) -> list[Run]:
    """The recorded runs of the project ``config`` belongs to, oldest first, for the reports.

    Never raises and never creates ``.awaitify/``: [] when nothing was recorded or the
    cache cannot be read.
    """
    if not (config.cache_dir / "cache.sqlite").is_file():
        return []
    try:
        return load_runs(config)[0]
    except Exception:  # a report must not fail because of the trend
        return []


# -- history --git ---------------------------------------------------------------------------
class HistoryProgress(Protocol):
    """What ``history --git`` reports while it works (a progress bar on a terminal)."""

    def start(self, commits: int) -> None: ...

    def commit_done(self) -> None: ...

    def parsing(self, blobs: int) -> Callable[[int], None]: ...


@dataclass
class HistoryStats:
    commits: int = 0
    summaries_cached: int = 0  # commits whose summary came from the cache
    projects_built: int = 0  # commits whose project phase ran
    blobs: BlobStats = field(default_factory=BlobStats)

    def describe(self) -> str:
        b = self.blobs
        return (
            f"{self.commits} commits ({self.summaries_cached} from the cache), "
            f"{b.requested} distinct blobs, {b.read} read from git, {b.parsed} parsed"
        )


@dataclass
class GitHistory:
    runs: list[Run]
    stats: HistoryStats
    notes: list[str]


class _TreeFilter:
    """The tree entries that discovery would return for a checkout of the commit."""

    def __init__(self, config: Config, repo_root: Path) -> None:
        self.include = config.include
        self.repo_root = os.path.realpath(repo_root)
        self.config_root = os.path.realpath(config.root)
        self.exclude = pathspec.GitIgnoreSpec.from_lines(config.exclude) if config.exclude else None

    def wanted(self, relpath: str) -> bool:
        parts = relpath.split("/")
        if not any(fnmatch.fnmatchcase(parts[-1], pat) for pat in self.include):
            return False
        if any(p in SKIP_DIRS or p.endswith(".egg-info") for p in parts[:-1]):
            return False
        if self.exclude is None:
            return True
        rel = os.path.relpath(os.path.join(self.repo_root, relpath), self.config_root)
        rel = rel.replace(os.sep, "/")
        if rel.startswith("../"):
            return True
        dirs = rel.split("/")[:-1]
        if any(self.exclude.match_file("/".join(dirs[: i + 1]) + "/") for i in range(len(dirs))):
            return False
        return not self.exclude.match_file(rel)


def _scope(paths: Sequence[str | Path], repo: Repository) -> list[str]:
    from awaitify.blame import repo_relpath

    scope = []
    for p in paths:
        rel = repo_relpath(repo, os.path.abspath(p))
        if rel is None:
            raise UsageError(f"{p}: outside the git repository {repo.root}")
        scope.append("" if rel == "." else rel)
    return sorted(set(scope))


def _commit_keys(
    config: Config, cwd: str, repo_root: Path, scope: Sequence[str]
) -> Callable[[str], bytes]:
    """Tree id → key of that tree's summary under this config, scope and tool."""
    from awaitify.rules.registry import all_rules

    rules = ",".join(sorted(r.code for r in all_rules()))
    base = hashlib.blake2b(digest_size=16)
    base.update(
        f"{__version__}\0{_SUMMARY_FORMAT}\0{FACTS_VERSION}\0{rules}\0{config.digest()}\0"
        f"{config.root}\0{cwd}\0{repo_root}\0{chr(1).join(scope)}\0".encode(
            errors="surrogateescape"
        )
    )

    def key(tree: str) -> bytes:
        h = base.copy()
        h.update(tree.encode(errors="surrogateescape"))
        return h.digest()

    return key


def _cached_summary(cache: Cache, key: bytes) -> dict[str, Any] | None:
    text = cache.get_commit_summary(key)
    if text is None:
        return None
    try:
        loaded = json.loads(text)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _as_seen_from(repo_root: str, cwd: str) -> str:
    """The repository root spelled through the current directory's path (symlinks kept), so
    display paths and layers come out as ``scan`` computes them from what the user typed."""
    rel = os.path.relpath(repo_root, os.path.realpath(cwd))
    return os.path.normpath(os.path.join(cwd, rel))


#: Commits planned together: their new blobs are parsed in one pool, their project phases
#: run side by side. Bounds the tree listings held in memory.
_BATCH = 16
#: Project phases run in a process pool when a commit has at least this many files.
_POOL_MIN_FILES = 200

# The jobs of one batch, set just before the pool forks so workers inherit them for free.
_FORK_STATE: tuple[Config, str, str, list[list[TreeEntry]], Mapping[str, Any]] | None = None


def _summary_of(
    config: Config,
    cwd: str,
    local_root: str,
    entries: Sequence[TreeEntry],
    facts: Mapping[str, Any],
) -> dict[str, Any]:
    """The §5 summary of one commit's files: the project phase ``scan`` runs."""
    analysed = []
    for e in entries:
        abspath = os.path.join(local_root, *e.path.split("/"))
        digest, file_facts = facts[e.oid]
        analysed.append(
            Analysed(SourceFile(abspath, display_path(abspath, cwd)), digest, file_facts)
        )
    analysed.sort(key=lambda a: a.source.display)
    result = project_result(config, analysed, cwd, graph_memo=_GRAPH_MEMO)
    summary: dict[str, Any] = result.summary.to_json()
    return summary


#: the previous commit's call graph in this process: the next commit re-resolves only the
#: modules whose import closure changed
_GRAPH_MEMO: dict[str, bytes] = {}


def _summary_job(index: int) -> tuple[int, dict[str, Any]]:
    assert _FORK_STATE is not None
    config, cwd, local_root, listings, facts = _FORK_STATE
    return index, _summary_of(config, cwd, local_root, listings[index], facts)


def _summaries(
    config: Config,
    cwd: str,
    local_root: str,
    listings: list[list[TreeEntry]],
    facts: Mapping[str, Any],
    jobs: int,
    done: Callable[[], None],
) -> list[dict[str, Any]]:
    """A summary per listing; in a forked pool when there are several big ones."""
    global _FORK_STATE
    big = max((len(entries) for entries in listings), default=0) >= _POOL_MIN_FILES
    if jobs <= 1 or len(listings) < 2 or not big or not sys.platform.startswith("linux"):
        out = []
        for entries in listings:
            out.append(_summary_of(config, cwd, local_root, entries, facts))
            done()
        return out
    results: list[dict[str, Any]] = [{} for _ in listings]
    _FORK_STATE = (config, cwd, local_root, listings, facts)
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(min(jobs, len(listings))) as pool:
            for index, summary in pool.imap_unordered(_summary_job, range(len(listings))):
                results[index] = summary
                done()
    finally:
        _FORK_STATE = None
    return results


@dataclass
class _Plan:
    """What one batch of commits needs: cached summaries, listings to analyse, duplicates."""

    summaries: dict[int, dict[str, Any]] = field(default_factory=dict)
    todo: list[tuple[int, bytes, list[TreeEntry]]] = field(default_factory=list)
    same_as: dict[int, int] = field(default_factory=dict)  # commit → earlier commit, same files


def git_history(
    paths: Sequence[str | Path],
    rev_range: str,
    config: Config | None = None,
    options: ScanOptions | None = None,
    progress: HistoryProgress | None = None,
) -> GitHistory:
    """The §5 summary of ``paths`` at each commit of ``git rev-list RANGE``, oldest first.

    Raises ``UsageError`` outside a git repository or for a range git does not understand.
    """
    options = options or ScanOptions()
    config = resolve_config(paths, config)
    cwd = options.cwd or os.getcwd()
    found = find_repository(common_dir([Path(p) for p in paths]))
    if isinstance(found, str):
        raise UsageError(f"--git: {found}")
    with found as repo:
        scope = _scope(paths, repo)
        try:
            commits = repo.commits(rev_range)
        except GitError as exc:
            raise UsageError(f"--git {rev_range}: {exc}") from exc
        if progress:
            progress.start(len(commits))
        cache = open_cache(config.cache_dir, options.use_cache)
        try:
            walk = _Walk(config, cwd, repo, scope, cache, options, progress)
            summaries = walk.run(commits)
            notes = list(cache.warnings)
        except GitError as exc:
            raise UsageError(f"--git {rev_range}: {exc}") from exc
        finally:
            cache.close()
    runs = [
        Run(c.sha, c.date, c.subject, summary_from_json(s))
        for c, s in zip(commits, summaries, strict=True)
    ]
    return GitHistory(runs, walk.stats, notes)


class _Walk:
    """The summaries of a list of commits, batch by batch."""

    def __init__(
        self,
        config: Config,
        cwd: str,
        repo: Repository,
        scope: list[str],
        cache: Cache,
        options: ScanOptions,
        progress: HistoryProgress | None,
    ) -> None:
        self.config, self.cwd, self.repo, self.scope, self.cache = config, cwd, repo, scope, cache
        self.progress = progress
        self.jobs = options.jobs or os.cpu_count() or 1
        self.blobs = BlobFacts(repo, cache, config.target_version, options.jobs)
        self.stats = HistoryStats(blobs=self.blobs.stats)
        self.key_of = _commit_keys(config, cwd, repo.root, scope)
        self.filter = _TreeFilter(config, repo.root)
        self.local_root = _as_seen_from(str(repo.root), cwd)
        # the files of the last commit listed, and its index: a commit with the same Python
        # files (a docs-only change) has the same summary
        self.last: tuple[tuple[tuple[str, str], ...], int] | None = None

    def _done(self) -> None:
        if self.progress:
            self.progress.commit_done()

    def run(self, commits: Sequence[Commit]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for start in range(0, len(commits), _BATCH):
            out.extend(self._batch(commits[start : start + _BATCH], start, out))
        self.stats.commits = len(out)
        return out

    def _plan(self, batch: Sequence[Commit], offset: int) -> _Plan:
        plan = _Plan()
        for i, commit in enumerate(batch, offset):
            key = self.key_of(commit.tree)
            cached = _cached_summary(self.cache, key)
            if cached is not None:
                plan.summaries[i] = cached
                self.stats.summaries_cached += 1
                continue
            entries = [
                e for e in self.repo.ls_tree(commit.sha, self.scope) if self.filter.wanted(e.path)
            ]
            listing = tuple((e.path, e.oid) for e in entries)
            if self.last is not None and self.last[0] == listing:
                plan.same_as[i] = self.last[1]
            else:
                plan.todo.append((i, key, entries))
                self.last = (listing, i)
        return plan

    def _batch(
        self, batch: Sequence[Commit], offset: int, earlier: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        plan = self._plan(batch, offset)
        new_rows: list[tuple[bytes, str]] = []
        if plan.todo:
            oids = [e.oid for _, _, entries in plan.todo for e in entries]
            parsing = self.progress.parsing if self.progress else None
            facts = self.blobs.get(oids, parsing)
            listings = [entries for _, _, entries in plan.todo]
            computed = _summaries(
                self.config, self.cwd, self.local_root, listings, facts, self.jobs, self._done
            )
            self.stats.projects_built += len(computed)
            for (i, key, _), summary in zip(plan.todo, computed, strict=True):
                plan.summaries[i] = summary
                new_rows.append((key, json.dumps(summary, sort_keys=True)))
        computed_here = {i for i, _, _ in plan.todo}  # their progress is already told
        out = []
        for i, commit in enumerate(batch, offset):
            if i in plan.same_as:
                j = plan.same_as[i]
                summary = plan.summaries[j] if j >= offset else earlier[j]
                plan.summaries[i] = summary
                new_rows.append((self.key_of(commit.tree), json.dumps(summary, sort_keys=True)))
            if i not in computed_here:
                self._done()
            out.append(plan.summaries[i])
        self.cache.put_commit_summaries(new_rows)
        return out
