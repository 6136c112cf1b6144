"""``.awaitify/cache.sqlite``: facts by content hash, a stat index, results and run history.

* ``facts``: one row per distinct file content (key = hash of the bytes, the tool and
  facts versions and the target version), shared by every path and every git commit
  that has those bytes.
* ``files``: path → (size, mtime, inode, content hash), so a run where nothing changed
  never reads a file.
* ``results``: the project-phase result for an exact set of (path, content) pairs and a
  config, so an unchanged tree skips the project phase too.
* ``runs``: recorded summaries for ``history``.
* ``snapshots``: what a scan of some paths saw of the tree (folders, ignore files, files
  with their stat and content hash), so a run where nothing changed neither walks the tree
  nor reads the stat index (see :mod:`awaitify.engine.snapshot`).
* ``blobs``: git blob id → content hash, so ``history --git`` and ``syntax --blame`` find
  the facts of a blob they have met before without even reading it.
* ``commit_summaries``: the §5 summary of one commit's tree under one config, so a second
  ``history --git`` over the same commits skips the project phase too.

Deleting the folder loses nothing but time. A corrupt or locked database is moved aside
and rebuilt with a warning; every write is a short transaction in WAL mode, so two runs
on the same tree at once wait for each other instead of corrupting the file.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

SCHEMA_VERSION = 1
#: How long a run waits for another run's write to finish before going on without the
#: cache (with a warning): long enough for a concurrent scan of a large codebase.
BUSY_TIMEOUT_S = 30.0
_BATCH = 500
_PAGE_SIZE = 65536
#: Fewer facts than this are written by the caller: starting a writer process costs more.
_BACKGROUND_ROWS = 200
_PUT_FACTS = "INSERT OR REPLACE INTO facts (key, data) VALUES (?, ?)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facts (key BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER, digest BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS results (key BLOB PRIMARY KEY, data BLOB NOT NULL, used REAL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, commit_sha TEXT, date TEXT NOT NULL,
    subject TEXT, summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (key BLOB PRIMARY KEY, data BLOB NOT NULL, used REAL);
CREATE TABLE IF NOT EXISTS blobs (oid TEXT PRIMARY KEY, digest BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commit_summaries (key BLOB PRIMARY KEY, summary TEXT NOT NULL);
"""


class CacheUnavailable(Exception):
    pass


class Cache:
    """One open cache. Use :func:`open_cache`; every method may be called on a disabled cache."""

    def __init__(self, conn: sqlite3.Connection | None, path: Path | None) -> None:
        self.conn = conn
        self.path = path
        self.warnings: list[str] = []
        self._writer: _Writer | None = None

    @property
    def enabled(self) -> bool:
        return self.conn is not None

    # -- facts -------------------------------------------------------------------------
    def get_facts(self, keys: Iterable[bytes]) -> dict[bytes, bytes]:
        self.flush()
        if self.conn is None:
            return {}
        out: dict[bytes, bytes] = {}
        key_list = list(keys)
        for i in range(0, len(key_list), _BATCH):
            chunk = key_list[i : i + _BATCH]
            marks = ",".join("?" * len(chunk))
            rows = self._read(f"SELECT key, data FROM facts WHERE key IN ({marks})", chunk)
            out.update(rows)
        return out

    def put_facts(self, rows: Iterable[tuple[bytes, bytes]], background: bool = False) -> None:
        """Store facts. With ``background``, a process of its own writes them, so the
        caller goes on meanwhile: a cold scan runs its project phase while tens of megabytes
        of facts are written. (A thread would not do: it needs the GIL back before every row,
        and the project phase holds it; the write took three times as long, measured.) The
        write is complete before :meth:`get_facts`, :meth:`flush` or :meth:`close` return."""
        self.flush()
        rows = list(rows)
        if not rows or self.conn is None:
            return
        if not background or self.path is None or len(rows) < _BACKGROUND_ROWS:
            self._write(_PUT_FACTS, rows)
            return
        writer = _start_writer(self.path, rows)
        if writer is None:  # no way to start a process here: write in this one
            self._write(_PUT_FACTS, rows)
            return
        self._writer = writer

    def flush(self) -> None:
        """Wait for a background write (before reading facts, forking, or closing)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            warning = writer.wait()
            if warning:
                self.warnings.append(warning)

    # -- stat index --------------------------------------------------------------------
    def get_stats(self) -> dict[str, tuple[int, int, int, bytes]]:
        if self.conn is None:
            return {}
        return {
            p: (s, m, i, d)
            for p, s, m, i, d in self._read("SELECT path, size, mtime_ns, ino, digest FROM files")
        }

    def put_stats(self, rows: Iterable[tuple[str, int, int, int, bytes]]) -> None:
        self._write(
            "INSERT OR REPLACE INTO files (path, size, mtime_ns, ino, digest) VALUES (?,?,?,?,?)",
            # a path that is no UTF-8 (``b\udce9d.py``) cannot be SQLite text: such a file
            # is hashed on every run instead
            [row for row in rows if row[0].isascii() or _utf8(row[0])],
        )

    # -- results -----------------------------------------------------------------------
    def get_result(self, key: bytes) -> bytes | None:
        if self.conn is None:
            return None
        rows = self._read("SELECT data FROM results WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def put_result(self, key: bytes, data: bytes, keep: int = 8) -> None:
        self._write(
            "INSERT OR REPLACE INTO results (key, data, used) VALUES (?, ?, ?)",
            [(key, data, time.time())],
        )
        self._execute(
            "DELETE FROM results WHERE key NOT IN "
            "(SELECT key FROM results ORDER BY used DESC LIMIT ?)",
            (keep,),
        )

    # -- snapshots -------------------------------------------------------------------
    def get_snapshot(self, key: bytes) -> bytes | None:
        if self.conn is None:
            return None
        rows = self._read("SELECT data FROM snapshots WHERE key = ?", (key,))
        return bytes(rows[0][0]) if rows else None

    def put_snapshot(self, key: bytes, data: bytes, keep: int = 8) -> None:
        self._write(
            "INSERT OR REPLACE INTO snapshots (key, data, used) VALUES (?, ?, ?)",
            [(key, data, time.time())],
        )
        self._execute(
            "DELETE FROM snapshots WHERE key NOT IN "
            "(SELECT key FROM snapshots ORDER BY used DESC LIMIT ?)",
            (keep,),
        )

    # -- runs --------------------------------------------------------------------------
    def add_run(self, commit: str | None, date: str, subject: str | None, summary: str) -> None:
        self._write(
            "INSERT INTO runs (commit_sha, date, subject, summary) VALUES (?, ?, ?, ?)",
            [(commit, date, subject, summary)],
        )

    def runs(self) -> list[tuple[str | None, str, str | None, str]]:
        if self.conn is None:
            return []
        return [
            (c, d, s, m)
            for c, d, s, m in self._read(
                "SELECT commit_sha, date, subject, summary FROM runs ORDER BY id"
            )
        ]

    # -- git blobs and commit summaries (history --git, syntax --blame) ----------------
    def get_blob_digests(self, oids: Iterable[str]) -> dict[str, bytes]:
        """Content hashes of the git blobs already read, by blob id."""
        if self.conn is None:
            return {}
        out: dict[str, bytes] = {}
        oid_list = list(oids)
        for i in range(0, len(oid_list), _BATCH):
            chunk = oid_list[i : i + _BATCH]
            marks = ",".join("?" * len(chunk))
            for oid, digest in self._read(
                f"SELECT oid, digest FROM blobs WHERE oid IN ({marks})", chunk
            ):
                if isinstance(oid, str) and isinstance(digest, bytes):
                    out[oid] = digest
        return out

    def put_blob_digests(self, rows: Iterable[tuple[str, bytes]]) -> None:
        self._write("INSERT OR REPLACE INTO blobs (oid, digest) VALUES (?, ?)", rows)

    def get_commit_summary(self, key: bytes) -> str | None:
        if self.conn is None:
            return None
        rows = self._read("SELECT summary FROM commit_summaries WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def put_commit_summaries(self, rows: Iterable[tuple[bytes, str]]) -> None:
        self._write("INSERT OR REPLACE INTO commit_summaries (key, summary) VALUES (?, ?)", rows)

    # -- plumbing ----------------------------------------------------------------------
    def _read(self, sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        assert self.conn is not None
        try:
            return list(self.conn.execute(sql, tuple(params)))
        except sqlite3.OperationalError as exc:
            self._disable(f"cache read failed ({exc}); continuing without the cache")
            return []
        except sqlite3.DatabaseError as exc:
            self._rebuild(exc)
            return []

    def _write(self, sql: str, rows: Iterable[tuple[object, ...]]) -> None:
        if self.conn is None:
            return
        rows = list(rows)
        if not rows:
            return
        try:
            with self.conn:
                self.conn.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            # locked for longer than the busy timeout: the results are still right
            self.warnings.append(f"cache not updated ({exc})")
        except sqlite3.DatabaseError as exc:
            self._rebuild(exc)

    def _execute(self, sql: str, params: tuple[object, ...]) -> None:
        if self.conn is None:
            return
        try:
            with self.conn:
                self.conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            self.warnings.append(f"cache not updated ({exc})")

    def _disable(self, message: str) -> None:
        self.warnings.append(message)
        with contextlib.suppress(sqlite3.Error):
            if self.conn is not None:
                self.conn.close()
        self.conn = None

    def _rebuild(self, error: Exception) -> None:
        """The file is damaged beyond what opening it showed: move it aside and start over
        (this run goes on with an empty cache; what it computes is stored again)."""
        self._disable(f"cache {self.path} was unusable ({error}); rebuilt it")
        if self.path is None:
            return
        _move_aside(self.path)
        with contextlib.suppress(sqlite3.Error, OSError):
            self.conn = _connect(self.path)

    def close(self) -> None:
        self.flush()
        if self.conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self.conn.close()
            self.conn = None


_TABLES = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", _SCHEMA))

#: The background writer's program: only the standard library, so that it starts in a few
#: milliseconds (``-I -S``). It reads the marshalled rows from a file the caller wrote.
_WRITER_PROGRAM = """
import marshal, os, sqlite3, sys
db, rows_path, timeout, sql = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
try:
    with open(rows_path, "rb") as fh:
        rows = marshal.load(fh)
finally:
    os.unlink(rows_path)
conn = None
try:
    conn = sqlite3.connect(db, timeout=timeout, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")
except sqlite3.Error as exc:  # locked, or damaged: the results are right anyway
    sys.stderr.write(f"cache not updated ({exc})")
finally:
    if conn is not None:
        conn.close()
"""


class _Writer:
    """A background write of facts, in a process of its own."""

    def __init__(self, proc: subprocess.Popen[bytes], rows_path: str) -> None:
        self.proc = proc
        self.rows_path = rows_path

    def wait(self) -> str:
        """Wait for the write to end; a warning when it did not happen."""
        _, err = self.proc.communicate()
        with contextlib.suppress(OSError):
            os.unlink(self.rows_path)  # normally the writer's job
        message = err.decode("utf-8", errors="replace").strip()
        if self.proc.returncode == 0 and not message:
            return ""
        last = message.splitlines()[-1] if message else f"exit status {self.proc.returncode}"
        return last if last.startswith("cache not updated") else f"cache not updated ({last})"


def _start_writer(db: Path, rows: list[tuple[bytes, bytes]]) -> _Writer | None:
    import marshal
    import subprocess
    import sys
    import tempfile

    if not sys.executable or getattr(sys, "frozen", False):  # no interpreter to start
        return None
    rows_path = ""
    try:
        fd, rows_path = tempfile.mkstemp(prefix="facts-", suffix=".tmp", dir=db.parent)
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(rows, fh)
        argv = [sys.executable, "-I", "-S", "-c", _WRITER_PROGRAM]
        proc = subprocess.Popen(
            [*argv, str(db), rows_path, str(BUSY_TIMEOUT_S), _PUT_FACTS],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except (OSError, ValueError, subprocess.SubprocessError):
        if rows_path:
            with contextlib.suppress(OSError):
                os.unlink(rows_path)
        return None
    return _Writer(proc, rows_path)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.isolation_level = "DEFERRED"
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        # Large pages: facts are a few kilobytes each, and a run reads thousands of them by
        # key; with 64 KiB pages that takes about half the time it does with the default 4
        # KiB (fewer overflow pages to follow). Only a new, empty database takes the size.
        conn.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
        # reading first: a corrupt file fails here, and an existing cache needs no write
        # (so a run never waits for another run's long write just to open the cache)
        mode = conn.execute("PRAGMA journal_mode").fetchone()
        if not mode or str(mode[0]).lower() != "wal":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if not mode:
                raise sqlite3.DatabaseError("cannot set journal mode")
        conn.execute("PRAGMA synchronous = NORMAL")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables >= _TABLES:
            with conn:
                conn.executescript(_SCHEMA)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            with conn:
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)",
                    (str(SCHEMA_VERSION),),
                )
        elif row[0] != str(SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"cache schema {row[0]} is not {SCHEMA_VERSION}")
        # a quick integrity probe: a corrupt file usually fails here
        conn.execute("SELECT count(*) FROM meta").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _move_aside(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.replace(f"{path}{suffix}", f"{path}{suffix}.broken")


def _ensure_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        with contextlib.suppress(OSError):
            ignore.write_text("# created by awaitify: the cache is not part of the project\n*\n")


def open_cache(directory: Path, enabled: bool = True) -> Cache:
    """Open (creating if need be) the cache; a broken one is moved aside and rebuilt."""
    if not enabled:
        return Cache(None, None)
    path = directory / "cache.sqlite"
    warnings: list[str] = []
    try:
        _ensure_dir(directory)
    except OSError as exc:
        cache = Cache(None, None)
        cache.warnings.append(f"cannot create {directory} ({exc.strerror}); running without cache")
        return cache
    for attempt in range(2):
        try:
            conn = _connect(path)
            cache = Cache(conn, path)
            cache.warnings.extend(warnings)
            return cache
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                cache = Cache(None, None)
                cache.warnings.append(f"cache is locked ({exc}); running without it")
                return cache
            error: Exception = exc
        except sqlite3.DatabaseError as exc:
            error = exc
        if attempt == 0:
            warnings.append(f"cache {path} was unusable ({error}); rebuilt it")
            _move_aside(path)
    cache = Cache(None, None)
    cache.warnings.extend(warnings)
    cache.warnings.append("cache could not be rebuilt; running without it")
    return cache


@contextlib.contextmanager
def cache_session(directory: Path, enabled: bool = True) -> Iterator[Cache]:
    cache = open_cache(directory, enabled)
    try:
        yield cache
    finally:
        cache.close()


def _utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
