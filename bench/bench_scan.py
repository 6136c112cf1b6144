"""Benchmark of ``awaitify scan`` against ruff, flake8-async and a bare ``ast.parse`` floor.

Not a test. On pinned corpora (``../shared/corpora/fetch.sh NAME``: homeassistant 2024.3.3
and prefect 3.9.1 by default), copied to a scratch folder so nothing is written next to the
shared corpus, it times each of these in a fresh process, N times, interleaved so that
machine noise is spread over all of them:

* ``floor``: read and ``ast.parse`` every file awaitify scans, in a 2-process pool (the
  interpreter start-up included, as it is for every other row);
* ``awaitify cold``: ``scan --no-cache``;
* ``awaitify cold, fresh cache``: ``scan`` with the ``.awaitify/`` folder deleted first
  (cold, plus writing the cache);
* ``awaitify warm``: ``scan`` when nothing changed;
* ``awaitify one file changed``: a comment appended to the largest file, then ``scan`` (the
  file's facts do not change: the early cutoff), and a line inserted at its top, then
  ``scan`` (every line moves: the project phase runs, reusing the unaffected call graph);
* ``ruff cold`` / ``ruff warm``: ``ruff check --select ASYNC --isolated`` with
  ``--no-cache`` / after a run that filled its cache;
* ``flake8``: ``flake8 --select ASYNC -j 2`` with flake8-async (prefect only by default:
  on homeassistant it takes minutes; ``--flake8-everywhere`` runs it there too).

It prints medians (and min/max) and the ratios of issue 2, then the peak memory of one
cold awaitify run: the largest single process (``wait4``'s ``ru_maxrss``, what
``/usr/bin/time -v`` reports) and the peak of the whole process tree (sum of PSS, sampled
from ``/proc``). With ``--phases`` it also times the phases of a cold and a one-file-changed
scan in-process (discovery, per-file phase, project phase), which is the budget the rules
work with.

    python bench/bench_scan.py [--corpus homeassistant --corpus prefect] [--reps 5]
                               [--phases] [--write-docs]

``--write-docs`` puts the table and the machine in the ``## scan`` section of
docs/performance.md (that section is replaced; the rest of the file is left alone).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from perfdoc import write_section

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FETCH = REPO.parent / "shared" / "corpora" / "fetch.sh"
SECTION = "## scan"
BIN = Path(sys.executable).parent

_FLOOR = """
import ast, multiprocessing, sys, warnings

def parse(path):
    with open(path, "rb") as fh:
        data = fh.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    return 0

if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        paths = fh.read().split("\\n")
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for _ in pool.imap_unordered(parse, paths, chunksize=16):
            pass
"""


@dataclass
class Sample:
    wall: float
    cpu: float  # user + system of the process and its children
    maxrss_kb: int


@dataclass
class Row:
    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)


def run(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run one command to completion; wall time, CPU time and max RSS from ``wait4``."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):  # ruff and flake8 exit 1 when they find something
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def tree_pss_kb(pid: int) -> int:
    """Sum of PSS over ``pid`` and its descendants (shared pages counted once in total)."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children") as fh:
                stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def peak_memory(argv: Sequence[str], cwd: Path) -> tuple[int, int]:
    """(peak tree PSS in KB sampled every 20 ms, largest single-process max RSS in KB)."""
    proc = subprocess.Popen(
        list(argv), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_pss_kb(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    done.set()
    sampler.join()
    return peak[0], usage.ru_maxrss


def fetch(name: str) -> Path:
    if not FETCH.is_file():
        raise SystemExit(f"no corpus script at {FETCH}")
    done = subprocess.run(["bash", str(FETCH), name], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"fetch.sh {name} failed:\n{done.stderr}")
    return Path(done.stdout.strip().splitlines()[-1])


def backdate(root: Path, seconds: float = 3600) -> None:
    """Files and folders as a real checkout has them: not modified in the last moments."""
    old = time.time() - seconds
    for dirpath, _, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(dirpath, name), (old, old), follow_symlinks=False)
        os.utime(dirpath, (old, old))


def copy_corpus(source: Path, scratch: Path) -> Path:
    dest = scratch / source.name
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".awaitify", ".ruff_cache"))
    backdate(dest)
    return dest


def scanned_files(root: Path) -> list[str]:
    """The files awaitify scans (a small child process: this one stays small, so the
    memory its children inherit at fork time does not show in their max RSS)."""
    code = (
        "import sys; from awaitify.config import Config; "
        "from awaitify.engine.discover import discover; r = sys.argv[1]; "
        "print('\\n'.join(f.abspath for f in discover([r], Config(root=__import__('pathlib')"
        ".Path(r)), r).files))"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True,
                         text=True, env=env, check=True).stdout  # fmt: skip
    return [line for line in out.splitlines() if line]


