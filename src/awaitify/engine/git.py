"""Every git subprocess awaitify runs: repository lookup, commit lists, trees, blobs, diffs.

Only plumbing commands are used where one exists (``rev-parse``, ``log`` with an explicit
format, ``ls-tree``, ``cat-file``, ``diff-tree``), with options that make their output
independent of the user's git configuration (no colour, no external diff, no textconv, no
rename detection). Blobs are read through long-lived ``git cat-file --batch`` /
``--batch-check`` processes, so reading a thousand blobs costs one process, not a thousand.
Nothing here parses Python or touches the cache: see :mod:`awaitify.engine.blobfacts`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: Requests written to a ``cat-file`` process before its answers are read. Small enough
#: that the requests fit in a pipe buffer, so writing never waits on git's output.
_CHUNK = 256
_FIELD = "\x1f"
_LOG_FORMAT = _FIELD.join(("%H", "%T", "%P", "%cI", "%s"))


class GitError(Exception):
    """A git command failed; the message is git's own first line of complaint."""


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    date: str  # committer date, strict ISO-8601 with offset
    subject: str


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str  # relative to the repository root, "/"-separated
    oid: str  # blob id


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_TERMINAL_PROMPT="0",  # never wait for credentials
        GIT_OPTIONAL_LOCKS="0",  # a read-only look must not take the index lock
        GIT_PAGER="cat",
        LC_ALL="C",
    )
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)  # e.g. set by a hook: the repository is the one we look in
    return env


def _first_line(stderr: bytes) -> str:
    for line in stderr.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return "git failed"


def find_repository(start: Path) -> Repository | str:
    """The repository holding ``start``, or a one-line reason why there is none."""
    directory = start if start.is_dir() else start.parent
    if not directory.is_dir():
        return f"{directory} is not a directory"
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=directory,
            capture_output=True,
            env=_env(),
            check=False,
        )
    except FileNotFoundError:
        return "git is not installed"
    except OSError as exc:
        return f"cannot run git ({exc.strerror})"
    if proc.returncode != 0:
        return f"{directory} is not in a git repository"
    root = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return Repository(Path(root))


class _Batch:
    """One long-lived ``git cat-file --batch[-check]`` process."""

    def __init__(self, root: Path, mode: str) -> None:
        try:
            self.proc = subprocess.Popen(
                ["git", "cat-file", mode],
                cwd=root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_env(),
            )
        except OSError as exc:
            raise GitError(f"cannot run git cat-file ({exc.strerror})") from exc
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout

    def ask(self, names: Sequence[str]) -> None:
        try:
            self.stdin.write("".join(f"{n}\n" for n in names).encode("utf-8", "surrogateescape"))
            self.stdin.flush()
        except OSError as exc:  # BrokenPipeError: git went away
            raise GitError("git cat-file stopped unexpectedly") from exc

    def header(self) -> tuple[str, str, int] | None:
        """(object id, type, size) of the next answer, None for a missing object."""
        line = self.stdout.readline()
        if not line:
            raise GitError("git cat-file stopped unexpectedly")
        parts = line.decode("utf-8", "surrogateescape").split()
        if len(parts) != 3 or parts[-1] == "missing":
            return None  # "<name> missing" / "<name> ambiguous"
        return parts[0], parts[1], int(parts[2])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(OSError):
            self.stdout.close()


