"""The project view: every module of the run with its facts, name and layer.

Built once per run from the per-file facts; the call graph, colour propagation and the
rules all read it. Module names are the file's path relative to the project root with
``/`` → ``.``; :meth:`ProjectView.find_module` also matches an import by the longest unique
suffix, so ``app.services.billing`` finds ``src/app/services/billing.py`` whatever the
layout (``src/``, namespace packages, a scan of a sub-folder).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from awaitify.analysis.facts import FileFacts
from awaitify.analysis.layers import LayerMap, class_layer
from awaitify.config import Config

T = TypeVar("T")

if TYPE_CHECKING:
    from awaitify.analysis.callgraph import CallGraph
    from awaitify.analysis.color import Colors


class Module:
    """One file of the run. Compared and hashed by identity (tables key on modules); a plain
    slotted class, since a run builds one per file and a dataclass ``__init__`` costs more."""

    __slots__ = ("__weakref__", "abspath", "digest", "facts", "is_package", "layer", "name",
                 "path", "relpath")  # fmt: skip

    def __init__(
        self,
        path: str,  # display path (relative to the current directory, "/")
        abspath: str,
        relpath: str,  # relative to the project root, "/"
        name: str,  # dotted, from ``relpath``
        is_package: bool,  # an ``__init__.py``
        layer: str,
        facts: FileFacts,
        digest: bytes = b"",
    ) -> None:
        self.path = path
        self.abspath = abspath
        self.relpath = relpath
        self.name = name
        self.is_package = is_package
        self.layer = layer
        self.facts = facts
        self.digest = digest

    def __repr__(self) -> str:
        return f"Module({self.path!r})"

    @property
    def is_stub(self) -> bool:
        """A ``.pyi`` file: read by type checkers, never run."""
        return self.path.endswith(".pyi")

    def class_layer(self, class_index: int) -> str:
        if class_index < 0:
            return self.layer
        return class_layer(self.facts.classes[class_index].name, self.layer)


def module_name(relpath: str) -> tuple[str, bool]:
    stem = relpath[:-4] if relpath.endswith(".pyi") else relpath.removesuffix(".py")
    parts = [p for p in stem.split("/") if p not in ("", ".")]
    is_package = bool(parts) and parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _importable_length(module: Module, packages: set[str], above: int) -> int:
    """How many dotted parts the shortest importable name of ``module`` has; ``above``: how
    many packages hold the project's root folder (see :func:`package_prefix`)."""
    folders = module.relpath.split("/")[:-1]
    depth = 0
    while folders and "/".join(folders) in packages:
        depth += 1
        folders.pop()
    if not folders:  # in the root folder's package, if it is one
        depth += above
    return max(depth if module.is_package else depth + 1, 1)


def package_prefix(root: str) -> str:
    """The dotted package name of the project's root folder when that folder is itself a
    package (``awaitify scan src/shop`` where ``src/shop/__init__.py`` exists): "shop", so
    that ``shop/orders.py`` is the module ``shop.orders`` its importers name, as Python
    finds it; "" when the root is not a package."""
    parts: list[str] = []
    folder = os.path.abspath(root)
    while len(parts) < 32 and os.path.isfile(os.path.join(folder, "__init__.py")):
        parent, name = os.path.split(folder)
        if not name or not name.isidentifier():
            break
        parts.append(name)
        folder = parent
    return ".".join(reversed(parts))


def _external_roots() -> frozenset[str]:
    from awaitify.analysis import apis

    names = set(sys.stdlib_module_names)
    for table in (apis.BLOCKING_FUNCTIONS, apis.ASYNC_FUNCTIONS, apis.BRIDGES, apis.CONSTRUCTS,
                  apis.FACTORIES, apis.TYPE_ALIASES):  # fmt: skip
        names.update(name.partition(".")[0] for name in table)
    names.update({"celery", "django", "fastapi", "starlette", "flask", "pydantic", "pytest"})
    return frozenset(names)


_EXTERNAL_ROOTS = _external_roots()


