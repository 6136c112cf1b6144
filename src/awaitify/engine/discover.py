"""Find the Python files under the scanned paths.

Skips VCS folders, virtualenvs (any folder holding ``pyvenv.cfg``), ``site-packages``,
``node_modules``, caches and build output; honours every ``.gitignore`` on the way down
(and ``.git/info/exclude``), deeper files overriding shallower ones as in git, plus the
``exclude`` patterns of the config. Directory symlinks are not followed, so symlink loops
cannot hang the walk; unreadable directories are skipped and reported.

Each directory is listed once (one ``scandir``, no per-entry ``stat`` for plain files), and
``pathspec`` is imported only when there is a pattern to match: this walk runs on every
scan, including the warm ones that must finish in well under a tenth of a second. The walk
also records what it depended on (every folder's mtime, every ignore file's stat) so that
:mod:`awaitify.engine.snapshot` can tell the next run cheaply that it would find the same
files.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from awaitify.config import Config
from awaitify.errors import UsageError
from awaitify.hashing import blake2b

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "site-packages",
        "node_modules", "__pycache__", "build", "dist", ".eggs", ".mypy_cache", ".ruff_cache",
        ".pytest_cache", ".awaitify", ".direnv", "__pypackages__", ".ipynb_checkpoints",
    }
)  # fmt: skip

#: stat of a watched file that does not exist
ABSENT = (-1, -1)


#: A file modified less than this before the run started may change again within the same
#: mtime tick (2 s on FAT): its stat is stored as unknown, so the next run reads it again
#: rather than trusting it ("racily clean", as git calls it).
RACY_NS = 3_000_000_000


class SourceFile(NamedTuple):
    """One file to analyse (a NamedTuple: a run makes one per file)."""

    abspath: str
    display: str  # relative to the current directory when under it, "/"-separated


class Listing(NamedTuple):
    """What the walk takes from one folder: all it decides for that folder depends on."""

    subdirs: list[str]  # names of the folders it may descend into
    files: list[str]  # names of the files ``include`` wants
    venv: bool  # holds ``pyvenv.cfg``
    has_ignore: bool  # holds ``.gitignore``

    def digest(self) -> bytes:
        """Equal digests: the walk finds the same files in and below this folder, as long
        as its subfolders and the ignore files did not change either."""
        h = blake2b(digest_size=8)
        h.update("\0".join(sorted(self.subdirs)).encode("utf-8", "surrogateescape"))
        h.update(b"\1")
        h.update("\0".join(sorted(self.files)).encode("utf-8", "surrogateescape"))
        h.update(b"\1%d%d" % (self.venv, self.has_ignore))
        return h.digest()


def list_folder(directory: str, wanted: Callable[[str], bool]) -> Listing:
    """One ``scandir`` of ``directory``, sorted into what the walk needs. Raises OSError."""
    subdirs: list[str] = []
    files: list[str] = []
    venv = has_ignore = False
    with os.scandir(directory) as it:
        entries = list(it)
    for entry in entries:
        name = entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                if name not in SKIP_DIRS and not name.endswith(".egg-info"):
                    subdirs.append(name)
                continue
            if wanted(name) and entry.is_file():
                files.append(name)
            elif name == "pyvenv.cfg":
                venv = True
            elif name == ".gitignore":
                has_ignore = True
        except OSError:
            continue
    return Listing(subdirs, files, venv, has_ignore)


@dataclass
class Discovery:
    files: list[SourceFile]
    problems: list[str] = field(default_factory=list)  # directories that could not be read
    #: every folder listed: (path, mtime_ns taken before the listing, its listing's digest)
    dirs: list[tuple[str, int, bytes]] = field(default_factory=list)
    #: every ignore file consulted (or looked for): (path, size, mtime_ns), ``ABSENT`` if none
    watched: list[tuple[str, int, int]] = field(default_factory=list)


def display_path(abspath: str, cwd: str) -> str:
    if abspath == cwd:
        return "."
    prefix = cwd.rstrip(os.sep) + os.sep
    rel = abspath[len(prefix) :] if abspath.startswith(prefix) else abspath
    return rel.replace(os.sep, "/")


def stat_key(path: str) -> tuple[int, int]:
    """(size, mtime_ns) of a file, ``ABSENT`` when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return ABSENT
    return (st.st_size, st.st_mtime_ns)


