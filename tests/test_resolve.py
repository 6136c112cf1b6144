"""Cross-module resolution, receiver types, the call graph and colour propagation."""

from __future__ import annotations

from pathlib import Path

import pytest
from projects import make_project

from awaitify.analysis import boundaries as b
from awaitify.analysis.callgraph import KIND_BLOCKING, KIND_BRIDGE, KIND_PROJECT, CallGraph
from awaitify.analysis.facts import C_CALLEE, C_LINE
from awaitify.analysis.project import Module, ProjectView, build_project
from awaitify.analysis.resolve import ClassRef, Factory, FuncRef
from awaitify.rules.asy101_transitive_blocking_call import TransitiveBlockingCall as Rules
from awaitify.rules.registry import all_rules


def module(project: ProjectView, path: str) -> Module:
    return project.by_path[path]


def func(project: ProjectView, path: str, qualname: str) -> FuncRef:
    m = module(project, path)
    for i, fn in enumerate(m.facts.functions):
        if fn.qualname == qualname:
            return FuncRef(m, i)
    raise AssertionError(f"no {qualname} in {path}")


def site_at(graph: CallGraph, m: Module, callee: str):  # type: ignore[no-untyped-def]
    for row, call in enumerate(m.facts.calls):
        if call[C_CALLEE] == callee:
            return graph.site(m, row)
    raise AssertionError(f"no call to {callee}")


