"""``syntax --blame``: last good / first bad commit and the hunk, on a repository built here."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from gitrepo import COMMITS, build, write

from awaitify.api import ScanOptions, scan
from awaitify.blame import BlameRequest, blame_file, pick_hunk
from awaitify.cli import main
from awaitify.config import load_config
from awaitify.engine.blobfacts import BlobFacts
from awaitify.engine.cache import cache_session
from awaitify.engine.git import Repository, find_repository
from awaitify.syntax_check import check_syntax
from awaitify.syntax_report import UNCOMMITTED, Blame

USERS = "app/repositories/users.py"
BILLING = "app/services/billing.py"

USERS_HUNK = (
    "@@ -12,5 +12,5 @@ class UserRepository:\n"
    " \n"
    "     def all(self):\n"
    "         conn = sqlite3.connect(self.path)\n"
    '-        rows = conn.execute("select * from users").fetchall()\n'
    '+        rows = conn.execute("select * from users").fetchall(\n'
    "         return [dict(row) for row in rows]"
)

BILLING_HUNK = """\
@@ -1,9 +1,10 @@
-import requests
+import httpx
 
 
 class BillingService:
-    def charge(self, amount):
-        return requests.post("https://pay.example/charge", json={"amount": amount})
+    async def charge(self, amount):
+        async with httpx.AsyncClient() as client:
+            return await client.post("https://pay.example/charge", json={"amount": amount}))
 
     def refund(self, charge_id):