def largest(paths: Sequence[str]) -> str:
    return max(paths, key=lambda p: (os.path.getsize(p), p))


def _flake8_version(line: str) -> str:
    """``7.5.0 (flake8-async: 26.8.1, mccabe: ...`` → ``7.5.0 with flake8-async 26.8.1``."""
    words = line.split()
    plugin = (
        line.split("flake8-async:")[1].split(",")[0].strip() if "flake8-async:" in line else "?"
    )
    return f"{words[0] if words else '?'} with flake8-async {plugin}"


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
            ram = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass

    def version(*argv: str) -> str:
        try:
            out = subprocess.run(list(argv), capture_output=True, text=True).stdout
            return out.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "date": time.strftime("%Y-%m-%d"),
        "ruff": version(str(BIN / "ruff"), "--version"),
        "flake8": _flake8_version(version(str(BIN / "flake8"), "--version")),
    }


_PHASES = """
import gc, json, shutil, sys, time
from pathlib import Path

gc.disable()  # as the console script runs
import awaitify.api as api
import awaitify.engine.runner as runner
from awaitify.config import Config

root, changed = Path(sys.argv[1]), sys.argv[2]
timings = {}
prefix = [""]


def timed(name, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timings[prefix[0] + name] = time.perf_counter() - start
    return wrapper


api.discover_files = timed("discovery", api.discover_files)
runner.run_files = timed("per-file phase", runner.run_files)  # api imports it when needed
api.project_result = timed("project phase", api.project_result)
config = Config(root=root)
prefix[0] = "cold: "
start = time.perf_counter()
api.scan([root], config, api.ScanOptions(use_cache=False, cwd=str(root)))
timings["cold: total"] = time.perf_counter() - start
shutil.rmtree(root / ".awaitify", ignore_errors=True)
prefix[0] = "fresh cache: "
api.scan([root], config, api.ScanOptions(cwd=str(root)))
with open(changed, "a") as fh:
    fh.write("# bench: phases\\n")
prefix[0] = "one file changed: "
start = time.perf_counter()
api.scan([root], config, api.ScanOptions(cwd=str(root)))
timings["one file changed: total"] = time.perf_counter() - start
print(json.dumps(timings))
"""