@pytest.fixture
def shop(tmp_path: Path) -> ProjectView:
    return make_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/db.py": """
                from sqlalchemy.orm import sessionmaker
                from sqlalchemy.ext.asyncio import async_sessionmaker
                SessionLocal = sessionmaker()
                AsyncSessionLocal = async_sessionmaker()
            """,
            "app/repo.py": """
                from sqlalchemy.orm import Session

                class BaseRepo:
                    def __init__(self, db: Session):
                        self.db = db

                    def save(self, obj):
                        self.db.add(obj)
                        self.db.commit()

                class OrderRepo(BaseRepo):
                    def get(self, key):
                        return self.db.get(dict, key)

                    def save(self, obj):
                        super().save(obj)
            """,
            "app/services/orders.py": """
                import asyncio
                import time as clock
                from ..repo import OrderRepo
                from app.db import SessionLocal, AsyncSessionLocal
                from app import repo as repo_module

                def helper():
                    clock.sleep(1)

                def wrapper():
                    helper()

                def bridge():
                    return asyncio.run(fetch())

                async def fetch():
                    return 1

                def gen():
                    helper()
                    yield 1

                class OrderService:
                    def __init__(self, repo: OrderRepo):
                        self.repo = repo
                        self.other = repo_module.OrderRepo(None)

                    async def place(self, obj):
                        self.repo.save(obj)
                        self.other.get(1)
                        wrapper()
                        bridge()
                        gen()
                        with SessionLocal() as db:
                            db.query(int)
                        async with AsyncSessionLocal() as adb:
                            await adb.execute(1)
            """,
        },
    )


def test_relative_and_absolute_imports_resolve_across_modules(shop: ProjectView) -> None:
    graph = shop.graph
    orders = module(shop, "app/services/orders.py")
    assert site_at(graph, orders, "wrapper").target == func(
        shop, "app/services/orders.py", "wrapper"
    )
    # ``from ..repo import OrderRepo`` then ``self.repo: OrderRepo`` then an inherited override
    save = site_at(graph, orders, "self.repo.save")
    assert save.kind == KIND_PROJECT
    assert save.target == func(shop, "app/repo.py", "OrderRepo.save")
    # ``from app import repo as repo_module; self.other = repo_module.OrderRepo(None)``
    got = site_at(graph, orders, "self.other.get")
    assert got.target == func(shop, "app/repo.py", "OrderRepo.get")


def test_super_and_inherited_attribute_types(shop: ProjectView) -> None:
    graph = shop.graph
    repo = module(shop, "app/repo.py")
    sup = site_at(graph, repo, "super().save")
    assert sup.target == func(shop, "app/repo.py", "BaseRepo.save")
    # ``self.db`` is typed in the base class's ``__init__`` from ``db: Session``
    get = site_at(graph, repo, "self.db.get")
    assert get.kind == KIND_BLOCKING
    assert get.api == "sqlalchemy.orm.Session.get"


def test_session_factories(shop: ProjectView) -> None:
    resolver = shop.graph.resolver
    db = module(shop, "app/db.py")
    assert resolver.type_of(db, -1, "SessionLocal") == Factory("sqlalchemy.orm.Session")
    orders = module(shop, "app/services/orders.py")
    place = func(shop, "app/services/orders.py", "OrderService.place")
    assert resolver.type_of(orders, place.index, "db") == "sqlalchemy.orm.Session"
    assert resolver.type_of(orders, place.index, "adb") == "sqlalchemy.ext.asyncio.AsyncSession"
    assert site_at(shop.graph, orders, "db.query").kind == KIND_BLOCKING
    assert site_at(shop.graph, orders, "adb.execute").kind != KIND_BLOCKING


def test_colours_and_shortest_chains(shop: ProjectView) -> None:
    colors = shop.colors
    path = "app/services/orders.py"
    wrapper = func(shop, path, "wrapper")
    assert wrapper in colors.blocking
    assert colors.chain(wrapper, KIND_BLOCKING) == ["wrapper", "helper", "time.sleep"]
    bridge = func(shop, path, "bridge")
    assert bridge in colors.bridging
    assert colors.chain(bridge, KIND_BRIDGE) == ["bridge", "asyncio.run"]
    # calling a generator runs nothing; async functions stop propagation
    assert func(shop, path, "gen") not in colors.blocking
    assert func(shop, path, "OrderService.place") not in colors.blocking
    # the base-class save commits through the typed session
    assert func(shop, "app/repo.py", "BaseRepo.save") in colors.blocking
    assert func(shop, "app/repo.py", "OrderRepo.save") in colors.blocking


def test_unknown_receivers_are_not_guessed(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "m.py": """
                import requests

                def fetch(client, name):
                    getattr(client, name)()
                    client.get("x")
                    handler = pick()
                    handler()

                def pick():
                    return requests.get

                async def run(client):
                    fetch(client, "get")
            """,
        },
    )
    fetch = func(project, "m.py", "fetch")
    assert fetch not in project.colors.blocking
    # getattr, an untyped receiver and a callable variable stay unknown: only ``pick()`` is known
    assert [s.target for s in project.graph.full_body_sites(fetch)] == [
        func(project, "m.py", "pick")
    ]


def test_cycles_terminate_and_propagate(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "m.py": """
                import time

                def a(n):
                    if n:
                        b(n - 1)

                def b(n):
                    a(n)
                    time.sleep(0)
            """,
        },
    )
    a = func(project, "m.py", "a")
    assert project.colors.chain(a, KIND_BLOCKING) == ["a", "b", "time.sleep"]


def test_graph_snapshot_reuse_matches_a_full_build(shop: ProjectView, tmp_path: Path) -> None:
    def signature(graph: CallGraph) -> list[tuple[str, int, int, str]]:
        graph.complete()
        return sorted(
            (
                s.module.path,
                s.row,
                s.kind,
                str(s.target.label if isinstance(s.target, FuncRef) else s.target),
            )
            for sites in graph.sites.values()
            for s in sites
        )

    # the snapshot of a graph that classified only what was asked: the rest waits
    assert shop.graph.pending_calls > 0
    snapshot = shop.graph.snapshot()
    full = signature(shop.graph)
    assert shop.graph.pending_calls == 0
    again = build_project(
        shop.config, [(m.path, m.abspath, m.facts, m.digest) for m in shop.modules]
    )
    again.previous_graph = snapshot
    assert signature(again.graph) == full
    assert again.graph.reused_modules == len(shop.modules)
    # a changed leaf re-resolves itself and its importers only
    changed = [
        (m.path, m.abspath, m.facts, b"changed" if m.path == "app/repo.py" else m.digest)
        for m in shop.modules
    ]
    third = build_project(shop.config, changed)
    third.previous_graph = snapshot
    assert signature(third.graph) == full
    assert third.graph.reused_modules == len(shop.modules) - 2  # repo.py and orders.py


def test_class_instantiation_is_a_call_to_init(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "m.py": """
                import requests

                class Client:
                    def __init__(self):
                        self.token = requests.post("https://auth").text

                async def main():
                    Client()
            """,
        },
    )
    m = module(project, "m.py")
    site = site_at(project.graph, m, "Client")
    assert site.target == func(project, "m.py", "Client.__init__")
    assert isinstance(project.graph.resolver.resolve_name(m, -1, "Client"), ClassRef)
    assert m.facts.calls[site.row][C_LINE] == 9


def test_project_modules_do_not_shadow_external_packages(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/celery.py": "from celery import Celery\napp = Celery('proj')\n",
            "proj/requests.py": "def get(url):\n    return url\n",
            "proj/tasks.py": """
                import requests
                from proj.celery import app

                async def fetch(url):
                    requests.get(url)
            """,
        },
    )
    tasks = module(project, "proj/tasks.py")
    site = site_at(project.graph, tasks, "requests.get")
    assert site.kind == KIND_BLOCKING  # the external ``requests``, not proj/requests.py
    assert project.find_module("proj.celery") is module(project, "proj/celery.py")
    assert project.find_module("celery") is None


def test_a_package_folder_scanned_alone_keeps_its_package_names(tmp_path: Path) -> None:
    """``awaitify scan src/shop``: the root folder is the package ``shop`` itself, so its
    modules are ``shop.*`` (as their absolute imports name them), whichever folder is the
    root; a module of the package is never importable as a bare name."""
    files = {
        "__init__.py": "",
        "utils.py": "import time\n\ndef resolve(x):\n    time.sleep(1)\n",
        "sub/__init__.py": "",
        "sub/blocks.py": """
            from shop.utils import resolve
            from ..utils import resolve as again

            async def handler(x):
                resolve(x)
                again(x)
        """,
    }
    project = make_project(tmp_path / "src" / "shop", files)
    assert project.prefix == "shop"
    blocks = module(project, "sub/blocks.py")
    assert blocks.name == "shop.sub.blocks"
    assert project.find_module("shop.utils") is module(project, "utils.py")
    assert project.find_module("utils") is None
    assert project.find_module("sub.blocks") is None
    resolved = {
        site_at(project.graph, blocks, n).target for n in ("shop.utils.resolve", "..utils.resolve")
    }
    assert resolved == {func(project, "utils.py", "resolve")}


def test_methods_are_looked_up_in_python_s_c3_order(tmp_path: Path) -> None:
    """jupyter-server's contents managers: a subclass comes before its own base, so the
    async mixin's ``_read_file`` wins over the sync one it overrides."""
    project = make_project(
        tmp_path,
        {
            "app.py": """
                class FileManagerMixin:
                    def _read_file(self, path):
                        with open(path) as fh:
                            return fh.read()

                class AsyncFileManagerMixin(FileManagerMixin):
                    async def _read_file(self, path):
                        return path

                class FileContentsManager(FileManagerMixin):
                    pass

                class AsyncFileContentsManager(FileContentsManager, AsyncFileManagerMixin):
                    async def get(self, path):
                        return await self._read_file(path)

                class Inconsistent(FileManagerMixin, AsyncFileManagerMixin):  # a TypeError
                    pass
            """,
        },
    )
    app = module(project, "app.py")
    resolver = project.graph.resolver
    names = [app.facts.classes[c.index].name for c in resolver.mro(ClassRef(app, 3))]
    assert names == [
        "AsyncFileContentsManager", "FileContentsManager", "AsyncFileManagerMixin",
        "FileManagerMixin",
    ]  # fmt: skip
    site = site_at(project.graph, app, "self._read_file")
    assert site.target == func(project, "app.py", "AsyncFileManagerMixin._read_file")
    assert not list(Rules().check(project)), "awaited, async: nothing to report"
    inconsistent = [app.facts.classes[c.index].name for c in resolver.mro(ClassRef(app, 4))]
    assert inconsistent == ["Inconsistent", "FileManagerMixin", "AsyncFileManagerMixin"]


