"""Layers (SPEC §4) of files and classes, and the priority of a finding."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from awaitify.config import Config
from awaitify.engine.discover import gitignore_spec
from awaitify.model import Category, Priority

_TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.pyi?$")
_SEGMENTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("migration", frozenset({"alembic", "migrations"})),
    ("api", frozenset({"api", "apis", "routers", "routes", "endpoints", "views"})),
    ("worker", frozenset({"workers", "worker", "tasks"})),
    (
        "repository",
        frozenset({"repositories", "repository", "repo", "repos", "dao", "daos", "crud"}),
    ),
    ("service", frozenset({"services"})),
    ("model", frozenset({"models"})),
    ("schema", frozenset({"schemas"})),
    ("util", frozenset({"utils", "util", "helpers", "common"})),
    ("script", frozenset({"scripts", "bin"})),
)
_FILES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("api", re.compile(r"^(routers?|routes|endpoints|views)\.py$")),
    ("worker", re.compile(r"^(tasks|celery.*|worker)\.py$")),
    ("repository", re.compile(r"^(repository|repositories|.*_repository|.*_repo|dao|crud)\.py$")),
    ("service", re.compile(r"^(service|services|.*_service)\.py$")),
    ("model", re.compile(r"^models?\.py$")),
    ("schema", re.compile(r"^schemas?\.py$")),
    ("util", re.compile(r"^(utils?|helpers?|common)\.py$")),
    ("script", re.compile(r"^manage\.py$")),
)
_CLASS_LAYERS = (
    ("repository", re.compile(r"(Repository|Repo|DAO|Dao|CRUD|Crud)$")),
    ("service", re.compile(r"Service$")),
)


_FILE_PATTERN = dict(_FILES)


def default_layer(path: str) -> str:
    """Layer of a ``/``-separated path by the built-in rules, first match wins.

    The rules are tried layer by layer, a layer's folder names before its file names; the
    folder part and the file name are ranked apart (and remembered: a project has far fewer
    folders and distinct file names than files), the better rank wins."""
    dirs, _, name = path.rpartition("/")
    rank = min(_folder_rank(dirs), _name_rank(name))
    return _LAYER_NAMES[rank] if rank < len(_LAYER_NAMES) else "other"


_LAYER_NAMES = ("test", *(layer for layer, _ in _SEGMENTS))


@lru_cache(maxsize=8192)
def _folder_rank(dirs: str) -> int:
    folders = frozenset(dirs.split("/")) if dirs else frozenset()
    if not folders.isdisjoint(("tests", "test", "testing")):
        return 0
    if any(d.endswith("_tests") for d in folders):
        return 0  # a test package of a monorepo: `dagster_tests/`, `integration_tests/`
    for rank, (layer, segments) in enumerate(_SEGMENTS, 1):
        if not folders.isdisjoint(segments):
            return rank
        if layer == "worker" and any(d.startswith("celery") for d in folders):
            return rank
    return len(_LAYER_NAMES)


@lru_cache(maxsize=8192)
def _name_rank(name: str) -> int:
    if _TEST_FILE.match(name):
        return 0
    for rank, (layer, _) in enumerate(_SEGMENTS, 1):
        pattern = _FILE_PATTERN.get(layer)
        if pattern is not None and pattern.match(name):
            return rank
    return len(_LAYER_NAMES)


class LayerMap:
    """Layers for the files of one run: config globs first, then the built-in rules."""

    def __init__(self, config: Config) -> None:
        self.root = str(config.root)
        self.overrides = [(layer, gitignore_spec(globs)) for layer, globs in config.layers]

    def layer_of(self, relpath: str) -> str:
        """``relpath`` is relative to the config root, "/"-separated."""
        for layer, spec in self.overrides:
            if spec.match_file(relpath):
                return layer
        return default_layer(relpath)


def class_layer(class_name: str, file_layer: str) -> str:
    if file_layer in ("test", "migration"):
        return file_layer
    for layer, pattern in _CLASS_LAYERS:
        if pattern.search(class_name):
            return layer
    return file_layer


def in_critical_domain(texts: Sequence[str], domains: Sequence[str]) -> bool:
    """True when a path segment, module or class name contains a domain (SPEC §4), in any
    case: ``oauth.py`` and ``auth/`` contain ``auth``, ``UserPrepaymentStuff`` contains
    ``payment``."""
    wanted = [d.lower() for d in domains if d]
    for text in texts:
        low = text.lower()
        if any(d in low for d in wanted):
            return True
    return False


_WORK_LAYERS = frozenset({"service", "repository", "api", "worker"})


def priority_of(
    category: Category, layer: str, critical_texts: Sequence[str], config: Config
) -> Priority:
    if category is Category.DEFECT:
        return Priority.HIGH
    if in_critical_domain(critical_texts, config.critical_domains):
        return Priority.HIGH
    if category is Category.STANDARDIZE and layer in _WORK_LAYERS:
        return Priority.MEDIUM
    return Priority.LOW
