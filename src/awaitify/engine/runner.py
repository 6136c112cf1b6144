"""The per-file phase: read, hash, parse and extract every file, in parallel, through the cache.

A file whose (size, mtime, inode) match the stat index is not read at all; a file whose
content hash is in the facts table is read but not parsed; only the rest goes to a process
pool (one worker per core), largest files first so the cores finish together.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from awaitify import __version__
from awaitify.analysis.facts import FACTS_VERSION, FileFacts, SyntaxProblem, dump_facts, load_facts
from awaitify.engine.cache import Cache
from awaitify.engine.discover import SourceFile

#: Fewer files than this are analysed in-process: a pool costs more than it saves.
_POOL_THRESHOLD = 48

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Analysed:
    """One file after the per-file phase."""

    source: SourceFile
    digest: bytes  # hash of the file's bytes (b"" when unreadable)
    facts: FileFacts


def facts_salt(target: tuple[int, int] | None) -> bytes:
    return f"awaitify {__version__} facts {FACTS_VERSION} target {target}".encode()


def facts_key(digest: bytes, salt: bytes) -> bytes:
    return hashlib.blake2b(digest + salt, digest_size=16).digest()


def content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def unreadable_facts(reason: str) -> FileFacts:
    problem = SyntaxProblem(f"file cannot be read: {reason}", 1, 1, 1, 1, "")
    return FileFacts(0, problem, None, False, "unreadable", (), (), (), (), (), (), (), ())


# -- the worker side (also used in-process) --------------------------------------------
_worker_conn: sqlite3.Connection | None = None
_worker_salt = b""
_worker_target: tuple[int, int] | None = None


def _init_worker(cache_path: str | None, salt: bytes, target: tuple[int, int] | None) -> None:
    global _worker_conn, _worker_salt, _worker_target
    gc.disable()  # ASTs hold no cycles; collecting them only costs time
    _worker_salt, _worker_target = salt, target
    _worker_conn = None
    if cache_path:
        with contextlib.suppress(sqlite3.Error):
            _worker_conn = sqlite3.connect(f"file:{cache_path}?mode=ro", uri=True, timeout=5)


def _cached(key: bytes) -> bytes | None:
    if _worker_conn is None:
        return None
    try:
        row = _worker_conn.execute("SELECT data FROM facts WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def analyse_path(path: str) -> tuple[str, bytes, tuple[int, int, int], bytes, bool]:
    """(path, digest, (size, mtime_ns, inode), facts blob, blob-is-new) for one file."""
    from awaitify.engine.parse import facts_from_bytes

    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
    except OSError as exc:
        return path, b"", (0, 0, 0), dump_facts(unreadable_facts(exc.strerror or str(exc))), False
    digest = content_digest(data)
    stat = (st.st_size, st.st_mtime_ns, st.st_ino)
    cached = _cached(facts_key(digest, _worker_salt))
    if cached is not None:
        return path, digest, stat, cached, False
    try:
        facts = facts_from_bytes(data, _worker_target)
    except Exception as exc:  # a bug in awaitify must not end the run: report the file
        facts = unreadable_facts(f"internal error while analysing: {type(exc).__name__}: {exc}")
        return path, digest, stat, dump_facts(facts), False
    return path, digest, stat, dump_facts(facts), True


# -- the main side ------------------------------------------------------------------------
def _pool_context() -> multiprocessing.context.BaseContext:
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _run_pending(
    paths: list[str],
    cache: Cache,
    salt: bytes,
    target: tuple[int, int] | None,
    jobs: int,
    progress: Progress | None,
) -> list[tuple[str, bytes, tuple[int, int, int], bytes, bool]]:
    cache_path = str(cache.path) if cache.enabled and cache.path else None
    if len(paths) < _POOL_THRESHOLD or jobs <= 1:
        _init_worker(cache_path, salt, target)
        gc.enable()
        out = []
        for p in paths:
            out.append(analyse_path(p))
            if progress:
                progress(1)
        return out
    # biggest first, so no core is left with one huge file at the end
    sizes = {}
    for p in paths:
        try:
            sizes[p] = os.path.getsize(p)
        except OSError:
            sizes[p] = 0
    ordered = sorted(paths, key=lambda p: -sizes[p])
    ctx = _pool_context()
    results = []
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(cache_path, salt, target)) as pool:
        for item in pool.imap_unordered(analyse_path, ordered, chunksize=4):
            results.append(item)
            if progress:
                progress(1)
    return results


def run_files(
    files: Sequence[SourceFile],
    cache: Cache,
    target: tuple[int, int] | None,
    jobs: int | None = None,
    progress: Progress | None = None,
    stats: dict[str, tuple[int, int, int, bytes]] | None = None,
) -> list[Analysed]:
    """Facts for every file, from the cache where possible. Order follows ``files``."""
    salt = facts_salt(target)
    jobs = jobs or os.cpu_count() or 1
    if stats is None:
        stats = cache.get_stats()
    digests, pending = split_by_stat(files, stats)
    blobs: dict[str, bytes] = {}
    new_facts: list[tuple[bytes, bytes]] = []
    new_stats: list[tuple[str, int, int, int, bytes]] = []
    for path, digest, stat, blob, is_new in _run_pending(
        pending, cache, salt, target, jobs, progress
    ):
        blobs[path] = blob
        if digest:
            digests[path] = digest
            new_stats.append((path, *stat, digest))
            if is_new:
                new_facts.append((facts_key(digest, salt), blob))
    wanted: dict[bytes, list[str]] = {}  # identical files (empty __init__.py) share a key
    for p, d in digests.items():
        if p not in blobs:
            wanted.setdefault(facts_key(d, salt), []).append(p)
    if wanted:
        found = cache.get_facts(wanted)
        for key, blob in found.items():
            for p in wanted[key]:
                blobs[p] = blob
        missing = [p for k, paths in wanted.items() if k not in found for p in paths]
        if missing:  # the index pointed at facts that are gone: analyse again
            for path, digest, stat, blob, is_new in _run_pending(
                missing, cache, salt, target, jobs, None
            ):
                blobs[path] = blob
                if digest:
                    digests[path] = digest
                    new_stats.append((path, *stat, digest))
                    if is_new:
                        new_facts.append((facts_key(digest, salt), blob))
    cache.put_facts(new_facts)
    cache.put_stats(new_stats)
    out = []
    for f in files:
        blob = blobs[f.abspath]
        try:
            facts = load_facts(blob)
        except ValueError:
            facts = unreadable_facts("cached facts were damaged; delete .awaitify/ to rebuild")
        out.append(Analysed(f, digests.get(f.abspath, b""), facts))
    return out


def split_by_stat(
    files: Sequence[SourceFile], stats: dict[str, tuple[int, int, int, bytes]]
) -> tuple[dict[str, bytes], list[str]]:
    """Content hashes known from the stat index, and the files that must be read."""
    digests: dict[str, bytes] = {}
    pending: list[str] = []
    for f in files:
        known = stats.get(f.abspath)
        if known is not None:
            try:
                st = os.stat(f.abspath)
            except OSError:
                pending.append(f.abspath)
                continue
            if (st.st_size, st.st_mtime_ns, st.st_ino) == known[:3]:
                digests[f.abspath] = known[3]
                continue
        pending.append(f.abspath)
    return digests, pending


def facts_for_blob(data: bytes, target: tuple[int, int] | None, cache: Cache) -> tuple[bytes, FileFacts]:
    """Facts for bytes that are not a file on disk (a git blob), through the cache."""
    from awaitify.engine.parse import facts_from_bytes

    salt = facts_salt(target)
    digest = content_digest(data)
    key = facts_key(digest, salt)
    found = cache.get_facts([key])
    if key in found:
        with contextlib.suppress(ValueError):
            return digest, load_facts(found[key])
    facts = facts_from_bytes(data, target)
    cache.put_facts([(key, dump_facts(facts))])
    return digest, facts


def cache_dir_for(root: Path) -> Path:
    return root / ".awaitify"
