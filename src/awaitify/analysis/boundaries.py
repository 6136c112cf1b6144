"""Accepted sync→async boundaries, and the other kinds of function a rule or codemod treats
specially: Celery tasks, adapter classes, entry points, tests, pytest fixtures, route
handlers, configured sync hooks.

These predicates read only facts (and, where a name must be followed across modules, the
project :class:`~awaitify.analysis.resolve.Resolver`). The ASY2xx/ASY3xx rules and the
migration codemod share them, so "where does the ``asyncio.run`` bridge belong" has one
answer. The ``is_*`` functions return a short description (truthy) or ``None``, so a
caller can both test and explain: ``is_celery_task(...) == "@shared_task"``.

Heuristics are deliberately narrow where a false "boundary" would hide a finding:
``@<x>.task`` is a Celery task only when ``x`` was built by ``celery.Celery(...)`` (or a
project subclass of it), or when the dotted name it was imported from mentions celery;
``@<x>.get`` is a route only when ``x`` is an ASGI router/app (FastAPI, Starlette, Quart,
Litestar) or, when it cannot be resolved, is *named* like one (``router``, ``app``, ``api``)
and was not built by a known sync framework (Flask, Django).
"""

from __future__ import annotations

import fnmatch
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_CTX,
    C_FLAGS,
    C_LINE,
    C_PARENT,
    C_SCOPE,
    CALL_IN_DECORATOR,
    CALL_IN_HANDED_LAMBDA,
    CALL_IN_LAMBDA,
    CALL_IN_MAIN,
    CALL_UNREACHABLE,
    CTX_ARG,
    CTX_AWAIT,
    CTX_RETURN,
    FN_IN_MAIN,
    RETURN_TARGET,
    CallRow,
    Function,
)
from awaitify.analysis.project import Module
from awaitify.analysis.resolve import ClassRef, FuncRef, Resolver
from awaitify.config import Config
from awaitify.engine.discover import gitignore_spec

if TYPE_CHECKING:
    from awaitify.analysis.callgraph import CallGraph, Site

# -- kinds returned by :func:`boundary_kind` ----------------------------------------------
CELERY_TASK = "celery-task"
ADAPTER = "adapter"
ENTRY_POINT = "entry-point"
HANDED_OVER = "handed-over"
SYNC_HOOK = "sync-hook"
EXCLUDED = "excluded"
TEST = "test"

_CELERY_DECORATORS = frozenset(
    {
        "celery.shared_task",
        "celery.app.shared_task",
        "celery.task",
        "celery.decorators.task",
        "celery.decorators.periodic_task",
        "celery.task.periodic_task",
        "shared_task",
    }
)
_CELERY_APP_METHODS = frozenset({"task", "periodic_task"})
_CELERY_CLASSES = frozenset({"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"})
_CELERY_TASK_BASES = frozenset({"celery.Task", "celery.app.task.Task", "celery.task.Task"})

_CLI_PACKAGES = frozenset({"click", "typer", "rich_click", "cloup", "asyncclick", "cyclopts"})
#: decorator methods of a CLI object that register a command (``default``: cyclopts)
_CLI_METHODS = frozenset({"command", "group", "callback", "default"})
#: click decorators of a callback that click itself invokes (``@click.pass_context`` on
#: the wrapper that a decorator such as Flask's ``with_appcontext`` puts around a command)
_CLI_PASS_DECORATORS = frozenset({"pass_context", "pass_obj"})
#: classes whose ``run`` is the entry of a thread or a worker process
_THREAD_BASES = frozenset(
    {"threading.Thread", "multiprocessing.Process", "gunicorn.workers.base.Worker"}
)
#: methods of standard-library classes that the library itself calls, synchronously: an
#: override stays sync (``do_*``: ``BaseHTTPRequestHandler.do_GET`` and its kin)
_LOGGING_HOOKS = frozenset({"emit", "handle", "filter", "format", "flush"})
_STDLIB_HOOKS: dict[str, frozenset[str]] = {
    **{
        f"logging.{c}": _LOGGING_HOOKS
        for c in ("Handler", "StreamHandler", "FileHandler", "Filter", "Formatter")
    },
    **{
        f"logging.handlers.{c}": _LOGGING_HOOKS
        for c in (
            "RotatingFileHandler",
            "TimedRotatingFileHandler",
            "QueueHandler",
            "MemoryHandler",
            "BufferingHandler",
            "SocketHandler",
            "HTTPHandler",
        )
    },
    "json.JSONEncoder": frozenset({"default", "encode", "iterencode"}),
    "json.encoder.JSONEncoder": frozenset({"default", "encode", "iterencode"}),
    "http.server.BaseHTTPRequestHandler": frozenset({"do_*", "handle", "handle_one_request"}),
    "http.server.SimpleHTTPRequestHandler": frozenset({"do_*", "handle", "handle_one_request"}),
    "socketserver.BaseRequestHandler": frozenset({"handle", "setup", "finish"}),
    "socketserver.StreamRequestHandler": frozenset({"handle", "setup", "finish"}),
    "socketserver.DatagramRequestHandler": frozenset({"handle", "setup", "finish"}),
}
_STDLIB_HOOK_NAMES = frozenset(n for hooks in _STDLIB_HOOKS.values() for n in hooks)


def _could_be_stdlib_hook(name: str) -> bool:
    return name in _STDLIB_HOOK_NAMES or name.startswith("do_")


_CLI_CLASSES = frozenset(
    {"typer.Typer", "typer.main.Typer", "click.Group", "click.core.Group", "click.Command"}
)
_DJANGO_COMMAND_BASES = frozenset(
    {"django.core.management.base.BaseCommand", "django.core.management.BaseCommand"}
)

_ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route",
     "websocket", "route", "websocket_route"}
)  # fmt: skip
_ASGI_PREFIXES = ("fastapi.", "starlette.", "quart.", "litestar.", "sanic.", "aiohttp.web.")
_SYNC_WEB_PREFIXES = ("flask.", "django.", "bottle.", "pyramid.", "falcon.App", "tornado.")
_ROUTER_NAMES = frozenset({"router", "app", "api", "application", "routes"})

#: decorators that say the event loop itself calls the function (a callback run in the
#: loop's thread, not handed to another one)
_LOOP_CALLBACK_DECORATORS = frozenset({"homeassistant.core.callback"})
#: decorators that keep a function a plain callable
_TRANSPARENT_DECORATORS = frozenset({"functools.wraps", "wraps", "staticmethod", "classmethod"})
_WRAPS = frozenset({"functools.wraps", "wraps"})