@dataclass
class ProjectView:
    config: Config
    modules: list[Module]
    _by_suffix: dict[str, Module | None] = field(default_factory=dict, repr=False)
    #: a :meth:`CallGraph.snapshot` of an earlier run, to re-resolve only what changed
    previous_graph: bytes | None = field(default=None, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)
    #: ids of the modules that rules which follow imports must check; None for all (see
    #: :attr:`awaitify.rules.base.Rule.follows_imports`)
    focus: frozenset[int] | None = field(default=None, repr=False)
    #: the root folder's package name when it is a package (:func:`package_prefix`)
    prefix: str = ""
    #: the root folder's name when it is not a package: it may be a namespace package
    #: (``llama_index/`` has no ``__init__.py``), imported as ``llama_index.core.x``
    namespace: str = ""

    @property
    def checked_modules(self) -> list[Module]:
        """The modules a rule that follows imports checks: all of them, or the focus."""
        if self.focus is None:
            return self.modules
        focus = self.focus
        return [m for m in self.modules if id(m) in focus]

    def in_focus(self, module: Module) -> bool:
        return self.focus is None or id(module) in self.focus

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """An analysis several rules share, computed once per project and dropped with it
        (a module-level cache keyed by the project would keep every project alive)."""
        if key not in self._memo:
            self._memo[key] = build()
        value: T = self._memo[key]
        return value

    def __post_init__(self) -> None:
        # A module in a package (``__init__.py`` up the folders) can only be imported under
        # its package path, so shorter suffixes are not registered for it: a project's own
        # ``proj/celery.py`` must not capture ``import celery``. Outside packages (scripts,
        # namespace layouts) every suffix counts, except bare names of well-known external
        # modules.
        packages = {m.relpath.rpartition("/")[0] for m in self.modules if m.is_package}
        index: dict[str, Module | None] = {}
        implemented = {m.name for m in self.modules if not m.is_stub}
        above = self.prefix.count(".") + 1 if self.prefix else 0
        for m in self.modules:
            if m.is_stub and m.name in implemented:
                continue  # the stub's implementation is the module that runs
            parts = m.name.split(".") if m.name else []
            shortest = _importable_length(m, packages, above)
            for i in range(len(parts) - shortest + 1):
                suffix = ".".join(parts[i:])
                if i and i == len(parts) - 1 and suffix in _EXTERNAL_ROOTS:
                    continue
                if suffix in index and index[suffix] is not m:
                    index[suffix] = None  # ambiguous: never guess
                else:
                    index[suffix] = m
        if self.namespace:  # ``llama_index.core.utils`` for ``core/utils.py``
            for m in self.modules:
                if m.name and not (m.is_stub and m.name in implemented):
                    index.setdefault(f"{self.namespace}.{m.name}", m)
        self._by_suffix = index

    @cached_property
    def by_path(self) -> dict[str, Module]:
        return {m.path: m for m in self.modules}

    def find_module(self, dotted: str) -> Module | None:
        """The module an absolute dotted import names, if it is part of the project."""
        return self._by_suffix.get(dotted)

    @cached_property
    def graph(self) -> CallGraph:
        """The resolved call graph, built on first use (rules that need it share it)."""
        from awaitify.analysis.callgraph import CallGraph

        return CallGraph(self, self.previous_graph)

    @cached_property
    def colors(self) -> Colors:
        from awaitify.analysis.color import Colors

        return Colors(self.graph)


def build_project(
    config: Config,
    entries: Sequence[tuple[str, str, FileFacts, bytes]],
) -> ProjectView:
    """``entries``: (display path, absolute path, facts, content digest) per file."""
    layers = LayerMap(config)
    root = str(config.root)
    inside = root.rstrip(os.sep) + os.sep
    prefix = package_prefix(root)
    modules = []
    for display, abspath, facts, digest in entries:
        inner = True
        if abspath.startswith(inside):  # the usual case, without ``relpath``'s cost
            rel = abspath[len(inside) :].replace(os.sep, "/")
        else:
            rel = os.path.relpath(abspath, root).replace(os.sep, "/")
        if rel.startswith("../"):
            rel = display.lstrip("/")
            inner = False
        name, is_package = module_name(rel)
        if prefix and inner:
            name = f"{prefix}.{name}" if name else prefix
        modules.append(
            Module(display, abspath, rel, name, is_package, layers.layer_of(rel), facts, digest)
        )
    folder = os.path.basename(root.rstrip(os.sep))
    namespace = folder if not prefix and folder.isidentifier() else ""
    return ProjectView(config, modules, prefix=prefix, namespace=namespace)
