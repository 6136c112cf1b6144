"""``migrate --apply`` on real code (a scratch copy of prefect and of sqlalchemy): whatever
it is asked to convert, it never writes a file that does not parse — it either writes a
result that parses (and re-analyses clean) or refuses and writes nothing.

Selectors are run one after the other on the same copy, so later migrations start from
the output of earlier ones. The corpora come from ``../shared/corpora/fetch.sh`` (see
``test_corpus.py``); without it or the network the test is skipped with the reason.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import warnings
from pathlib import Path

import pytest
from test_corpus import fetch

from awaitify.api import ScanOptions
from awaitify.migrate.run import migrate

pytestmark = pytest.mark.corpus

#: (corpus, selectors of one migration): modules, classes, functions, a layer, a rule
RUNS: dict[str, list[list[str]]] = {
    "prefect": [
        ["prefect/_internal/waiters.py::FlowRunWaiter"],
        ["prefect/automations.py::Automation"],
        ["prefect/deployments/runner.py::RunnerDeployment"],
        ["prefect/filesystems.py::LocalFileSystem"],
        ["prefect/blocks/core.py::Block"],
        ["prefect/cli/variable.py"],
        ["--layer", "service"],
        ["--rule", "ASY100"],
        ["--rule", "ASY206"],
    ],
    "sqlalchemy": [
        ["sqlalchemy/util/tool_support.py::code_writer_cmd"],
        ["sqlalchemy/util/_concurrency_py3k.py::_Runner"],
        ["sqlalchemy/pool/base.py::Pool.connect"],
        ["sqlalchemy/engine/base.py::Connection.execute"],
    ],
}


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest()
        for p in root.rglob("*.py")
        if ".awaitify" not in p.parts
    }


def parses(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return False
    return True


@pytest.mark.parametrize("name", sorted(RUNS))
def test_migrate_never_writes_an_unparseable_file(tmp_path: Path, name: str) -> None:
    source = fetch(name)
    root = tmp_path / name
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".awaitify", "__pycache__"))
    broken_before = {rel for rel in digests(root) if not parses(root / rel)}
    applied = 0
    for argv in RUNS[name]:
        layer = argv[1] if argv[0] == "--layer" else None
        rule = argv[1] if argv[0] == "--rule" else None
        selectors = [] if layer or rule else argv
        before = digests(root)
        result = migrate(
            selectors, layer=layer, rule=rule, root=root, apply=True,
            options=ScanOptions(cwd=str(root)),  # the copy's own .awaitify/ cache
        )  # fmt: skip
        after = digests(root)
        changed = {rel for rel in after if after[rel] != before.get(rel)}
        if result.applied:
            applied += 1
            assert changed == {c.path for c in result.touched}, argv
            for rel in changed:
                assert parses(root / rel), f"{argv}: wrote {rel}, which does not parse"
        else:
            assert not changed, (
                f"{argv}: refused ({result.refused[:1]}) but wrote {sorted(changed)}"
            )
    broken_after = {rel for rel in digests(root) if not parses(root / rel)}
    assert broken_after == broken_before
    assert applied, "no migration of the corpus could be applied"