class Repository:
    """A git work tree. Close it (or use it as a context manager) to end its processes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._check: _Batch | None = None
        self._blobs: _Batch | None = None

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for batch in (self._check, self._blobs):
            if batch is not None:
                batch.close()
        self._check = self._blobs = None

    # -- one-shot commands ---------------------------------------------------------------
    def _run(self, args: Sequence[str], ok: tuple[int, ...] = (0,)) -> bytes:
        try:
            proc = subprocess.run(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=self.root,
                capture_output=True,
                env=_env(),
                check=False,
            )
        except OSError as exc:
            raise GitError(f"cannot run git ({exc.strerror})") from exc
        if proc.returncode not in ok:
            raise GitError(_first_line(proc.stderr))
        return proc.stdout

    def _log(self, args: Sequence[str]) -> list[Commit]:
        out = self._run(["log", "-z", f"--format={_LOG_FORMAT}", "--no-show-signature", *args])
        commits = []
        for record in out.decode("utf-8", "replace").split("\0"):
            if not record.strip():
                continue
            sha, tree, parents, date, subject = record.lstrip("\n").split(_FIELD, 4)
            commits.append(Commit(sha, tree, tuple(parents.split()), date, subject))
        return commits

    def head(self) -> Commit | None:
        """The commit checked out, None on a branch with no commit yet."""
        try:
            commits = self._log(["-1", "HEAD", "--"])
        except GitError:
            return None
        return commits[0] if commits else None

    def commits(self, rev_range: str) -> list[Commit]:
        """The commits of ``git rev-list RANGE``, oldest first."""
        if not rev_range.strip() or rev_range.startswith("-"):
            raise GitError(f"{rev_range!r} is not a revision range")
        return self._log(["--reverse", "--end-of-options", *rev_range.split(), "--"])

    def path_history(self, relpath: str) -> list[Commit]:
        """Commits of HEAD that changed ``relpath``, newest first (renames not followed)."""
        return self._log(["--topo-order", "HEAD", "--", f":(literal){relpath}"])

    def ls_tree(self, commit: str, prefixes: Sequence[str] = ()) -> list[TreeEntry]:
        """Regular-file blobs of ``commit`` (under ``prefixes``, repository-relative)."""
        specs = [f":(literal){p}" for p in prefixes if p not in ("", ".")]
        out = self._run(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *specs])
        entries = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, kind, oid = meta.split()
            if kind != b"blob" or mode == b"120000":  # symlinks have no source of their own
                continue
            entries.append(TreeEntry(path.decode("utf-8", "surrogateescape"), oid.decode()))
        return entries

    def commit_diff(self, commit: Commit, relpath: str) -> str:
        """The patch ``commit`` made to ``relpath`` (against its first parent)."""
        base = ["diff-tree", "-p", "--no-commit-id", "--no-color", "--no-ext-diff",
                "--no-textconv", "--no-renames", "--text", "-U3"]  # fmt: skip
        if commit.parents:
            args = [*base, commit.parents[0], commit.sha]
        else:
            args = [*base, "--root", commit.sha]
        out = self._run([*args, "--", f":(literal){relpath}"])
        return out.decode("utf-8", "replace")

    def worktree_diff(self, relpath: str, tracked: bool) -> str:
        """The uncommitted change to ``relpath`` (the whole file when it is not tracked)."""
        opts = ["--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--text",
                "-U3", "--src-prefix=a/", "--dst-prefix=b/"]  # fmt: skip
        if tracked:
            out = self._run(["diff", *opts, "HEAD", "--", f":(literal){relpath}"])
        else:  # exit status 1 just means "they differ"
            out = self._run(["diff", "--no-index", *opts, "--", os.devnull, relpath], ok=(0, 1))
        return out.decode("utf-8", "replace")

    # -- batch object access -------------------------------------------------------------
    def object_ids(self, names: Sequence[str]) -> list[str | None]:
        """The blob id of each ``rev:path`` (None where there is no such blob)."""
        if self._check is None:
            self._check = _Batch(self.root, "--batch-check")
        found: dict[str, str | None] = {}
        askable = [n for n in dict.fromkeys(names) if "\n" not in n]  # the protocol is lines
        for i in range(0, len(askable), _CHUNK):
            chunk = askable[i : i + _CHUNK]
            self._check.ask(chunk)
            for name in chunk:
                head = self._check.header()
                found[name] = head[0] if head and head[1] == "blob" else None
        return [found.get(n) for n in names]

    def read_blobs(self, oids: Sequence[str]) -> Iterator[tuple[str, bytes | None]]:
        """(blob id, bytes) for each id, in order; None for an object git does not have."""
        if self._blobs is None:
            self._blobs = _Batch(self.root, "--batch")
        batch = self._blobs
        for i in range(0, len(oids), _CHUNK):
            chunk = oids[i : i + _CHUNK]
            batch.ask(chunk)
            answers = [(oid, self._answer(batch)) for oid in chunk]
            yield from answers

    @staticmethod
    def _answer(batch: _Batch) -> bytes | None:
        head = batch.header()
        if head is None:
            return None
        data = batch.stdout.read(head[2])
        batch.stdout.read(1)  # the newline after the contents
        return data if head[1] == "blob" else None