#: calls that tell whether an event loop is running in this thread (``loop.is_running()``
#: is matched by its method name)
_LOOP_PROBES = frozenset(
    {"asyncio.get_running_loop", "asyncio._get_running_loop",
     "asyncio.events.get_running_loop", "asyncio.events._get_running_loop"}
)  # fmt: skip
#: methods that hand a coroutine to a loop as a task, without waiting for it
_SCHEDULE_METHODS = frozenset({"create_task", "ensure_future"})

_FIXTURE_DECORATORS = frozenset(
    {"pytest.fixture", "pytest_asyncio.fixture", "fixture", "pytest.yield_fixture"}
)


# -- small helpers ---------------------------------------------------------------------------
def enclosing_functions(module: Module, fn_index: int) -> Iterator[int]:
    """``fn_index`` and the functions it is nested in, innermost first."""
    functions = module.facts.functions
    s = fn_index
    while s >= 0:
        yield s
        s = functions[s].parent


def owner_class(module: Module, fn_index: int) -> int:
    """The class a function (or the method it is nested in) belongs to, -1 when none."""
    for s in enclosing_functions(module, fn_index):
        ci = module.facts.functions[s].class_index
        if ci >= 0:
            return ci
    return -1


def _glob_match(patterns: tuple[str, ...], *names: str) -> bool:
    return any(fnmatch.fnmatchcase(n, p) for p in patterns for n in names if n)


@dataclass
class _Origin:
    """Where a variable's value came from: the callee of its (last) assignment."""

    callee: str = ""  # absolute dotted external name, "" when a project target or unknown
    project: FuncRef | ClassRef | None = None  # a project function/class that produced it
    key: str = ""  # a stable name for the variable itself (``app.api.routers.items.router``)
    external_bases: tuple[str, ...] = field(default_factory=tuple)


def assigned_call(module: Module, scope: int, name: str) -> tuple[int, str] | None:
    """(scope, raw resolved callee) of the last ``name = f(...)`` visible from ``scope``."""
    facts = module.facts
    scopes = [*enclosing_functions(module, scope), -1] if scope >= 0 else [-1]
    for s in scopes:
        for a in reversed(facts.assigns):
            if a.scope == s and a.class_index < 0 and a.target == name and a.call:
                return s, a.call
    return None


def variable_origin(
    resolver: Resolver, module: Module, scope: int, dotted: str, _depth: int = 0
) -> _Origin:
    """What built the variable ``dotted`` (as written in ``module``, imports applied).

    Follows imports and re-exports across project modules; a name that leaves the project
    keeps its absolute dotted form as ``key`` so callers can still apply name heuristics.
    """
    project = resolver.project
    if dotted.startswith("."):
        dotted = resolver.absolute(module, dotted)
    if _depth > 8 or not dotted:
        return _Origin(key=dotted)
    if "." not in dotted:
        found = assigned_call(module, scope, dotted)
        prefix = module.name
        if found is None:
            imported = resolver.index(module).imported.get(dotted)
            if imported and imported != dotted:
                return variable_origin(resolver, module, -1, imported, _depth + 1)
            return _Origin(key=f"{prefix}.{dotted}" if prefix else dotted)
        s, callee = found
        if s >= 0:
            prefix = (
                f"{prefix}.{module.facts.functions[s].qualname}"
                if prefix
                else module.facts.functions[s].qualname
            )
        key = f"{prefix}.{dotted}" if prefix else dotted
        target = resolver.resolve_name(module, s, callee)
        if isinstance(target, FuncRef):
            return _Origin(project=target, key=key)
        if isinstance(target, ClassRef):
            bases = tuple(resolver.external_bases(target))
            return _Origin(project=target, key=key, external_bases=bases)
        if isinstance(target, str):
            return _Origin(callee=resolver.absolute(module, target), key=key)
        return _Origin(key=key)
    # an absolute dotted name: a variable of another project module?
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        other = project.find_module(".".join(parts[:cut]))
        if other is None:
            continue
        rest = parts[cut:]
        if len(rest) == 1:
            return variable_origin(resolver, other, -1, rest[0], _depth + 1)
        return _Origin(key=dotted)
    # an attribute of a local name (``app.router`` of this module's ``app`` or parameter):
    # this module's, not every module's ``app.router``
    return _Origin(key=f"{module.name}.{dotted}" if module.name else dotted)


# -- per-module tables (cached by module identity) --------------------------------------------
@dataclass
class _ModuleInfo:
    main_called: frozenset[str]  # names called (or passed) under ``if __name__ == "__main__"``
    argparse_scopes: frozenset[int]  # functions whose own body builds/parses an ArgumentParser
    imports_celery: bool
    probe_scopes: frozenset[int]  # functions whose own body asks whether a loop is running
    schedule_scopes: frozenset[int]  # functions whose own body schedules a task on a loop
    #: functions whose own body applies ``nest_asyncio``, and those that call something named
    #: after it (``apply_nest_asyncio()``: a helper that may apply it)
    nest_scopes: frozenset[int]
    nest_helper_scopes: frozenset[int]


_INFO: weakref.WeakKeyDictionary[Module, _ModuleInfo] = weakref.WeakKeyDictionary()


_NEW_LOOP_CALLS = frozenset({"asyncio.new_event_loop", "uvloop.new_event_loop"})
_NEST_ASYNCIO = "nest_asyncio.apply"


