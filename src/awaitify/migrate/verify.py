"""Prove a migration before anything is written.

Three checks, each a reason to refuse (exit 1, nothing written):

1. every rewritten file compiles with CPython's own parser (``ast.parse``);
2. re-analysing the project with the rewritten files (their facts are extracted from the
   new bytes in memory; every other file keeps its facts) shows no ASY100-ASY105 defect
   that was not there before — compared per (rule, file, function), so findings that
   only moved do not count; an ASY101 the planner left on purpose (a blocking function
   that needs the running loop, so cannot move to a thread, and is listed for review)
   does not count either: the call blocked the same loop before, from sync code;
3. no call to a converted function is left un-awaited in async code, or un-bridged in
   sync code (ASY102 covers a dropped result; this also covers ``x = f()`` and
   ``f().attr``, and a call at import time).
"""

from __future__ import annotations

import ast
import difflib
import re
import warnings
from collections import Counter
from collections.abc import Collection, Iterator, Sequence

from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_CTX,
    C_FLAGS,
    C_LINE,
    C_PARENT,
    C_SCOPE,
    CALL_IN_LAMBDA,
    CTX_ARG,
    CTX_AWAIT,
)
from awaitify.analysis.findings import to_findings
from awaitify.analysis.project import Module, ProjectView, build_project
from awaitify.analysis.resolve import FuncRef, Resolver
from awaitify.engine.parse import decode, facts_from_bytes
from awaitify.migrate.model import FileChange
from awaitify.migrate.unresolved import handed_to_runner
from awaitify.model import Finding
from awaitify.rules.registry import all_rules

DEFECT_CODES = ("ASY100", "ASY101", "ASY102", "ASY103", "ASY104", "ASY105")


def parse_problems(changes: Sequence[FileChange]) -> list[str]:
    out = []
    for change in changes:
        if not change.changed:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(change.after, filename=change.path)
        except SyntaxError as exc:
            # the line is the rewritten text's (lines may have moved): quote it
            text = (exc.text or "").strip()
            where = f"its line {exc.lineno or 0}" + (f", `{text}`" if text else "")
            out.append(f"{change.path}: the rewritten file would not parse ({where}): {exc.msg}")
        except (ValueError, RecursionError, MemoryError) as exc:
            out.append(f"{change.path}: the rewritten file would not parse: {exc}")
    return out


def defects(project: ProjectView, texts: dict[str, list[str]] | None = None) -> list[Finding]:
    """ASY100-ASY105 findings of a project (suppression comments honoured)."""
    rules = [cls() for cls in all_rules() if cls.code in DEFECT_CODES]

    def line_of(module: Module, line: int) -> str:
        lines = (texts or {}).get(module.abspath)
        if lines is None:
            from awaitify.engine.source import source_line

            return source_line(module.abspath, line)
        return lines[line - 1] if 0 < line <= len(lines) else ""

    return to_findings(project, rules, ((r, r.check(project)) for r in rules), line_of)


def rebuilt(project: ProjectView, changes: Sequence[FileChange]) -> ProjectView:
    """The project as it would be after the migration (new facts for changed files only)."""
    target = project.config.target_version
    new = {c.abspath: facts_from_bytes(c.after, target) for c in changes if c.changed}
    return build_project(
        project.config,
        [(m.path, m.abspath, new.get(m.abspath, m.facts), m.digest) for m in project.modules],
    )


def new_defects(
    before: Sequence[Finding],
    after: Sequence[Finding],
    on_loop: Collection[tuple[str, str, str]] = (),
) -> list[str]:
    """``on_loop``: (path, caller, callee or API) whose ASY101 (or ASY100) the planner
    accepted."""

    def key(f: Finding) -> tuple[str, str, str]:
        return (f.code, f.path, f.symbol)

    budget = Counter(key(f) for f in before)
    out = []
    for f in after:
        if f.code == "ASY101" and f.chain and (f.path, f.symbol, f.chain[0]) in on_loop:
            continue
        if f.code == "ASY100" and f.chain and (f.path, f.symbol, f.chain[-1]) in on_loop:
            continue  # a blocking API the planner left on the loop, for review
        k = key(f)
        if budget[k] > 0:
            budget[k] -= 1
            continue
        out.append(f"{f.path}:{f.line}: new {f.code} after the rewrite: {f.message}")
    return out


