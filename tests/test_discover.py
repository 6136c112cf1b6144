"""Discovery: which files a scan reads, and what never stops it."""

from __future__ import annotations

import concurrent.futures
import errno
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import awaitify.engine.discover as discover_module
import awaitify.engine.runner as runner_module
from awaitify.api import ScanOptions, scan
from awaitify.config import Config, load_config
from awaitify.engine.discover import discover
from awaitify.errors import UsageError

Tree = Callable[[Mapping[str, str | bytes]], Path]


def found(root: Path, config: Config | None = None, *paths: Path) -> list[str]:
    config = config or Config(root=root)
    result = discover(list(paths) or [root], config, str(root))
    return [f.display for f in result.files]


def test_finds_py_and_pyi_and_skips_tool_folders(tree: Tree) -> None:
    root = tree(
        {
            "app/main.py": "",
            "app/types.pyi": "",
            "app/readme.txt": "",
            ".git/hooks/x.py": "",
            ".venv/lib/a.py": "",
            "venv/lib/a.py": "",
            "env3/pyvenv.cfg": "home = /usr/bin\n",
            "env3/lib/python3.11/site-packages/pkg/a.py": "",
            "lib/site-packages/pkg/a.py": "",
            "web/node_modules/x/y.py": "",
            "app/__pycache__/main.cpython-311.py": "",
            "build/lib/app/main.py": "",
            "dist/x.py": "",
            ".tox/py311/x.py": "",
            "awaitify.egg-info/x.py": "",
            ".awaitify/x.py": "",
            ".mypy_cache/x.py": "",
        }
    )
    assert found(root) == ["app/main.py", "app/types.pyi"]


def test_a_virtualenv_named_explicitly_is_scanned(tree: Tree) -> None:
    root = tree({"env3/pyvenv.cfg": "", "env3/tool.py": ""})
    assert found(root, None, root / "env3") == ["env3/tool.py"]


def test_nested_gitignores_deeper_wins(tree: Tree) -> None:
    root = tree(
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            ".gitignore": "generated/\n*_pb2.py\n# a comment\n",
            "app/service.py": "",
            "app/api_pb2.py": "",
            "generated/models.py": "",
            "app/proto/.gitignore": "!keep_pb2.py\nlocal_*.py\n",
            "app/proto/keep_pb2.py": "",
            "app/proto/drop_pb2.py": "",
            "app/proto/local_settings.py": "",
            "app/proto/real.py": "",
        }
    )
    assert found(root) == ["app/proto/keep_pb2.py", "app/proto/real.py", "app/service.py"]


def test_gitignore_of_ancestors_applies_to_a_scanned_subfolder(tree: Tree) -> None:
    root = tree(
        {
            ".git/HEAD": "",
            ".git/info/exclude": "secret_*.py\n",
            ".gitignore": "app/generated/\n",
            "app/x.py": "",
            "app/secret_key.py": "",
            "app/generated/y.py": "",
        }
    )
    assert found(root, Config(root=root), root / "app") == ["app/x.py"]


def test_gitignore_can_be_turned_off(tree: Tree) -> None:
    root = tree({".gitignore": "*.py\n", "a.py": ""})
    assert found(root) == []
    assert found(root, Config(root=root, respect_gitignore=False)) == ["a.py"]


def test_config_exclude_and_include(tree: Tree) -> None:
    root = tree(
        {
            "pyproject.toml": """
                [tool.awaitify]
                exclude = ["migrations/", "legacy_*.py", "/top_only.py"]
                include = ["*.py", "*.pyw"]
            """,
            "app/models.py": "",
            "app/legacy_db.py": "",
            "app/stubs.pyi": "",
            "app/gui.pyw": "",
            "app/top_only.py": "",
            "top_only.py": "",
            "migrations/0001.py": "",
            "app/migrations/0002.py": "",
        }
    )
    config = load_config([root])
    assert config.source == root / "pyproject.toml"
    assert found(root, config) == ["app/gui.pyw", "app/models.py", "app/top_only.py"]