def _module_info(module: Module) -> _ModuleInfo:
    found = _INFO.get(module)
    if found is not None:
        return found
    main_called: set[str] = set()
    argparse_scopes: set[int] = set()
    probe_scopes: set[int] = set()
    schedule_scopes: set[int] = set()
    nest_scopes: set[int] = set()
    nest_helper_scopes: set[int] = set()
    # loops a function makes for itself: a task scheduled on one is no dispatch to the
    # running loop (openai-agents' ``run_sync`` raises with a loop running, and otherwise
    # runs ``new_loop.create_task(...)`` to completion)
    # (a name also bound to ``get_event_loop()`` may be the running loop: langchain's
    # ``if loop.is_running(): loop.create_task(...)`` before ``loop = new_event_loop()``)
    loop_bindings: dict[tuple[int, str], bool] = {}
    for a in module.facts.assigns:
        key = (a.scope, a.target)
        loop_bindings[key] = loop_bindings.get(key, True) and a.call in _NEW_LOOP_CALLS
    own_loops = {key for key, own in loop_bindings.items() if own}
    # a task handed to the bridge is no alternative to it: ``run_until_complete(
    # loop.create_task(coro))``, ``waiter = loop.create_task(...)`` then
    # ``loop.run_until_complete(waiter)`` (pydantic-ai's ``_run_task_to_completion``)
    calls = module.facts.calls
    bridge_rows = {row for row, _ in module.facts.bridges}
    bridged = {(calls[row][C_SCOPE], a) for row in bridge_rows for a in calls[row][C_ARGS] if a}
    bridged_tasks = {
        (a.scope, a.call) for a in module.facts.assigns if (a.scope, a.target) in bridged
    }
    for call in calls:
        callee = call[C_CALLEE]
        scope = call[C_SCOPE]
        if call[C_FLAGS] & CALL_UNREACHABLE:
            continue
        if scope < 0:
            if call[C_FLAGS] & CALL_IN_MAIN:
                if callee:
                    main_called.add(callee)
                main_called.update(a for a in call[C_ARGS] if a)
            continue
        if callee == "argparse.ArgumentParser" or callee.endswith(".parse_args"):
            argparse_scopes.add(scope)
        if call[C_FLAGS] & CALL_IN_LAMBDA:
            continue
        if "nest_asyncio" in callee:
            (nest_scopes if callee == _NEST_ASYNCIO else nest_helper_scopes).add(scope)
        last = callee.rpartition(".")[2]
        if callee in _LOOP_PROBES or (last == "is_running" and "." in callee):
            probe_scopes.add(scope)
        elif last in _SCHEDULE_METHODS and "." in callee:
            receiver = callee.rpartition(".")[0]
            if (
                (scope, receiver) not in own_loops
                and not receiver.endswith("new_event_loop()")
                and not (call[C_CTX] == CTX_ARG and call[C_PARENT] in bridge_rows)
                and (scope, callee) not in bridged_tasks
            ):
                schedule_scopes.add(scope)
    imports_celery = any(imp.target.split(".")[0] == "celery" for imp in module.facts.imports)
    found = _ModuleInfo(
        frozenset(main_called),
        frozenset(argparse_scopes),
        imports_celery,
        frozenset(probe_scopes),
        frozenset(schedule_scopes),
        frozenset(nest_scopes),
        frozenset(nest_helper_scopes),
    )
    _INFO[module] = found
    return found


# -- Celery ---------------------------------------------------------------------------------
def _is_celery_origin(origin: _Origin) -> bool:
    if origin.callee in _CELERY_CLASSES or origin.callee.startswith("celery.Celery"):
        return True
    return any(b in _CELERY_CLASSES for b in origin.external_bases)


def _returns_celery(resolver: Resolver, factory: FuncRef | ClassRef | None) -> bool:
    """A project factory annotated to return a Celery app (``def make_celery(...) ->
    Celery``, langflow's), or a project subclass of ``Celery``."""
    if isinstance(factory, ClassRef):
        return any(b in _CELERY_CLASSES for b in resolver.external_bases(factory))
    if not isinstance(factory, FuncRef) or not factory.fn.returns:
        return False
    returned = resolver.resolve_name(factory.module, -1, factory.fn.returns)
    if isinstance(returned, ClassRef):
        return any(b in _CELERY_CLASSES for b in resolver.external_bases(returned))
    return isinstance(returned, str) and returned in _CELERY_CLASSES


def is_celery_task(module: Module, fn_index: int, resolver: Resolver) -> str | None:
    """``@app.task``, ``@celery_app.task(bind=True)``, ``@shared_task``, configured task
    decorators, and ``run`` of a ``celery.Task`` subclass. Returns the decorator shown."""
    fn = module.facts.functions[fn_index]
    extra = resolver.project.config.boundaries.task_decorators
    for deco in fn.decorators:
        name = resolver.absolute(module, deco) if deco.startswith(".") else deco
        if name in _CELERY_DECORATORS:
            return f"@{deco.lstrip('.')}"
        if extra and (
            name in extra or _glob_match(extra, name) or any(name.endswith("." + e) for e in extra)
        ):
            return f"@{deco.lstrip('.')}"
        receiver, _, method = name.rpartition(".")
        if not receiver or method not in _CELERY_APP_METHODS:
            continue
        origin = variable_origin(resolver, module, fn.parent, receiver)
        if _is_celery_origin(origin) or _returns_celery(resolver, origin.project):
            return f"@{deco.lstrip('.')}"
        if origin.callee or origin.project is not None:
            continue  # built by something else: not a Celery app
        if "celery" in origin.key.lower():
            return f"@{deco.lstrip('.')}"
        if receiver.rpartition(".")[2] == "app" and _module_info(module).imports_celery:
            return f"@{deco.lstrip('.')}"
    if fn.name == "run" and fn.class_index >= 0:
        cls = ClassRef(module, fn.class_index)
        if any(b in _CELERY_TASK_BASES for b in resolver.external_bases(cls)):
            return f"{cls.name}(celery.Task).run"
    return None


# -- adapters -------------------------------------------------------------------------------
def is_adapter_class(
    module: Module, class_index: int, config: Config, resolver: Resolver | None = None
) -> str | None:
    """A class whose name (or a project base's name) matches ``boundaries.adapter-classes``
    (default ``*Adapter``, ``*Bridge``). Returns the matching class name."""
    patterns = config.boundaries.adapter_classes
    if not patterns or class_index < 0:
        return None
    cls = module.facts.classes[class_index]
    if _glob_match(patterns, cls.name, cls.qualname):
        return cls.name
    if resolver is not None:
        for base in resolver.mro(ClassRef(module, class_index))[1:]:
            c = base.module.facts.classes[base.index]
            if _glob_match(patterns, c.name, c.qualname):
                return c.name
    return None


#: sync protocol methods and their async counterparts
_DUNDER_TWINS = {
    "__iter__": "__aiter__",
    "__next__": "__anext__",
    "__enter__": "__aenter__",
    "__exit__": "__aexit__",
    "__del__": "aclose",
    "close": "aclose",
    "__call__": "acall",  # llama-index's programs and LLMs: ``__call__`` beside ``acall``
}


