"""The per-file phase: read, hash, parse and extract every file, in parallel, through the cache.

A file whose (size, mtime, inode) match the stat index is not read at all; a file whose
content hash is in the facts table is read but not parsed; only the rest goes to a process
pool (one worker per core), in batches that shrink towards the end so the cores finish
together. Facts are loaded as the workers hand them back, overlapping with the parsing.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from awaitify import __version__
from awaitify.analysis.facts import (
    C_ARGS,
    FACTS_VERSION,
    Assign,
    Class,
    FileFacts,
    Function,
    Import,
    SyntaxProblem,
    With,
    dump_facts,
    load_facts,
)
from awaitify.engine.cache import Cache
from awaitify.engine.discover import RACY_NS, SourceFile
from awaitify.hashing import blake2b, content_digest

#: Fewer files than this are analysed in-process: a pool costs more than it saves.
_POOL_THRESHOLD = 48

Progress = Callable[[int], None]


class Analysed(NamedTuple):
    """One file after the per-file phase (a NamedTuple: a run makes one per file)."""

    source: SourceFile
    digest: bytes  # hash of the file's bytes (b"" when unreadable)
    facts: FileFacts


#: The shape of the facts record (every row type's fields), part of every facts key: a
#: layout change invalidates cached facts even if FACTS_VERSION was not bumped.
_LAYOUT = (
    ";".join(
        f"{cls.__name__}({','.join(cls._fields)})"
        for cls in (FileFacts, Function, Class, Import, Assign, With, SyntaxProblem)
    )
    + f";calls({C_ARGS + 1})"
)


def facts_salt(target: tuple[int, int] | None) -> bytes:
    return f"awaitify {__version__} facts {FACTS_VERSION} {_LAYOUT} target {target}".encode()


def facts_key(digest: bytes, salt: bytes) -> bytes:
    return blake2b(digest + salt, digest_size=16).digest()


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
            conn = sqlite3.connect(f"file:{cache_path}?mode=ro", uri=True, timeout=5)
            # a first scan: nothing to look up, for any file
            if conn.execute("SELECT 1 FROM facts LIMIT 1").fetchone() is None:
                conn.close()
            else:
                _worker_conn = conn


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
    path, digest, stat, blob, is_new, _ = _analyse(path, True)
    return path, digest, stat, blob, is_new


def _analyse(path: str, dump: bool) -> Item:
    """One file read, hashed and analysed (or found in the cache). ``dump``: the facts are
    also serialised (for another process, or for the cache); without it the blob is b""."""
    from awaitify.engine.parse import facts_from_bytes

    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
    except OSError as exc:
        facts = unreadable_facts(exc.strerror or str(exc))
        return path, b"", (0, 0, 0), dump_facts(facts) if dump else b"", False, facts
    digest = content_digest(data)
    stat = (st.st_size, st.st_mtime_ns, st.st_ino)
    cached = _cached(facts_key(digest, _worker_salt))
    if cached is not None:
        return path, digest, stat, cached, False, None
    try:
        facts = facts_from_bytes(data, _worker_target)
    except Exception as exc:  # a bug in awaitify must not end the run: report the file
        facts = unreadable_facts(f"internal error while analysing: {type(exc).__name__}: {exc}")
        return path, digest, stat, dump_facts(facts) if dump else b"", False, facts
    return path, digest, stat, dump_facts(facts) if dump else b"", True, facts


# -- the main side ------------------------------------------------------------------------


#: (path, digest, stat, facts blob, blob is new, facts when analysed in this process)
Item = tuple[str, bytes, tuple[int, int, int], bytes, bool, "FileFacts | None"]


def _pool_context() -> Any:
    import multiprocessing  # not on the warm path: only when there is work for a pool

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _batches(paths: list[str], jobs: int) -> list[list[str]]:
    """Big batches first (few round trips), small ones at the end (the cores finish together)."""
    n = len(paths)
    size = max(1, min(16, n // (jobs * 16)))
    tail = min(n, jobs * 24)  # the last files go two at a time
    out = [paths[i : min(i + size, n - tail)] for i in range(0, n - tail, size)]
    out += [paths[i : i + 2] for i in range(n - tail, n, 2)]
    return [b for b in out if b]


#: How far a worker can run ahead of the main process (Linux's limit for a process without
#: privileges, ``/proc/sys/fs/pipe-max-size``).
_PIPE_BYTES = 1 << 20


def _widen_pipe(fd: int) -> None:
    """Let a worker send a megabyte of results before it waits for the main process.

    A thread of the main process drains the pipe, and it needs the GIL, which the main
    process's own parsing holds for a whole ``ast.parse``. With the default 64 KB buffer a
    batch of facts did not fit: on homeassistant the worker spent 0.31-0.34 s of a 4.1-4.5 s
    per-file phase blocked in ``send`` (7-8 %), time the cores then lacked."""
    if sys.platform.startswith("linux"):
        import fcntl

        with contextlib.suppress(OSError, AttributeError):  # a lower limit: the default stays
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


def _claim(counter: Any) -> int:
    """The index of the next batch nobody has taken yet (shared by all processes)."""
    with counter.get_lock():
        index: int = counter.value
        counter.value = index + 1
    return index


def _worker_main(
    batches: list[list[str]],
    counter: Any,
    out: Any,
    cache_path: str | None,
    salt: bytes,
    target: tuple[int, int] | None,
) -> None:
    """A worker process: take batches until none is left, send each one's results back."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles ^C for all
    _init_worker(cache_path, salt, target)
    try:
        while (index := _claim(counter)) < len(batches):
            out.send((index, [_analyse(p, True)[:5] for p in batches[index]]))
    except (BrokenPipeError, EOFError):  # the main process has gone away
        pass
    finally:
        out.close()


