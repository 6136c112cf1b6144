"""Resolve names across the project: calls to functions, methods and classes, and types.

Given a call row's callee (already resolved through the file's imports by the per-file
pass), :meth:`Resolver.call_target` answers with a :class:`FuncRef` (a project function),
a :class:`ClassRef` (a project class being instantiated) or an external dotted name
(``requests.get``, ``sqlalchemy.orm.Session.query``), or ``None`` when it cannot know.

Receiver types come from parameter annotations (``db: Session``), assignments in the
function (``x = X(...)``, ``with SessionLocal() as db``), ``self.x = X(...)`` /
``self.x = param`` / class-level annotations anywhere in the class and its project bases,
module-level variables, and factories (``SessionLocal = sessionmaker(...)``). Dynamic
dispatch, ``getattr`` and callbacks stay unknown: nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from awaitify.analysis import apis
from awaitify.analysis.facts import (
    AENTERED,
    C_ARGS,
    C_CALLEE,
    C_CTX,
    C_LINE,
    C_SCOPE,
    CTX_AWAIT,
    ENTERED,
    FN_GENERATOR,
    FN_OVERLOAD,
    FN_PROPERTY,
    RETURN_TARGET,
    YIELD_TARGET,
    Assign,
    Function,
)
from awaitify.analysis.project import Module, ProjectView

#: a generator function decorated so: calling it gives what it yields, once entered
_CONTEXT_MANAGERS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})
#: pytest's fixture decorators (``@pytest.fixture(scope="session")`` is named the same)
_FIXTURES = frozenset({"pytest.fixture", "pytest_asyncio.fixture", "pytest.yield_fixture"})


def _is_fixture(fn: Function) -> bool:
    return bool(_FIXTURES.intersection(fn.decorators))


#: annotations that say nothing about the value
_NO_TYPE = frozenset({"typing.Any", "typing_extensions.Any", "Any", "object"})


class FuncRef(NamedTuple):
    """A project function: its module and index in ``module.facts.functions``.

    A NamedTuple rather than a frozen dataclass: the call graph makes one per resolved
    call, and tuples are several times cheaper to build, hash and compare."""

    module: Module
    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: the natural name

    @property
    def fn(self) -> Function:
        return self.module.facts.functions[self.index]

    @property
    def label(self) -> str:
        return self.fn.qualname


class ClassRef(NamedTuple):
    module: Module
    index: int  # type: ignore[assignment]
    kind: str = "class"  # keeps a ClassRef from comparing equal to a FuncRef

    @property
    def name(self) -> str:
        return self.module.facts.classes[self.index].qualname


class Factory(NamedTuple):
    """A callable that produces instances of ``produces`` (``sessionmaker(...)``)."""

    produces: str
    kind: str = "factory"


TypeRef = ClassRef | str | Factory  # a project class, an external type, or a factory
Target = FuncRef | ClassRef | str


@dataclass
class _ModuleIndex:
    top_functions: dict[str, int]
    top_classes: dict[str, int]
    methods: dict[int, dict[str, int]]  # class index -> name -> function index
    nested: dict[int, dict[str, int]]  # function index -> name -> nested function index
    assigns_by_scope: dict[int, list[int]]  # scope -> indices into facts.assigns
    imported: dict[str, str]  # local name -> absolute dotted (relative imports resolved)
    #: the absolute target of each row of ``facts.imports``, in order
    import_targets: tuple[str, ...]
    #: first segments of everything imported: the only heads a call to an external API has
    import_heads: frozenset[str]
    #: class index -> attribute -> its ``x: T = ...`` assignments (indices) in the class body
    class_attrs: dict[int, dict[str, list[int]]]
    #: class index -> attribute -> its ``self.x = ...`` assignments in the class's methods
    self_attrs: dict[int, dict[str, list[int]]]
    _symbols: dict[int, dict[str, tuple[str, list[Assign]]]] = field(default_factory=dict)

    def symbols(self, scope: int, module: Module) -> dict[str, tuple[str, list[Assign]]]:
        """Names bound in one function (-1: at module level): name → (parameter annotation
        ("-" for a parameter with none, "" for a name that is no parameter), its
        assignments, last first)."""
        found = self._symbols.get(scope)
        if found is None:
            facts = module.facts
            found = {}
            if scope >= 0:
                for p, annotation in facts.functions[scope].params:
                    found[p.lstrip("*")] = (annotation or "-", [])
            assigns = facts.assigns
            for i in reversed(self.assigns_by_scope.get(scope, ())):
                a = assigns[i]
                if "." in a.target or a.class_index >= 0:
                    continue
                entry = found.get(a.target)
                if entry is None:
                    found[a.target] = ("", [a])
                else:  # a parameter rebound in the body, or a name bound twice
                    entry[1].append(a)
            self._symbols[scope] = found
        return found


def _converts(module: Module, scope: int, a: Assign, name: str) -> bool:
    """Is ``a`` (an assignment to the parameter ``name``) a conversion of the argument:
    ``path = Path(path)``, ``client = wrap(client)``?"""
    if not a.call:
        return False
    for call in module.facts.calls:
        if (
            call[C_LINE] == a.line
            and call[C_SCOPE] == scope
            and call[C_CALLEE] == a.call
            and name in call[C_ARGS]
        ):
            return True
    return False


def _c3_merge(sequences: list[list[ClassRef]]) -> list[ClassRef] | None:
    """Python's C3 linearisation of the bases' MROs (the project classes among them: an
    external base is not in any); None when the bases admit no consistent order, which
    Python would reject (``TypeError``) and :func:`_depth_first` then approximates."""
    todo = [list(s) for s in sequences if s]
    out: list[ClassRef] = []
    while todo:
        for sequence in todo:
            head = sequence[0]
            if not any(head in other[1:] for other in todo):
                break
        else:
            return None
        out.append(head)
        todo = [rest for s in todo if (rest := s[1:] if s[0] == head else s)]
    return out


def _depth_first(lines: list[list[ClassRef]]) -> list[ClassRef]:
    out: list[ClassRef] = []
    for line in lines:
        for c in line:
            if c not in out:
                out.append(c)
    return out


class Resolver:
    def __init__(self, project: ProjectView) -> None:
        self.project = project
        self._index: dict[Module, _ModuleIndex] = {}  # modules hash by identity
        self._package_parts: dict[Module, list[str]] = {}  # for relative imports
        self._attr_types: dict[tuple[int, int, str], TypeRef | None] = {}
        self._own_attr_types: dict[tuple[int, int, str], TypeRef | None] = {}
        self._own_attrs: dict[tuple[int, int], frozenset[str]] = {}
        self._subclass_index: dict[str, list[ClassRef]] | None = None
        self._conftest_index: dict[str, Module] | None = None
        self._mro: dict[tuple[int, int], list[ClassRef]] = {}
        self._module_var: dict[tuple[int, str], TypeRef | None] = {}
        self._name_types: dict[tuple[int, int, str], TypeRef | None] = {}
        self._lookups: dict[str, Target | None] = {}
        self._names: dict[tuple[int, int, str], Target | None] = {}
        self._methods: dict[tuple[int, int, str, bool], FuncRef | None] = {}
        self._enclosing: dict[tuple[int, int], ClassRef | None] = {}
        self._returns: dict[FuncRef, TypeRef | None] = {}

    # -- per-module tables --------------------------------------------------------------
    def index(self, module: Module) -> _ModuleIndex:
        found = self._index.get(module)
        if found is not None:
            return found
        facts = module.facts
        tables = facts.tables  # built by the per-file phase
        imported: dict[str, str] = {}
        targets: list[str] = []
        for imp in facts.imports:
            target = imp.target
            if target[:1] == ".":
                target = self.absolute(module, target)
            targets.append(target)
            if imp.local != "*" and (imp.scope < 0 or imp.local not in imported):
                imported[imp.local] = target
        heads = frozenset(target.partition(".")[0] for target in imported.values())
        found = _ModuleIndex(
            tables.top_functions,
            tables.top_classes,
            tables.methods,
            tables.nested,
            tables.assigns_by_scope,
            imported,
            tuple(targets),
            heads,
            tables.class_attrs,
            tables.self_attrs,
        )
        self._index[module] = found
        return found

    def absolute(self, module: Module, dotted: str) -> str:
        """``..db.SessionLocal`` in ``app/api/x.py`` → ``app.db.SessionLocal``."""
        if not dotted.startswith("."):
            return dotted
        level = len(dotted) - len(dotted.lstrip("."))
        rest = dotted[level:]
        parts = self._package_parts.get(module)
        if parts is None:
            parts = module.name.split(".") if module.name else []
            if not module.is_package:
                parts = parts[:-1]
            self._package_parts[module] = parts
        if level > 1:
            parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
        base = ".".join(parts)
        if base and rest:
            return f"{base}.{rest}"
        return base or rest

    # -- names --------------------------------------------------------------------------
    def lookup(self, dotted: str) -> Target | None:
        """An absolute dotted name → project function/class, or the name itself if external."""
        cache = self._lookups
        if dotted in cache:
            return cache[dotted]
        cache[dotted] = None  # cycle guard for re-exports that point at each other
        found = self._lookup(dotted)
        cache[dotted] = found
        return found

    def _lookup(self, dotted: str) -> Target | None:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = self.project.find_module(".".join(parts[:cut]))
            if module is None:
                continue
            rest = parts[cut:]
            if not rest:
                # a module object, unless its package binds the name to something else:
                # ``from .run_in_terminal import run_in_terminal`` in ``app/__init__.py``
                # makes ``app.run_in_terminal`` the function (prompt_toolkit)
                package = self.project.find_module(".".join(parts[:-1])) if cut > 1 else None
                if package is not None and package.is_package:
                    return self._member(package, parts[-1:])
                return None
            return self._member(module, rest)
        return dotted

    def _member(self, module: Module, rest: list[str]) -> Target | None:
        idx = self.index(module)
        head = rest[0]
        if len(rest) == 1:
            if head in idx.top_functions:
                return FuncRef(module, idx.top_functions[head])
            if head in idx.top_classes:
                return ClassRef(module, idx.top_classes[head])
            if head in idx.imported:  # re-exported name: follow it once more
                target = idx.imported[head]
                if target.split(".")[0] != head:
                    return self.lookup(target)
                return None
            return self._star_export(module, head)
        if head in idx.top_classes and len(rest) == 2:
            return self.find_method(ClassRef(module, idx.top_classes[head]), rest[1])
        if head in idx.imported:
            return self.lookup(idx.imported[head] + "." + ".".join(rest[1:]))
        return None

    def _star_export(self, module: Module, name: str) -> Target | None:
        """``name`` as a ``from .certs import *`` at the top of ``module`` re-exports it from
        a project module (pyzmq's ``zmq.auth.load_certificate``)."""
        if name.startswith("_"):
            return None
        for imp in module.facts.imports:
            if imp.local != "*" or imp.scope >= 0:
                continue
            source = self.absolute(module, imp.target)
            if self.project.find_module(source) is None:
                continue
            found = self.lookup(f"{source}.{name}")
            if isinstance(found, (FuncRef, ClassRef)):
                return found
        return None

    # -- classes ------------------------------------------------------------------------
    def mro(self, cls: ClassRef) -> list[ClassRef]:
        key = (id(cls.module), cls.index)
        found = self._mro.get(key)
        if found is not None:
            return found
        self._mro[key] = [cls]  # cycle guard
        bases = [
            target
            for base in cls.module.facts.classes[cls.index].bases
            if isinstance(target := self.resolve_name(cls.module, -1, base), ClassRef)
        ]
        lines = [self.mro(b) for b in bases]
        out = [cls, *(_c3_merge([*lines, bases]) or _depth_first(lines))]
        self._mro[key] = out
        return out

    def external_bases(self, cls: ClassRef) -> list[str]:
        out = []
        for c in self.mro(cls):
            for base in c.module.facts.classes[c.index].bases:
                target = self.resolve_name(c.module, -1, base)
                if isinstance(target, str):
                    out.append(apis.canonical_type(target))
        return out

    def find_method(self, cls: ClassRef, name: str, skip_first: bool = False) -> FuncRef | None:
        key = (id(cls.module), cls.index, name, skip_first)
        cache = self._methods
        if key in cache:
            return cache[key]
        found = None
        chain = self.mro(cls)
        for c in chain[1:] if skip_first else chain:
            methods = self.index(c.module).methods.get(c.index)
            if methods and name in methods:
                found = FuncRef(c.module, methods[name])
                break
        cache[key] = found
        return found

    def _bound_datagram(self, cls: ClassRef, attr: str) -> bool:
        """Do the methods of ``cls`` bind ``self.<attr>`` to UDP sockets only?"""
        in_methods = self.index(cls.module).self_attrs.get(cls.index)
        assigns = cls.module.facts.assigns
        types = {
            self._assign_type(cls.module, a.scope, a.call, a.name, a.annotation, a.line)
            for a in (assigns[i] for i in (in_methods.get(attr, ()) if in_methods else ()))
        }
        types.discard(None)
        return types == {"socket.socket.datagram"}

    def _joined(self, types: Iterable[TypeRef | None]) -> TypeRef | None:
        """The one type the known ``types`` (None: unknown, skipped) join to by
        :meth:`_narrower`; None when there is none, or two of them share no class."""
        found: TypeRef | None = None
        for t in types:
            if t is None or t == found:
                continue
            if found is not None:
                found = self._narrower(found, t)
                if found is None:
                    return None
            else:
                found = t
        return found

    def _narrower(self, a: TypeRef, b: TypeRef) -> TypeRef | None:
        """The type of an attribute bound to ``a`` in one place and ``b`` in another: the
        subclass when one class derives from the other (``self.logger = logger`` typed
        ``AsyncLoggerBase`` beside the default ``AsyncLogger(...)``), else their nearest
        common project base, as a type checker joins them (slixmpp's ``ClientXMPP`` or
        ``ComponentXMPP``: an ``XMLStream``); None when they share none: a sync client in
        one place and an async one in another say nothing."""
        if isinstance(a, ClassRef) and isinstance(b, ClassRef):
            a_bases = self.mro(a)
            b_bases = self.mro(b)
            if b in a_bases:
                return a
            if a in b_bases:
                return b
            for base in a_bases[1:]:
                if base in b_bases:
                    return base
        return None

    def _mixed_in_method(self, cls: ClassRef, name: str) -> FuncRef | None:
        """``self.name()`` in a class that does not define ``name`` (a mixin: lightrag's
        ``_PipelineMixin`` calls ``self._build_global_config()``): the method its project
        subclasses define, when every one of them has it and they agree on one."""
        found: FuncRef | None = None
        for sub in self._subclasses_by_name().get(cls.module.facts.classes[cls.index].name, ()):
            if sub == cls or cls not in self.mro(sub):
                continue
            method = self.find_method(sub, name)
            if method is None:
                # a subclass without it binds it some other way (redis's ``Search`` sets
                # ``self.execute_command`` to its client's): which one runs is unknown
                return None
            if found is not None and method != found:
                return None  # two subclasses, two methods: which one runs depends on self
            found = method
        return found

    def _subclasses_by_name(self) -> dict[str, list[ClassRef]]:
        """Class name → the project classes that name it as a base (built once)."""
        if self._subclass_index is None:
            index: dict[str, list[ClassRef]] = {}
            for module in self.project.modules:
                for i, c in enumerate(module.facts.classes):
                    for base in c.bases:
                        index.setdefault(base.rpartition(".")[2], []).append(ClassRef(module, i))
            self._subclass_index = index
        return self._subclass_index

    def _star_imported(self, module: Module, name: str) -> FuncRef | ClassRef | None:
        """The project function or class ``name`` that a module-level ``from pkg.mod import
        *`` of a project module brings in, None when none does."""
        idx = self.index(module)
        for imp, target in zip(module.facts.imports, idx.import_targets, strict=True):
            if imp.local != "*" or imp.scope >= 0:
                continue
            other = self.project.find_module(target)
            if other is None:
                continue
            if name in other.facts.tables.top_functions or name in other.facts.tables.top_classes:
                found = self.lookup(f"{target}.{name}")
                if isinstance(found, (FuncRef, ClassRef)):
                    return found
        return None

    def _nested_class(self, cls: ClassRef, name: str) -> ClassRef | None:
        """The class ``name`` defined in the body of ``cls`` (``class Client: class
        _Monitor: ...``), or None."""
        for i, c in enumerate(cls.module.facts.classes):
            if c.parent == cls.index and c.name == name:
                return ClassRef(cls.module, i)
        return None

    def attribute_type(self, cls: ClassRef, attr: str) -> TypeRef | None:
        """The type of ``self.<attr>`` from the class and its project bases.

        One attribute at a time: a class has dozens of attributes and a call site needs
        one, so typing them all (each a resolution of its own) would be wasted work. A
        class-body annotation or assignment of a subclass wins over its bases'; a
        ``self.x = ...`` in a method counts only where no class up to there typed ``x`` in
        its body, and a subclass's methods' bindings win over its bases' (azure's
        ``ClientAsync.open_async`` binds the aio ``Connection`` where ``Client.open`` binds
        the sync one; auth0's ``AsyncVerifier.__init__`` rebinds ``_fetcher`` after
        ``super().__init__()``)."""
        key = (id(cls.module), cls.index, attr)
        cache = self._attr_types
        if key in cache:
            return cache[key]
        cache[key] = None  # cycle guard: ``self.x = self.x.parent``
        found: TypeRef | None = None
        declared = False
        for c in reversed(self.mro(cls)):
            idx = self.index(c.module)
            assigns = c.module.facts.assigns
            in_body = idx.class_attrs.get(c.index)
            for i in in_body.get(attr, ()) if in_body else ():
                a = assigns[i]
                t = self._assign_type(c.module, -1, a.call, a.name, a.annotation, a.line)
                if t is not None:
                    found = t
                    declared = True
            if found == "socket.socket" and self._bound_datagram(c, attr):
                found = "socket.socket.datagram"  # ``socket: socket.socket`` declared, UDP bound
            if declared:
                continue
            in_methods = idx.self_attrs.get(c.index)
            if not in_methods or attr not in in_methods:
                continue
            types = [
                self._assign_type(c.module, a.scope, a.call, a.name, a.annotation, a.line)
                for a in (assigns[i] for i in in_methods[attr])
            ]
            # one method may bind a sync client, another an async one: no type then
            joined = self._joined(types)
            if joined is not None or any(t is not None for t in types):
                found = joined
        if found is None:  # ``@property def server(self) -> Server``
            getter = self.find_method(cls, attr)
            if getter is not None and getter.fn.flags & FN_PROPERTY and getter.fn.returns:
                found = self.type_of_annotation(getter.module, getter.fn.returns)
        if (
            found is None
            and attr in apis.DJANGO_MANAGER_ATTRIBUTES
            and apis.DJANGO_MODEL in self.external_bases(cls)
        ):
            found = apis.DJANGO_MANAGER  # ``Book.objects``: Django adds it to every model
        cache[key] = found
        return found

    # -- types --------------------------------------------------------------------------
    def _assign_type(
        self,
        module: Module,
        scope: int,
        call: str,
        name: str,
        annotation: str,
        line: int = 0,
    ) -> TypeRef | None:
        if annotation in (ENTERED, AENTERED):
            return self._entered_type(module, scope, call, name, annotation == AENTERED, line)
        if annotation:
            t = self.type_of_annotation(module, annotation)
            if t == "socket.socket" and call and line and self._datagram_socket(module, line):
                return "socket.socket.datagram"  # ``s: socket.socket = socket.socket(.., DGRAM)``
            if t is not None:
                return t
        if call:
            t = self.call_result_type(module, scope, call)
            if t == "socket.socket" and line and self._datagram_socket(module, line):
                return "socket.socket.datagram"  # UDP: connect/send never wait on a peer
            if t is not None and line and self._coroutine_kept(module, scope, call, line):
                return None  # ``client = self.make_client()`` of an ``async def``: a coroutine
            return t
        if name:
            return self.type_of(module, scope, name)
        return None

    def _entered_type(
        self, module: Module, scope: int, call: str, name: str, is_async: bool, line: int
    ) -> TypeRef | None:
        """The type ``t`` gets in ``with x as t``: what ``x.__enter__()`` returns (or
        ``__aenter__`` for ``async with``). For a project class that defines the method,
        its return annotation or its returns (``return self`` keeps the class); unknown
        when neither says. A ``@contextmanager`` function's call already gives what it
        yields, and a library's object is taken as its own ``__enter__`` value (a
        ``Session``, a file), as the known APIs describe them."""
        t = self._assign_type(module, scope, call, name, "", line)
        if not isinstance(t, ClassRef):
            return t
        if call:
            target = self.resolve_name(module, scope, call)
            if isinstance(target, FuncRef) and target.fn.flags & FN_GENERATOR:
                return t  # ``with session_scope() as s``: what the generator yields
        enter = self.find_method(t, "__aenter__" if is_async else "__enter__")
        if enter is None:
            return t  # entered through a library base (``AbstractContextManager``): itself
        fn = enter.fn
        if fn.returns:
            if fn.returns.rpartition(".")[2] == "Self":
                return t
            found = self.type_of_annotation(enter.module, fn.returns)
        else:
            found = self.returned_type(enter)
        if isinstance(found, ClassRef) and found in self.mro(t):
            return t  # ``return self`` in a base's ``__enter__``: the subclass entered
        return found

    def _coroutine_kept(self, module: Module, scope: int, call: str, line: int) -> bool:
        """Is ``x = f()`` on ``line`` a call of a project coroutine function that is not
        awaited? ``x`` then holds the coroutine, whatever ``f`` is annotated to return
        (pymongo's tests: ``client.close()`` was taken for the client's ``async def close``)."""
        target = self.resolve_name(module, scope, call)
        if not isinstance(target, FuncRef) or not target.fn.is_async:
            return False
        if target.fn.flags & FN_GENERATOR:
            return False  # an async generator's call is what ``async for`` takes
        return any(
            c[C_LINE] == line and c[C_SCOPE] == scope and c[C_CALLEE] == call
            and c[C_CTX] != CTX_AWAIT
            for c in module.facts.calls
        )  # fmt: skip

    @staticmethod
    def _datagram_socket(module: Module, line: int) -> bool:
        for call in module.facts.calls:
            if call[C_LINE] == line and call[C_CALLEE] == "socket.socket":
                return "socket.SOCK_DGRAM" in call[C_ARGS]
        return False

    def type_of_annotation(self, module: Module, annotation: str) -> TypeRef | None:
        target = self.resolve_name(module, -1, annotation)
        if isinstance(target, ClassRef):
            return target
        if isinstance(target, str):
            if target in _NO_TYPE:
                return None  # ``x: Any = cast(Any, group)``: the value says more
            canonical = apis.canonical_type(target)
            if canonical in apis.FACTORIES:
                # ``self.Session: sessionmaker[Session] = sessionmaker(...)`` (agno): a
                # factory of sessions, as the value says
                return Factory(apis.FACTORIES[canonical])
            return canonical
        if target is None:  # ``CallbackContext = Context``: an alias of a project class
            alias = self.type_of(module, -1, annotation)
            if isinstance(alias, ClassRef):
                return alias
            if "." not in annotation:
                # ``SessionType = scoped_session[Session]`` (freqtrade), ``Plain =
                # scoped_session``: an alias of a library class
                named = self._module_alias_name(module, annotation)
                if named:
                    aliased = self.resolve_name(module, -1, named)
                    if isinstance(aliased, str) and aliased not in _NO_TYPE:
                        return apis.canonical_type(aliased)
        return None

    def call_result_type(self, module: Module, scope: int, callee: str) -> TypeRef | None:
        """The type of ``callee(...)``'s value."""
        receiver, _, method = callee.rpartition(".")
        if receiver:
            rtype = self.type_of(module, scope, receiver)
            if isinstance(rtype, Factory) and method == "begin":
                return rtype.produces  # ``with SessionLocal.begin() as db``: a session
            if isinstance(rtype, ClassRef) and self.find_method(rtype, method) is None:
                # ``pool.submit(f)`` on swarms' ``ContextThreadPoolExecutor``, a project
                # subclass of ``ThreadPoolExecutor``: the library method it inherits
                for base in self.external_bases(rtype):
                    returned = apis.METHOD_RETURNS.get((base, method))
                    if returned:
                        return returned
            if isinstance(rtype, str):
                returned = apis.METHOD_RETURNS.get((rtype, method))
                if returned:
                    return returned
                if rtype == apis.DJANGO_MANAGER and method in apis.DJANGO_INSTANCE_METHODS:
                    # ``Book.objects.get(...)``: a ``Book``
                    model, _, manager = receiver.rpartition(".")
                    if model and manager in apis.DJANGO_MANAGER_ATTRIBUTES:
                        found = self.type_of(module, scope, model)
                        if isinstance(found, ClassRef):
                            return found
        target = self.resolve_name(module, scope, callee)
        if isinstance(target, ClassRef):
            return target
        if isinstance(target, FuncRef):
            fn = target.fn
            if fn.returns and fn.returns not in _NO_TYPE:
                annotated = self.type_of_annotation(target.module, fn.returns)
                if annotated is not None:
                    return annotated
            # ``-> Any`` says nothing, nor does an alias of a union or one imported from
            # another module (redisvl's ``-> SyncRedisClient``): what it returns may
            # (airflow's ``get_sync_hook``)
            return self.returned_type(target)
        if isinstance(target, str):
            canonical = apis.canonical_type(target)
            if canonical in apis.FACTORIES:
                return Factory(apis.FACTORIES[canonical])
            if canonical in apis.CONSTRUCTS:
                return apis.CONSTRUCTS[canonical]
            if canonical in self._configured_classes:
                return canonical  # ``mylib.Client()`` of ``blocking-apis = ["mylib.Client.fetch"]``
            owner, _, name = canonical.rpartition(".")
            owner = apis.canonical_type(owner)
            returned = apis.METHOD_RETURNS.get((owner, name))
            if returned:  # ``User.objects.filter`` of a model Django ships: a queryset
                return returned
            if owner == apis.DJANGO_MANAGER and name in apis.DJANGO_INSTANCE_METHODS:
                return apis.DJANGO_MODEL  # ``User.objects.get(...)``: a model instance
        produced = self.type_of(module, scope, callee)
        if isinstance(produced, Factory):
            return produced.produces
        if produced in (apis.SYNC_SESSION, apis.ASYNC_SESSION):
            # a ``scoped_session`` is typed as the session it proxies; calling it (the
            # registry) gives that session: ``with self.Session() as sess``
            return produced
        return None

    @cached_property
    def _configured_classes(self) -> frozenset[str]:
        """The classes whose methods the ``blocking-apis`` / ``async-apis`` settings name:
        calling one makes an instance of it."""
        config = self.project.config
        return frozenset(
            api.rpartition(".")[0]
            for api in (*config.blocking_apis, *config.async_apis)
            if api.rpartition(".")[0].rpartition(".")[2][:1].isupper()
        )

    def returned_type(self, ref: FuncRef) -> TypeRef | None:
        """The type a project function without a return annotation returns, when every
        ``return <value>`` in it gives the same known type: ``return Examples(...)``,
        ``obj = Examples(); return obj``, ``return self`` (a fluent method). None for a
        generator, or when a return gives a literal, an unknown or another type; None for
        the implementation of ``@overload``-ed signatures too, whose type depends on the
        arguments (sqlalchemy's ``testing_engine(asyncio=...)``)."""
        cache = self._returns
        if ref in cache:
            return cache[ref]
        cache[ref] = None  # cycle guard: ``def a(): return b()``, ``def b(): return a()``
        fn = ref.fn
        rows = RETURN_TARGET
        if fn.flags & FN_GENERATOR:
            if not (_CONTEXT_MANAGERS & set(fn.decorators) or _is_fixture(fn)):
                return None
            # ``with session_scope() as s``, a ``yield`` fixture: what it yields
            rows = YIELD_TARGET
        module, index = ref.module, ref.index
        facts = module.facts
        if any(f.flags & FN_OVERLOAD and f.qualname == fn.qualname for f in facts.functions):
            return None
        found: TypeRef | None = None
        assigns = facts.assigns
        for i in self.index(module).assigns_by_scope.get(index, ()):
            a = assigns[i]
            if a.target != rows:
                continue
            if a.call:
                t = self.call_result_type(module, index, a.call)
            elif a.name:
                t = self.type_of(module, index, a.name)
            else:
                t = None
            if t is None or (found is not None and t != found):
                return None
            found = t
        cache[ref] = found
        return found

    def type_of(self, module: Module, scope: int, expr: str) -> TypeRef | None:
        """The type of a dotted expression (``db``, ``self.repo``, ``app.db.SessionLocal``),
        through calls too (``Path(p).parent``, ``root.__truediv__()``: ``root / "a"``)."""
        if "()" in expr:
            return self._chain_type(module, scope, expr)
        if expr.startswith("."):
            expr = self.absolute(module, expr)
        head, _, rest = expr.partition(".")
        if head in ("self", "cls") and scope >= 0:
            cls = self.enclosing_class(module, scope)
            if cls is None:
                return None
            if not rest:
                return cls
            attr, _, more = rest.partition(".")
            own = (
                self._own_attribute_type(module, scope, attr)
                if attr in self._own_attributes(module, scope)
                else None
            )
            if own is not None:  # ``self.session = SyncSession(); self.session.connect()``
                return self._member_type(own, more) if more else own
            return self._member_type(cls, rest)
        idx = self.index(module)
        if (self._is_local(module, scope, head) or head in idx.top_classes) and not (
            rest and head in idx.import_heads and self._names_a_module(expr)
        ):
            t = self._name_type(module, scope, head)
            return self._member_type(t, rest) if t is not None and rest else t
        # an absolute name (imports are already applied): a variable of another module
        parts = expr.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            other = self.project.find_module(".".join(parts[:cut]))
            if other is None:
                continue
            t = self._name_type(other, -1, parts[cut])
            more = ".".join(parts[cut + 1 :])
            return self._member_type(t, more) if t is not None and more else t
        return None

    def _own_attributes(self, module: Module, scope: int) -> frozenset[str]:
        """The attributes the function ``scope`` binds on ``self`` (``self.x = ...``)."""
        key = (id(module), scope)
        found = self._own_attrs.get(key)
        if found is None:
            assigns = module.facts.assigns
            found = frozenset(
                [
                    target[5:]
                    for i in self.index(module).assigns_by_scope.get(scope, ())
                    if (target := assigns[i].target).startswith("self.")
                ]
            )
            self._own_attrs[key] = found
        return found

    def _own_attribute_type(self, module: Module, scope: int, attr: str) -> TypeRef | None:
        """The type the function ``scope`` itself gives ``self.<attr>``, when it binds it."""
        key = (id(module), scope, attr)
        cache = self._own_attr_types
        if key in cache:
            return cache[key]
        cache[key] = None  # cycle guard: ``self.x = self.x.parent``
        target = "self." + attr
        assigns = module.facts.assigns
        # ``if pub: self._zmq = Producer() else: self._zmq = Consumer()``: which one a line
        # sees depends on the branch, which the facts do not follow: the two are joined
        found = self._joined(
            self._assign_type(module, scope, a.call, a.name, a.annotation, a.line)
            for a in (assigns[i] for i in self.index(module).assigns_by_scope.get(scope, ()))
            if a.target == target
        )
        cache[key] = found
        return found

    def _chain_type(self, module: Module, scope: int, expr: str) -> TypeRef | None:
        """:meth:`type_of` for an expression with calls in it, read from its end: the value
        of a call (``...()``) or an attribute of the value before it."""
        if expr.startswith("super()"):
            return None
        if expr.endswith("()"):
            return self.call_result_type(module, scope, expr[:-2])
        receiver, _, attr = expr.rpartition(".")
        if not receiver:
            return None
        owner = self.type_of(module, scope, receiver)
        if isinstance(owner, ClassRef):
            return self.attribute_type(owner, attr)
        if isinstance(owner, str):
            return apis.ATTRIBUTE_TYPES.get((owner, attr))
        return None

    def _member_type(self, t: TypeRef, rest: str) -> TypeRef | None:
        for attr in rest.split("."):
            if isinstance(t, str):  # a library's object: ``db.session`` of Flask-SQLAlchemy
                known = apis.ATTRIBUTE_TYPES.get((t, attr))
                if known is None:
                    return None
                t = known
                continue
            if not isinstance(t, ClassRef):
                return None
            found = self.attribute_type(t, attr)
            if found is None:
                return None
            t = found
        return t

    def _name_type(self, module: Module, scope: int, name: str) -> TypeRef | None:
        key = (id(module), scope, name)
        if key in self._name_types:
            return self._name_types[key]
        self._name_types[key] = None  # cycle guard: ``x = x.next()``
        result = self._name_type_uncached(module, scope, name)
        self._name_types[key] = result
        return result

    def _name_type_uncached(self, module: Module, scope: int, name: str) -> TypeRef | None:
        facts = module.facts
        idx = self.index(module)
        s = scope
        while s >= 0:
            entry = idx.symbols(s, module).get(name)
            if entry is not None:
                annotation, assigns = entry
                for a in assigns:  # a parameter rebound (``path = Path(path)``) too
                    if annotation not in ("", "-") and not _converts(module, s, a, name):
                        # ``if not transport: transport = Local()`` beside ``transport: T``:
                        # one path's value, not the parameter's type
                        continue
                    t = self._assign_type(module, s, a.call, a.name, a.annotation, a.line)
                    if t is not None:
                        return t
                if annotation and annotation != "-":  # a parameter ("-": not annotated)
                    return self.type_of_annotation(module, annotation)
                if annotation == "-" and module.layer == "test":
                    if name == "tmp_path":
                        return "pathlib.Path"  # pytest's fixture, annotated or not
                    if facts.functions[s].name.startswith("test") or _is_fixture(
                        facts.functions[s]
                    ):
                        return self._fixture_type(module, name)
                return None
            s = facts.functions[s].parent
        if name in idx.top_classes:
            return ClassRef(module, idx.top_classes[name])
        key = (id(module), name)
        if key in self._module_var:
            return self._module_var[key]
        self._module_var[key] = None  # cycle guard
        result: TypeRef | None = None
        entry = idx.symbols(-1, module).get(name)
        for a in entry[1] if entry else ():
            result = self._assign_type(module, -1, a.call, a.name, a.annotation, a.line)
            if result is not None:
                break
        if result is None and name in idx.imported:
            result = (
                self.type_of(module, -1, idx.imported[name]) if idx.imported[name] != name else None
            )
        self._module_var[key] = result
        return result

    def enclosing_class(self, module: Module, scope: int) -> ClassRef | None:
        key = (id(module), scope)
        cache = self._enclosing
        if key in cache:
            return cache[key]
        found = None
        functions = module.facts.functions
        s = scope
        while s >= 0:
            fn = functions[s]
            if fn.class_index >= 0:
                found = ClassRef(module, fn.class_index)
                break
            s = fn.parent
        cache[key] = found
        return found

    # -- calls --------------------------------------------------------------------------
    def resolve_name(self, module: Module, scope: int, dotted: str) -> Target | None:
        """A callee or annotation as written in ``module`` (imports already applied)."""
        head = dotted.partition(".")[0]
        if (
            head in ("self", "cls", "super()")
            and scope >= 0
            and dotted.partition(".")[2].partition(".")[0]
            not in self._own_attributes(module, scope)
        ):
            # the answer depends on the class only, not on which method asks (unless the
            # method binds the attribute itself: see :meth:`_own_attribute_type`)
            cls = self.enclosing_class(module, scope)
            key = (id(module), -1_000_000 - cls.index if cls else scope, dotted)
        else:
            key = (id(module), scope, dotted)
        cache = self._names
        if key in cache:
            return cache[key]
        found = self._resolve_name(module, scope, dotted)
        cache[key] = found
        return found

    def _resolve_name(self, module: Module, scope: int, dotted: str) -> Target | None:
        if not dotted:
            return None
        if "()" in dotted and not dotted.startswith("super()."):
            # a method on a call's result: ``Path(p).read_text``, ``get_session().query``,
            # ``Path(p).with_suffix(".x").read_text``, ``(root / "a").read_text``
            receiver, _, method = dotted.rpartition(".")
            if not receiver:
                return None
            return self._method_on(self.type_of(module, scope, receiver), method)
        if dotted.startswith("."):
            absolute = self.absolute(module, dotted)
            target = self.lookup(absolute)
            if target is None and "." in absolute:
                # ``Account.objects.get`` of ``from .models import Account``: a method of a
                # typed class attribute, as for an absolute import
                receiver, _, method_name = absolute.rpartition(".")
                return self._method_on(self.type_of(module, scope, receiver), method_name)
            return target
        head, _, rest = dotted.partition(".")
        facts = module.facts
        idx = self.index(module)
        if head == "super()":
            cls = self.enclosing_class(module, scope)
            if cls is None or "." in rest:
                return None
            return self.find_method(cls, rest, skip_first=True)
        if head in ("self", "cls") and scope >= 0:
            cls = self.enclosing_class(module, scope)
            if cls is None:
                return None
            if not rest:  # ``return cls(...)`` in a classmethod builds the class
                return cls if head == "cls" else None
            if "." not in rest:
                # a method, a class nested in the class (``self._Monitor(self)``), or the
                # method of the one class that mixes this one in; a callable attribute
                # stays unknown
                return (
                    self.find_method(cls, rest)
                    or self._nested_class(cls, rest)
                    or self._mixed_in_method(cls, rest)
                )
            receiver, _, method_name = dotted.rpartition(".")
            return self._method_on(self.type_of(module, scope, receiver), method_name)
        if not rest:
            s = scope
            while s >= 0:  # nested functions visible from this scope
                nested = idx.nested.get(s)
                if nested and head in nested:
                    return FuncRef(module, nested[head])
                s = facts.functions[s].parent
            if self._is_local(module, scope, head):
                # a callable held in a variable: unknown, unless a module-level alias of a
                # project class or function (``Client = SyncClient``)
                return self._module_alias(module, scope, head)
            if head in idx.top_functions:
                return FuncRef(module, idx.top_functions[head])
            if head in idx.top_classes:
                return ClassRef(module, idx.top_classes[head])
            starred = self._star_imported(module, head)
            if starred is not None:  # ``from pywebio.input import *``: its own ``input``
                return starred
            return head  # a builtin (``open``, ``input``) or a name awaitify cannot see
        receiver, _, method_name = dotted.rpartition(".")
        if head in idx.import_heads and self._names_a_module(dotted):
            # ``app.db.SessionLocal`` from ``from app.db import SessionLocal`` in a module
            # with its own ``app = FastAPI()``: the imported name, not the local's attribute;
            # an external API re-exported by a project module too (datasette's hooks take a
            # ``datasette`` parameter beside ``from datasette.utils.sqlite import sqlite3``)
            target = self.lookup(dotted)
            if target is not None:
                return target
        if head in idx.top_classes:
            cls = ClassRef(module, idx.top_classes[head])
            if "." in rest:
                inner = self._nested_class(cls, rest.partition(".")[0])
                if inner is not None and rest.count(".") == 1:  # ``Client._Monitor.check``
                    return self.find_method(inner, method_name)
                # ``Book.objects.get``: a method of a typed class attribute
                return self._method_on(self.type_of(module, scope, receiver), method_name)
            return self.find_method(cls, rest) or self._nested_class(cls, rest)
        if self._is_local(module, scope, head):
            return self._method_on(self.type_of(module, scope, receiver), method_name)
        target = self.lookup(dotted)
        if isinstance(target, str) and head not in idx.import_heads:
            # ``requests.get`` in a file that imports no ``requests``: a local value (a
            # dict, a parameter...) that happens to share a module's name, never the module
            target = None
        if target is None and "." in dotted:
            # ``mod.client.get`` where ``client`` is a typed module variable of ``mod``
            return self._method_on(self.type_of(module, scope, receiver), method_name)
        return target

    def _fixture_type(self, module: Module, name: str) -> TypeRef | None:
        """The value of the pytest fixture ``name`` a test (or fixture) takes as a
        parameter: the fixture defined in the test's module, else in the nearest
        ``conftest.py`` above it; its return annotation, else what it returns or yields."""
        folder = module.path.rpartition("/")[0]
        candidates = [module]
        conftests = self._conftests()
        while True:
            found = conftests.get(folder)
            if found is not None and found is not module:
                candidates.append(found)
            if not folder:
                break
            folder = folder.rpartition("/")[0]
        for m in candidates:
            index = self.index(m).top_functions.get(name)
            if index is None or not _is_fixture(m.facts.functions[index]):
                continue
            fn = m.facts.functions[index]
            if fn.returns:
                return self.type_of_annotation(m, fn.returns)
            return self.returned_type(FuncRef(m, index))
        return None

    def _conftests(self) -> dict[str, Module]:
        """Folder (display path) → its ``conftest.py`` module."""
        if self._conftest_index is None:
            self._conftest_index = {
                m.path.rpartition("/")[0]: m
                for m in self.project.modules
                if m.path.rpartition("/")[2] == "conftest.py"
            }
        return self._conftest_index

    def _module_alias(self, module: Module, scope: int, name: str) -> FuncRef | ClassRef | None:
        """The project class or function a module-level ``name = Other`` (bound once, to a
        plain name, and nowhere else between ``scope`` and the module) names."""
        functions = module.facts.functions
        idx = self.index(module)
        s = scope
        while s >= 0:
            if name in idx.symbols(s, module):
                return None  # a parameter or a local variable
            s = functions[s].parent
        named = self._module_alias_name(module, name)
        if not named:
            return None
        target = self.resolve_name(module, -1, named)
        return target if isinstance(target, (FuncRef, ClassRef)) else None

    def _module_alias_name(self, module: Module, name: str) -> str:
        """The dotted name a module-level ``name = Other`` binds ``name`` to, when that is
        its only binding at module level; "" else."""
        assigns = module.facts.assigns
        rows = [
            assigns[i]
            for i in self.index(module).assigns_by_scope.get(-1, ())
            if assigns[i].target == name and assigns[i].class_index < 0
        ]
        if len(rows) != 1:
            return ""
        a = rows[0]
        if a.call or a.annotation or not a.name or a.name == name or "()" in a.name:
            return ""
        return a.name

    def _names_a_module(self, dotted: str) -> bool:
        """Does ``dotted`` start with the path of a project module (``app.db`` of
        ``app.db.SessionLocal``)? Names in the facts have their imports applied, so such a
        name came from an import even where a local variable has its first segment."""
        parts = dotted.split(".")
        find = self.project.find_module
        return any(find(".".join(parts[:cut])) is not None for cut in range(len(parts) - 1, 0, -1))

    def _is_local(self, module: Module, scope: int, name: str) -> bool:
        """Is ``name`` a parameter or assigned variable visible from ``scope``?"""
        idx = self.index(module)
        functions = module.facts.functions
        s = scope
        while s >= 0:
            if name in idx.symbols(s, module):
                return True
            s = functions[s].parent
        return name in idx.symbols(-1, module)

    def _method_on(self, t: TypeRef | None, method: str) -> Target | None:
        if isinstance(t, ClassRef):
            found = self.find_method(t, method)
            if found is not None:
                return found
            for base in self.external_bases(t):
                if apis.blocking_method(base, method) or apis.async_method(base, method):
                    return f"{base}.{method}"
            return None
        if isinstance(t, str):
            return f"{t}.{method}"
        return None
