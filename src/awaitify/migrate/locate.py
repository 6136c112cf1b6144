"""Find, in a LibCST tree, the nodes the planner's edits address by position.

The planner addresses a call by the span the per-file facts recorded (``ast`` positions:
1-based lines, 0-based UTF-8 byte columns); LibCST's ``PositionProvider`` gives the same
span in characters, parentheses excluded, so a call is matched by its full span (a chained
``db.scalars(q).first()`` and its receiver ``db.scalars(q)`` start at the same place). A
function is matched by the line and name of its ``def``, a ``with`` by the span of its
context expression.

Positions are computed only for the top-level statements that hold an edit, the same way
``PositionProvider`` computes them for a whole module (its codegen state, started at the
statement's first line): on a large file with a few edits that is most of the cost of a
rewrite saved. Should LibCST's internals change, the whole-module provider is used.

While it walks, the locator also decides what only the tree can tell: whether the
``await`` that replaces a node needs parentheses (``(await f()).x``), whether an offloaded
call heads a chain that should move to the thread whole (``db.scalars(q).first()``; not
when the chain ends in something awaited, ``await get(p).wait()``, nor when a lambda
cannot hold it), and whether an ``await`` would land where it cannot go (a generator
expression, a class body) — a generator expression consumed at once by
``sum``/``list``/... becomes a list comprehension, anything else is left for review.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from awaitify.migrate.model import (
    AWAIT,
    OFFLOAD,
    TWIN,
    UNBRIDGE,
    CallEdit,
    ClassEdit,
    FileEdits,
    FunctionEdit,
    Span,
    WithEdit,
)

GENEXP = "genexp"  # a generator expression that becomes a list comprehension
WITH = "with"
FUNCTION = "function"
CLASS = "class"  # ``unittest.TestCase`` base → ``unittest.IsolatedAsyncioTestCase``
#: edits that put an ``await`` where the call was
_AWAITING = frozenset({AWAIT, OFFLOAD, TWIN, UNBRIDGE})
#: builtins that consume an iterable at once: ``sum(g(x) for x in y)`` may become a list
_EAGER = frozenset(
    {"list", "tuple", "set", "frozenset", "sorted", "sum", "min", "max", "dict", "join"}
)


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # a CallEdit kind, GENEXP, WITH, FUNCTION or CLASS
    edit: CallEdit | FunctionEdit | WithEdit | ClassEdit | None
    parens: bool = False  # the replacement is a primary's receiver: ``(await f()).x``
    chain: bool = False  # OFFLOAD of a whole chain: ``to_thread(lambda: db.q(x).first())``
    item: int = 0  # WITH: which item of the ``with``


@dataclass
class Located:
    targets: dict[cst.CSTNode, Target] = field(default_factory=dict)
    tracked: set[cst.CSTNode] = field(default_factory=set)  # targets and their ancestors
    review: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def _to_chars(lines: Sequence[str], line: int, col: int) -> int:
    """A UTF-8 byte column (``ast``) → a character column (LibCST)."""
    if 0 < line <= len(lines):
        text = lines[line - 1]
        if not text.isascii():
            return len(text.encode("utf-8")[:col].decode("utf-8", "replace"))
    return col


def _key(lines: Sequence[str], span: Span) -> tuple[int, int, int, int]:
    return (
        span.line,
        _to_chars(lines, span.line, span.col),
        span.end_line,
        _to_chars(lines, span.end_line, span.end_col),
    )


def _is_receiver(parent: cst.CSTNode, child: cst.CSTNode) -> bool:
    """Is ``child`` the primary that ``parent`` takes an attribute, item or call of?"""
    if isinstance(parent, (cst.Attribute, cst.Subscript)):
        return parent.value is child
    if isinstance(parent, cst.Call):
        return parent.func is child
    return False


def testcase_base_index(node: cst.ClassDef) -> int:
    """Which of a class's bases is written ``<module>.TestCase`` or ``TestCase`` (-1: none,
    or more than one)."""
    found = [
        i
        for i, arg in enumerate(node.bases)
        if arg.keyword is None
        and not arg.star
        and (
            (isinstance(arg.value, cst.Name) and arg.value.value == "TestCase")
            or (
                isinstance(arg.value, cst.Attribute)
                and arg.value.attr.value == "TestCase"
                and isinstance(arg.value.value, cst.Name)
            )
        )
    ]
    return found[0] if len(found) == 1 else -1


def _awaited_result(stack: Sequence[cst.CSTNode], top: int) -> bool:
    """Is the value of ``stack[top]`` awaited, or entered/iterated asynchronously? Then a
    chain ending there ends in something async, which must not move to a thread."""
    parent = stack[top - 1] if top > 0 else None
    if isinstance(parent, cst.Await):
        return True
    if isinstance(parent, cst.WithItem) and top > 1:
        owner = stack[top - 2]
        return isinstance(owner, cst.With) and owner.asynchronous is not None
    if isinstance(parent, (cst.For, cst.CompFor)):
        return parent.iter is stack[top] and parent.asynchronous is not None
    return False


class _LambdaUnsafe(cst.CSTVisitor):
    """Finds what a lambda cannot hold with the same meaning: ``await``, ``yield``, a
    walrus (it would bind in the lambda), a zero-argument ``super()``."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.Await, cst.Yield, cst.NamedExpr)) or (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "super"
            and not node.args
        ):
            self.found = True
        return not self.found


