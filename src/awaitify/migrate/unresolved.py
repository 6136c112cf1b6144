"""The safety net under the call graph: calls that may reach a function the migration made
async, but that the resolver could not follow.

The planner awaits (or bridges) every call the call graph resolved to a converted function.
A call whose receiver it could not type — ``self.server.run()`` through a property,
``obj.run()`` on an unannotated parameter, ``self.run()`` in a mixin whose host class
defines ``run``, ``getattr(server, "run")()`` — is in no caller list, so nothing would await
it and nothing would say so (SPEC §6 promises a review item instead of a guess). This module
lists, for each converted function, every call in the project that ends with the same name,
is not awaited, and was resolved to nothing at all; a call resolved to something else (a
different project function, a library API) is left out, and so is a call on a receiver
that is a library object: typed with a library class, constructed from one
(``router = APIRouter()``, ``contextvars.Context().run(...)``), or whose every binding is
declared with a library type (``self._entries: dict[...]``) or holds a literal
(``_SYMBOLS = {...}``). That keeps the list short enough to read. A converted method passed
as a keyword argument (``Thread(target=server.run)``; the per-file facts do not record
those, so the few files whose text has one are read back) is listed as a callback, and so is
an unresolved ``obj.run`` passed to a keyword that takes a callable (``target=``,
``callback=``, ``on_*=``, ...): ``once=registration.once`` is data, not a callback. Passed
positionally, an unresolved ``obj.run`` is listed when the function it is passed to takes
callables (``executor.submit``, ``loop.call_soon``, ``functools.partial``, ...). A converted
function applied as a bare decorator (``@with_appcontext``) is listed too: it runs where the
decorated function is defined, and nothing can await it there.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator

from awaitify.analysis import apis
from awaitify.analysis.facts import (
    C_ARGS,
    C_CALLEE,
    C_COL,
    C_CTX,
    C_END_COL,
    C_END_LINE,
    C_LINE,
    C_PARENT,
    C_SCOPE,
    CTX_ARG,
    CTX_AWAIT,
    CallRow,
    callback_keyword,
)
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import ClassRef, FuncRef, Resolver
from awaitify.migrate.model import Review

_Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
_GETATTR = frozenset({"getattr", "builtins.getattr"})
#: annotations that name a builtin or standard container: never a project object
_BUILTIN_TYPES = frozenset(
    {"dict", "list", "set", "frozenset", "tuple", "str", "bytes", "bytearray", "int", "float",
     "bool", "complex", "Dict", "List", "Set", "FrozenSet", "Tuple", "DefaultDict",
     "OrderedDict", "Deque", "Counter", "typing.Dict", "typing.List", "typing.Set",
     "typing.FrozenSet", "typing.Tuple", "typing.DefaultDict", "typing.OrderedDict",
     "typing.Deque", "typing.Counter", "collections.OrderedDict", "collections.defaultdict",
     "collections.deque", "collections.Counter"}
)  # fmt: skip
#: ``ast`` nodes of a literal value
_LITERALS = (ast.Dict, ast.List, ast.Set, ast.Tuple, ast.Constant, ast.JoinedStr,
             ast.ListComp, ast.SetComp, ast.DictComp)  # fmt: skip
#: ``getattr(obj, "name")`` / ``getattr(obj, 'name', default)``: the attribute name
_GETATTR_NAME = re.compile(r"""^getattr\s*\(.*?,\s*(['"])([A-Za-z_]\w*)\1\s*(?:,.*)?\)$""", re.S)


def _labels(refs: list[FuncRef]) -> str:
    """```A.run` or `B.run``; past three, ```A.run`, `B.run`, `C.run` or 4 more``."""
    names = [f"`{r.label}`" for r in sorted(refs, key=lambda r: (r.module.path, r.index))]
    if len(names) <= 3:
        return " or ".join(names)
    return f"{', '.join(names[:3])} or {len(names) - 3} more"


class UnresolvedCalls:
    def __init__(
        self,
        project: ProjectView,
        converted: Iterable[FuncRef],
        read_source: Callable[[Module], bytes],
        tree_of: Callable[[Module], ast.Module | None],
    ) -> None:
        self.project = project
        self.graph = project.graph
        self.graph.complete()
        self.resolver = self.graph.resolver
        self.read_source = read_source
        self.by_name: dict[str, list[FuncRef]] = {}
        for ref in converted:
            self.by_name.setdefault(ref.fn.name, []).append(ref)
        #: names under which only methods were converted: a bare ``name()`` cannot be one
        self.methods_only = {
            name for name, refs in self.by_name.items() if all(r.fn.class_index >= 0 for r in refs)
        }
        self.out: list[Review] = []
        self._tree = tree_of  # the planner's parsed files: each file is parsed once
        names = b"|".join(re.escape(n.encode()) for n in sorted(self.by_name))
        #: a keyword argument whose value ends with a converted name: ``target=obj.run,``
        self.keyword_text = re.compile(rb"\w\s*=\s*[\w.]*\b(?:" + names + rb")\s*[,)\n]")
        #: a converted name as a dict value or after ``or``: ``{"load": load}``, ``cb or load``
        self.escape_text = re.compile(rb"(?::|\bor)\s*[\w.]*\b(?:" + names + rb")\b(?!\s*\()")

    def run(self) -> list[Review]:
        if not self.by_name:
            return []
        for module in self.project.modules:
            calls = module.facts.calls
            for row, call in enumerate(calls):
                callee = call[C_CALLEE]
                if callee in _GETATTR:
                    self._getattr(module, row, call)
                    continue
                last = callee.rpartition(".")[2]
                if call[C_ARGS] and last in _TAKES_CALLABLES:
                    self._positional(module, call, callee)
                refs = self.by_name.get(last)
                if refs is not None and self._unresolved(module, row, call, callee):
                    self.out.append(
                        Review(
                            module.path, call[C_LINE],
                            f"may call {_labels(refs)}, now async: could not resolve the "
                            f"receiver of `{callee}(...)`; await it if it does",
                        )
                    )  # fmt: skip
            self._keywords(module)
            self._escaping(module)
            self._decorators(module)
        return self.out

    def _unresolved(self, module: Module, row: int, call: CallRow, callee: str) -> bool:
        if call[C_CTX] == CTX_AWAIT or handed_to_runner(self.resolver, module, call):
            return False
        if "." not in callee and callee in self.methods_only:
            return False  # a bare name is never a method
        if self.graph.site(module, row) is not None:
            return False  # resolved: a project function (the planner's business) or an API
        if self.resolver.resolve_name(module, call[C_SCOPE], callee) is not None:
            return False
        receiver = callee.rpartition(".")[0]
        return not (receiver and self._foreign(module, call[C_SCOPE], receiver))

    # -- receivers that cannot hold a project object ---------------------------------------
    def _foreign(self, module: Module, scope: int, receiver: str) -> bool:
        """Is ``receiver`` (``x`` or ``self.x``) known not to be a project object: typed with
        a library class, or every binding of it declared with a library or builtin type or
        assigned a literal? (Read from the file: the facts do not keep literal values.)"""
        resolver = self.resolver
        if "()" in receiver:
            # ``contextvars.Context().run``: an instance of a library class
            inner = receiver.removesuffix("()")
            return "()" not in inner and self._library_class(module, scope, inner)
        typed = resolver.type_of(module, scope, receiver)
        if isinstance(typed, str):
            return True
        if typed is not None:
            return False
        head, _, rest = receiver.partition(".")
        functions = module.facts.functions
        if head in ("self", "cls") and rest and "." not in rest and scope >= 0:
            cls = resolver.enclosing_class(module, scope)
            owner = self._node(module, "class", cls.index) if cls is not None else None
            if not isinstance(owner, ast.ClassDef):
                return False
            return self._all_foreign(module, scope, _attribute_bindings(owner, rest))
        if rest:
            return False
        s = scope
        while s >= 0:
            fn = functions[s]
            for param, annotation in fn.params:
                if param.lstrip("*") == head:
                    return bool(annotation) and self._foreign_annotation(module, annotation)
            node = self._node(module, "function", s)
            if node is None:
                return False
            found = _name_bindings(node.body, head)
            if found:
                return self._all_foreign(module, s, found)
            s = fn.parent
        tree = self._tree(module)
        return tree is not None and self._all_foreign(module, -1, _name_bindings(tree.body, head))

    def _all_foreign(self, module: Module, scope: int, bindings: list[ast.stmt]) -> bool:
        """Every binding is a literal, an annotation with a library or builtin type, or an
        instance of a library class (``x = Context()``, ``with Runner() as x``)."""
        if not bindings:
            return False
        for stmt in bindings:
            if isinstance(stmt, ast.AnnAssign):
                if not self._foreign_annotation(module, ast.unparse(stmt.annotation)):
                    return False
            elif isinstance(stmt, ast.Assign):
                value = stmt.value
                if not isinstance(value, _LITERALS) and not (
                    isinstance(value, ast.Call)
                    and self._library_class(module, scope, _dotted(value.func))
                ):
                    return False
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                if not all(
                    isinstance(item.context_expr, ast.Call)
                    and self._library_class(module, scope, _dotted(item.context_expr.func))
                    for item in stmt.items
                    if item.optional_vars is not None
                ):
                    return False
            else:
                return False
        return True

    def _library_class(self, module: Module, scope: int, dotted: str) -> bool:
        """Does ``dotted`` name a class outside the project (``contextvars.Context``)?"""
        if not dotted:
            return False
        made = self.resolver.resolve_name(module, scope, dotted)
        return isinstance(made, str) and made.rpartition(".")[2][:1].isupper()

    def _foreign_annotation(self, module: Module, annotation: str) -> bool:
        head = annotation.partition("[")[0].strip()
        if head in _BUILTIN_TYPES:
            return True
        typed = self.resolver.type_of_annotation(module, head)
        return isinstance(typed, str) and not typed.startswith(("typing.", "typing_extensions."))

    def _node(self, module: Module, kind: str, index: int) -> _Scope | None:
        """The ``def`` (or ``class``) the facts list at ``index``, read back from the file."""
        tree = self._tree(module)
        if tree is None:
            return None
        facts = module.facts
        line, name = (
            (facts.functions[index].line, facts.functions[index].name)
            if kind == "function"
            else (facts.classes[index].line, facts.classes[index].name)
        )
        types = (ast.FunctionDef, ast.AsyncFunctionDef) if kind == "function" else (ast.ClassDef,)
        for node in ast.walk(tree):
            if isinstance(node, types) and node.lineno == line and node.name == name:
                return node
        return None

    def _keywords(self, module: Module) -> None:
        try:
            source = self.read_source(module)
        except OSError:
            return
        if not self.keyword_text.search(source):
            return
        tree = self._tree(module)
        if tree is None:
            return
        scopes = {(f.line, f.name): i for i, f in enumerate(module.facts.functions)}
        for call, scope in _with_scope(tree, scopes, -1):
            if not isinstance(call, ast.Call):
                continue
            for kw in call.keywords:
                arg = _dotted(kw.value)
                refs = self.by_name.get(arg.rpartition(".")[2]) if arg else None
                if refs is None or kw.arg is None:
                    continue
                to = _dotted(call.func) or "a call"
                target = self.resolver.resolve_name(module, scope, self._imported(module, arg))
                if isinstance(target, FuncRef) and target in refs:
                    message = (
                        f"`{target.label}` is now async but is passed as a value to "
                        f"`{to}(..., {kw.arg}=...)`: whatever calls it must await it"
                    )
                elif target is None and "." in arg and callback_keyword(kw.arg):
                    message = (
                        f"may pass {_labels(refs)}, now async, as a value to "
                        f"`{to}(..., {kw.arg}=...)`: could not resolve `{arg}`; whatever "
                        "calls it must await it if it is"
                    )
                else:
                    continue
                self.out.append(Review(module.path, kw.value.lineno, message))

    def _escaping(self, module: Module) -> None:
        """A converted function kept as a value where the facts do not look: a parameter's
        default (``def a(k, fn=load)``), a dict's value (``{"load": load}``), an operand
        of ``or`` (``cb = cb or load``). Whatever calls it later must await it."""
        try:
            source = self.read_source(module)
        except OSError:
            return
        if not (self.escape_text.search(source) or self.keyword_text.search(source)):
            return  # (a default reads as a keyword: ``fn=load)``)
        tree = self._tree(module)
        if tree is None:
            return
        scopes = {(f.line, f.name): i for i, f in enumerate(module.facts.functions)}
        for node, scope in _with_scope(tree, scopes, -1):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                values = [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
                where = "a parameter's default"
            elif isinstance(node, ast.Dict):
                values, where = list(node.values), "a dict's value"
            elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
                values, where = node.values[1:], "an operand of `or`"
            else:
                continue
            for value in values:
                arg = _dotted(value) if isinstance(value, (ast.Name, ast.Attribute)) else ""
                target = self._converted(module, scope, arg)
                if target is not None:
                    self.out.append(
                        Review(
                            module.path, value.lineno,
                            f"`{target.label}` is now async but is kept as a value ({where}): "
                            "whatever calls it must await it",
                        )
                    )  # fmt: skip

    def _converted(self, module: Module, scope: int, written: str) -> FuncRef | None:
        """The converted function that ``written`` (a name as the file writes it, in
        function ``scope``) names, None when it names another or nothing."""
        refs = self.by_name.get(written.rpartition(".")[2]) if written else None
        if refs is None:
            return None
        target = self.resolver.resolve_name(module, scope, self._imported(module, written))
        return target if isinstance(target, FuncRef) and target in refs else None

    def _positional(self, module: Module, call: CallRow, callee: str) -> None:
        """``executor.submit(obj.run)``, ``loop.call_soon(obj.run)``: an unresolved
        ``obj.run`` handed to a function that takes a callable."""
        scope = call[C_SCOPE]
        for arg in call[C_ARGS]:
            if "." not in arg or "()" in arg:
                continue
            refs = self.by_name.get(arg.rpartition(".")[2])
            if refs is None or self.resolver.resolve_name(module, scope, arg) is not None:
                continue  # resolved ones are the planner's (``_passed_as_value``)
            if self._foreign(module, scope, arg.rpartition(".")[0]):
                continue
            self.out.append(
                Review(
                    module.path, call[C_LINE],
                    f"may pass {_labels(refs)}, now async, as a value to `{callee}(...)`: "
                    f"could not resolve `{arg}`; whatever calls it must await it if it is",
                )
            )  # fmt: skip

    def _imported(self, module: Module, dotted: str) -> str:
        """``dotted`` as written in the file, through the file's imports (``run`` imported
        ``from app.server`` is ``app.server.run``): how the facts record names."""
        head, dot, rest = dotted.partition(".")
        target = self.resolver.index(module).imported.get(head)
        return f"{target}{dot}{rest}" if target else dotted

    def _decorators(self, module: Module) -> None:
        """A converted function applied as a bare decorator (``@with_appcontext``): Python
        calls it where the decorated function is defined, where nothing can await it, and
        the name is then bound to a coroutine. (``@factory(...)`` is a call in the facts:
        the planner lists it.)"""
        names = self.by_name
        facts = module.facts
        if not any(
            d.rpartition(".")[2] in names
            for d in (*(d for f in facts.functions for d in f.decorators),
                      *(d for c in facts.classes for d in c.decorators))
        ):  # fmt: skip
            return
        tree = self._tree(module)
        if tree is None:
            return
        scopes = {(f.line, f.name): i for i, f in enumerate(facts.functions)}
        for node, scope in _with_scope(tree, scopes, -1):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for deco in node.decorator_list:
                target = self._converted(module, scope, _dotted(deco))
                if target is not None:
                    self.out.append(
                        Review(
                            module.path, deco.lineno,
                            f"`{target.label}` is now async but decorates `{node.name}`: a "
                            f"decorator runs when `{node.name}` is defined, where it cannot be "
                            f"awaited, and `{node.name}` would become a coroutine; keep "
                            f"`{target.label}` sync",
                        )
                    )  # fmt: skip

    def _getattr(self, module: Module, row: int, call: CallRow) -> None:
        text = _call_text(self.read_source, module, call)
        found = _GETATTR_NAME.match(text) if text else None
        if found is None:
            self._dynamic_getattr(module, call, text)
            return
        refs = self.by_name.get(found.group(2))
        if refs is None:
            return
        # ``getattr(o, "run")()`` is a row of its own, starting where the getattr starts
        calls = module.facts.calls
        outer = next(
            (
                c
                for c in calls[row - 1 : row] + calls[row + 1 : row + 2]
                if c[C_CALLEE] == "getattr()"
                and (c[C_LINE], c[C_COL]) == (call[C_LINE], call[C_COL])
            ),
            None,
        )
        if outer is not None and outer[C_CTX] == CTX_AWAIT:
            return
        self.out.append(
            Review(
                module.path, call[C_LINE],
                f"may call {_labels(refs)}, now async: `{_one_line(text)}` names it "
                "dynamically; await the call if it is",
            )
        )  # fmt: skip

    def _dynamic_getattr(self, module: Module, call: CallRow, text: str) -> None:
        """``getattr(svc, name)`` with a name only known at run time, on an object of a
        class with converted methods: any of them may be the one called."""
        args = call[C_ARGS]
        if not text or not args or not args[0]:
            return
        owner = self.resolver.type_of(module, call[C_SCOPE], args[0])
        if not isinstance(owner, ClassRef):
            return
        mro = self.resolver.mro(owner)
        refs = sorted(
            {
                ref
                for refs in self.by_name.values()
                for ref in refs
                if ref.fn.class_index >= 0 and ClassRef(ref.module, ref.fn.class_index) in mro
            },
            key=lambda r: r.label,
        )
        if refs:
            self.out.append(
                Review(
                    module.path, call[C_LINE],
                    f"may call {_labels(refs)}, now async: `{_one_line(text)}` picks a method "
                    "by a name known only at run time; await the call if it is one of them",
                )
            )  # fmt: skip


#: Last names of functions that take a callable as a positional argument and call it later
#: or elsewhere (a thread, an executor, the event loop, a registry of hooks).
_TAKES_CALLABLES = frozenset(
    {"submit", "run_in_executor", "to_thread", "run_sync", "call_soon", "call_soon_threadsafe",
     "call_later", "call_at", "add_done_callback", "partial", "Thread", "Timer", "Process",
     "map", "register", "signal", "add_signal_handler", "add_reader", "add_writer",
     "start_soon", "start_new_thread", "apply_async", "delay", "connect", "subscribe",
     "add_listener", "add_callback", "add_job", "schedule", "every"}
)  # fmt: skip


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a body, into ``if``/``for``/``with``/``try``/``match`` blocks but
    not into nested functions or classes (their names are bound elsewhere)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        blocks: list[list[ast.stmt]] = []
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list):
                blocks.append(inner)
        for name in ("handlers", "cases"):  # ``except`` clauses, ``match`` cases
            blocks.extend(clause.body for clause in getattr(stmt, name, None) or ())
        for block in blocks:
            yield from _own_statements(block)


def _binds(node: ast.AST, matches: Callable[[ast.expr], bool]) -> bool:
    """Does ``node`` store to a target that ``matches``? A comprehension's own targets
    (``q`` in ``[q.run() for q in items]``) bind only inside it; a walrus binds outside."""
    local = {
        id(sub)
        for comp in ast.walk(node)
        if isinstance(comp, ast.comprehension)
        for sub in ast.walk(comp.target)
    }
    return any(
        isinstance(sub, (ast.Name, ast.Attribute))
        and isinstance(sub.ctx, ast.Store)
        and id(sub) not in local
        and matches(sub)
        for sub in ast.walk(node)
    )


def _name_bindings(body: list[ast.stmt], name: str) -> list[ast.stmt]:
    def matches(e: ast.expr) -> bool:
        return isinstance(e, ast.Name) and e.id == name

    out: list[ast.stmt] = []
    for stmt in _own_statements(body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if stmt.name == name:
                out.append(stmt)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name).partition(".")[0] == name for a in stmt.names):
                out.append(stmt)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if _binds(stmt, matches):
                out.append(stmt)
        elif _binds_in_header(stmt, matches):
            out.append(stmt)  # ``for x in``, ``with ... as x``, ``except E as x``: unknown
    return out


def _binds_in_header(stmt: ast.stmt, matches: Callable[[ast.expr], bool]) -> bool:
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return _binds(stmt.target, matches)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return any(
            i.optional_vars is not None and _binds(i.optional_vars, matches) for i in stmt.items
        )
    if isinstance(stmt, ast.Expr):
        return any(isinstance(n, ast.NamedExpr) and matches(n.target) for n in ast.walk(stmt))
    return False


def _attribute_bindings(cls: ast.ClassDef, attr: str) -> list[ast.stmt]:
    """Every statement of a class that binds ``self.<attr>`` (in a method) or ``<attr>``
    (in the class body)."""

    def is_self_attr(e: ast.expr) -> bool:
        return (
            isinstance(e, ast.Attribute)
            and e.attr == attr
            and isinstance(e.value, ast.Name)
            and e.value.id in ("self", "cls")
        )

    out = _name_bindings(cls.body, attr)
    for method in cls.body:
        if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for stmt in ast.walk(method):
                if isinstance(stmt, ast.stmt) and not isinstance(
                    stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                ):
                    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                        if _binds(stmt, is_self_attr):
                            out.append(stmt)
                    elif _binds_in_header(stmt, is_self_attr):
                        out.append(stmt)
    return out


def _with_scope(
    node: ast.AST, scopes: dict[tuple[int, str], int], scope: int
) -> Iterator[tuple[ast.AST, int]]:
    """Every node under ``node`` with the index of the function whose body holds it (a
    ``def`` itself, and so its decorators' place, is in the enclosing function)."""
    for child in ast.iter_child_nodes(node):
        yield child, scope
        inner = scope
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = scopes.get((child.lineno, child.name), scope)
        yield from _with_scope(child, scopes, inner)


def _dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _call_text(read_source: Callable[[Module], bytes], module: Module, call: CallRow) -> str:
    """The source of one call, from its recorded span (UTF-8 byte columns)."""
    try:
        lines = read_source(module).splitlines()
    except OSError:
        return ""
    first, last = call[C_LINE], call[C_END_LINE]
    if not 0 < first <= last <= len(lines):
        return ""
    if first == last:
        chunk = lines[first - 1][call[C_COL] : call[C_END_COL]]
    else:
        chunk = b"\n".join(
            [
                lines[first - 1][call[C_COL] :],
                *lines[first : last - 1],
                lines[last - 1][: call[C_END_COL]],
            ]
        )
    return chunk.decode("utf-8", "replace")


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."


def handed_to_runner(resolver: Resolver, module: Module, call: CallRow) -> bool:
    """Passed straight to ``asyncio.run`` / ``gather`` / ``create_task``: no await."""
    if call[C_CTX] != CTX_ARG or call[C_PARENT] < 0:
        return False
    parent = module.facts.calls[call[C_PARENT]][C_CALLEE]
    parent = resolver.absolute(module, parent)
    return parent in apis.TASK_FUNCTIONS or parent in apis.BRIDGES


def unresolved_calls(
    project: ProjectView,
    converted: Iterable[FuncRef],
    read_source: Callable[[Module], bytes],
    tree_of: Callable[[Module], ast.Module | None],
) -> list[Review]:
    """Review items for the calls (and callbacks) that may reach a converted function but
    that the call graph could not resolve."""
    return UnresolvedCalls(project, converted, read_source, tree_of).run()