def async_twin(module: Module, fn_index: int, resolver: Resolver) -> str | None:
    """The ``async def`` a sync method is the blocking twin of, in a deliberate dual
    sync/async API: ``read``/``aread``, ``send``/``send_async``/``async_send``,
    ``fetch_sync``/``fetch``/``fetch_async``, ``sync_run``/``async_run``,
    ``__iter__``/``__aiter__``, ``close``/``aclose``. A module-level
    function has its twin among the module-level functions of its module
    (``def send_message`` beside ``async def asend_message``)."""
    fn = module.facts.functions[fn_index]
    if fn.is_async or (fn.class_index < 0 and fn.parent >= 0):
        return None
    name = fn.name
    candidates = [f"a{name}", f"a_{name}", f"async_{name}", f"{name}_async", f"aio_{name}"]
    if name.startswith("_") and not name.startswith("__"):  # ``_call`` beside ``_acall``
        candidates += [f"_a{name[1:]}", f"_async{name}"]
    if name.endswith("_sync"):  # ``fetch_sync`` beside ``fetch`` or ``fetch_async``
        base = name[: -len("_sync")]
        # (``connect_sync`` beside ``connect_loop``: emmett's connection manager)
        candidates += [base, f"{base}_async", f"a{base}", f"async_{base}", f"{base}_loop"]
    if name.startswith("sync_"):  # ``sync_execute`` beside ``async_execute`` or ``execute``
        rest = name[len("sync_") :]
        candidates += [f"async_{rest}", f"a{rest}", rest, f"{rest}_async"]
    words = name.split("_")
    for i in range(1, len(words)):
        front, last = "_".join(words[:i]), "_".join(words[i:])
        if front and last:
            # ``get_response`` beside ``get_async_response`` (vllm), ``query_one_with_conn``
            # beside ``query_one_async_with_conn`` (procrastinate); ``single_turn_score``
            # beside ``single_turn_ascore`` (ragas), ``get_paginated_response`` beside
            # ``get_apaginated_response`` (adrf)
            candidates += [f"{front}_async_{last}", f"{front}_a{last}"]
    if fn.class_index < 0:
        functions = resolver.index(module).top_functions
        for candidate in candidates:
            index = functions.get(candidate)
            if index is not None and module.facts.functions[index].is_async:
                return candidate
        return None
    if name in _DUNDER_TWINS:
        candidates.append(_DUNDER_TWINS[name])
    for c in resolver.mro(ClassRef(module, fn.class_index)):
        methods = resolver.index(c.module).methods.get(c.index, {})
        for candidate in candidates:
            index = methods.get(candidate)
            if index is not None and c.module.facts.functions[index].is_async:
                return candidate
    return None


def is_loop_dispatcher(module: Module, fn_index: int, graph: CallGraph) -> str | None:
    """A sync function that asks whether an event loop is running (``get_running_loop()``,
    ``loop.is_running()``) and, when one is, schedules the coroutine on it as a task
    (``loop.create_task(...)``, ``asyncio.ensure_future(...)``): its ``asyncio.run`` or
    ``run_until_complete`` only runs when no loop is running, so calling it from async code
    starts no second loop. The probe or the scheduling may sit in a project helper it calls
    (``if is_loop_running(): spawn_task(coro)``)."""
    fn = module.facts.functions[fn_index]
    if fn.is_async:
        return None
    if _applies_nest_asyncio(module, fn_index, graph):
        return "a nested-loop runner: it applies `nest_asyncio`, so its bridge re-enters a running loop"
    info = _module_info(module)
    probes = fn_index in info.probe_scopes
    schedules = fn_index in info.schedule_scopes
    if not (probes and schedules):
        for site in graph.full_body_sites(FuncRef(module, fn_index)):
            target = site.target
            if isinstance(target, FuncRef) and not target.fn.is_async:
                helper = _module_info(target.module)
                probes = probes or target.index in helper.probe_scopes
                schedules = schedules or target.index in helper.schedule_scopes
                if probes and schedules:
                    break
        else:
            # the probe must be its own: it chooses between handing back and bridging
            if fn_index in info.probe_scopes and _hands_coroutine_back(module, fn_index, graph):
                return (
                    "a loop-aware dispatcher: with a running loop, it returns the coroutine "
                    "for its caller to await instead"
                )
            return None
    return "a loop-aware dispatcher: with a running loop, it schedules a task instead"


def _applies_nest_asyncio(module: Module, fn_index: int, graph: CallGraph) -> bool:
    """Does the function call ``nest_asyncio.apply()``, itself or through a project helper
    it calls (ragas's ``run`` calls ``apply_nest_asyncio()``)? Its ``asyncio.run`` then
    runs inside a running loop instead of raising."""
    info = _module_info(module)
    if fn_index in info.nest_scopes:
        return True
    if fn_index not in info.nest_helper_scopes:
        return False  # (a helper that applies it is named so: ``apply_nest_asyncio``)
    for site in graph.full_body_sites(FuncRef(module, fn_index)):
        target = site.target
        if isinstance(target, FuncRef) and target.index in _module_info(target.module).nest_scopes:
            return True
    return False


def _hands_coroutine_back(module: Module, fn_index: int, graph: CallGraph) -> bool:
    """Does a function that probes for a running loop return a coroutine, or bridge one it
    holds in a variable (which it then returns in the other branch)? telethon's
    ``if self.loop.is_running(): return self._run()`` and ``coro = self._start(); return
    coro if self.loop.is_running() else self.loop.run_until_complete(coro)``."""
    calls = module.facts.calls
    bridge_rows = {row for row, _ in module.facts.bridges if calls[row][C_SCOPE] == fn_index}
    bridged = {calls[row][C_ARGS][0] for row in bridge_rows if calls[row][C_ARGS]}
    bridged.discard("")
    # a coroutine held in a variable that only the bridge takes: the other branch returns it
    # (passed to anything else, ``pool.submit(ctx.run, asyncio.run, coro)``, it is not)
    for row, call in enumerate(calls):
        if call[C_SCOPE] == fn_index and call[C_ARGS] and row not in bridge_rows:
            bridged.difference_update(call[C_ARGS])
    held = {
        a.call
        for a in module.facts.assigns
        if a.scope == fn_index and a.target in bridged and a.call
    }
    for site in graph.full_body_sites(FuncRef(module, fn_index)):
        call = calls[site.row]
        if call[C_SCOPE] != fn_index or call[C_FLAGS] & CALL_IN_LAMBDA:
            continue
        if (call[C_CTX] == CTX_RETURN or call[C_CALLEE] in held) and graph.returns_coroutine(site):
            return True
    return False


