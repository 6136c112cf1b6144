"""Rule hits → findings: selection, suppressions, layer, priority, fingerprint."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from awaitify.analysis.layers import priority_of
from awaitify.analysis.project import Module, ProjectView
from awaitify.config import Config
from awaitify.engine.discover import gitignore_spec
from awaitify.hashing import blake2b
from awaitify.model import Finding
from awaitify.rules.base import Hit, Rule

_WS = re.compile(r"\s+")


def code_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """``select``/``ignore`` hold codes or code prefixes (``ASY1`` = every ASY1xx)."""
    if select and not any(code.startswith(s) for s in select):
        return False
    return not any(code.startswith(i) for i in ignore)


class Suppressions:
    """``# awaitify: ignore[...]`` / ``# noqa: ...`` comments and ``per-file-ignores``."""

    def __init__(self, config: Config) -> None:
        self.per_file = [(gitignore_spec([glob]), codes) for glob, codes in config.per_file_ignores]
        self._cache: dict[str, dict[int, tuple[str, ...] | None]] = {}

    def _comments(self, module: Module) -> dict[int, tuple[str, ...] | None]:
        found = self._cache.get(module.path)
        if found is None:
            found = {}
            for line, codes in module.facts.suppressions:
                if not codes:
                    found[line] = None  # bare: every code
                elif found.get(line, ()) is not None:
                    found[line] = (*(found.get(line) or ()), *codes.split(","))
            self._cache[module.path] = found
        return found

    def suppressed(self, module: Module, code: str, lines: Iterable[int]) -> bool:
        for spec, codes in self.per_file:
            if spec.match_file(module.relpath) and any(code.startswith(c) for c in codes):
                return True
        comments = self._comments(module)
        for line in lines:
            if line in comments:
                listed = comments[line]
                if listed is None or any(code.startswith(c) for c in listed):
                    return True
        return False


def fingerprint(code: str, path: str, symbol: str, source_line: str) -> str:
    """Stable across edits that only move lines: rule + path + symbol + normalised code."""
    normalised = _WS.sub(" ", source_line.strip())
    digest = blake2b(
        f"{code}\0{path}\0{symbol}\0{normalised}".encode(errors="surrogateescape"), digest_size=8
    ).hexdigest()
    return digest


def to_findings(
    project: ProjectView,
    rules: Sequence[Rule],
    hits_by_rule: Iterable[tuple[Rule, Iterable[Hit]]],
    line_of: Callable[[Module, int], str],
    kept: Sequence[Finding] = (),
) -> list[Finding]:
    """Findings of every hit that is selected and not suppressed, and the ``kept`` findings
    of an earlier run, sorted."""
    config = project.config
    suppressions = Suppressions(config)
    out: list[Finding] = list(kept)
    for rule, hits in hits_by_rule:
        runs = not rule.code.startswith("ASY0")  # a rule about what the code does when run
        for hit in hits:
            module = hit.module
            if runs and module.is_stub:
                continue  # a stub never runs (gradio ships bodies in its stubs): syntax only
            if suppressions.suppressed(module, rule.code, {hit.line, hit.end_line}):
                continue
            layer = module.class_layer(hit.class_index)
            texts = [module.relpath]
            if hit.class_index >= 0:
                texts.append(module.facts.classes[hit.class_index].name)
            priority = priority_of(rule.category, layer, texts, config)
            out.append(
                Finding(
                    code=rule.code,
                    name=rule.name,
                    category=rule.category,
                    priority=priority,
                    path=module.path,
                    line=hit.line,
                    column=hit.column,
                    end_line=hit.end_line,
                    end_column=hit.end_column,
                    symbol=hit.symbol,
                    message=hit.message,
                    chain=hit.chain,
                    fix=hit.fix,
                    layer=layer,
                    fingerprint=fingerprint(
                        rule.code, module.relpath, hit.symbol, line_of(module, hit.line)
                    ),
                )
            )
    out.sort(key=Finding.sort_key)
    # one problem, one finding: identical (code, place) pairs collapse
    unique: list[Finding] = []
    seen: set[tuple[str, str, int, int]] = set()
    for f in out:
        key = (f.code, f.path, f.line, f.column)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique
