"""What one scan saw of the file tree, so the next can tell in milliseconds that nothing changed.

A snapshot holds the files a scan found, each with the (size, mtime_ns, inode) and content
hash it had; every folder the walk listed, with its mtime and a digest of what the walk took
from its listing; and every ignore file the walk read (or looked for). A folder's mtime
changes whenever an entry is added to, removed from or renamed in it, so while no listed
folder and no ignore file changed, discovery would find the same files: the next run stats
those instead of walking the tree, and a file whose stat did not change keeps its content
hash without being read. A folder whose mtime did change is listed again, that folder
alone: editors that save through a temporary file and a rename, ``git checkout`` and
``sed -i`` all move it without changing which files it holds, and while its listing's
digest is the same, so is what the walk would find.

Anything modified less than :data:`~awaitify.engine.discover.RACY_NS` before it was recorded
is stored as unknown (mtime -1): a second change within the same mtime tick would not move
its mtime, so it is checked again next time ("racily clean", as git calls it).
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from awaitify import __version__
from awaitify.config import Config
from awaitify.engine.cache import Cache
from awaitify.engine.discover import Discovery, SourceFile, include_matcher, list_folder, stat_key
from awaitify.hashing import blake2b

_FORMAT = 2

#: (abspath, display, size, mtime_ns, inode, content hash)
Row = tuple[str, str, int, int, int, bytes]


@dataclass
class Snapshot:
    rows: list[Row]
    problems: list[str]
    dirs: list[tuple[str, int, bytes]]
    watched: list[tuple[str, int, int]]
    #: a folder was listed again (its mtime moved, its listing did not): worth storing
    refreshed: bool = False

    def files(self) -> list[SourceFile]:
        return [SourceFile(r[0], r[1]) for r in self.rows]

    def stats(self) -> dict[str, tuple[int, int, int, bytes]]:
        return {r[0]: (r[2], r[3], r[4], r[5]) for r in self.rows}


def snapshot_key(config: Config, cwd: str, paths: Sequence[str | Path]) -> bytes:
    h = blake2b(digest_size=16)
    h.update(
        f"{__version__}\0{_FORMAT}\0{config.digest()}\0{config.root}\0{cwd}".encode(
            errors="surrogateescape"
        )
    )
    for p in paths:
        h.update(b"\0" + os.path.abspath(p).encode(errors="surrogateescape"))
    return h.digest()


def load_snapshot(cache: Cache, key: bytes, config: Config) -> Snapshot | None:
    """The snapshot for ``key`` if the tree it describes still has the same files."""
    blob = cache.get_snapshot(key)
    if blob is None:
        return None
    try:
        fmt, rows, problems, dirs, watched = marshal.loads(blob)
        if fmt != _FORMAT:
            return None
    except (EOFError, TypeError, ValueError):
        return None
    for path, size, mtime in watched:
        if stat_key(path) != (size, mtime):
            return None
    stat = os.stat
    wanted = include_matcher(config.include)
    relisted: dict[int, tuple[str, int, bytes]] = {}
    try:
        for i, (path, mtime, digest) in enumerate(dirs):
            now = stat(path).st_mtime_ns
            if now == mtime:
                continue
            if list_folder(path, wanted).digest() != digest:
                return None
            relisted[i] = (path, now, digest)
    except OSError:
        return None
    if relisted:
        dirs = [relisted.get(i, d) for i, d in enumerate(dirs)]
    return Snapshot(list(rows), list(problems), list(dirs), list(watched), bool(relisted))


def check_rows(rows: Sequence[Row]) -> tuple[dict[str, bytes], list[str]]:
    """Content hashes of the files whose stat did not change, and the files that did."""
    digests: dict[str, bytes] = {}
    pending: list[str] = []
    stat = os.stat
    for path, _, size, mtime, ino, digest in rows:
        try:
            st = stat(path)
        except OSError:
            pending.append(path)
            continue
        if st.st_mtime_ns == mtime and st.st_size == size and st.st_ino == ino:
            digests[path] = digest
        else:
            pending.append(path)
    return digests, pending


def save_snapshot(
    cache: Cache,
    key: bytes,
    files: Sequence[tuple[str, str]],
    stats: dict[str, tuple[int, int, int, bytes]],
    discovery: Discovery | Snapshot,
    racy_limit_ns: int,
) -> None:
    """Store what this run saw: ``files`` as (abspath, display), ``stats`` by abspath.

    Nothing is stored while a file or a folder cannot be read: it would not show up when
    it becomes readable, so those runs keep walking the tree."""
    if not cache.enabled or discovery.problems:
        return
    rows: list[Row] = []
    for abspath, display in files:
        st = stats.get(abspath)
        if st is None:
            return
        size, mtime, ino, digest = st
        rows.append((abspath, display, size, mtime if mtime < racy_limit_ns else -1, ino, digest))
    dirs = [(d, m if m < racy_limit_ns else -1, h) for d, m, h in discovery.dirs]
    watched = [(w, s, m if m < racy_limit_ns else -1) for w, s, m in discovery.watched]
    blob = marshal.dumps((_FORMAT, rows, discovery.problems, dirs, watched))
    cache.put_snapshot(key, blob)