def unawaited(after: ProjectView, converted: Sequence[tuple[str, str]]) -> list[str]:
    """Calls to converted functions that nothing awaits or bridges.

    In an ``async def`` the call must be awaited (or handed to ``gather``/``create_task``);
    in sync code — a function, a class body, the module at import time — it must be the
    argument of a bridge. A lambda cannot await: a call in one counts unless it is handed
    to a runner (``lambda: asyncio.create_task(f())``); the planner has listed it for
    review, and this refuses. A converted function handed to a thread
    (``asyncio.to_thread(repo.get, 1)``, ``run_in_executor(None, repo.get)``) would only
    make a coroutine there: that refuses too."""
    by_abspath = {m.abspath: m for m in after.modules}
    graph = after.graph
    resolver = graph.resolver
    out = []
    wanted: set[FuncRef] = set()
    for abspath, qualname in converted:
        module = by_abspath.get(abspath)
        if module is None:
            continue
        for index, fn in enumerate(module.facts.functions):
            if fn.qualname != qualname or not fn.is_async:
                continue
            wanted.add(FuncRef(module, index))
            for site in graph.callers_of(FuncRef(module, index)):
                facts = site.module.facts
                call = facts.calls[site.row]
                if call[C_CTX] == CTX_AWAIT:
                    continue
                if handed_to_runner(graph.resolver, site.module, call):
                    continue
                scope = call[C_SCOPE]
                where = f"{site.module.path}:{call[C_LINE]}: `{qualname}(...)`"
                if call[C_FLAGS] & CALL_IN_LAMBDA:
                    out.append(f"{where} is called in a lambda, which cannot await it")
                elif scope >= 0 and facts.functions[scope].is_async:
                    caller = facts.functions[scope].qualname
                    out.append(f"{where} is not awaited in `async def {caller}`")
                else:
                    caller = facts.functions[scope].qualname if scope >= 0 else "module level"
                    out.append(
                        f"{where} is called from sync code ({caller}) without a bridge: "
                        "it would only create a coroutine there"
                    )
    if wanted:
        names = {ref.fn.name for ref in wanted}
        for module in after.modules:
            out.extend(_run_in_threads(module, names, wanted, resolver))
    return out


def _run_in_threads(
    module: Module, names: set[str], wanted: set[FuncRef], resolver: Resolver
) -> Iterator[str]:
    """Converted functions ``module`` hands to a thread, which would only make a coroutine
    there: ``asyncio.to_thread(repo.get, 1)``, ``run_in_executor(None, partial(repo.get))``,
    ``Thread(target=job)``."""
    calls = module.facts.calls
    for call in calls:
        last = call[C_CALLEE].rpartition(".")[2]
        if last == "partial" and call[C_CTX] == CTX_ARG and call[C_PARENT] >= 0:
            # ``run_in_executor(None, functools.partial(repo.get, 3))``
            last = calls[call[C_PARENT]][C_CALLEE].rpartition(".")[2]
        if last not in _THREAD_RUNNERS:
            continue
        for arg in call[C_ARGS]:
            if not arg or arg.rpartition(".")[2] not in names:
                continue
            target = resolver.resolve_name(module, call[C_SCOPE], arg)
            if isinstance(target, FuncRef) and target in wanted:
                yield (
                    f"{module.path}:{call[C_LINE]}: `{call[C_CALLEE]}` runs "
                    f"`{target.label}`, now async, in a thread, where it would only "
                    f"make a coroutine: call `await {arg}(...)` instead"
                )
    for a in module.facts.assigns:
        # ``Thread(target=job)``, ``Process(target=job)``: run in a thread or a process,
        # whose code calls it without awaiting
        if a.target != "target=" or a.name.rpartition(".")[2] not in names:
            continue
        target = resolver.resolve_name(module, a.scope, a.name)
        if isinstance(target, FuncRef) and target in wanted:
            yield (
                f"{module.path}:{a.line}: `{target.label}`, now async, is the "
                "`target=` of a thread or process, which would only make a coroutine"
            )


#: what runs a sync callable in a worker thread (``asyncio.to_thread``, an event loop's
#: ``run_in_executor``, ``anyio.to_thread.run_sync``, asgiref's ``sync_to_async``)
_THREAD_RUNNERS = frozenset(
    {"to_thread", "run_in_executor", "run_sync", "sync_to_async", "submit", "start_new_thread"}
)


def verify(
    project: ProjectView,
    changes: Sequence[FileChange],
    converted: Sequence[tuple[str, str]],
    on_loop: Collection[tuple[str, str, str]] = (),
) -> list[str]:
    """Every reason to refuse this migration (empty: it is safe to write)."""
    problems = parse_problems(changes)
    if problems:
        return problems
    if not any(c.changed for c in changes):
        return []
    texts = {c.abspath: decode(c.after).splitlines() for c in changes if c.changed}
    after = rebuilt(project, changes)
    problems = new_defects(defects(project), defects(after, texts), set(on_loop))
    problems.extend(unawaited(after, converted))
    return _lines_before(problems, changes)


_WHERE = re.compile(r"^([^:\n]+):(\d+): ")


def _lines_before(problems: list[str], changes: Sequence[FileChange]) -> list[str]:
    """``path:line:`` of each problem as the user's file numbers it: the re-analysis saw
    the rewritten text, whose lines moved where imports were added or removed."""
    changed = {c.path: c for c in changes if c.changed}
    maps: dict[str, dict[int, int]] = {}
    out = []
    for problem in problems:
        m = _WHERE.match(problem)
        change = changed.get(m.group(1)) if m else None
        if m is None or change is None:
            out.append(problem)
            continue
        if change.path not in maps:
            maps[change.path] = _line_map(decode(change.before), decode(change.after))
        line = maps[change.path].get(int(m.group(2)), int(m.group(2)))
        out.append(f"{m.group(1)}:{line}: {problem[m.end() :]}")
    return out


def _line_map(before: str, after: str) -> dict[int, int]:
    """After-line → before-line (1-based): equal lines to themselves, a changed or added
    line to the line it replaced or follows."""
    old, new = before.splitlines(), after.splitlines()
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, old, new, autojunk=False
    ).get_opcodes():
        for j in range(j1, j2):
            if tag == "equal":
                mapping[j + 1] = i1 + (j - j1) + 1
            else:
                mapping[j + 1] = min(i1 + (j - j1), max(i2 - 1, i1)) + 1
    return mapping
