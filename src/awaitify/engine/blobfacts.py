"""Facts for git blobs, through the cache: a blob met before is never read or parsed again.

Three levels, cheapest first:

1. blob id → content hash (``blobs`` table, and a dict for this run): a blob whose content
   hash is known is not even read from git;
2. content hash → facts (the ``facts`` table that ``scan`` fills too, keyed exactly like
   :func:`awaitify.engine.runner.facts_for_blob`): a blob whose bytes were ever analysed —
   as a file on disk or as a blob of another commit — is not parsed;
3. only what is left is read through ``git cat-file --batch`` and parsed, in a process pool
   when there is enough of it.

:class:`BlobStats` counts what each level did, which is how tests and the benchmark see
that a second ``history --git`` parses nothing.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from awaitify.analysis.facts import FileFacts, dump_facts, load_facts
from awaitify.engine.cache import Cache
from awaitify.engine.git import Repository
from awaitify.engine.runner import facts_key, facts_salt, unreadable_facts
from awaitify.hashing import content_digest

#: Fewer blobs than this are parsed in-process: a pool costs more than it saves.
_POOL_THRESHOLD = 48

ProgressFactory = Callable[[int], Callable[[int], None]]


@dataclass
class BlobStats:
    """What the blob store did during one run."""

    requested: int = 0  # distinct blob ids asked for
    read: int = 0  # blobs read from git (their content hash was not known)
    parsed: int = 0  # blobs parsed (their facts were in no cache)


def _parse(job: tuple[bytes, tuple[int, int] | None]) -> bytes:
    from awaitify.engine.parse import facts_from_bytes

    data, target = job
    try:
        return dump_facts(facts_from_bytes(data, target))
    except Exception as exc:  # a bug in awaitify must not end the run: report the blob
        return dump_facts(
            unreadable_facts(f"internal error while analysing: {type(exc).__name__}: {exc}")
        )


def _init_worker() -> None:
    gc.disable()  # ASTs hold no cycles; collecting them only costs time


def _pool_context() -> multiprocessing.context.BaseContext:
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class BlobFacts:
    """Facts of the blobs of one repository, for one target version."""

    def __init__(
        self,
        repo: Repository,
        cache: Cache,
        target: tuple[int, int] | None,
        jobs: int | None = None,
    ) -> None:
        self.repo = repo
        self.cache = cache
        self.target = target
        self.salt = facts_salt(target)
        self.jobs = jobs or os.cpu_count() or 1
        self.stats = BlobStats()
        self._digest: dict[str, bytes] = {}  # blob id → content hash
        self._facts: dict[bytes, FileFacts] = {}  # content hash → facts
        self._seen: set[str] = set()

    def get(
        self, oids: Sequence[str], progress: ProgressFactory | None = None
    ) -> dict[str, tuple[bytes, FileFacts]]:
        """(content hash, facts) for each blob id; ``progress`` is told how many get parsed."""
        wanted = list(dict.fromkeys(oids))
        fresh = [o for o in wanted if o not in self._seen]
        self._seen.update(fresh)
        self.stats.requested += len(fresh)
        unknown = [o for o in wanted if o not in self._digest]
        if unknown:
            self._digest.update(self.cache.get_blob_digests(unknown))
        self._load_facts({self._digest[o] for o in wanted if o in self._digest})
        to_read = [o for o in wanted if self._digest.get(o) not in self._facts]
        if to_read:
            self._read_and_parse(to_read, progress)
        return {o: (self._digest[o], self._facts[self._digest[o]]) for o in wanted}

    def _load_facts(self, digests: set[bytes]) -> None:
        missing = [d for d in digests if d not in self._facts]
        if not missing:
            return
        keys = {facts_key(d, self.salt): d for d in missing}
        for key, blob in self.cache.get_facts(keys).items():
            with contextlib.suppress(ValueError):  # damaged row: parse the blob again
                self._facts[keys[key]] = load_facts(blob)

    def _read_and_parse(self, oids: list[str], progress: ProgressFactory | None) -> None:
        contents: dict[bytes, bytes] = {}
        new_digests: list[tuple[str, bytes]] = []
        for oid, data in self.repo.read_blobs(oids):
            self.stats.read += 1
            if data is None:  # not in the object store (a broken or shallow clone)
                digest = content_digest(f"missing blob {oid}".encode())
                self._digest[oid] = digest
                self._facts[digest] = unreadable_facts(f"git has no blob {oid}")
                continue
            digest = content_digest(data)
            self._digest[oid] = digest
            new_digests.append((oid, digest))
            contents.setdefault(digest, data)
        self._load_facts(set(contents))  # the same bytes may have been analysed on disk
        pending = [(d, data) for d, data in contents.items() if d not in self._facts]
        if pending:
            self._parse_all(pending, progress)
        self.cache.put_blob_digests(new_digests)

    def _parse_all(
        self, pending: list[tuple[bytes, bytes]], progress: ProgressFactory | None
    ) -> None:
        advance = progress(len(pending)) if progress else None
        target = self.target
        rows: list[tuple[bytes, bytes]] = []

        def take(digest: bytes, blob: bytes) -> None:
            self._facts[digest] = load_facts(blob)
            rows.append((facts_key(digest, self.salt), blob))
            self.stats.parsed += 1
            if advance:
                advance(1)

        if len(pending) < _POOL_THRESHOLD or self.jobs <= 1:
            for digest, data in pending:
                take(digest, _parse((data, target)))
        else:
            # biggest first, so no core is left with one huge file at the end
            pending.sort(key=lambda item: -len(item[1]))
            ctx = _pool_context()
            with ctx.Pool(self.jobs, initializer=_init_worker) as pool:
                blobs = pool.imap(_parse, [(data, target) for _, data in pending], chunksize=4)
                for (digest, _), blob in zip(pending, blobs, strict=True):
                    take(digest, blob)
        self.cache.put_facts(rows)
