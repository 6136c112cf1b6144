"""What parsing a corpus costs with each parser a Python tool could use (not a test).

The cold-scan bound of issue 2 is a ratio to ``ast.parse``: this measures, in one process
with the collector off (``time.process_time``), every file of a corpus parsed by

* ``ast.parse`` (the floor's parser, and awaitify's);
* ``ast_serialize.parse``: Ruff's parser, built, as mypy ships it on PyPI (to mypy's binary
  AST format);
* ``mypy.nativeparse``: that parse plus mypy's compiled reader building mypy's own tree;
* tree-sitter-python.

A parser whose package is not installed is skipped. See docs/performance.md, "Eighth
session", for what the numbers say and why awaitify still uses ``ast``.

    python bench/bench_parsers.py [--corpus homeassistant]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import gc
import os
import subprocess
import time
import warnings
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
FETCH = HERE.parent.parent / "shared" / "corpora" / "fetch.sh"


def corpus_files(name: str) -> list[tuple[str, bytes]]:
    """Every ``.py`` file of a corpus that ``../shared/corpora/fetch.sh NAME`` unpacks."""
    if not FETCH.is_file():
        raise SystemExit(f"no corpus script at {FETCH}")
    done = subprocess.run(["bash", str(FETCH), name], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"fetch.sh {name} failed:\n{done.stderr}")
    folder = done.stdout.strip().splitlines()[-1]
    out = []
    for directory, _, names in os.walk(folder):
        for n in sorted(names):
            if n.endswith(".py"):
                path = os.path.join(directory, n)
                with open(path, "rb") as fh:
                    out.append((path, fh.read()))
    return out


def with_ast(path: str, data: bytes) -> None:
    with contextlib.suppress(SyntaxError, ValueError, RecursionError, MemoryError):
        ast.parse(data)


def parsers() -> dict[str, Callable[[str, bytes], object]]:
    found: dict[str, Callable[[str, bytes], object]] = {"ast.parse": with_ast}
    try:
        import ast_serialize

        found["ast_serialize.parse (Ruff's parser)"] = lambda p, d: ast_serialize.parse(p, d)
    except ImportError:
        pass
    try:
        from mypy import nativeparse
        from mypy.cache import ReadBuffer
        from mypy.options import Options

        options = Options()

        def with_mypy(path: str, data: bytes) -> object:
            tree, _, _ = nativeparse.native_parse(path, options, data)
            buffer = ReadBuffer(tree.raw_data.defs)
            state = nativeparse.State(options)
            return nativeparse.read_statements(state, buffer, nativeparse.read_int(buffer))

        found["mypy.nativeparse (parse + mypy's tree)"] = with_mypy
    except ImportError:
        pass
    try:
        import tree_sitter
        import tree_sitter_python

        parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))
        found["tree-sitter-python"] = lambda p, d: parser.parse(d)
    except ImportError:
        pass
    return found


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--corpus", default="homeassistant")
    corpus = args.parse_args().corpus
    files = corpus_files(corpus)
    print(f"{corpus}: {len(files):,} files, {sum(len(d) for _, d in files) / 1e6:.1f} MB")
    gc.disable()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for label, parse in parsers().items():
            started = time.process_time()
            for path, data in files:
                with contextlib.suppress(Exception):  # a parser's error on a broken file
                    parse(path, data)
            print(f"  {label:42} {time.process_time() - started:6.2f} CPU-s")


if __name__ == "__main__":
    main()