def _fits_in_lambda(node: cst.CSTNode) -> bool:
    visitor = _LambdaUnsafe()
    node.visit(visitor)
    return not visitor.found


def _is_store(parent: cst.CSTNode, child: cst.CSTNode) -> bool:
    if isinstance(parent, cst.AssignTarget):
        return True
    if isinstance(parent, (cst.AugAssign, cst.AnnAssign)):
        return parent.target is child
    if isinstance(parent, cst.Del):
        return True
    return isinstance(parent, (cst.For, cst.CompFor)) and parent.target is child


@dataclass
class _Candidate:
    node: cst.CSTNode
    target: Target
    ancestors: tuple[cst.CSTNode, ...]
    fallback: tuple[cst.CSTNode, Target, tuple[cst.CSTNode, ...]] | None = None


class Locator(cst.CSTVisitor):
    def __init__(
        self, edits: FileEdits, text: str, positions: dict[cst.CSTNode, CodeRange]
    ) -> None:
        super().__init__()
        self.positions = positions
        lines = text.splitlines()
        self.calls: dict[tuple[int, int, int, int], CallEdit] = {
            _key(lines, e.span): e for e in edits.calls
        }
        self.withs: dict[tuple[int, int, int, int], WithEdit] = {
            _key(lines, e.span): e for e in edits.withs
        }
        self.functions: dict[tuple[int, str], FunctionEdit] = {
            (e.line, e.name): e for e in edits.functions
        }
        self.classes: dict[tuple[int, str], ClassEdit] = {
            (e.line, e.name): e for e in edits.classes
        }
        #: classes whose ``TestCase`` base is made ``IsolatedAsyncioTestCase`` in this rewrite
        self.isolated: set[cst.CSTNode] = set()
        self.stack: list[cst.CSTNode] = []
        self.candidates: list[_Candidate] = []
        self.genexps: dict[cst.CSTNode, tuple[cst.CSTNode, ...]] = {}
        self.review: list[tuple[int, str]] = []

    # -- the walk -------------------------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        self.stack.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self.stack.pop()

    def _line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        edit = self.classes.pop((self._line(node.name), node.name.value), None)
        if edit is None:
            return
        if testcase_base_index(node) < 0:
            self.review.append((edit.line, f"`{edit.qualname}`: its `TestCase` base is not "
                                           "written `unittest.TestCase` or `TestCase`: left as is"))  # fmt: skip
            return
        self.isolated.add(node)
        self._add(node, Target(CLASS, edit), len(self.stack) - 1)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        edit = self.functions.pop((self._line(node.name), node.name.value), None)
        if edit is None:
            return
        if edit.needs_isolated:
            owner = self.stack[-3] if len(self.stack) >= 3 else None  # ClassDef > body > def
            if owner is None or owner not in self.isolated:
                # never an ``async def`` test that unittest would not await
                self.review.append((edit.line, f"`{edit.qualname}` left sync: its class does not "
                                               "become a unittest.IsolatedAsyncioTestCase"))  # fmt: skip
                return
        self._add(node, Target(FUNCTION, edit), len(self.stack) - 1)

    def visit_With(self, node: cst.With) -> None:
        for i, item in enumerate(node.items):
            pos = self.positions[item.item]
            key = (pos.start.line, pos.start.column, pos.end.line, pos.end.column)
            edit = self.withs.pop(key, None)
            if edit is not None:
                self._add(node, Target(WITH, edit, item=i), len(self.stack) - 1)

    def visit_Call(self, node: cst.Call) -> None:
        pos = self.positions[node]
        key = (pos.start.line, pos.start.column, pos.end.line, pos.end.column)
        edit = self.calls.pop(key, None)
        if edit is not None:
            self._place_call(node, edit, pos.start.line)

    # -- calls ----------------------------------------------------------------------------
    def _place_call(self, node: cst.Call, edit: CallEdit, line: int) -> None:
        index = len(self.stack) - 1
        if edit.kind in _AWAITING and not self._await_allowed(index, line, edit):
            return
        if edit.kind == UNBRIDGE and edit.what.endswith("async_to_sync"):
            parent = self.stack[index - 1]
            if not (isinstance(parent, cst.Call) and parent.func is node):
                self.review.append(
                    (line, "`async_to_sync(...)` is not called here: replace it by hand")
                )
                return
            index -= 1
        target_node = self.stack[index]
        parens = _is_receiver(self.stack[index - 1], target_node)
        simple = Target(edit.kind, edit, parens=parens)
        if edit.kind == OFFLOAD:
            top = index
            while top > 0 and _is_receiver(self.stack[top - 1], self.stack[top]):
                top -= 1
            if (
                top != index
                and not _is_store(self.stack[top - 1], self.stack[top])
                and not _awaited_result(self.stack, top)
                and _fits_in_lambda(self.stack[top])
            ):
                # the chain's head is not itself a receiver: its ``await`` needs no parentheses
                chain = Target(OFFLOAD, edit, chain=True)
                self.candidates.append(
                    _Candidate(
                        self.stack[top],
                        chain,
                        tuple(self.stack[:top]),
                        fallback=(target_node, simple, tuple(self.stack[:index])),
                    )
                )
                return
        self.candidates.append(_Candidate(target_node, simple, tuple(self.stack[:index])))

    def _await_allowed(self, index: int, line: int, edit: CallEdit) -> bool:
        """No ``await`` inside a generator expression's lazy part or a class body."""
        stack = self.stack
        for i in range(index - 1, -1, -1):
            node = stack[i]
            if isinstance(node, cst.FunctionDef):
                return True
            if isinstance(node, cst.Lambda):
                self.review.append((line, f"`{edit.what}` is called inside a lambda: "
                                          "an `await` cannot go there"))  # fmt: skip
                return False
            if isinstance(node, cst.ClassDef):
                self.review.append((line, f"`{edit.what}` is called in a class body inside a function: "
                                          "an `await` cannot go there"))  # fmt: skip
                return False
            if isinstance(node, cst.GeneratorExp):
                first = node.for_in
                if i + 2 <= index and stack[i + 1] is first and stack[i + 2] is first.iter:
                    continue  # the first iterable runs in the enclosing function
                if self._eager(i):
                    self.genexps.setdefault(node, tuple(stack[:i]))
                    continue
                self.review.append((line, f"`{edit.what}` is called inside a generator expression: "
                                          "turn it into a list comprehension (or an async generator) "
                                          "and await it there"))  # fmt: skip
                return False
        return True

    def _eager(self, i: int) -> bool:
        stack = self.stack
        if i < 2:
            return False
        arg, call = stack[i - 1], stack[i - 2]
        if not (isinstance(arg, cst.Arg) and isinstance(call, cst.Call) and len(call.args) == 1):
            return False
        func = call.func
        name = (
            func.value
            if isinstance(func, cst.Name)
            else (func.attr.value if isinstance(func, cst.Attribute) else "")
        )
        return name in _EAGER and arg.star == "" and arg.keyword is None

    def _add(self, node: cst.CSTNode, target: Target, index: int) -> None:
        self.candidates.append(_Candidate(node, target, tuple(self.stack[:index])))

    # -- the result -----------------------------------------------------------------------
    def result(self) -> Located:
        located = Located(review=list(self.review))
        chosen: list[tuple[cst.CSTNode, Target, tuple[cst.CSTNode, ...]]] = []
        plain = {c.node for c in self.candidates if c.fallback is None}
        all_ancestors: set[cst.CSTNode] = set()
        for c in self.candidates:
            all_ancestors.update(c.ancestors)
        for c in self.candidates:
            # a chain moves to the thread whole only if no other edit lies inside it
            if c.fallback is not None and (c.node in all_ancestors or c.node in plain):
                chosen.append(c.fallback)
                continue
            chosen.append((c.node, c.target, c.ancestors))
        for node, ancestors in self.genexps.items():
            chosen.append((node, Target(GENEXP, None), ancestors))
        for node, target, ancestors in chosen:
            located.targets[node] = target
            located.tracked.add(node)
            located.tracked.update(ancestors)
        for edit in self.calls.values():
            located.review.append((edit.span.line, f"could not find the call to `{edit.what}` "
                                                   "in the file: left as is"))  # fmt: skip
        for fedit in self.functions.values():
            located.review.append((fedit.line, f"could not find `def {fedit.name}`: left as is"))
        for cedit in self.classes.values():
            located.review.append((cedit.line, f"could not find `class {cedit.name}`: left as is"))
        for wedit in self.withs.values():
            located.review.append((wedit.span.line, "could not find the `with`: left as is"))
        return located