def gitignore_spec(lines: Iterable[str]) -> Any:
    """A ``pathspec.GitIgnoreSpec`` of ``lines``; ``pathspec`` (40+ ms to import) is loaded
    only when some pattern has to be matched."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(lines))


def _read_ignore(path: str, watched: list[tuple[str, int, int]] | None = None) -> Any:
    """The spec of one ignore file, or None; records the file in ``watched``."""
    if watched is not None:
        watched.append((path, *stat_key(path)))
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    lines = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return gitignore_spec(lines) if lines else None


def _rel(abspath: str, base: str) -> str | None:
    """``abspath`` relative to ``base`` with "/", or None when it is not below ``base``."""
    if abspath == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not abspath.startswith(prefix):
        return None
    rel = abspath[len(prefix) :]
    return rel if os.sep == "/" else rel.replace(os.sep, "/")


class _Ignores:
    """The ``exclude`` patterns of the config and the .gitignore matching."""

    def __init__(self, config: Config) -> None:
        self.config_root = str(config.root)
        self.exclude = gitignore_spec(config.exclude) if config.exclude else None
        self.respect_gitignore = config.respect_gitignore

    def excluded_by_config(self, abspath: str, is_dir: bool, base: str | None = None) -> bool:
        """``exclude`` patterns are relative to the config root; ``base`` replaces the root
        below a folder the user named explicitly although it is excluded (as ruff does for
        explicit paths), so that root-anchored patterns do not hide what was asked for."""
        if self.exclude is None:
            return False
        rel = _rel(abspath, base or self.config_root)
        if rel is None:
            return False
        return bool(self.exclude.match_file(rel + "/" if is_dir else rel))

    @staticmethod
    def ignored(specs: list[tuple[str, Any]], abspath: str, is_dir: bool) -> bool:
        """Git semantics: the deepest .gitignore with a matching pattern decides, so a
        nested ``!pattern`` re-includes what a parent ignored."""
        for base, spec in reversed(specs):
            rel = _rel(abspath, base)
            if rel is None:
                continue
            if is_dir:
                rel += "/"
            check = getattr(spec, "check_file", None)
            if check is None:  # pathspec < 0.12: no negation across files
                if spec.match_file(rel):
                    return True
                continue
            include = check(rel).include
            if include is not None:
                return bool(include)
        return False


def _git_root(start: str) -> str | None:
    d = start
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _initial_specs(start: str, watched: list[tuple[str, int, int]]) -> list[tuple[str, Any]]:
    """.gitignore files between the git root and ``start`` also apply below ``start``."""
    root = _git_root(start)
    if root is None:
        return []
    specs: list[tuple[str, Any]] = []
    info = _read_ignore(os.path.join(root, ".git", "info", "exclude"), watched)
    if info:
        specs.append((root, info))
    chain = []
    d = start
    while True:
        chain.append(d)
        if d == root:
            break
        d = os.path.dirname(d)
    for directory in reversed(chain[1:]):  # ancestors only; ``start`` is read by the walk
        spec = _read_ignore(os.path.join(directory, ".gitignore"), watched)
        if spec:
            specs.append((directory, spec))
    return specs


def include_matcher(include: tuple[str, ...]) -> Callable[[str], bool]:
    if set(include) <= {"*.py", "*.pyi"}:
        suffixes = tuple(p[1:] for p in include)
        return lambda name: name.endswith(suffixes)
    pattern = re.compile("|".join(fnmatch.translate(p) for p in include))
    return lambda name: pattern.match(name) is not None


def discover(paths: Iterable[Path], config: Config, cwd: str | None = None) -> Discovery:
    """Every Python file under ``paths``, sorted by display path, each once."""
    cwd = cwd or os.getcwd()
    ignores = _Ignores(config)
    respect_gitignore = ignores.respect_gitignore
    exclude = ignores.exclude is not None
    wanted = include_matcher(config.include)
    found: dict[str, SourceFile] = {}
    problems: list[str] = []
    dirs: list[tuple[str, int, bytes]] = []
    watched: list[tuple[str, int, int]] = []

    def walk(directory: str, specs: list[tuple[str, Any]], base: str | None, top: bool) -> None:
        try:
            mtime = os.stat(directory).st_mtime_ns
            listing = list_folder(directory, wanted)
        except OSError as exc:
            if top:  # a folder named on the command line: bad input
                raise UsageError(f"{directory}: cannot read directory: {exc.strerror}") from exc
            problems.append(
                f"{display_path(directory, cwd)}: cannot read directory: {exc.strerror}"
            )
            return
        dirs.append((directory, mtime, listing.digest()))
        if listing.venv and not top:
            return  # a virtualenv, whatever its name
        subdirs = [os.path.join(directory, name) for name in listing.subdirs]
        files = [os.path.join(directory, name) for name in listing.files]
        if listing.has_ignore and respect_gitignore:
            local = _read_ignore(os.path.join(directory, ".gitignore"), watched)
            if local is not None:
                specs = [*specs, (directory, local)]
        for path in files:
            if exclude and ignores.excluded_by_config(path, False, base):
                continue
            if specs and ignores.ignored(specs, path, False):
                continue
            if path not in found:
                found[path] = SourceFile(path, display_path(path, cwd))
        for path in subdirs:
            if exclude and ignores.excluded_by_config(path, True, base):
                continue
            if specs and ignores.ignored(specs, path, True):
                continue
            walk(path, specs, base, False)

    for p in paths:
        abspath = os.path.abspath(p)
        if os.path.isdir(abspath):
            specs = _initial_specs(abspath, watched) if respect_gitignore else []
            base = abspath if ignores.excluded_by_config(abspath, True) else None
            walk(abspath, specs, base, True)
        elif os.path.isfile(abspath):
            found.setdefault(abspath, SourceFile(abspath, display_path(abspath, cwd)))
            watched.append((abspath, *stat_key(abspath)))  # named: its going away is an error
        elif os.path.lexists(abspath):
            raise UsageError(f"{p}: not a file or directory")
        else:
            raise UsageError(f"{p}: no such file or directory")
    files = sorted(found.values(), key=lambda f: f.display)
    return Discovery(files, problems, dirs, watched)
