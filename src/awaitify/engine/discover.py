"""Find the Python files under the scanned paths.

Skips VCS folders, virtualenvs, ``site-packages``, ``node_modules``, caches and build
output; honours every ``.gitignore`` on the way down (and ``.git/info/exclude``) plus the
``exclude`` patterns of the config. Directory symlinks are not followed, so symlink loops
cannot hang the walk; unreadable directories are skipped and reported.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from awaitify.config import Config
from awaitify.errors import UsageError

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "site-packages",
        "node_modules", "__pycache__", "build", "dist", ".eggs", ".mypy_cache", ".ruff_cache",
        ".pytest_cache", ".awaitify", ".direnv", "__pypackages__", ".ipynb_checkpoints",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SourceFile:
    abspath: str
    display: str  # relative to the current directory when under it, "/"-separated


@dataclass
class Discovery:
    files: list[SourceFile]
    problems: list[str] = field(default_factory=list)  # directories that could not be read


def display_path(abspath: str, cwd: str) -> str:
    if abspath == cwd:
        return "."
    prefix = cwd.rstrip(os.sep) + os.sep
    if abspath.startswith(prefix):
        rel = abspath[len(prefix) :]
    else:
        rel = abspath
    return rel.replace(os.sep, "/")


def _read_ignore(path: str) -> pathspec.PathSpec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    lines = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


class _Ignores:
    """Stack of (.gitignore base, spec) pairs in force for the directory being walked."""

    def __init__(self, config: Config) -> None:
        self.config_root = str(config.root)
        self.exclude = (
            pathspec.GitIgnoreSpec.from_lines(config.exclude) if config.exclude else None
        )
        self.respect_gitignore = config.respect_gitignore

    def excluded_by_config(self, abspath: str, is_dir: bool, base: str | None = None) -> bool:
        """``exclude`` patterns are relative to the config root; ``base`` replaces the root
        below a folder the user named explicitly although it is excluded (as ruff does for
        explicit paths), so that root-anchored patterns do not hide what was asked for."""
        if self.exclude is None:
            return False
        rel = os.path.relpath(abspath, base or self.config_root).replace(os.sep, "/")
        if rel.startswith("../"):
            return False
        return bool(self.exclude.match_file(rel + "/" if is_dir else rel))

    @staticmethod
    def ignored(specs: Sequence[tuple[str, pathspec.PathSpec]], abspath: str, is_dir: bool) -> bool:
        for base, spec in specs:
            rel = os.path.relpath(abspath, base).replace(os.sep, "/")
            if spec.match_file(rel + "/" if is_dir else rel):
                return True
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


def _initial_specs(start: str) -> list[tuple[str, pathspec.PathSpec]]:
    """.gitignore files between the git root and ``start`` also apply below ``start``."""
    root = _git_root(start)
    if root is None:
        return []
    specs: list[tuple[str, pathspec.PathSpec]] = []
    info = _read_ignore(os.path.join(root, ".git", "info", "exclude"))
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
        spec = _read_ignore(os.path.join(directory, ".gitignore"))
        if spec:
            specs.append((directory, spec))
    return specs


def discover(paths: Iterable[Path], config: Config, cwd: str | None = None) -> Discovery:
    """Every Python file under ``paths``, sorted by display path, each once."""
    cwd = cwd or os.getcwd()
    ignores = _Ignores(config)
    include = config.include
    found: dict[str, SourceFile] = {}
    problems: list[str] = []

    def wanted(name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pat) for pat in include)

    def walk(directory: str, specs: list[tuple[str, pathspec.PathSpec]], base: str | None) -> None:
        if ignores.respect_gitignore:
            local = _read_ignore(os.path.join(directory, ".gitignore"))
            if local:
                specs = [*specs, (directory, local)]
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            problems.append(f"{display_path(directory, cwd)}: cannot read directory: {exc.strerror}")
            return
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue
            path = entry.path
            if is_dir:
                if name in SKIP_DIRS or name.endswith(".egg-info"):
                    continue
                if os.path.exists(os.path.join(path, "pyvenv.cfg")):
                    continue  # a virtualenv, whatever its name
                if ignores.excluded_by_config(path, True, base) or (
                    specs and ignores.ignored(specs, path, True)
                ):
                    continue
                walk(path, specs, base)
            elif is_file and wanted(name):
                if ignores.excluded_by_config(path, False, base) or (
                    specs and ignores.ignored(specs, path, False)
                ):
                    continue
                found.setdefault(path, SourceFile(path, display_path(path, cwd)))

    for p in paths:
        abspath = os.path.abspath(p)
        if os.path.isdir(abspath):
            specs = _initial_specs(abspath) if ignores.respect_gitignore else []
            base = abspath if ignores.excluded_by_config(abspath, True) else None
            walk(abspath, specs, base)
        elif os.path.isfile(abspath):
            found.setdefault(abspath, SourceFile(abspath, display_path(abspath, cwd)))
        elif os.path.lexists(abspath):
            raise UsageError(f"{p}: not a file or directory")
        else:
            raise UsageError(f"{p}: no such file or directory")
    files = sorted(found.values(), key=lambda f: f.display)
    return Discovery(files, problems)
