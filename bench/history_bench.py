"""Benchmark of ``awaitify history --git`` over the last 50 commits of a real code base.

Not a test. It builds a git repository from a pinned corpus release
(``../shared/corpora/fetch.sh NAME``): one commit imports the release, then each of the
following commits replays a step of a migration on a few files (a sync method made
``async``, a new async or sync function, a bad bulk "fix" that breaks a file and the
commit that repairs it), with fixed dates so the repository is the same on every run.
Then it times, each in a fresh process:

* ``scan --no-cache`` of the checkout (the reference: one cold scan);
* ``history --git HEAD~50..HEAD`` with no cache (cold);
* the same again (warm: every commit's summary is cached);
* the same with the commit summaries dropped but the blob facts kept (every commit runs
  the project phase, nothing is parsed);
* after one more commit (incremental: one new commit, its changed files parsed).

    python bench/history_bench.py [--corpus prefect] [--commits 50] [--write-docs]

``--write-docs`` puts the figures and the machine in the ``## history --git`` section of
docs/performance.md (the section is replaced; the rest of the file is left alone).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perfdoc import write_section

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FETCH = REPO.parent / "shared" / "corpora" / "fetch.sh"
SECTION = "## history --git"

_MEASURE = """
import json, sys, time
t0 = time.perf_counter()
from awaitify.api import ScanOptions
from awaitify.history import git_history
found = git_history([sys.argv[1]], sys.argv[2], options=ScanOptions(cwd=sys.argv[1]))
s = found.stats
print(json.dumps({
    "seconds": time.perf_counter() - t0, "commits": s.commits,
    "summaries_cached": s.summaries_cached, "projects_built": s.projects_built,
    "blobs": s.blobs.requested, "read": s.blobs.read, "parsed": s.blobs.parsed,
    "last": found.runs[-1].summary.to_json() if found.runs else None,
}))
"""


def git(root: Path, *args: str, date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    }  # fmt: skip
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    out = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return out.stdout.decode().strip()


def corpus(name: str) -> Path:
    out = subprocess.run(["bash", str(FETCH), name], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


_SYNC_METHOD = re.compile(r"^(    )def (?!_)(\w+)\(self", re.M)


def _edit(path: Path, rng: random.Random, step: int) -> str:
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    kind = rng.choice(("async", "async", "add-async", "add-sync"))
    if kind == "async":
        m = _SYNC_METHOD.search(text)
        if m:
            text = text[: m.start()] + f"{m.group(1)}async def {m.group(2)}(self" + text[m.end() :]
        else:
            kind = "add-async"
    if kind == "add-async":
        text += f"\n\nasync def _migrated_{step}(client):\n    return await client.get({step})\n"
    elif kind == "add-sync":
        text += f"\n\ndef _helper_{step}(value):\n    return value * {step}\n"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    return kind


def build(root: Path, source: Path, commits: int, per_commit: int) -> None:
    """One import commit, then ``commits`` + 1 migration steps (the +1 is the incremental run)."""
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".complete", ".awaitify"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"import {source.name}", date="2024-01-01T00:00:00+00:00")
    files = sorted(p for p in root.rglob("*.py") if ".git" not in p.parts)
    rng = random.Random(20240101)
    broken: list[tuple[Path, str]] = []
    for step in range(1, commits + 2):
        chosen = rng.sample(files, per_commit)
        kinds = [_edit(p, rng, step) for p in chosen]
        subject = f"migration step {step}: " + ", ".join(sorted(set(kinds)))
        if step % 10 == 3:  # a bad bulk "fix": three files broken at once
            for p in rng.sample(files, 3):
                text = p.read_text(encoding="utf-8", errors="surrogateescape")
                broken.append((p, text))
                p.write_text(
                    text + "\nresult = await(fetch(item)))\n",
                    encoding="utf-8",
                    errors="surrogateescape",
                )
            subject += ", bulk fix"
        elif step % 10 == 6 and broken:  # ... repaired three commits later
            for p, text in broken:
                if p.exists():
                    p.write_text(text, encoding="utf-8", errors="surrogateescape")
            broken.clear()
            subject += ", repair"
        git(root, "add", "-A")
        date = f"2024-{1 + step // 28:02d}-{1 + step % 28:02d}T12:00:00+00:00"
        git(root, "commit", "-q", "-m", subject, date=date)
    git(root, "checkout", "-q", "HEAD~1")  # the last step is kept for the incremental run


def measure(root: Path, rev_range: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(root), rev_range],
        cwd=root, check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(out.stdout)
    return result


def cold_scan(root: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "awaitify", "scan", ".", "--no-cache", "--no-progress", "--format", "json"],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - t0


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc), {cpu}, Python {platform.python_version()}, git {git(REPO, '--version').split()[-1]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="prefect")
    parser.add_argument("--commits", type=int, default=50)
    parser.add_argument("--per-commit", type=int, default=8, help="files edited per commit")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    source = corpus(args.corpus)
    n = args.commits
    with tempfile.TemporaryDirectory(prefix="awaitify-history-bench-") as tmp:
        root = Path(tmp) / "repo"
        t0 = time.perf_counter()
        build(root, source, n, args.per_commit)
        print(f"built {n + 2} commits from {source.name} in {time.perf_counter() - t0:.1f} s")
        rev_range = f"HEAD~{n}..HEAD"

        scan_s = cold_scan(root)
        shutil.rmtree(root / ".awaitify", ignore_errors=True)
        cold = measure(root, rev_range)
        warm = measure(root, rev_range)
        with sqlite3.connect(root / ".awaitify" / "cache.sqlite") as db:
            db.execute("DELETE FROM commit_summaries")
        blobs_only = measure(root, rev_range)
        git(root, "checkout", "-q", "main")  # one new commit at the tip
        incremental = measure(root, rev_range)
        load = os.getloadavg()[0]
    last = cold["last"]
    py_files = int(last["files"]) if isinstance(last, dict) else 0

    rows = [
        ("cold: no cache", cold),
        ("warm: same range again", warm),
        ("warm blobs, summaries dropped", blobs_only),
        ("one new commit", incremental),
    ]
    lines = [
        SECTION,
        "",
        f"`history --git HEAD~{n}..HEAD` on a repository built by `bench/history_bench.py` from "
        f"{source.name} ({py_files:,} Python files): an import commit, then {n + 1} migration "
        f"commits of {args.per_commit} edited files each (a method made async, a new function, "
        'a bulk "fix" breaking 3 files every 10 commits and its repair). Each run is a fresh '
        "process (imports included).",
        "",
        f"Machine: {machine()}; load average {load:.1f} at the end of the run "
        "(the machine is shared: figures under load are pessimistic).",
        "",
        f"Reference, one cold `scan --no-cache` of the checkout: {scan_s:.2f} s.",
        "",
        "| run | commits | total | per commit | blobs | read from git | parsed | project phases |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in rows:
        secs = float(r["seconds"])  # type: ignore[arg-type]
        commits = int(r["commits"])  # type: ignore[call-overload]
        lines.append(
            f"| {label} | {commits} | {secs:.2f} s | {1000 * secs / max(commits, 1):.0f} ms "
            f"| {r['blobs']:,} | {r['read']:,} | {r['parsed']:,} | {r['projects_built']} |"
        )
    lines += [
        "",
        "Cold, the first commit costs a full scan and every later commit only its changed "
        "files (parsed = distinct Python blobs in the range); the project phase still runs per "
        "commit. Warm, each commit's summary is found by its tree id and nothing is read or "
        "parsed. With the summaries dropped, every blob's facts still come from the cache "
        "(0 parsed, 0 read: the blob id → content hash table), so the time is the project "
        "phase alone. A new commit costs its changed files and one project phase.",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if args.write_docs:
        write_section(REPO / "docs" / "performance.md", SECTION, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
