"""A small git repository built in the test, commit by commit (used by the history, blame
and syntax tests). Dates are fixed, so commit ids are the same on every run and machine."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

BILLING_SYNC = """\
import requests


class BillingService:
    def charge(self, amount):
        return requests.post("https://pay.example/charge", json={"amount": amount})

    def refund(self, charge_id):
        return requests.post("https://pay.example/refund", json={"id": charge_id})
"""

USERS = '''\
"""Users, straight from the database."""
import sqlite3


class UserRepository:
    def __init__(self, path):
        self.path = path

    def get(self, user_id):
        conn = sqlite3.connect(self.path)
        return conn.execute("select * from users where id = ?", (user_id,)).fetchone()

    def all(self):
        conn = sqlite3.connect(self.path)
        rows = conn.execute("select * from users").fetchall()
        return [dict(row) for row in rows]
'''

ROUTES = """\
import asyncio

from app.services.billing import BillingService


async def charge(amount):
    return await asyncio.sleep(0, result=amount)


async def refund(charge_id):
    return charge_id


def main():
    asyncio.run(charge(10))


if __name__ == "__main__":
    asyncio.run(refund(1))
"""

BILLING_ASYNC = """\
import httpx


class BillingService:
    async def charge(self, amount):
        async with httpx.AsyncClient() as client:
            return await client.post("https://pay.example/charge", json={"amount": amount})

    def refund(self, charge_id):
        return httpx.post("https://pay.example/refund", json={"id": charge_id})
"""

# what a bad bulk "fix" script made of it: one parenthesis too many on line 7
BILLING_BROKEN = BILLING_ASYNC.replace('json={"amount": amount})', 'json={"amount": amount}))')

# a docstring edit on line 1 and a broken edit on line 15: two hunks, the second one broke it
USERS_BROKEN = USERS.replace('"""Users, straight', '"""All users, straight').replace(
    'rows = conn.execute("select * from users").fetchall()',
    'rows = conn.execute("select * from users").fetchall(',
)

#: (subject, {path: content or None to delete})
COMMITS: list[tuple[str, dict[str, str | None]]] = [
    (
        "add sync code",
        {
            "app/__init__.py": "",
            "app/services/billing.py": BILLING_SYNC,
            "app/repositories/users.py": USERS,
            "README.md": "billing\n",
        },
    ),
    ("add async code", {"app/api/routes.py": ROUTES}),
    ("bulk fix: make billing async", {"app/services/billing.py": BILLING_BROKEN}),
    ("docs only", {"README.md": "billing, now async\n"}),
    ("fix billing", {"app/services/billing.py": BILLING_ASYNC}),
    ("tidy users", {"app/repositories/users.py": USERS_BROKEN}),
]


def git(root: Path, *args: str, date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root),
    }  # fmt: skip
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    proc = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def write(root: Path, changes: Mapping[str, str | None]) -> None:
    for rel, content in changes.items():
        path = root / rel
        if content is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)


def build(
    root: Path, commits: Sequence[tuple[str, Mapping[str, str | None]]] = COMMITS
) -> list[str]:
    """Create the repository in ``root``; returns the commit ids, oldest first."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    shas = []
    for i, (subject, changes) in enumerate(commits):
        write(root, changes)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", subject, date=f"2024-01-{i + 1:02d}T10:00:00+00:00")
        shas.append(git(root, "rev-parse", "HEAD"))
    return shas
