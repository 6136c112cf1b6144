#!/usr/bin/env python3
"""Bootstrap and run awaitify from a fresh checkout with nothing but python3 (3.10+).

    python3 dev.py demo     # scan the example service and write its standardization guide
    python3 dev.py test     # run the whole test suite (what CI runs)
    python3 dev.py lint     # ruff + mypy on src/

Creates ``.venv/`` beside this file on first use and installs awaitify into it (editable),
with the test extras and the example service's own requirements for ``test``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
EXAMPLE = ROOT / "examples" / "billing_service"


def run(*cmd: str | os.PathLike[str], **kw: object) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], **kw)  # type: ignore[call-overload]


def ensure_venv(extras: str, stamp: str, also: list[str] | None = None) -> None:
    marker = VENV / f".installed-{stamp}"
    if marker.exists() and marker.stat().st_mtime >= (ROOT / "pyproject.toml").stat().st_mtime:
        return
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [PY, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    if run(*pip, "-e", target) != 0:
        sys.exit("dev.py: installing awaitify failed")
    if also and run(*pip, *also) != 0:
        sys.exit("dev.py: installing test requirements failed")
    marker.write_text("ok\n")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    rest = argv[1:]
    if command == "demo":
        ensure_venv("", "demo")
        guide = ROOT / "examples" / "billing_service-GUIDE.md"
        code = run(BIN / "awaitify", "scan", EXAMPLE, *rest)
        run(BIN / "awaitify", "scan", EXAMPLE, "--format", "markdown", "-o", guide)
        print(f"\nThe standardization guide for the example is in {guide.relative_to(ROOT)}")
        return 1 if code not in (0,) else 0
    if command == "test":
        ensure_venv("dev", "test", ["-r", str(EXAMPLE / "requirements.txt")])
        return run(PY, "-m", "pytest", "-q", *rest, cwd=ROOT)
    if command == "lint":
        ensure_venv("dev", "test", ["-r", str(EXAMPLE / "requirements.txt")])
        a = run(BIN / "ruff", "check", "src", "tests", cwd=ROOT)
        b = run(BIN / "mypy", "src/awaitify", cwd=ROOT)
        return a or b
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
