"""``syntax --blame``: for a file that does not parse, the commit that broke it.

For each broken file: one ``git log -- PATH`` gives the commits of HEAD that changed it,
newest first (renames are not followed); ``cat-file --batch-check`` gives the blob of the
file at each of them, and the walk goes back until a version parses. Blob facts come from
:class:`~awaitify.engine.blobfacts.BlobFacts`, so a version met before (by ``scan`` on disk,
by ``history --git``, by an earlier blame) is neither read nor parsed again, and a version
met for the first time is parsed once, ever.

The result names the last commit where the file parsed (None when no version ever did), the
first commit where it did not, and the hunk of that commit's diff that covers the line of
the error in that version (else the nearest hunk), e.g. the line a bulk "fix" script
rewrote.

Uncommitted changes: when the work-tree file differs from HEAD and HEAD's version parses,
the breakage is in the work tree: ``first_bad`` is ``{"commit": null, "date": <mtime of
the file>, "subject": "(uncommitted changes)"}`` and the hunk comes from ``git diff HEAD``.
A file git does not track at all gets the same ``first_bad``, ``last_good`` null and its
whole content as the hunk. When HEAD's version does not parse either, the walk runs over
the committed history as usual.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from awaitify.analysis.facts import FileFacts
from awaitify.engine.blobfacts import BlobFacts
from awaitify.engine.git import Commit, GitError, Repository
from awaitify.syntax_report import UNCOMMITTED, Blame, CommitRef

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_WINDOW = 32  # versions looked up per ``cat-file --batch-check`` round trip


@dataclass(frozen=True, slots=True)
class BlameRequest:
    relpath: str  # relative to the repository root, "/"-separated
    abspath: str
    line: int  # the error's line in the work-tree file
    code: str  # ASY001, or ASY002 (then "parses" means "parses under the target too")


def repo_relpath(repo: Repository, abspath: str) -> str | None:
    """``abspath`` relative to the repository root, None when outside it."""
    rel = os.path.relpath(os.path.realpath(abspath), os.path.realpath(repo.root))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return rel.replace(os.sep, "/")


def _parses(facts: FileFacts, code: str) -> bool:
    if facts.syntax_error is not None:
        return False
    return code != "ASY002" or facts.newer_syntax is None


def _ref(commit: Commit) -> CommitRef:
    return CommitRef(commit.sha, commit.date, commit.subject)


def _uncommitted(abspath: str) -> CommitRef:
    try:
        mtime = os.stat(abspath).st_mtime
        date = datetime.datetime.fromtimestamp(mtime).astimezone().isoformat(timespec="seconds")
    except OSError:
        date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    return CommitRef(None, date, UNCOMMITTED)


def pick_hunk(diff: str, line: int) -> str:
    """The hunk whose new side covers ``line``, else the nearest one; "" without hunks."""
    hunks: list[tuple[int, int, list[str]]] = []
    current: list[str] | None = None
    for text in diff.splitlines():
        m = _HUNK.match(text)
        if m:
            start = int(m.group(1))
            count = int(m.group(2)) if m.group(2) is not None else 1
            current = [text]
            # a pure deletion ("+12,0") sits between lines 12 and 13: call it line 12
            hunks.append((start, start + max(count, 1) - 1, current))
        elif current is not None:
            if text.startswith("diff --git"):
                current = None
            else:
                current.append(text)
    if not hunks:
        return ""

    def distance(h: tuple[int, int, list[str]]) -> int:
        first, last, _ = h
        return 0 if first <= line <= last else min(abs(line - first), abs(line - last))

    best = min(hunks, key=distance)  # min keeps the first of equals
    return "\n".join(best[2])


def blame_file(repo: Repository, blobs: BlobFacts, request: BlameRequest) -> Blame:
    """Where ``request``'s file last parsed and which commit (or work-tree change) broke it."""
    try:
        history = repo.path_history(request.relpath)
    except GitError:  # no commit yet on this branch
        history = []
    if not history:
        diff = repo.worktree_diff(request.relpath, tracked=False)
        return Blame(None, _uncommitted(request.abspath), pick_hunk(diff, request.line))
    last_good: Commit | None = None
    first_bad: tuple[Commit, int] | None = None  # the commit and the error's line there
    head_digest: bytes | None = None
    done = False
    for i in range(0, len(history), _WINDOW):
        window = history[i : i + _WINDOW]
        oids = repo.object_ids([f"{c.sha}:{request.relpath}" for c in window])
        for commit, oid in zip(window, oids, strict=True):
            if oid is None:  # deleted here: the versions before belong to another file
                done = True
                break
            digest, facts = blobs.get([oid])[oid]
            if commit is history[0]:
                head_digest = digest
            if _parses(facts, request.code):
                last_good = commit
                done = True
                break
            problem = facts.syntax_error or facts.newer_syntax
            first_bad = (commit, problem.line if problem else request.line)
        if done:
            break
    if first_bad is None:
        # HEAD's version parses (or is gone): the work tree broke it
        tracked = head_digest is not None
        diff = repo.worktree_diff(request.relpath, tracked=tracked)
        good = _ref(last_good) if last_good and tracked else None
        return Blame(good, _uncommitted(request.abspath), pick_hunk(diff, request.line))
    commit, line = first_bad
    diff = repo.commit_diff(commit, request.relpath)
    return Blame(_ref(last_good) if last_good else None, _ref(commit), pick_hunk(diff, line))


def blame_files(
    repo: Repository, blobs: BlobFacts, requests: Sequence[BlameRequest]
) -> tuple[dict[str, Blame], list[str]]:
    """Blame per repository-relative path, and a note for each file that could not be."""
    out: dict[str, Blame] = {}
    notes: list[str] = []
    for request in requests:
        try:
            out[request.relpath] = blame_file(repo, blobs, request)
        except GitError as exc:
            notes.append(f"{request.relpath}: cannot blame: {exc}")
    return out, notes