def _run_parallel(
    paths: list[str],
    cache_path: str | None,
    salt: bytes,
    target: tuple[int, int] | None,
    jobs: int,
    dump: bool,
    progress: Progress | None,
) -> Iterator[Item]:
    """``jobs - 1`` worker processes and this one take batches from one shared counter.

    The main process analyses files too instead of only waiting: on a 2-core machine that
    is one worker, no process competing with two others for the cores, and for the main
    process's own files no serialising of facts and no loading them back. A thread
    collects the workers' results as they come (so no worker ever waits on a full pipe)
    and this generator hands them on between its own files. A batch whose worker died is
    analysed here at the end."""
    import multiprocessing.connection as mpc
    import queue
    import threading

    ctx = _pool_context()
    batches = _batches(paths, jobs)
    counter = ctx.Value("i", 0)
    workers = []
    for _ in range(jobs - 1):
        reader, writer = ctx.Pipe(duplex=False)
        _widen_pipe(writer.fileno())
        proc = ctx.Process(
            target=_worker_main,
            args=(batches, counter, writer, cache_path, salt, target),
            daemon=True,
        )
        proc.start()
        writer.close()
        workers.append((proc, reader))
    inbox: queue.SimpleQueue[tuple[int, list[Any]] | None] = queue.SimpleQueue()

    def receive() -> None:
        live: list[Any] = [reader for _, reader in workers]
        while live:
            ready: Any
            for ready in mpc.wait(live):
                try:
                    inbox.put(ready.recv())
                except (EOFError, OSError):
                    live.remove(ready)
        inbox.put(None)

    receiver = threading.Thread(target=receive, name="awaitify-results", daemon=True)
    receiver.start()
    done = [False] * len(batches)
    collecting = gc.isenabled()
    _init_worker(cache_path, salt, target)
    try:
        finished = False

        def handed_on(block: bool) -> Iterator[Item]:
            nonlocal finished
            while not finished:
                try:
                    message = inbox.get(block=block)
                except queue.Empty:
                    return
                if message is None:
                    finished = True
                    return
                index, items = message
                done[index] = True
                for item in items:
                    yield (*item, None)
                if progress:
                    progress(len(items))

        while (index := _claim(counter)) < len(batches):
            yield from handed_on(False)
            for path in batches[index]:
                yield _analyse(path, dump)
            done[index] = True
            if progress:
                progress(len(batches[index]))
        yield from handed_on(True)
        for index, ok in enumerate(done):
            if not ok:  # its worker died
                for path in batches[index]:
                    yield _analyse(path, dump)
    finally:
        if collecting:
            gc.enable()
        _close_worker_conn()
        for proc, reader in workers:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
            reader.close()


def _close_worker_conn() -> None:
    global _worker_conn
    if _worker_conn is not None:
        with contextlib.suppress(sqlite3.Error):
            _worker_conn.close()
        _worker_conn = None


def _run_pending(
    paths: list[str],
    cache: Cache,
    salt: bytes,
    target: tuple[int, int] | None,
    jobs: int,
    progress: Progress | None,
) -> Iterator[Item]:
    """Analyse ``paths`` (in several processes when there are many), yielding results as
    they come."""
    cache_path = str(cache.path) if cache.enabled and cache.path else None
    dump = cache.enabled  # facts analysed here need a blob only to be stored
    if len(paths) < _POOL_THRESHOLD or jobs <= 1:
        collecting = gc.isenabled()
        _init_worker(cache_path, salt, target)
        try:
            for p in paths:
                yield _analyse(p, dump)
                if progress:
                    progress(1)
        finally:
            if collecting:
                gc.enable()
            _close_worker_conn()
        return
    cache.flush()  # no fork while a thread is inside sqlite
    yield from _run_parallel(paths, cache_path, salt, target, jobs, dump, progress)


