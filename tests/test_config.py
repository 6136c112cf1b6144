"""``[tool.awaitify]``: where it is found, what it accepts, and how a mistake is reported."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from awaitify.config import Config, load_config
from awaitify.errors import ConfigError

Tree = Callable[[Mapping[str, str | bytes]], Path]


def pyproject(body: str) -> dict[str, str | bytes]:
    return {"pyproject.toml": body, "app/main.py": "def f():\n    pass\n"}


def test_unknown_key_exits_2_with_one_line_naming_key_and_file(
    tree: Tree, cli: Callable[..., Any]
) -> None:
    root = tree(pyproject("[tool.awaitify]\nselect = ['ASY1']\nfrobnicate = true\n"))
    done = cli(["scan", "."], cwd=root)
    assert done.code == 2
    assert done.out == ""
    lines = done.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("awaitify: error: ")
    assert "'frobnicate'" in lines[0] and str(root / "pyproject.toml") in lines[0]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("select = 'ASY1'", "select"),
        ("select = ['E501']", "select"),
        ("ignore = [1]", "ignore"),
        ("exclude = 'build'", "exclude"),
        ("target-version = 'py27'", "target-version"),
        ("target-version = 310", "target-version"),
        ("respect-gitignore = 'yes'", "respect-gitignore"),
        ("endpoints = 'sometimes'", "endpoints"),
        ("pytest-marker = 'trio'", "pytest-marker"),
        ("asyncio-mode = 'manual'", "asyncio-mode"),
        ("team-capacity = 0", "team-capacity"),
        ("team-capacity = true", "team-capacity"),
        ("layers = {bogus = ['x/']}", "layers.bogus"),
        ("layers = {service = 'x/'}", "layers.service"),
        ("boundaries = {entry = ['main']}", "boundaries.entry"),
        ("per-file-ignores = {'tests/*' = ['NOPE']}", "per-file-ignores.tests/*"),
        ("session-factories = {SessionLocal = 1}", "session-factories.SessionLocal"),
        ("critical-domains = 'auth'", "critical-domains"),
    ],
)
def test_bad_values_name_the_key_and_the_file(
    tree: Tree, cli: Callable[..., Any], body: str, key: str
) -> None:
    root = tree(pyproject(f"[tool.awaitify]\n{body}\n"))
    with pytest.raises(ConfigError) as info:
        load_config([root])
    message = str(info.value)
    assert key in message and str(root / "pyproject.toml") in message
    done = cli(["scan", "."], cwd=root)
    assert done.code == 2 and len(done.err.strip().splitlines()) == 1
    assert "Traceback" not in done.err


def test_malformed_toml_is_a_config_error(tree: Tree, cli: Callable[..., Any]) -> None:
    root = tree(pyproject("[tool.awaitify]\nselect = [\n"))
    done = cli(["scan", "."], cwd=root)
    assert done.code == 2
    assert "pyproject.toml: cannot read" in done.err and len(done.err.strip().splitlines()) == 1


def test_a_table_that_is_not_a_table(tree: Tree) -> None:
    root = tree(pyproject("[tool]\nawaitify = 3\n"))
    with pytest.raises(ConfigError, match="must be a table"):
        load_config([root])


def test_valid_config_is_read(tree: Tree) -> None:
    root = tree(
        pyproject(
            """
            [project]
            requires-python = ">=3.9"

            [tool.awaitify]
            select = ["ASY1", "ASY201"]
            ignore = ["ASY105"]
            exclude = ["migrations/"]
            endpoints = "async"
            critical-domains = ["checkout"]
            per-file-ignores = {"tests/*" = ["ASY2"]}
            layers = {service = ["core/"]}
            boundaries = {adapter-classes = ["*Facade"], entry-points = ["main", "cli"]}
            session-factories = {SessionLocal = "AsyncSessionLocal"}
            pytest-marker = "anyio"
            team-capacity = 5
            """
        )
    )
    config = load_config([root / "app"])
    assert config.source == root / "pyproject.toml" and config.root == root.resolve()
    assert config.select == ("ASY1", "ASY201") and config.ignore == ("ASY105",)
    assert config.target_version == (3, 9)  # from requires-python
    assert config.endpoints == "async" and config.critical_domains == ("checkout",)
    assert config.per_file_ignores == (("tests/*", ("ASY2",)),)
    assert config.layers == (("service", ("core/",)),)
    assert config.boundaries.adapter_classes == ("*Facade",)
    assert config.boundaries.entry_points == ("main", "cli")
    assert config.session_factories == (("SessionLocal", "AsyncSessionLocal"),)
    assert (config.pytest_marker, config.team_capacity) == ("anyio", 5)
    assert config.cache_dir == root.resolve() / ".awaitify"


def test_target_version_in_the_table_wins_over_requires_python(tree: Tree) -> None:
    root = tree(
        pyproject('[project]\nrequires-python=">=3.8"\n[tool.awaitify]\ntarget-version="py311"\n')
    )
    assert load_config([root]).target_version == (3, 11)


def test_nearest_pyproject_with_the_table_wins(tree: Tree) -> None:
    root = tree(
        {
            "pyproject.toml": "[tool.awaitify]\nselect = ['ASY1']\n",
            "svc/pyproject.toml": "[project]\nname = 'svc'\n[tool.ruff]\nline-length = 100\n",
            "svc/app/x.py": "",
            "other/pyproject.toml": "[tool.awaitify]\nselect = ['ASY2']\n",
            "other/app/y.py": "",
        }
    )
    assert load_config([root / "svc" / "app"]).source == root / "pyproject.toml"
    assert load_config([root / "other" / "app"]).source == root / "other" / "pyproject.toml"
    # the common directory of several paths decides
    both = load_config([root / "svc" / "app" / "x.py", root / "other" / "app" / "y.py"])
    assert both.source == root / "pyproject.toml"


def test_search_stops_at_a_git_root(tree: Tree) -> None:
    root = tree(
        {
            "pyproject.toml": "[tool.awaitify]\nselect = ['ASY1']\n",
            "repo/.git/HEAD": "",
            "repo/src/app.py": "",
        }
    )
    config = load_config([root / "repo" / "src"])
    assert config.source is None and config == Config(root=(root / "repo" / "src").resolve())
    # the cache then lives in the common directory
    assert config.cache_dir == (root / "repo" / "src").resolve() / ".awaitify"


def test_a_pyproject_that_never_mentions_awaitify_is_not_parsed(tree: Tree) -> None:
    root = tree({"pyproject.toml": "this is [not toml", "a.py": ""})
    assert load_config([root]).source is None


def test_cli_overrides(tree: Tree, cli: Callable[..., Any]) -> None:
    root = tree(
        {
            "pyproject.toml": "[tool.awaitify]\ntarget-version = 'py311'\n",
            "m.py": "def f(e):\n    match e:\n        case 1:\n            return 1\n",
        }
    )
    assert "ASY002" not in cli(["scan", "--no-cache", "."], cwd=root).out
    done = cli(["scan", "--no-cache", "--target-version", "py39", "."], cwd=root)
    assert done.code == 0 and "ASY002" in done.out
    bad = cli(["scan", "--target-version", "3.9", "."], cwd=root)
    assert bad.code == 2 and "--target-version" in bad.err


def test_explicit_config_file(tree: Tree, cli: Callable[..., Any]) -> None:
    root = tree(
        {
            "conf/custom.toml": "[tool.awaitify]\nunknown-thing = 1\n",
            "a.py": "",
        }
    )
    done = cli(["scan", "--config", "conf/custom.toml", "."], cwd=root)
    assert done.code == 2 and "unknown-thing" in done.err and "custom.toml" in done.err
    missing = cli(["scan", "--config", "nope.toml", "."], cwd=root)
    assert missing.code == 2 and "nope.toml" in missing.err


def test_digest_changes_with_settings_only(tmp_path: Path) -> None:
    a = Config(root=tmp_path)
    assert a.digest() == Config(root=tmp_path / "elsewhere").digest()
    assert a.digest() != Config(root=tmp_path, select=("ASY1",)).digest()
    assert a.digest() != Config(root=tmp_path, target_version=(3, 9)).digest()


def test_console_scripts_are_read_from_the_project_table(tree: Tree) -> None:
    root = tree(
        pyproject(
            "[project.scripts]\napp-run = 'app.main:f'\napp-x = 'app.cli:main [extra]'\n"
            "[project.gui-scripts]\napp-gui = 'app.gui:start'\n"
            "[tool.poetry.scripts]\nold = 'app.old:go'\n"
            "new = { reference = 'app.new:go', type = 'console' }\n"
            "[tool.awaitify]\nselect = ['ASY3']\n"
        )
    )
    config = load_config([root])
    assert config.console_scripts == (
        "app.cli.main", "app.gui.start", "app.main.f", "app.new.go", "app.old.go",
    )  # fmt: skip


def test_console_scripts_without_an_awaitify_table(tree: Tree) -> None:
    root = tree(pyproject("[project.scripts]\napp-run = 'app.main:f'\n"))
    assert load_config([root / "app"]).console_scripts == ("app.main.f",)


def test_a_broken_pyproject_that_is_not_ours_is_no_error(tree: Tree) -> None:
    root = tree(pyproject("[project.scripts\napp-run = 'app.main:f'\n"))
    config = load_config([root])
    assert config.console_scripts == ()
    assert config.source is None


@pytest.mark.parametrize(
    ("spec", "target"),
    [
        (">=3.9", (3, 9)),
        ("~=3.8", (3, 8)),
        (">3.7, !=3.8.*", (3, 7)),
        ("==3.10.*", (3, 10)),
        ("!=3.8.*, >=3.9", (3, 9)),
        ("<3.12", None),
    ],
)
def test_requires_python_lower_bound(tree: Tree, spec: str, target: object) -> None:
    with_table = tree(pyproject(f'[project]\nrequires-python="{spec}"\n[tool.awaitify]\n'))
    assert load_config([with_table]).target_version == target
    # a pyproject.toml that does not configure awaitify still says which Pythons run it
    without = with_table / "plain"
    (without / ".git").mkdir(parents=True)
    (without / "pyproject.toml").write_text(f'[project]\nrequires-python="{spec}"\n')
    assert load_config([without]).target_version == target