def _bridges_within(module: Module, fn_index: int) -> bool:
    """Does a bridge call sit in ``fn_index``'s body or in a function nested in it? (A
    dispatcher is an adapter for its own bridges, not a boundary for the blocking work or
    the task scheduling it also does.)"""
    calls = module.facts.calls
    return any(
        fn_index in enclosing_functions(module, calls[row][C_SCOPE])
        for row, _ in module.facts.bridges
        if calls[row][C_SCOPE] >= 0
    )


# -- entry points ---------------------------------------------------------------------------
def _cli_origin(origin: _Origin) -> bool:
    if origin.callee in _CLI_CLASSES or origin.callee.split(".")[0] in _CLI_PACKAGES:
        return True
    if isinstance(origin.project, FuncRef):
        return _is_cli_group_function(origin.project.fn)
    # ``skills = ModalGroup(name="skills")`` with ``class ModalGroup(click.Group)``
    return any(base.split(".")[0] in _CLI_PACKAGES for base in origin.external_bases)


def _wraps_cli_commands(module: Module, fn: Function, resolver: Resolver) -> bool:
    """Is ``fn`` the ``@functools.wraps`` wrapper of a decorator that is only ever applied
    to CLI commands (fief's ``asyncio_command``: ``@app.command()`` over
    ``@asyncio_command`` over an ``async def``)? The CLI then runs the wrapper."""
    if not _is_decorator_wrapper(module, fn):
        return False
    decorator = FuncRef(module, fn.parent)
    name = decorator.fn.name
    uses = 0
    for other in resolver.project.modules:
        for f in other.facts.functions:
            for d in f.decorators:
                if d.rpartition(".")[2] != name or resolver.resolve_name(other, -1, d) != decorator:
                    continue
                if _cli_decorator(other, f, resolver) is None:
                    return False
                uses += 1
    return uses > 0


def _is_cli_group_function(fn: Function) -> bool:
    for deco in fn.decorators:
        root, _, last = deco.partition(".")
        if root in _CLI_PACKAGES and last.rpartition(".")[2] in ("group", "command"):
            return True
        if deco.endswith(".group"):
            return True
    return False


def _cli_decorator(module: Module, fn: Function, resolver: Resolver | None) -> str | None:
    for deco in fn.decorators:
        root = deco.split(".")[0]
        last = deco.rpartition(".")[2]
        if root in _CLI_PACKAGES and last in ("command", "group", "callback"):
            return f"@{deco.lstrip('.')}"
        if root in _CLI_PACKAGES and last in _CLI_PASS_DECORATORS:
            return f"@{deco.lstrip('.')}"
        if deco in ("command", "group"):  # ``from click import command``
            if any(i.local == deco and i.target.split(".")[0] in _CLI_PACKAGES
                   for i in module.facts.imports):  # fmt: skip
                return f"@{deco.lstrip('.')}"
            continue
        receiver, _, method = deco.rpartition(".")
        if not receiver or method not in _CLI_METHODS:
            continue
        if resolver is not None:
            origin = variable_origin(resolver, module, fn.parent, receiver)
            if _cli_origin(origin):
                return f"@{deco.lstrip('.')}"
            if origin.callee and origin.callee.split(".")[0] not in _CLI_PACKAGES:
                continue  # ``@bolt_app.command`` (Slack) and the like
            # a function decorated with ``@click.group()`` used as ``@cli.command()``
            target = resolver.resolve_name(module, fn.parent, receiver)
            if isinstance(target, FuncRef) and _is_cli_group_function(target.fn):
                return f"@{deco.lstrip('.')}"
            if origin.project is not None:
                continue
        if method == "command":
            return f"@{deco.lstrip('.')}"  # ``@cli.command()``/``@app.command()`` of an unseen CLI object
    return None


def is_entrypoint(
    module: Module, fn_index: int, config: Config, resolver: Resolver | None = None
) -> str | None:
    """An entry point: a function named in ``boundaries.entry-points`` (default ``main``), a
    command of the project's ``pyproject.toml`` (``[project.scripts]``), a function defined
    or called under ``if __name__ == "__main__":``, a click/typer command (or the wrapper a
    decorator puts around only such commands), a function that builds an ``argparse``
    parser, or a Django management command's ``handle``."""
    fn = module.facts.functions[fn_index]
    top_level = fn.parent < 0 and fn.class_index < 0
    names = config.boundaries.entry_points
    if names and ((top_level and _glob_match(names, fn.name)) or _glob_match(names, fn.qualname)):
        return f"`{fn.name}()`"
    if top_level and config.console_scripts and _is_console_script(module, fn, config):
        return f"the `{fn.name}` command of `pyproject.toml`"
    if fn.flags & FN_IN_MAIN:
        return 'defined under `if __name__ == "__main__":`'
    info = _module_info(module)
    if top_level and fn.name in info.main_called:
        return 'called under `if __name__ == "__main__":`'
    if top_level and resolver is not None and info.main_called:
        for called in info.main_called:
            if "." in called and resolver.resolve_name(module, -1, called) == FuncRef(
                module, fn_index
            ):
                return 'called under `if __name__ == "__main__":`'
    cli = _cli_decorator(module, fn, resolver)
    if cli:
        return f"CLI command {cli}"
    if fn.parent >= 0 and resolver is not None and _wraps_cli_commands(module, fn, resolver):
        outer = module.facts.functions[fn.parent].name
        return f"the wrapper `@{outer}` puts around CLI commands"
    if fn_index in info.argparse_scopes:
        return "argparse command-line entry point"
    if top_level and fn.name.startswith("pytest_"):
        return "a pytest hook"
    if fn.name == "run" and fn.class_index >= 0 and resolver is not None:
        thread_bases = resolver.external_bases(ClassRef(module, fn.class_index))
        if any(b in _THREAD_BASES for b in thread_bases):
            return "the `run` of a thread or process"
    if fn.class_index >= 0 and resolver is not None and _could_be_stdlib_hook(fn.name):
        for base in resolver.external_bases(ClassRef(module, fn.class_index)):
            hooks = _STDLIB_HOOKS.get(base)
            if hooks and (fn.name in hooks or ("do_*" in hooks and fn.name.startswith("do_"))):
                return f"`{base}.{fn.name}`, which the standard library calls synchronously"
    if fn.name == "handle" and fn.class_index >= 0:
        cls = module.facts.classes[fn.class_index]
        bases = set(cls.bases)
        if resolver is not None:
            bases.update(resolver.external_bases(ClassRef(module, fn.class_index)))
        if bases & _DJANGO_COMMAND_BASES or (
            cls.name == "Command" and any(b.endswith("BaseCommand") for b in bases)
        ):
            return "Django management command"
    return None


