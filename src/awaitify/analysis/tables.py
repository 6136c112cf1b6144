"""Lookup tables of one file, derived from its facts alone.

The project phase looks names up in every module: which top-level function or class a
name is, a class's methods, the assignments of one function, the names a call into the
module can end with. Those tables depend on nothing but the file's own facts, so the
per-file phase builds them right after extracting the facts: in parallel, and cached
with the facts. The project phase only reads them.

Plain dicts and tuples, indices into the fact rows: the record crosses process boundaries
and the cache through ``marshal``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # facts.py imports this module
    from awaitify.analysis.facts import Assign, CallRow, Class, Function, Import


class Tables(NamedTuple):
    top_functions: dict[str, int]  # module-level function name -> function index
    top_classes: dict[str, int]  # module-level class name -> class index
    methods: dict[int, dict[str, int]]  # class index -> method name -> function index
    nested: dict[int, dict[str, int]]  # function index -> nested function name -> index
    assigns_by_scope: dict[int, list[int]]  # scope -> assignment indices, in order
    #: class index -> attribute -> indices of its ``x: T = ...`` in the class body
    class_attrs: dict[int, dict[str, list[int]]]
    #: class index -> attribute -> indices of its ``self.x = ...`` in the class's methods
    self_attrs: dict[int, dict[str, list[int]]]
    #: the last segments a call into this module can end with: its functions, classes,
    #: module-level variables and the names it re-exports under an alias
    defined: frozenset[str]
    coroutines: frozenset[str]  # names of its ``async def`` functions
    async_count: int  # how many ``async def`` functions it has
    async_inits: tuple[int, ...]  # indices of its ``async def __init__`` methods
    aliases: tuple[tuple[str, str], ...]  # (original, alias) of ``from x import a as b``
    #: the last name segments of the file's calls: a rule looking for calls of a few names
    #: skips the files that make none
    call_names: frozenset[str]
    #: the top-level packages the file imports from (``django`` for ``from django.db import
    #: models``): the APIs of a library matter only in a project that imports it
    import_roots: frozenset[str]
    #: names whose call can make a sync session here: a variable assigned a
    #: ``sessionmaker(...)``/``scoped_session(...)``, a function annotated ``-> Session``,
    #: a class based on ``Session`` (see :func:`awaitify.analysis.sessions.session_producers`)
    session_names: frozenset[str]
    #: last name segment → the names it is also bound to here (``Maker = SessionLocal``,
    #: ``from .db import SessionLocal as Maker``)
    renames: dict[str, tuple[str, ...]]


#: what makes a session factory when called, and the session classes
FACTORY_NAMES = frozenset({"sessionmaker", "scoped_session", "async_sessionmaker"})
SESSION_CLASSES = frozenset({"Session", "scoped_session"})


def build_tables(
    functions: Sequence[Function],
    classes: Sequence[Class],
    imports: Sequence[Import],
    assigns: Sequence[Assign],
    calls: Sequence[CallRow],
) -> Tables:
    top_functions: dict[str, int] = {}
    methods: dict[int, dict[str, int]] = {}
    nested: dict[int, dict[str, int]] = {}
    coroutines: set[str] = set()
    async_count = 0
    async_inits: list[int] = []
    # a nested function defined both sync and async (``def execute`` on one branch, ``async
    # def execute`` on the other, as langsmith's tests do): which one a call runs is
    # unknown, so none (at module and class level the last definition wins, as in Python:
    # a redefinition there is next to never on a branch)
    conflicting: list[tuple[dict[str, int], str]] = []
    for i, fn in enumerate(functions):
        if fn.class_index >= 0:
            methods.setdefault(fn.class_index, {})[fn.name] = i
        elif fn.parent >= 0:
            table = nested.setdefault(fn.parent, {})
            before = table.get(fn.name)
            if before is not None and functions[before].is_async != fn.is_async:
                conflicting.append((table, fn.name))
            table[fn.name] = i
        else:
            top_functions[fn.name] = i
        if fn.is_async:
            async_count += 1
            coroutines.add(fn.name)
            if fn.name == "__init__":
                async_inits.append(i)
    for table, name in conflicting:
        table.pop(name, None)
    top_classes = {c.name: i for i, c in enumerate(classes) if c.parent < 0 and c.scope < 0}
    by_scope: dict[int, list[int]] = {}
    class_attrs: dict[int, dict[str, list[int]]] = {}
    self_attrs: dict[int, dict[str, list[int]]] = {}
    variables: list[str] = []
    for i, a in enumerate(assigns):
        by_scope.setdefault(a.scope, []).append(i)
        if a.scope < 0:
            if a.class_index >= 0:
                if "." not in a.target:
                    class_attrs.setdefault(a.class_index, {}).setdefault(a.target, []).append(i)
            else:
                variables.append(a.target)  # a module-level factory or client variable
        elif a.target.startswith("self.") and a.target.count(".") == 1:
            owner = functions[a.scope].class_index
            if owner >= 0:
                self_attrs.setdefault(owner, {}).setdefault(a.target[5:], []).append(i)
    aliases = []
    for imp in imports:
        if imp.is_from and imp.scope < 0:
            original = imp.target.rpartition(".")[2]
            if imp.local != original and imp.local != "*":
                aliases.append((original, imp.local))
    session_names = {
        a.target.rpartition(".")[2]
        for a in assigns
        if a.call and a.call.rpartition(".")[2] in FACTORY_NAMES
    }
    session_names.update(
        fn.name for fn in functions if fn.returns.rpartition(".")[2] in SESSION_CLASSES
    )
    session_names.update(
        c.name for c in classes if any(b.rpartition(".")[2] in SESSION_CLASSES for b in c.bases)
    )
    renames: dict[str, list[str]] = {}
    for a in assigns:
        if a.name and not (a.call and a.call.rpartition(".")[2] in FACTORY_NAMES):
            renames.setdefault(a.name.rpartition(".")[2], []).append(a.target.rpartition(".")[2])
    for imp in imports:
        original = imp.target.rpartition(".")[2]
        if imp.local != original:
            renames.setdefault(original, []).append(imp.local)
    defined = {fn.name for fn in functions}
    defined.update(c.name for c in classes)
    defined.update(variables)
    defined.update(alias for _, alias in aliases)
    return Tables(
        top_functions,
        top_classes,
        methods,
        nested,
        by_scope,
        class_attrs,
        self_attrs,
        frozenset(defined),
        frozenset(coroutines),
        async_count,
        tuple(async_inits),
        tuple(aliases),
        frozenset([call[1].rpartition(".")[2] for call in calls]),  # call[C_CALLEE]
        frozenset([imp.target.partition(".")[0] for imp in imports]),
        frozenset(session_names),
        {name: tuple(names) for name, names in renames.items()},
    )


EMPTY_TABLES = build_tables((), (), (), (), ())