-        return requests.post("https://pay.example/refund", json={"id": charge_id})
+        return httpx.post("https://pay.example/refund", json={"id": charge_id})"""  # noqa: W293


def commit_of(shas: list[str], i: int, date: int | None = None) -> dict[str, str]:
    return {
        "commit": shas[i],
        "date": f"2024-01-{(date or i + 1):02d}T10:00:00+00:00",
        "subject": COMMITS[i][0] if i < len(COMMITS) else "",
    }


@pytest.fixture
def repo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def blame_json(capsys: pytest.CaptureFixture[str], *paths: str) -> dict[str, dict[str, object]]:
    code = main(["syntax", "--blame", "--format", "json", "--no-progress", *paths])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert err == ""
    return {e["path"]: e for e in json.loads(out)["errors"]}


def test_blame_finds_the_commit_and_the_hunk(
    repo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shas = build(repo_dir)
    errors = blame_json(capsys)
    assert list(errors) == [USERS]
    assert errors[USERS]["line"] == 15
    assert errors[USERS]["blame"] == {
        "last_good": commit_of(shas, 0),
        "first_bad": commit_of(shas, 5),
        "hunk": USERS_HUNK,  # the second of the commit's two hunks: the one with line 15
    }


def test_blame_of_the_bulk_fix(repo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shas = build(repo_dir, COMMITS[:4])  # up to "docs only": billing is still broken
    errors = blame_json(capsys)
    assert list(errors) == [BILLING]
    assert errors[BILLING]["kind"] == "unmatched ')'"
    assert errors[BILLING]["blame"] == {
        "last_good": commit_of(shas, 0),  # the last commit that touched billing.py and parsed
        "first_bad": commit_of(shas, 2),
        "hunk": BILLING_HUNK,
    }


def test_text_and_markdown_show_the_blame(
    repo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shas = build(repo_dir)
    assert main(["syntax", "--blame", "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert f"last parsed  {shas[0][:10]}  2024-01-01T10:00:00+00:00  add sync code" in out
    assert f"broken by    {shas[5][:10]}  2024-01-06T10:00:00+00:00  tidy users" in out
    assert "      @@ -12,5 +12,5 @@ class UserRepository:" in out
    assert main(["syntax", "--blame", "--no-progress", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert f"Broken by `{shas[5][:10]}` (2024-01-06T10:00:00+00:00, `tidy users`)" in out
    assert "```diff\n@@ -12,5 +12,5 @@ class UserRepository:" in out


def test_never_parsed_gives_null_last_good(
    repo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commits: list[tuple[str, dict[str, str | None]]] = [
        *COMMITS[:2],
        ("add a broken script", {"scripts/oops.py": "def run(:\n    pass\n"}),
        ("edit the broken script", {"scripts/oops.py": "def run(:\n    return 1\n"}),
    ]
    shas = build(repo_dir, commits)
    errors = blame_json(capsys, "scripts")
    assert errors["scripts/oops.py"]["blame"] == {
        "last_good": None,
        "first_bad": {
            "commit": shas[2],
            "date": "2024-01-03T10:00:00+00:00",
            "subject": "add a broken script",
        },
        "hunk": "@@ -0,0 +1,2 @@\n+def run(:\n+    pass",
    }


def test_a_deleted_then_broken_file_starts_a_new_history(
    repo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commits: list[tuple[str, dict[str, str | None]]] = [
        ("add", {"m.py": "x = 1\n"}),
        ("remove", {"m.py": None}),
        ("add again, broken", {"m.py": "x = (1\n"}),
    ]
    shas = build(repo_dir, commits)
    blame = blame_json(capsys)["m.py"]["blame"]
    assert isinstance(blame, dict)
    assert blame["last_good"] is None
    assert blame["first_bad"] == {
        "commit": shas[2],
        "date": "2024-01-03T10:00:00+00:00",
        "subject": "add again, broken",
    }


def test_uncommitted_change(repo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shas = build(repo_dir)
    routes = repo_dir / "app/api/routes.py"
    routes.write_text(routes.read_text() + "def broken(:\n")
    (repo_dir / "app/new.py").write_text("x = (\n")
    errors = blame_json(capsys, "app/api", "app/new.py")
    blame = errors["app/api/routes.py"]["blame"]
    assert isinstance(blame, dict)
    assert blame["last_good"] == commit_of(shas, 1)
    assert blame["first_bad"]["commit"] is None
    assert blame["first_bad"]["subject"] == UNCOMMITTED
    datetime.datetime.fromisoformat(blame["first_bad"]["date"])  # ISO-8601
    assert blame["hunk"] == (
        "@@ -17,3 +17,4 @@ def main():\n \n"
        ' if __name__ == "__main__":\n     asyncio.run(refund(1))\n+def broken(:'
    )
    untracked = errors["app/new.py"]["blame"]
    assert isinstance(untracked, dict)
    assert untracked["last_good"] is None
    assert untracked["first_bad"]["commit"] is None
    assert untracked["hunk"] == "@@ -0,0 +1 @@\n+x = ("


def test_uncommitted_change_to_a_file_broken_at_head_blames_the_commit(
    repo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shas = build(repo_dir)
    users = repo_dir / USERS
    users.write_text(users.read_text().replace('"""All users', '"""Every user'))
    blame = blame_json(capsys)[USERS]["blame"]
    assert isinstance(blame, dict)
    assert blame["first_bad"] == commit_of(shas, 5)
    assert blame["hunk"] == USERS_HUNK


def test_newer_syntax_is_blamed_against_the_target(repo_dir: Path) -> None:
    match = "def f(e):\n    match e:\n        case 1:\n            return 1\n"
    commits = [
        ("plain", {"m.py": "def f(e):\n    return e\n"}),
        ("use match", {"m.py": match}),
    ]
    shas = build(repo_dir, commits)
    config = load_config([repo_dir]).with_overrides(target_version=(3, 9))
    report = check_syntax(["."], config, ScanOptions(cwd=str(repo_dir)), blame=True)
    (entry,) = report.errors
    assert entry.code == "ASY002"
    assert isinstance(entry.blame, Blame)
    assert entry.blame.last_good is not None and entry.blame.last_good.commit == shas[0]
    assert entry.blame.first_bad.commit == shas[1]


def _blame_users(root: Path) -> BlobFacts:
    repo = find_repository(root)
    assert isinstance(repo, Repository)
    with repo, cache_session(root / ".awaitify") as cache:
        blobs = BlobFacts(repo, cache, None)
        request = BlameRequest(USERS, str(root / USERS), 15, "ASY001")
        blame = blame_file(repo, blobs, request)
        assert blame.hunk == USERS_HUNK
    return blobs


def test_blobs_come_from_the_cache(repo_dir: Path) -> None:
    build(repo_dir)
    scan(["."], options=ScanOptions(cwd=str(repo_dir)))  # parses the work tree = HEAD's blobs
    first = _blame_users(repo_dir)
    assert (first.stats.read, first.stats.parsed) == (2, 1)  # only the old version is new
    second = _blame_users(repo_dir)
    assert (second.stats.read, second.stats.parsed) == (0, 0)  # blob ids known: not even read


def test_the_walk_stops_at_the_first_version_that_parses(repo_dir: Path) -> None:
    commits: list[tuple[str, dict[str, str | None]]] = [
        (f"v{i}", {"m.py": f"x = {i}\n"}) for i in range(6)
    ]
    commits.append(("break", {"m.py": "x = (6\n"}))
    build(repo_dir, commits)
    repo = find_repository(repo_dir)
    assert isinstance(repo, Repository)
    with repo, cache_session(repo_dir / ".awaitify") as cache:
        blobs = BlobFacts(repo, cache, None)
        blame = blame_file(repo, blobs, BlameRequest("m.py", str(repo_dir / "m.py"), 1, "ASY001"))
    assert blame.last_good is not None and blame.last_good.subject == "v5"
    assert blame.first_bad.subject == "break"
    assert blobs.stats.parsed == 2  # the broken version and v5: v0..v4 are never looked at


def test_blame_outside_git_lists_the_errors(
    repo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo_dir, {"a.py": "x = (\n"})
    assert main(["syntax", "--blame", "--no-progress"]) == 1
    out, err = capsys.readouterr()
    assert "a.py:1:5: ASY001 '(' was never closed" in out
    assert err.count("\n") == 1 and "not in a git repository" in err


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (2, "@@ -1,3 +1,3 @@\n a\n-b\n+B"),
        (30, "@@ -28,4 +28,5 @@\n x\n+y"),
        (20, "@@ -28,4 +28,5 @@\n x\n+y"),  # nearest
        (15, "@@ -1,3 +1,3 @@\n a\n-b\n+B"),  # nearest
        (41, "@@ -40,2 +41,0 @@\n-gone\n-too"),  # a pure deletion sits at its line
    ],
)
def test_pick_hunk(line: int, expected: str) -> None:
    diff = (
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        "@@ -1,3 +1,3 @@\n a\n-b\n+B\n"
        "@@ -28,4 +28,5 @@\n x\n+y\n"
        "@@ -40,2 +41,0 @@\n-gone\n-too\n"
    )
    assert pick_hunk(diff, line) == expected


def test_pick_hunk_without_hunks() -> None:
    assert pick_hunk("", 3) == ""
