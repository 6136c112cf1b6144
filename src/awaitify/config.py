"""``[tool.awaitify]`` from the nearest ``pyproject.toml``, validated, plus CLI overrides.

The table is looked for at or above the deepest common directory of the scanned paths, and
the search stops at a directory holding ``.git``. An unknown key or a value of the wrong
type is a :class:`ConfigError` naming the key and the file.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from awaitify.errors import ConfigError, UsageError
from awaitify.hashing import blake2b

LAYERS = (
    "test", "migration", "api", "worker", "repository", "service", "model", "schema",
    "util", "script", "other",
)  # fmt: skip

DEFAULT_CRITICAL_DOMAINS = (
    "auth", "security", "billing", "payment", "invoice", "identity", "permission", "tenant",
)  # fmt: skip

_TARGET = re.compile(r"^py3(\d{1,2})$")
_CODE = re.compile(r"^ASY\d{0,3}$")


@dataclass(frozen=True)
class Boundaries:
    """What counts as an accepted sync→async boundary, beyond the built-in ones."""

    task_decorators: tuple[str, ...] = ()  # extra Celery-like task decorators (dotted)
    adapter_classes: tuple[str, ...] = ("*Adapter", "*Bridge")  # class-name globs
    entry_points: tuple[str, ...] = ("main",)  # function names that are entry points
    sync_hooks: tuple[str, ...] = ()  # sync framework hooks (qualname globs) never converted


@dataclass(frozen=True)
class Config:
    root: Path  # directory of the pyproject.toml that configured us, else the common dir
    source: Path | None = None  # that pyproject.toml
    include: tuple[str, ...] = ("*.py", "*.pyi")
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    target_version: tuple[int, int] | None = None
    select: tuple[str, ...] = ()  # empty: all rules
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    layers: tuple[tuple[str, tuple[str, ...]], ...] = ()  # layer -> globs, before defaults
    critical_domains: tuple[str, ...] = DEFAULT_CRITICAL_DOMAINS
    boundaries: Boundaries = field(default_factory=Boundaries)
    endpoints: str = "mixed"  # "async": every sync handler is ASY203
    blocking_apis: tuple[str, ...] = ()
    async_apis: tuple[str, ...] = ()
    session_factories: tuple[tuple[str, str], ...] = ()  # sync factory -> async twin
    pytest_marker: str = "asyncio"  # or "anyio"
    asyncio_mode: str = ""  # "auto" / "strict"; "" = read from the project's pytest config
    team_capacity: int = 20  # functions a team converts per week, for ``plan``
    #: the functions the project's ``pyproject.toml`` installs as commands (``[project.scripts]``,
    #: ``[project.gui-scripts]``, ``[tool.poetry.scripts]``), as ``package.module.function``
    console_scripts: tuple[str, ...] = ()

    @property
    def cache_dir(self) -> Path:
        return self.root / ".awaitify"

    def digest(self) -> str:
        """A hash of every setting that changes results (part of the result-cache key)."""
        payload = {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}
        payload.pop("root")
        payload.pop("source")
        # ``repr`` of the sorted items of plain values is as stable as JSON and spares the
        # warm path the ``json`` import
        return blake2b(repr(sorted(payload.items())).encode(), digest_size=16).hexdigest()

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Boundaries):
        return {f.name: list(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def parse_target(value: str, where: str) -> tuple[int, int]:
    m = _TARGET.match(value)
    if not m or not 8 <= int(m.group(1)) <= 14:
        raise ConfigError(f"{where}: target-version must be one of py38..py314, got {value!r}")
    return (3, int(m.group(1)))


def common_dir(paths: Sequence[Path]) -> Path:
    resolved = [p.resolve() for p in paths]
    dirs = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath([str(d) for d in dirs])) if dirs else Path.cwd().resolve()


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    """Parse one TOML document; a ``ConfigError`` naming the file when it is malformed."""
    if sys.version_info >= (3, 11):  # imported here: most runs never parse TOML
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"config file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc


def is_file(path: Path) -> bool:
    """``path.is_file()``, False too where a folder on the way cannot be searched."""
    try:
        return path.is_file()
    except OSError:
        return False


def is_repository_root(directory: Path) -> bool:
    try:
        return (directory / ".git").exists()
    except OSError:
        return False


def _pyprojects(start: Path) -> Iterator[Path]:
    """The ``pyproject.toml`` files at or above ``start``, nearest first, not above the
    repository's root."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if is_file(candidate):
            yield candidate
        if is_repository_root(directory):
            break


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.awaitify]`` table, at or above ``start``."""
    for candidate in _pyprojects(start):
        text = _read_text(candidate)
        if "awaitify" in text:  # no need to parse a file that cannot have the table
            data = _parse_toml(text, candidate)
            if isinstance(data.get("tool"), dict) and "awaitify" in data["tool"]:
                return candidate
    return None


def load_config(paths: Sequence[Path], config_file: Path | None = None) -> Config:
    start = common_dir(paths)
    source = config_file or find_pyproject(start)
    if source is None:
        data = _nearest_project(start)
        project = data.get("project")
        target = _requires_python_target(
            project.get("requires-python") if isinstance(project, dict) else None
        )
        config = replace(Config(root=start), console_scripts=console_scripts(data))
        if target:
            config = replace(config, target_version=target)
    else:
        data = _parse_toml(_read_text(source), source)
        table = data.get("tool", {}).get("awaitify", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [tool.awaitify] must be a table")
        project_python = data.get("project", {}).get("requires-python")
        config = from_table(table, source, project_python)
        config = replace(config, console_scripts=console_scripts(data))
    if not config.asyncio_mode:  # the project's pytest config says, unless ours does
        from awaitify.pytest_config import read_asyncio_mode

        config = replace(config, asyncio_mode=read_asyncio_mode(config.root))
    return config


def console_scripts(data: Mapping[str, Any]) -> tuple[str, ...]:
    """``package.module.function`` of each command a ``pyproject.toml`` installs
    (``tool = "package.module:function"``): entry points, like ``main``."""
    tables = []
    project = data.get("project")
    if isinstance(project, dict):
        tables += [project.get("scripts"), project.get("gui-scripts")]
    tool = data.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("poetry"), dict):
        tables.append(tool["poetry"].get("scripts"))
    found: list[str] = []
    for table in tables:
        if not isinstance(table, dict):
            continue
        for target in table.values():
            if isinstance(target, dict):  # poetry's ``{ reference = "...", type = ... }``
                target = target.get("reference")
            if isinstance(target, str) and ":" in target:
                module, _, function = target.partition(":")
                function = function.split("[")[0].strip()  # ``mod:func [extra]``
                found.append(f"{module.strip()}.{function}")
    return tuple(sorted(set(found)))


def _nearest_project(start: Path) -> dict[str, Any]:
    """The nearest ``pyproject.toml`` at or above ``start`` (inside the repository), parsed,
    when it has no ``[tool.awaitify]``: its console scripts and ``requires-python`` still
    count. A file that is not ours and does not parse is no error of ours either."""
    candidate = next(_pyprojects(start), None)
    if candidate is None:
        return {}
    try:
        text = candidate.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if "scripts" not in text and "requires-python" not in text:
        return {}  # no need to parse a file that cannot name either
    try:
        return _parse_toml(text, candidate)
    except ConfigError:
        return {}


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def _codes(value: Any, key: str, where: str) -> tuple[str, ...]:
    codes = _strings(value, key, where)
    for code in codes:
        if not _CODE.match(code):
            raise ConfigError(f"{where}: '{key}' has {code!r}, which is not a rule code (ASYnnn)")
    return codes


def _table(value: Any, key: str, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table")
    return value


_LOWER_BOUND = re.compile(r"^(>=|>|~=|===?)\s*3\.(\d+)")


def _requires_python_target(spec: Any) -> tuple[int, int] | None:
    """The oldest Python 3 minor a ``requires-python`` specifier admits: the highest of its
    lower bounds (``>=3.9``, ``~=3.8``, ``>3.7``, ``==3.10.*``); ``!=`` and ``<`` bound
    nothing from below."""
    if not isinstance(spec, str):
        return None
    bounds = [
        int(m.group(2)) for clause in spec.split(",") if (m := _LOWER_BOUND.match(clause.strip()))
    ]
    return (3, max(bounds)) if bounds else None


def from_table(table: Mapping[str, Any], source: Path, requires_python: Any = None) -> Config:
    where = str(source)
    cfg: dict[str, Any] = {"root": source.parent.resolve(), "source": source}
    inferred_target = _requires_python_target(requires_python)
    if inferred_target:
        cfg["target_version"] = inferred_target
    for key, value in table.items():
        if key in ("include", "exclude", "critical-domains", "blocking-apis", "async-apis"):
            cfg[key.replace("-", "_")] = _strings(value, key, where)
        elif key in ("select", "ignore"):
            cfg[key] = _codes(value, key, where)
        elif key == "respect-gitignore":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: 'respect-gitignore' must be true or false")
            cfg["respect_gitignore"] = value
        elif key == "target-version":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: 'target-version' must be a string like \"py310\"")
            cfg["target_version"] = parse_target(value, where)
        elif key == "per-file-ignores":
            rows = _table(value, key, where)
            cfg["per_file_ignores"] = tuple(
                (glob, _codes(codes, f"per-file-ignores.{glob}", where))
                for glob, codes in rows.items()
            )
        elif key == "layers":
            rows = _table(value, key, where)
            for layer in rows:
                if layer not in LAYERS:
                    raise ConfigError(
                        f"{where}: 'layers.{layer}' is not a layer (one of {', '.join(LAYERS)})"
                    )
            cfg["layers"] = tuple(
                (layer, _strings(globs, f"layers.{layer}", where)) for layer, globs in rows.items()
            )
        elif key == "boundaries":
            rows = _table(value, key, where)
            known = {f.name.replace("_", "-"): f.name for f in fields(Boundaries)}
            values: dict[str, tuple[str, ...]] = {}
            for sub, sub_value in rows.items():
                if sub not in known:
                    raise ConfigError(
                        f"{where}: unknown key 'boundaries.{sub}' (known: {', '.join(known)})"
                    )
                values[known[sub]] = _strings(sub_value, f"boundaries.{sub}", where)
            cfg["boundaries"] = Boundaries(**values)
        elif key == "endpoints":
            if value not in ("async", "mixed"):
                raise ConfigError(f'{where}: \'endpoints\' must be "async" or "mixed"')
            cfg["endpoints"] = value
        elif key == "session-factories":
            rows = _table(value, key, where)
            for sync_name, async_name in rows.items():
                if not isinstance(async_name, str):
                    raise ConfigError(f"{where}: 'session-factories.{sync_name}' must be a string")
            cfg["session_factories"] = tuple(sorted(rows.items()))
        elif key == "pytest-marker":
            if value not in ("asyncio", "anyio"):
                raise ConfigError(f'{where}: \'pytest-marker\' must be "asyncio" or "anyio"')
            cfg["pytest_marker"] = value
        elif key == "asyncio-mode":
            if value not in ("auto", "strict"):
                raise ConfigError(f'{where}: \'asyncio-mode\' must be "auto" or "strict"')
            cfg["asyncio_mode"] = value
        elif key == "team-capacity":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where}: 'team-capacity' must be a positive integer")
            cfg["team_capacity"] = value
        else:
            raise ConfigError(f"{where}: unknown key '{key}' in [tool.awaitify]")
    return Config(**cfg)