def test_an_explicit_file_is_scanned_even_if_excluded(tree: Tree) -> None:
    root = tree({"legacy.py": "", "other.py": ""})
    config = Config(root=root, exclude=("legacy.py",))
    assert found(root, config) == ["other.py"]
    assert found(root, config, root / "legacy.py") == ["legacy.py"]


def test_each_file_once_sorted_whatever_the_paths(tree: Tree) -> None:
    root = tree({"b/x.py": "", "a/y.py": "", "a/z.py": ""})
    assert found(root, None, root, root / "a", root / "a" / "y.py") == [
        "a/y.py",
        "a/z.py",
        "b/x.py",
    ]


def test_display_paths_relative_to_cwd_or_absolute(tree: Tree, tmp_path: Path) -> None:
    root = tree({"pkg/m.py": ""})
    inside = discover([root / "pkg"], Config(root=root), str(root))
    assert [f.display for f in inside.files] == ["pkg/m.py"]
    elsewhere = discover([root / "pkg"], Config(root=root), str(root / "pkg" / "sub"))
    assert [f.display for f in elsewhere.files] == [str(root / "pkg" / "m.py")]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or directory"):
        discover([tmp_path / "nope"], Config(root=tmp_path), str(tmp_path))


def test_symlink_loops_do_not_hang(tree: Tree) -> None:
    root = tree({"app/a.py": "", "lib/real.py": ""})
    os.symlink(root, root / "app" / "loop")
    os.symlink(root / "app", root / "app" / "self")
    os.symlink(root / "lib" / "real.py", root / "app" / "linked.py")
    os.symlink(root / "missing.py", root / "app" / "dangling.py")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a hang fails, not blocks
        names = pool.submit(found, root).result(timeout=60)
    assert names == ["app/a.py", "app/linked.py", "lib/real.py"]


def test_unreadable_file_is_a_finding_not_a_crash(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree({"ok.py": "async def f():\n    pass\n", "locked.py": "def g():\n    pass\n"})
    real_open = open

    def guarded_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith("locked.py"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(runner_module, "open", guarded_open, raising=False)
    result = scan([root], Config(root=root), ScanOptions(use_cache=False, jobs=1, cwd=str(root)))
    (finding,) = result.findings
    assert (finding.code, finding.path, finding.line) == ("ASY001", "locked.py", 1)
    assert "cannot be read" in finding.message and "Permission denied" in finding.message
    assert result.summary.files == 2 and result.summary.async_functions == 1


def test_unreadable_directory_is_reported_not_a_crash(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree({"ok.py": "", "secret/x.py": ""})
    real_scandir = os.scandir

    def guarded_scandir(path: Any) -> Iterator[os.DirEntry[str]]:
        if str(path).endswith("secret"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(discover_module.os, "scandir", guarded_scandir)
    result = discover([root], Config(root=root), str(root))
    assert [f.display for f in result.files] == ["ok.py"]
    assert result.problems == ["secret: cannot read directory: Permission denied"]


def test_a_directory_named_like_a_module_is_walked_not_read(tree: Tree) -> None:
    root = tree({"pkg.py/inner.py": "def f():\n    pass\n"})
    assert found(root) == ["pkg.py/inner.py"]
    result = scan([root], Config(root=root), ScanOptions(use_cache=False, cwd=str(root)))
    assert result.summary.files == 1 and not result.findings


def test_discovery_records_what_it_depended_on(tree: Tree) -> None:
    root = tree({".gitignore": "x\n", "a/b.py": "", "c.py": ""})
    result = discover([root], Config(root=root), str(root))
    assert {d for d, _, _ in result.dirs} == {str(root), str(root / "a")}
    assert [w[0] for w in result.watched] == [str(root / ".gitignore")]