class _Computed:
    """Stands in for a metadata provider: the codegen state records positions here."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, CodeRange] = {}


def _newlines(code: str) -> int:
    return code.count("\n") + code.count("\r") - code.count("\r\n")


def _starts(statements: Sequence[cst.BaseStatement], body: Sequence[ast.stmt]) -> list[int] | None:
    """The line each statement's code starts on (its leading comments and blank lines
    included), from CPython's parse of the same text: a statement's first line (its first
    decorator's, for a decorated one) minus its leading lines. None when the two parses do
    not line up."""
    starts: list[int] = []
    j = 0
    for stmt in statements:
        if j >= len(body):
            return None
        node = body[j]
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        starts.append(first - len(getattr(stmt, "leading_lines", ())))
        j += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
    return starts if j == len(body) else None


def _codegen_starts(module: cst.Module) -> list[int]:
    """The same lines from one plain codegen of the module (the slower, exact way)."""
    from libcst._nodes.internal import CodegenState

    top = {id(stmt) for stmt in module.body}
    marks: list[int] = []

    class _Marks(CodegenState):
        def before_codegen(self, node: cst.CSTNode) -> None:
            if id(node) in top:
                marks.append(len(self.tokens))

    plain = _Marks(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(plain)
    starts: list[int] = []
    line, done = 1, 0
    for mark in marks:
        line += _newlines("".join(plain.tokens[done:mark]))
        done = mark
        starts.append(line)
    return starts


Chosen = list[tuple[cst.BaseStatement, tuple[cst.CSTNode, ...]]]


def statement_positions(
    module: cst.Module, lines: Sequence[int], text: str
) -> tuple[dict[cst.CSTNode, CodeRange], Chosen]:
    """Positions of every node of the statements that span one of ``lines``: top-level
    statements, or the statements of a class body when the lines are all in there.
    Returns the positions and the chosen statements with their ancestors."""
    wanted = sorted(set(lines))
    try:
        from libcst.metadata.position_provider import PositionProvidingCodegenState

        try:
            tree: ast.Module | None = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        starts = _starts(module.body, tree.body) if tree is not None else None
        body: Sequence[ast.stmt] = tree.body if tree is not None and starts else ()
        holder = _Computed()
        chosen: Chosen = []

        def choose(
            statements: Sequence[cst.BaseStatement],
            nodes: Sequence[ast.stmt],
            starts: list[int],
            end: float,
            indents: list[str],
            ancestors: tuple[cst.CSTNode, ...],
        ) -> None:
            j = 0
            for i, stmt in enumerate(statements):
                node = nodes[j] if j < len(nodes) else None
                j += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
                last = starts[i + 1] if i + 1 < len(starts) else end
                here = wanted[
                    bisect.bisect_left(wanted, starts[i]) : bisect.bisect_left(wanted, last)
                ]
                if not here:
                    continue
                if (
                    isinstance(stmt, cst.ClassDef)
                    and isinstance(stmt.body, cst.IndentedBlock)
                    and isinstance(node, ast.ClassDef)
                ):
                    inner = _starts(stmt.body.body, node.body)
                    if inner and here[0] >= inner[0]:
                        indent = stmt.body.indent
                        choose(
                            stmt.body.body, node.body, inner, last,
                            [*indents, module.default_indent if indent is None else indent],
                            (*ancestors, stmt, stmt.body),
                        )  # fmt: skip
                        continue
                state = PositionProvidingCodegenState(
                    default_indent=module.default_indent,
                    default_newline=module.default_newline,
                    provider=holder,  # type: ignore[arg-type]
                )
                state.line, state.column = starts[i], 0
                state.indent_tokens = list(indents)
                stmt._codegen(state)
                chosen.append((stmt, ancestors))

        choose(module.body, body, starts or _codegen_starts(module), float("inf"), [], (module,))
        return holder._computed, chosen
    except (ImportError, AttributeError, TypeError, ValueError):  # pragma: no cover
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        return dict(positions), [(stmt, (module,)) for stmt in module.body]


def locate(module: cst.Module, edits: FileEdits, text: str) -> Located:
    lines = [e.span.line for e in edits.calls]
    lines += [e.span.line for e in edits.withs]
    lines += [e.line for e in edits.functions]
    lines += [e.line for e in edits.classes]
    positions, statements = statement_positions(module, lines, text)
    locator = Locator(edits, text, positions)
    for stmt, ancestors in statements:
        locator.stack[:] = ancestors
        stmt.visit(locator)
    return locator.result()
