"""The boundary predicates the rules and the migration codemod share, and the ASY204 /
ASY100 hand-off (``sync_session_uses``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from projects import make_project

from awaitify.analysis import boundaries as b
from awaitify.analysis.facts import C_CALLEE
from awaitify.analysis.project import Module
from awaitify.analysis.sessions import sync_session_uses
from awaitify.config import Boundaries


def fn_index(module: Module, qualname: str) -> int:
    for i, fn in enumerate(module.facts.functions):
        if fn.qualname == qualname:
            return i
    raise AssertionError(qualname)


CELERY = {
    "app/celery_app.py": """
        from celery import Celery
        celery_app = Celery("app")
    """,
    "app/tasks.py": """
        import celery
        from celery import shared_task
        from prefect import task
        from app.celery_app import celery_app

        class Scheduler:
            def task(self, fn):
                return fn

        scheduler = Scheduler()

        @celery_app.task(bind=True)
        def bound(self): ...

        @shared_task
        def shared(): ...

        @celery.shared_task(name="x")
        def qualified(): ...

        @task
        def prefect_task(): ...

        @scheduler.task
        def scheduled(): ...

        @dramatiq.actor
        def actor(): ...
    """,
}


def test_is_celery_task(tmp_path: Path) -> None:
    project = make_project(tmp_path, CELERY)
    resolver = project.graph.resolver
    m = project.by_path["app/tasks.py"]
    assert b.is_celery_task(m, fn_index(m, "bound"), resolver) == "@app.celery_app.celery_app.task"
    assert b.is_celery_task(m, fn_index(m, "shared"), resolver)
    assert b.is_celery_task(m, fn_index(m, "qualified"), resolver)
    assert b.is_celery_task(m, fn_index(m, "prefect_task"), resolver) is None
    assert b.is_celery_task(m, fn_index(m, "scheduled"), resolver) is None
    assert b.is_celery_task(m, fn_index(m, "actor"), resolver) is None
    configured = replace(project.config, boundaries=Boundaries(task_decorators=("dramatiq.actor",)))
    project = make_project(tmp_path, CELERY, configured)
    m = project.by_path["app/tasks.py"]
    assert b.is_celery_task(m, fn_index(m, "actor"), project.graph.resolver) == "@dramatiq.actor"


def test_is_adapter_class_and_entrypoint(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "app/cli.py": """
                import argparse
                import click

                class PaymentAdapter:
                    def charge(self): ...

                class StripeGateway(PaymentAdapter):
                    def refund(self): ...

                class Service:
                    def main(self): ...

                def main(): ...

                @click.group()
                def cli(): ...

                @cli.command()
                def sync(): ...

                def parse():
                    return argparse.ArgumentParser().parse_args()

                def started(): ...

                def helper(): ...

                if __name__ == "__main__":
                    started()
            """,
        },
    )
    resolver = project.graph.resolver
    config = project.config
    m = project.by_path["app/cli.py"]
    classes = {c.name: i for i, c in enumerate(m.facts.classes)}
    assert b.is_adapter_class(m, classes["PaymentAdapter"], config) == "PaymentAdapter"
    assert b.is_adapter_class(m, classes["StripeGateway"], config) is None
    assert b.is_adapter_class(m, classes["StripeGateway"], config, resolver) == "PaymentAdapter"
    assert b.is_entrypoint(m, fn_index(m, "main"), config)
    assert b.is_entrypoint(m, fn_index(m, "Service.main"), config) is None
    assert b.is_entrypoint(m, fn_index(m, "cli"), config, resolver)
    assert b.is_entrypoint(m, fn_index(m, "sync"), config, resolver)
    assert b.is_entrypoint(m, fn_index(m, "parse"), config)
    assert b.is_entrypoint(m, fn_index(m, "started"), config)
    assert b.is_entrypoint(m, fn_index(m, "helper"), config, resolver) is None
    assert b.is_boundary(m, fn_index(m, "PaymentAdapter.charge"), resolver)
    assert not b.is_boundary(m, fn_index(m, "helper"), resolver)


def test_tests_fixtures_and_routes(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "tests/test_x.py": """
                import pytest

                @pytest.fixture
                def db(): ...

                def test_a(): ...

                def helper(): ...

                class TestThing:
                    def test_b(self): ...
            """,
            "app/api.py": """
                from fastapi import APIRouter, FastAPI
                from flask import Flask

                router = APIRouter()
                app = FastAPI()
                web = Flask(__name__)

                @router.get("/a")
                def a(): ...

                @app.post("/b")
                async def b_(): ...

                @web.get("/c")
                def c(): ...
            """,
        },
    )
    resolver = project.graph.resolver
    t = project.by_path["tests/test_x.py"]
    assert b.is_test_function(t, fn_index(t, "test_a"))
    assert b.is_test_function(t, fn_index(t, "TestThing.test_b"))
    assert not b.is_test_function(t, fn_index(t, "helper"))
    assert b.is_pytest_fixture(t, fn_index(t, "db"))
    api = project.by_path["app/api.py"]
    assert b.is_route_handler(api, fn_index(api, "a"), resolver) == "app.api.router"
    assert b.is_route_handler(api, fn_index(api, "b_"), resolver) == "app.api.app"
    assert b.is_route_handler(api, fn_index(api, "c"), resolver) is None


def test_sync_session_uses_covers_the_session_calls_of_asy204(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "app/db.py": """
                from sqlalchemy import create_engine
                from sqlalchemy.orm import Session, sessionmaker

                SessionLocal = sessionmaker(bind=create_engine("sqlite://"))

                async def entered():
                    with SessionLocal() as db:
                        db.query(1).all()
                        db.commit()

                async def param(db: Session):
                    db.add(1)
                    db.flush()

                def sync(db: Session):
                    db.commit()
            """,
        },
    )
    m = project.by_path["app/db.py"]
    covered = sync_session_uses(project)
    callees = sorted(m.facts.calls[row][C_CALLEE] for path, row in covered if path == m.path)
    assert callees == ["SessionLocal", "db.add", "db.commit", "db.flush", "db.query"]