def test_generic_bases_namespace_roots_and_overrides(tmp_path: Path) -> None:
    """llama-index-core scanned as ``llama_index/``: a namespace package (no
    ``__init__.py``) whose modules import each other as ``llama_index.core.x``; a class
    derived from ``BaseIndex[IndexLPG]`` inherits ``BaseIndex``'s methods; a private
    override nobody calls by its own name runs where the base class calls it, so its bridge
    is no entry point's."""
    project = make_project(
        tmp_path / "ns",
        {
            "core/__init__.py": "",
            "core/base.py": """
                from typing import Generic, TypeVar
                T = TypeVar("T")

                class BaseIndex(Generic[T]):
                    def insert(self, nodes):
                        self._insert(nodes)

                    def _insert(self, nodes):
                        raise NotImplementedError
            """,
            "core/graph.py": """
                import asyncio
                from ns.core.base import BaseIndex

                async def extract(nodes):
                    return nodes

                class GraphIndex(BaseIndex[int]):
                    def _insert(self, nodes):
                        asyncio.run(extract(nodes))
            """,
        },
    )
    assert project.prefix == "" and project.namespace == "ns"
    graph_module = module(project, "core/graph.py")
    assert graph_module.facts.classes[0].bases == ("ns.core.base.BaseIndex",)
    resolver = project.graph.resolver
    mro = resolver.mro(ClassRef(graph_module, 0))
    assert [m.module.facts.classes[m.index].name for m in mro] == ["GraphIndex", "BaseIndex"]
    override = func(project, "core/graph.py", "GraphIndex._insert")
    assert b.is_handed_over(override.module, override.index, resolver) is None
    codes = {rule.code for rule in all_rules() for _ in rule().check(project)}
    assert "ASY206" in codes and "ASY303" not in codes


def test_a_scan_leaves_no_project_alive(tmp_path: Path) -> None:
    import gc

    from awaitify.api import ScanOptions, scan

    def alive() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, ProjectView))

    (tmp_path / "m.py").write_text("import asyncio\nasync def f():\n    asyncio.sleep(1)\n")
    before = alive()
    scan([tmp_path], options=ScanOptions(use_cache=False))
    assert alive() == before