def phases(root: Path, changed: str) -> dict[str, float]:
    """Phase timings of a cold and of a one-file-changed scan, in a process of their own."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    done = subprocess.run(
        [sys.executable, "-c", _PHASES, str(root), changed],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    timings: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return timings


def bench_corpus(
    name: str, reps: int, flake8_reps: int, with_flake8: bool, scratch: Path
) -> dict[str, object]:
    root = copy_corpus(fetch(name), scratch)
    files = scanned_files(root)
    listing = scratch / f"{name}.files"
    listing.write_text("\n".join(files))
    floor_script = scratch / "floor.py"
    floor_script.write_text(_FLOOR)
    changed = largest(files)
    py = sys.executable
    # the console script, as users run it (``python -m`` adds runpy's start-up)
    script = BIN / "awaitify"
    awaitify = [
        str(script) if script.exists() else py,
        *([] if script.exists() else ["-m", "awaitify"]),
    ]
    awaitify += ["scan", "--no-progress"]
    ruff = [str(BIN / "ruff"), "check", "--select", "ASYNC", "--isolated", "--quiet", "."]
    flake8 = [str(BIN / "flake8"), "--select", "ASYNC", "-j", "2", "."]
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    rows = {
        key: Row(label)
        for key, label in [
            ("floor", "ast.parse floor (2 processes)"),
            ("cold", "awaitify cold (--no-cache)"),
            ("fresh", "awaitify cold, fresh cache"),
            ("warm", "awaitify warm (nothing changed)"),
            ("changed", "awaitify one file changed (a comment appended)"),
            ("changed_code", "awaitify one file changed (a line inserted at the top)"),
            ("ruff_cold", "ruff cold (--no-cache)"),
            ("ruff_warm", "ruff warm"),
            ("flake8", "flake8 + flake8-async (-j 2)"),
        ]
    }
    cache = root / ".awaitify"
    for rep in range(reps):
        print(f"  {name}: repetition {rep + 1}/{reps}", file=sys.stderr)
        rows["floor"].samples.append(run([py, str(floor_script), str(listing)], root))
        rows["ruff_cold"].samples.append(run([*ruff, "--no-cache"], root))
        rows["cold"].samples.append(run([*awaitify, "--no-cache", "."], root, env))
        shutil.rmtree(cache, ignore_errors=True)
        rows["fresh"].samples.append(run([*awaitify, "."], root, env))
        # .awaitify/ was just created: as in any project after its first scan, it is old
        # news by the next one (a folder changed this very second is checked again)
        backdate(root, 60)
        run([*awaitify, "."], root, env)
        rows["warm"].samples.append(run([*awaitify, "."], root, env))
        run(ruff, root)
        rows["ruff_warm"].samples.append(run(ruff, root))
        with open(changed, "a") as fh:
            fh.write(f"# bench: edit {rep}\n")
        rows["changed"].samples.append(run([*awaitify, "."], root, env))
        # an edit that changes the file's facts (every line below it moves): no early cutoff
        text = Path(changed).read_text(encoding="utf-8")
        Path(changed).write_text(f"import os  # bench: edit {rep}\n{text}", encoding="utf-8")
        rows["changed_code"].samples.append(run([*awaitify, "."], root, env))
        if with_flake8 and rep < flake8_reps:
            rows["flake8"].samples.append(run(flake8, root))
    print(f"  {name}: memory", file=sys.stderr)
    pss, maxrss = peak_memory([*awaitify, "--no-cache", "."], root)
    result: dict[str, object] = {
        "corpus": root.name,
        "files": len(files),
        "lines": sum(Path(f).read_bytes().count(b"\n") for f in files),
        "changed_file": os.path.relpath(changed, root),
        "rows": {
            k: {
                "label": r.name,
                "median": r.median,
                "min": min(s.wall for s in r.samples),
                "max": max(s.wall for s in r.samples),
                "cpu": r.cpu,
                "n": len(r.samples),
            }
            for k, r in rows.items()
            if r.samples
        },
        "peak_tree_pss_mb": pss / 1024,
        "max_process_rss_mb": maxrss / 1024,
    }
    return result


def ratios(res: dict[str, object]) -> list[tuple[str, str, str, str, str]]:
    """(measure, value from medians, value from minimums, bound, verdict).

    The verdict is "yes" when the bound holds on the medians, "on minimums only" when it
    holds only for the least disturbed run of each command (what ``timeit`` advises reading
    on a shared machine, but not what a user sees every time), else "no"; it is given only
    where issue 2 sets the bound for this corpus (homeassistant: time and memory; prefect:
    flake8), else "(info)"."""
    rows = res["rows"]
    assert isinstance(rows, dict)
    main = str(res["corpus"]).startswith("homeassistant")

    def get(k: str, which: str) -> float:
        return float(rows[k][which]) if k in rows else 0.0

    def verdict(ok: bool, applies: bool, ok_on_minimums: bool = False) -> str:
        if not applies:
            return "(info)"
        return "yes" if ok else "on minimums only" if ok_on_minimums else "**no**"

    out = []
    checks: list[tuple[str, str, str, float, bool, bool]] = [
        # (measure, numerator, denominator, limit, at most (else at least), applies here)
        ("awaitify cold / ast.parse floor", "cold", "floor", 1.5, True, main),
        ("awaitify warm / ruff warm", "warm", "ruff_warm", 1.5, True, main),
        ("awaitify one file changed, comment (s)", "changed", "", 1.0, True, main),
        ("awaitify one file changed, code (s)", "changed_code", "", 1.0, True, main),
        ("flake8 / awaitify cold", "flake8", "cold", 50.0, False, not main),
    ]
    for label, num, den, limit, at_most, applies in checks:
        if num not in rows or (den and den not in rows):
            continue
        med = get(num, "median") / (get(den, "median") if den else 1.0)
        low = get(num, "min") / (get(den, "min") if den else 1.0)
        bound = f"≤ {limit:g}" if at_most else f"≥ {limit:g}"
        if not den:
            bound += " s"
        ok = med <= limit if at_most else med >= limit
        ok_low = low <= limit if at_most else low >= limit
        out.append((label, f"{med:.2f}", f"{low:.2f}", bound, verdict(ok, applies, ok_low)))
    mem = float(res["peak_tree_pss_mb"])  # type: ignore[arg-type]
    out.append(
        ("peak memory of a cold scan (MB)", f"{mem:.0f}", "", "≤ 1024", verdict(mem <= 1024, main))
    )
    return out


def markdown(results: list[dict[str, object]], info: dict[str, str], reps: int, load: str) -> str:
    lines = [
        SECTION,
        "",
        f"Measured by `bench/bench_scan.py` on {info['date']}: each command a fresh process, "
        f"{reps} repetitions interleaved (flake8 fewer), median wall time (min-max), CPU = "
        "user+system of the process tree (median).",
        "",
        f"Machine: {info['nproc']} cores (nproc), {info['cpu']}, {info['ram']} RAM, "
        f"{info['os']}, Python {info['python']}; {info['ruff']}; flake8 {info['flake8']}. "
        f"Load average {load} (the machine is shared with other sessions: "
        "figures under load are noisy; ratios are taken within the same run).",
        "",
    ]
    for res in results:
        rows = res["rows"]
        assert isinstance(rows, dict)
        lines += [
            f"### {res['corpus']} ({res['files']:,} files, {res['lines']:,} lines)",
            "",
            "| run | median | min-max | CPU |",
            "|---|---:|---:|---:|",
        ]
        for r in rows.values():
            lines.append(
                f"| {r['label']} | {r['median']:.3f} s | {r['min']:.3f}-{r['max']:.3f} s "
                f"| {r['cpu']:.2f} s |"
            )
        lines += [
            "",
            f"Peak memory of a cold scan: {res['peak_tree_pss_mb']:.0f} MB for the whole "
            f"process tree (sum of PSS), {res['max_process_rss_mb']:.0f} MB for the largest "
            f"single process (max RSS). One file changed: `{res['changed_file']}` (the "
            "largest file) gets a comment appended, then a line inserted at its top, before "
            "each run.",
            "",
            "| target (issue 2) | from medians | from minimums | bound | holds |",
            "|---|---:|---:|---:|:---:|",
        ]
        for label, med, low, bound, ok in ratios(res):
            lines.append(f"| {label} | {med} | {low} | {bound} | {ok} |")
        lines.append("")
    with_phases = [r for r in results if isinstance(r.get("phases"), dict)]
    if with_phases:
        lines += [
            "Phases (`--phases`: each scan in a process of its own, median of the runs, seconds):",
            "",
            "| corpus | run | discovery | per-file phase | project phase | total |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for res in with_phases:
            p = res["phases"]
            assert isinstance(p, dict)
            for run in ("cold", "one file changed"):
                cells = [p.get(f"{run}: {k}", 0.0) for k in ("discovery", "per-file phase",
                         "project phase", "total")]  # fmt: skip
                lines.append(
                    f"| {res['corpus']} | {run} | " + " | ".join(f"{c:.2f}" for c in cells) + " |"
                )
        for res in with_phases:
            lines += ["", _project_share(res)]
        lines.append("")
    return "\n".join(lines)


def _project_share(res: dict[str, object]) -> str:
    """Issue 3's bound: what the project phase adds to the per-file phase of a cold scan,
    run by run (each in a process of its own), with the verdict on the median."""
    runs = res["phases_runs"]
    assert isinstance(runs, list)
    shares = sorted(r["cold: project phase"] / r["cold: per-file phase"] for r in runs)
    median = statistics.median(shares)
    main = str(res["corpus"]).startswith("homeassistant")
    verdict = ("holds" if median <= 0.30 else "**does not hold**") if main else "(info)"
    return (
        f"{res['corpus']}: the project phase adds a median {median:.0%} to the per-file phase "
        f"of a cold scan ({shares[0]:.0%}-{shares[-1]:.0%} over {len(shares)} runs; "
        f"issue 3 bound ≤ 30 %: {verdict})."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", help="homeassistant, prefect, ...")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--flake8-reps", type=int, default=1, help="flake8 is slow: 3 min on prefect"
    )
    parser.add_argument("--flake8-everywhere", action="store_true")
    parser.add_argument("--phases", action="store_true", help="also time the phases in-process")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--json", metavar="FILE", help="write the raw results to FILE")
    args = parser.parse_args(argv)
    corpora = args.corpus or ["homeassistant", "prefect"]
    # measure an installed-like awaitify: byte-compiled, as `pip install` leaves it
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "awaitify")],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    info = machine()
    results = []
    with tempfile.TemporaryDirectory(prefix="awaitify-bench-") as tmp:
        scratch = Path(tmp)
        for name in corpora:
            with_flake8 = args.flake8_everywhere or name == "prefect"
            results.append(bench_corpus(name, args.reps, args.flake8_reps, with_flake8, scratch))
        for res in results if args.phases else []:
            root = scratch / str(res["corpus"])
            runs = []
            for rep in range(args.reps):  # the project phase is short: noise matters
                print(f"  {res['corpus']}: phases {rep + 1}/{args.reps}", file=sys.stderr)
                runs.append(phases(root, str(root / str(res["changed_file"]))))
            res["phases_runs"] = runs
            res["phases"] = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    text = markdown(results, info, args.reps, load)
    print(text)
    for res in results:
        if "phases" in res:
            print(f"phases ({res['corpus']}, in-process):")
            for k, v in res["phases"].items():  # type: ignore[attr-defined]
                print(f"  {k:36} {v:7.3f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "results": results}, indent=2))
    if args.write_docs:
        write_section(REPO / "docs" / "performance.md", SECTION, text, first=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