def _is_console_script(module: Module, fn: Function, config: Config) -> bool:
    """Is ``fn`` a command the project's ``pyproject.toml`` installs? Matched on the module
    name's end, so a scan of ``src/`` or of the package folder finds it too."""
    for target in config.console_scripts:
        mod, _, name = target.rpartition(".")
        if name == fn.name and (module.name == mod or module.name.endswith("." + mod)
                                or mod.endswith("." + module.name)):  # fmt: skip
            return True
    return False


def entrypoint_of_module_call(module: Module, row: int) -> str | None:
    """A module-level call under ``if __name__ == "__main__":``."""
    call = module.facts.calls[row]
    if call[C_SCOPE] < 0 and call[C_FLAGS] & CALL_IN_MAIN:
        return '`if __name__ == "__main__":`'
    return None


class _Mentions:
    """Every place a project function name appears as a value: a positional argument of
    a call (``Thread(None, work)``, ``executor.submit(job)``, ``event.listen(e, "begin",
    self.on_begin)``) or the right-hand side of an assignment (``handler = self.on_message``).

    A function can be named only in its own module or in a module that imports that module,
    so only those are indexed — lazily, one module at a time, by last name segment."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.per_module: dict[int, dict[str, list[tuple[int, str]]]] = {}

    def importers(self, module: Module) -> list[Module]:
        return self.resolver.project.graph.importers.get(id(module), [])

    def _index(self, module: Module) -> dict[str, list[tuple[int, str]]]:
        found = self.per_module.get(id(module))
        if found is None:
            found = {}
            facts = module.facts
            for call in facts.calls:
                for arg in call[C_ARGS]:
                    if arg:
                        found.setdefault(arg.rpartition(".")[2], []).append((call[C_SCOPE], arg))
            for a in facts.assigns:
                # a function returned (a decorator's wrapper) is not handed over by that
                if a.name and a.target != RETURN_TARGET:
                    found.setdefault(a.name.rpartition(".")[2], []).append((a.scope, a.name))
            self.per_module[id(module)] = found
        return found

    def passed(self, ref: FuncRef) -> bool:
        name = ref.fn.name
        for module in self._seeing(ref.module, name):
            for scope, text in self._index(module).get(name, ()):
                if self.resolver.resolve_name(module, scope, text) == ref:
                    return True
        return False

    def _seeing(self, home: Module, name: str) -> list[Module]:
        """``home`` and the modules that can name its ``name``: its importers, and the
        importers of a module that re-exports the name (``from .loops import worker`` in a
        package's ``__init__``), a few re-exports deep."""
        out = [home]
        seen = {id(home)}
        frontier = [home]
        for _ in range(4):
            nxt: list[Module] = []
            for module in frontier:
                for importer in self.importers(module):
                    if id(importer) in seen:
                        continue
                    seen.add(id(importer))
                    out.append(importer)
                    if _reexports(importer, name):
                        nxt.append(importer)
            if not nxt:
                break
            frontier = nxt
        return out


def _reexports(module: Module, name: str) -> bool:
    """Does ``module`` import ``name`` at module level, so that others can import it from
    there?"""
    return any(
        imp.scope < 0 and imp.is_from and imp.target.rpartition(".")[2] == name
        for imp in module.facts.imports
    )


def thread_offload_argument(call: CallRow) -> int:
    """The position of the function an awaited ``asyncio.to_thread(f, ...)`` (0) or
    ``loop.run_in_executor(executor, f, ...)`` (1) runs in a thread; -1 for any other call."""
    if call[C_CTX] != CTX_AWAIT:
        return -1
    callee = call[C_CALLEE]
    if callee in ("asyncio.to_thread", "asyncio.threads.to_thread"):
        return 0
    return 1 if callee.rpartition(".")[2] == "run_in_executor" else -1


def offloaded_from_async(resolver: Resolver, ref: FuncRef) -> bool:
    """Is the sync function ``ref`` handed over only to be run in a thread by async code,
    ``await asyncio.to_thread(get_items, db, 1)``, and nowhere else? It is then the async
    code's sync I/O all the same: a repository the async code offloads still needs
    converting (ASY202), while a thread or process target of its own is an entry."""
    name = ref.fn.name
    mentions = resolver.project.memo("mentions", lambda: _Mentions(resolver))
    found = False
    for module in mentions._seeing(ref.module, name):
        functions = module.facts.functions
        for call in module.facts.calls:
            for position, arg in enumerate(call[C_ARGS]):
                if not arg or arg.rpartition(".")[2] != name:
                    continue
                scope = call[C_SCOPE]
                if resolver.resolve_name(module, scope, arg) != ref:
                    continue
                if scope < 0 or not functions[scope].is_async:
                    return False
                if thread_offload_argument(call) != position:
                    return False
                found = True
        for a in module.facts.assigns:
            if a.name.rpartition(".")[2] != name or a.target == RETURN_TARGET:
                continue
            if resolver.resolve_name(module, a.scope, a.name) == ref:
                return False  # stored or given as a keyword: run by whatever holds it
    return found


def passed_as_function(resolver: Resolver, ref: FuncRef) -> bool:
    """Is the project function ``ref`` handed over somewhere as a function object?"""
    mentions = resolver.project.memo("mentions", lambda: _Mentions(resolver))
    return mentions.passed(ref)


def is_handed_over(
    module: Module, fn_index: int, resolver: Resolver, _depth: int = 0
) -> str | None:
    """A sync function that nothing in the project calls directly and that is handed over
    as a function object instead — a thread/process target, an executor job, a callback or
    an event hook — so it runs as the entry of a thread, a process or a callback, never
    inside its caller's event loop. Nested and private functions with no direct caller
    count even when the hand-over is invisible (``Thread(target=self._run)``: keyword
    arguments are not in the facts); a public function needs a visible hand-over."""
    fn = module.facts.functions[fn_index]
    if fn.is_async:
        return None
    # a decorated function may be registered somewhere (a route, a signal): it counts when
    # it is handed over visibly too (airflow's ``@provide_session`` method given to
    # ``sync_to_async``), or when it is nested and its decorator is all that takes it
    # (fasthtml's ``@startthread def run_server()``)
    decorated = any(d not in _TRANSPARENT_DECORATORS for d in fn.decorators)
    if _LOOP_CALLBACK_DECORATORS.intersection(fn.decorators):
        return None  # Home Assistant's ``@callback``: the event loop calls it, in its thread
    ref = FuncRef(module, fn_index)
    callers = [
        c for c in resolver.project.graph.callers_of(ref)
        if not _override_handing_on(c, fn.name, resolver, _depth)
    ]  # fmt: skip
    if callers:
        if all(
            c.module.facts.calls[c.row][C_FLAGS] & CALL_IN_HANDED_LAMBDA for c in callers
        ):  # ``await asyncio.to_thread(lambda: self.load()[key])``
            return "a function only called from lambdas handed to a thread or callback"
        return None
    if fn.class_index >= 0 and any(
        _thread_target(resolver, base) for base in overridden_methods(module, fn, resolver)
    ):
        # ``Thread(target=self._run)`` in the base runs the subclass's ``_run`` (aiosmtpd's
        # tests override the target to sleep first, then call ``super()._run(...)``)
        return "an override of a thread's target"
    if fn.class_index >= 0 and _overrides_a_called_method(module, fn, resolver):
        return None  # it runs where its base class calls the method: ``self._insert(...)``
    if passed_as_function(resolver, ref):
        return "a function handed to a thread, process or callback, never called directly"
    if decorated:
        if fn.parent >= 0 and fn.class_index < 0:
            return "a nested function only its decorator takes, never called directly"
        return None
    if _is_decorator_wrapper(module, fn):
        return None  # a decorator's wrapper: returned, it runs wherever the decorated one did
    private = fn.name.startswith("_") and not fn.name.endswith("__")
    if fn.parent >= 0 or private:  # the hand-over may be invisible (``**kwargs``, a dict)
        return "a function handed to a thread, process or callback, never called directly"
    return None


def _thread_target(resolver: Resolver, ref: FuncRef) -> bool:
    """Is ``ref`` given as the ``target=`` of a thread or process (``Thread(target=
    self._run)``) in its module or one that imports it?"""
    name = ref.fn.name
    mentions = resolver.project.memo("mentions", lambda: _Mentions(resolver))
    return any(
        a.target == "target=" and a.name.rpartition(".")[2] == name
        and resolver.resolve_name(module, a.scope, a.name) == ref
        for module in mentions._seeing(ref.module, name)
        for a in module.facts.assigns
    )  # fmt: skip


def _override_handing_on(site: Site, name: str, resolver: Resolver, depth: int) -> bool:
    """Is ``site`` the ``super().<name>(...)`` call of an override of ``name`` that is itself
    handed over? aiosmtpd's tests override the thread target ``_run`` to sleep first and
    call ``super()._run(...)``: the base still runs only as that thread's target."""
    if depth >= 4 or site.scope < 0:
        return False
    call = site.module.facts.calls[site.row]
    if call[C_CALLEE] != f"super().{name}":
        return False
    caller = site.module.facts.functions[site.scope]
    if caller.name != name or caller.class_index < 0:
        return False
    return is_handed_over(site.module, site.scope, resolver, depth + 1) is not None


#: pydantic's hooks: pydantic calls them synchronously while it builds or dumps a model,
#: so they cannot become ``async def``
_PYDANTIC_HOOK_DECORATORS = frozenset(
    {"model_validator", "field_validator", "validator", "root_validator", "model_serializer",
     "field_serializer", "computed_field"}
)  # fmt: skip
_PYDANTIC_HOOK_METHODS = frozenset({"model_post_init"})
#: other libraries' decorators that make a method a pydantic ``model_validator``
_PYDANTIC_HOOK_WRAPPERS = frozenset(
    {"langchain_core.utils.pre_init", "langchain_core.utils.utils.pre_init"}
)


def framework_sync_hook(fn: Function) -> str | None:
    """Why a framework calls this method synchronously, so that it must stay sync; None
    when it does not."""
    for d in fn.decorators:
        if d.partition(".")[0] == "pydantic" and d.rpartition(".")[2] in _PYDANTIC_HOOK_DECORATORS:
            return f"it is a pydantic hook (`@{d.rpartition('.')[2]}`), which pydantic calls synchronously"
        if d in _PYDANTIC_HOOK_WRAPPERS:
            return f"it is a pydantic hook (`@{d.rpartition('.')[2]}`: a `model_validator`), which pydantic calls synchronously"
    if fn.class_index >= 0 and fn.name in _PYDANTIC_HOOK_METHODS:
        return f"it is pydantic's `{fn.name}` hook, which pydantic calls synchronously"
    return None


def _is_decorator_wrapper(module: Module, fn: Function) -> bool:
    """A nested ``@functools.wraps`` function wrapping a parameter of the function it is
    nested in: the wrapper a decorator returns."""
    return fn.parent >= 0 and bool(_WRAPS & set(fn.decorators)) and _wraps_a_parameter(module, fn)


def _wraps_a_parameter(module: Module, fn: Function) -> bool:
    """``def crew(meth): @functools.wraps(meth) def wrapper(...)``: the wrapper of a function
    its enclosing function was given, which a decorator returns (not asyncpg's metaclass,
    whose ``@wraps(meth)`` wraps a loop variable and stores the wrapper in the class)."""
    parent = module.facts.functions[fn.parent]
    params = {name.lstrip("*") for name, _ in parent.params}
    for call in module.facts.calls:
        if (
            call[C_SCOPE] == fn.parent
            and call[C_FLAGS] & CALL_IN_DECORATOR
            and call[C_CALLEE] in _WRAPS
            and fn.line - 20 <= call[C_LINE] <= fn.line
            and call[C_ARGS]
            and call[C_ARGS][0] in params
        ):
            return True
    return False


def _overrides_a_called_method(module: Module, fn: Function, resolver: Resolver) -> bool:
    """Does a method of a base class that ``fn`` overrides have callers in the project?"""
    graph = resolver.project.graph
    return any(graph.callers_of(base) for base in overridden_methods(module, fn, resolver))


def overridden_methods(module: Module, fn: Function, resolver: Resolver) -> Iterator[FuncRef]:
    """The methods of the project base classes that the method ``fn`` overrides, nearest
    first: a call made through a base (``command.exec()`` on a ``BaseCommand``) may run it."""
    if fn.class_index < 0:
        return
    cls = ClassRef(module, fn.class_index)
    for _ in range(16):
        base = resolver.find_method(cls, fn.name, skip_first=True)
        if base is None:
            return
        yield base
        cls = ClassRef(base.module, base.fn.class_index)


# -- tests ----------------------------------------------------------------------------------
def _is_test_class(module: Module, class_index: int) -> bool:
    cls = module.facts.classes[class_index]
    if cls.name.startswith("Test") or cls.name.endswith(("Test", "Tests")):
        return True
    return any(b.endswith("TestCase") for b in cls.bases)


def is_test_function(module: Module, fn_index: int) -> bool:
    """A test pytest or unittest would collect: in the ``test`` layer, named ``test*``, at
    module level or a method of a ``Test*`` / ``*Tests`` / ``TestCase`` class."""
    if module.layer != "test":
        return False
    fn = module.facts.functions[fn_index]
    if not fn.name.startswith("test") or fn.parent >= 0:
        return False
    if fn.class_index < 0:
        return True
    return _is_test_class(module, fn.class_index)


def is_pytest_fixture(module: Module, fn_index: int) -> bool:
    fn = module.facts.functions[fn_index]
    return any(
        d in _FIXTURE_DECORATORS or d.endswith(("pytest.fixture", "pytest_asyncio.fixture"))
        for d in fn.decorators
    )


# -- route handlers -------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    """A route handler's decorator and the router/app object it registers on."""

    decorator: str  # ``router.get``
    router: str  # stable key of the router object: ``app.api.routers.items.router``
    label: str  # as written: ``router``


def route_of(module: Module, fn_index: int, resolver: Resolver) -> Route | None:
    fn = module.facts.functions[fn_index]
    for deco in fn.decorators:
        receiver, _, method = deco.rpartition(".")
        if not receiver or method not in _ROUTE_METHODS or "()" in receiver:
            continue
        origin = variable_origin(resolver, module, fn.parent, receiver)
        built_by = origin.callee
        bases = origin.external_bases
        if built_by.startswith(_SYNC_WEB_PREFIXES) or any(
            b.startswith(_SYNC_WEB_PREFIXES) for b in bases
        ):
            continue
        asgi = built_by.startswith(_ASGI_PREFIXES) or any(
            b.startswith(_ASGI_PREFIXES) for b in bases
        )
        if not asgi:
            if built_by or origin.project is not None:
                continue  # built by something awaitify knows is not a router
            last = receiver.rpartition(".")[2].lower()
            if not (last in _ROUTER_NAMES or last.endswith(("router", "_app", "_api"))):
                continue
            if method in ("route", "websocket_route") and _imports_sync_web(module):
                continue
        return Route(deco, origin.key or f"{module.name}.{receiver}", receiver)
    return None


@cache
def _sync_web_roots() -> frozenset[str]:
    return frozenset(p.split(".")[0] for p in _SYNC_WEB_PREFIXES)


def _imports_sync_web(module: Module) -> bool:
    roots = _sync_web_roots()
    return any(i.target.split(".")[0] in roots for i in module.facts.imports)


def is_route_handler(module: Module, fn_index: int, resolver: Resolver) -> str | None:
    """FastAPI/Starlette-style ``@router.get`` / ``@app.post`` / ``@api.websocket``...;
    returns the key of the router or app object (for grouping handlers by router)."""
    route = route_of(module, fn_index, resolver)
    return route.router if route else None


# -- hooks, exclusions, combined ------------------------------------------------------------
@lru_cache(maxsize=64)
def _exclude_spec(globs: tuple[str, ...]) -> Any:
    return gitignore_spec(globs)


def is_excluded(module: Module, config: Config) -> bool:
    return bool(config.exclude) and _exclude_spec(config.exclude).match_file(module.relpath)


def is_sync_hook(module: Module, fn_index: int, config: Config) -> bool:
    hooks = config.boundaries.sync_hooks
    if not hooks:
        return False
    fn = module.facts.functions[fn_index]
    dotted = f"{module.name}.{fn.qualname}" if module.name else fn.qualname
    return _glob_match(hooks, fn.qualname, fn.name, dotted)


def boundary_kind(
    module: Module,
    fn_index: int,
    resolver: Resolver,
    config: Config | None = None,
    *,
    tests: bool = False,
) -> tuple[str, str] | None:
    """(kind, description) when ``fn_index`` or a function it is nested in is an accepted
    boundary: where a sync→async bridge belongs and where upward conversion stops.

    Kinds: :data:`EXCLUDED`, :data:`TEST` (only with ``tests=True``: tests, fixtures and
    every function of the test layer), :data:`CELERY_TASK`, :data:`ADAPTER`,
    :data:`ENTRY_POINT`, :data:`SYNC_HOOK`, :data:`HANDED_OVER` (the innermost function
    only: a thread/process target or callback that nothing calls directly).
    """
    config = config or resolver.project.config
    if is_excluded(module, config):
        return EXCLUDED, "excluded path"
    if tests and module.layer == "test":
        return TEST, "test code"
    nested = module.facts.functions[fn_index]
    if nested.parent >= 0 and all(d in _TRANSPARENT_DECORATORS for d in nested.decorators):
        # a nested thread target or callback runs on its own, whatever its enclosing
        # function is (agentops' ``run_async_auth`` inside a loop-aware dispatcher)
        handed = is_handed_over(module, fn_index, resolver)
        if handed:
            return HANDED_OVER, handed
    for s in enclosing_functions(module, fn_index):
        task = is_celery_task(module, s, resolver)
        if task:
            return CELERY_TASK, task
        fn = module.facts.functions[s]
        if fn.class_index >= 0:
            adapter = is_adapter_class(module, fn.class_index, config, resolver)
            if adapter:
                return ADAPTER, f"adapter class `{adapter}`"
            twin = async_twin(module, s, resolver)
            if twin:
                return ADAPTER, f"the sync twin of `async def {twin}`"
        entry = is_entrypoint(module, s, config, resolver)
        if entry:
            return ENTRY_POINT, entry
        if fn.class_index < 0:
            twin = async_twin(module, s, resolver)
            if twin:
                return ADAPTER, f"the sync twin of `async def {twin}`"
        if _bridges_within(module, s):
            dispatcher = is_loop_dispatcher(module, s, resolver.project.graph)
            if dispatcher:
                return ADAPTER, dispatcher
        if is_sync_hook(module, s, config):
            return SYNC_HOOK, "configured sync hook"
    handed = is_handed_over(module, fn_index, resolver)
    if handed:
        return HANDED_OVER, handed
    return None


def is_boundary(
    module: Module,
    fn_index: int,
    resolver: Resolver,
    config: Config | None = None,
    *,
    tests: bool = False,
) -> bool:
    """Where the migration stops converting callers and inserts ``asyncio.run`` instead."""
    return boundary_kind(module, fn_index, resolver, config, tests=tests) is not None