def run_files(
    files: Sequence[SourceFile],
    cache: Cache,
    target: tuple[int, int] | None,
    jobs: int | None = None,
    progress: Progress | None = None,
    stats: dict[str, tuple[int, int, int, bytes]] | None = None,
    known: tuple[dict[str, bytes], list[str]] | None = None,
    stats_out: dict[str, tuple[int, int, int, bytes]] | None = None,
    started_ns: int | None = None,
) -> list[Analysed]:
    """Facts for every file, from the cache where possible. Order follows ``files``.

    ``known``: the result of :func:`split_by_stat` when the caller has it already.
    ``stats_out`` receives (size, mtime_ns, inode, digest) for every readable file, with
    the mtime of racily clean files (see :data:`RACY_NS`) stored as -1.
    """
    salt = facts_salt(target)
    jobs = jobs or os.cpu_count() or 1
    if known is None:
        if stats is None:
            stats = cache.get_stats()
        digests, pending = split_by_stat(files, stats)
    else:
        digests, pending = known
        digests = dict(digests)
    racy = (time.time_ns() if started_ns is None else started_ns) - RACY_NS
    facts: dict[str, FileFacts] = {}
    new_facts: list[tuple[bytes, bytes]] = []
    new_stats: list[tuple[str, int, int, int, bytes]] = []

    def take(item: Item) -> None:
        path, digest, stat, blob, is_new, analysed = item
        if analysed is not None:
            facts[path] = analysed
        else:  # from a worker or the cache: loading here overlaps with the workers' parsing
            try:
                facts[path] = load_facts(blob)
            except ValueError:
                facts[path] = unreadable_facts(
                    "cached facts were damaged; delete .awaitify/ to rebuild"
                )
                return
        if digest:
            digests[path] = digest
            size, mtime, ino = stat
            new_stats.append((path, size, mtime if mtime < racy else -1, ino, digest))
            if is_new:
                new_facts.append((facts_key(digest, salt), blob))

    for item in _run_pending(pending, cache, salt, target, jobs, progress):
        take(item)
    wanted: dict[bytes, list[str]] = {}  # identical files (empty __init__.py) share a key
    for p, d in digests.items():
        if p not in facts:
            wanted.setdefault(facts_key(d, salt), []).append(p)
    if wanted:
        found = cache.get_facts(wanted)
        missing: list[str] = []
        for key, paths in wanted.items():
            blob = found.get(key)
            loaded = None
            if blob is not None:
                with contextlib.suppress(ValueError):
                    # from the cache: the project phase may read only part of them
                    loaded = load_facts(blob, defer=True)
            if loaded is None:  # the index pointed at facts that are gone: analyse again
                missing.extend(paths)
                continue
            for p in paths:
                facts[p] = loaded
        for item in _run_pending(missing, cache, salt, target, jobs, None):
            take(item)
    cache.put_stats(new_stats)
    cache.put_facts(new_facts, background=True)  # written while the project phase runs
    if stats_out is not None:
        if stats:
            read = set(pending)
            for f in files:
                known_stat = stats.get(f.abspath)
                if known_stat is not None and f.abspath not in read:
                    stats_out[f.abspath] = known_stat
        for path, size, mtime, ino, digest in new_stats:
            stats_out[path] = (size, mtime, ino, digest)
    return [Analysed(f, digests.get(f.abspath, b""), facts[f.abspath]) for f in files]


def split_by_stat(
    files: Sequence[SourceFile], stats: dict[str, tuple[int, int, int, bytes]]
) -> tuple[dict[str, bytes], list[str]]:
    """Content hashes known from the stat index, and the files that must be read."""
    digests: dict[str, bytes] = {}
    pending: list[str] = []
    stat = os.stat
    get = stats.get
    for f in files:
        path = f.abspath
        known = get(path)
        if known is not None:
            try:
                st = stat(path)
            except OSError:
                pending.append(path)
                continue
            if st.st_mtime_ns == known[1] and st.st_size == known[0] and st.st_ino == known[2]:
                digests[path] = known[3]
                continue
        pending.append(path)
    return digests, pending


def facts_for_blob(
    data: bytes, target: tuple[int, int] | None, cache: Cache
) -> tuple[bytes, FileFacts]:
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
