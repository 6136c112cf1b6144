"""All rules, by code. Registering a second rule under a code that is taken is an error."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from awaitify.rules.base import Rule


class DuplicateRuleCode(Exception):
    pass


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class in ``awaitify.rules``, one module per rule, sorted by code."""
    import awaitify.rules as package

    found: dict[str, type[Rule]] = {}
    names: dict[str, str] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("asy"):
            continue
        module = importlib.import_module(f"awaitify.rules.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, Rule)
                and obj is not Rule
                and obj.__module__ == module.__name__
            ):
                if obj.code in found and found[obj.code] is not obj:
                    raise DuplicateRuleCode(f"{obj.code} is claimed by {found[obj.code]} and {obj}")
                if obj.name in names and names[obj.name] != obj.code:
                    raise DuplicateRuleCode(f"rule name {obj.name} is used twice")
                found[obj.code] = obj
                names[obj.name] = obj.code
    return tuple(found[c] for c in sorted(found))


def rule_by_code(code: str) -> type[Rule] | None:
    for rule in all_rules():
        if rule.code == code:
            return rule
    return None
