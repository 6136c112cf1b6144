from __future__ import annotations

from collections.abc import Iterator

from awaitify.analysis import apis
from awaitify.analysis.callgraph import KIND_BLOCKING
from awaitify.analysis.facts import C_CALLEE, C_COL, C_END_COL, C_END_LINE, C_LINE
from awaitify.analysis.locks import lock_withs
from awaitify.analysis.project import Module, ProjectView
from awaitify.analysis.resolve import FuncRef
from awaitify.analysis.runners import TO_THREAD, other_runner
from awaitify.analysis.threadsafe import threadsafe_waits
from awaitify.model import Category
from awaitify.rules.base import Hit, Rule
from awaitify.rules.helpers import class_of, functions, span

_LOCK_ACQUIRE = f"{apis.THREAD_LOCK}.acquire"
_THREADSAFE_RESULT = f"{apis.THREAD_FUTURE}.result"
_ASYNC_TWINS = {
    "time.sleep": "`await asyncio.sleep(...)`",
    "requests.get": "an async HTTP client (`httpx.AsyncClient`, `aiohttp`)",
    "requests.post": "an async HTTP client (`httpx.AsyncClient`, `aiohttp`)",
    "subprocess.run": "`await asyncio.create_subprocess_exec(...)`",
    "open": "`aiofiles` / `anyio.open_file`, or `await asyncio.to_thread(...)`",
    # a thread would only build the lazy iterator: the waits come when it is iterated
    f"{apis.EXECUTOR}.map": (
        "the jobs awaited on the loop: `await asyncio.gather(*(loop.run_in_executor(executor, "
        "f, x) for x in xs))`"
    ),
    "psycopg_pool.ConnectionPool.connection": (
        "`psycopg_pool.AsyncConnectionPool` (`async with pool.connection() as conn`)"
    ),
}


class BlockingCallInAsync(Rule):
    """## What it does
    Reports a call to a known blocking API made directly in the body of an `async def`:
    `time.sleep`, `requests`, `urllib.request`, sync `httpx`, `subprocess`, `os.system`,
    `input()`, `open()`, `pathlib.Path` reads and writes, `shutil` copies, moves and
    `rmtree`, `importlib.resources` reads, DB-API and sync SQLAlchemy session calls, a
    `threading.Lock` held across an `await`, psycopg connections and pools, pyodbc, Django
    ORM queries (`Book.objects.get(...)`, `qs.count()`, `book.save()`, on a model of the
    project), sync redis commands, boto3 client calls (`s3.put_object`), the sync
    Elasticsearch client, blocking sockets, `threading.Lock.acquire`, a thread or process
    queue's `get()` and `join()`, `Thread.join()`, `Event.wait()`, an executor's
    `shutdown()` and `map()` and its futures' `result()`, and the APIs named in the `blocking-apis`
    setting. Calls inside a nested sync function or a lambda, and functions handed to
    `asyncio.to_thread` / `run_in_executor` / `anyio.to_thread.run_sync`, are not calls of
    the async body and are not reported; nor are calls told not to wait
    (`acquire(blocking=False)`, `join(timeout=0)`, `q.get(False)`), nor a thread lock
    released before any `await` (`with lock:`, or `lock.acquire()` ... `lock.release()`):
    only another thread holding it could make the loop wait, briefly.

    ## Why is this bad?
    An event loop runs one callback at a time. A blocking call inside a coroutine stops
    every other request, task and timer of the process until it returns: one slow HTTP
    call turns a service that handles thousands of concurrent requests into one that
    handles a single request at a time.

    ## Example
    ```python
    import time

    async def poll(job):
        while not job.done:
            time.sleep(1)
    ```

    Use instead:
    ```python
    import asyncio

    async def poll(job):
        while not job.done:
            await asyncio.sleep(1)
    ```

    ## Fix
    `awaitify migrate` rewrites `time.sleep(x)` to `await asyncio.sleep(x)`, a Django ORM
    query to its async twin (`await Book.objects.aget(pk=1)`, Django 4.1+), and moves other
    blocking calls off the loop with `await asyncio.to_thread(f, *args)`.

    ## Options
    `blocking-apis` adds dotted names (`mypkg.client.fetch`, `mypkg.Client.fetch`).
    """

    code = "ASY100"
    name = "blocking-call-in-async"
    category = Category.DEFECT
    message = "`{api}` blocks the event loop inside `async def {func}`; use {instead}"
    fix_safety = "unsafe"
    follows_imports = True

    def check(self, project: ProjectView) -> Iterator[Hit]:
        graph = project.graph
        locks = lock_withs(project)
        for fn in functions(project, is_async=True):
            for site in graph.body_sites(fn):
                if site.kind != KIND_BLOCKING:
                    continue
                if site.api.rpartition(".")[0] == apis.SYNC_SESSION:
                    continue  # one sync session in async code is one ASY204, not one per call
                line, col, end_line, end_col = span(site)
                yield self.hit(
                    fn.module, line, col, end_line, end_col,
                    symbol=fn.label,
                    chain=(fn.label, site.api),
                    class_index=class_of(fn.module, fn.index),
                    api=site.api,
                    func=fn.fn.name,
                    instead=_instead(
                        site.api, _as_written(fn.module, site.row), other_runner(fn.module)
                    ),
                )  # fmt: skip
            for w in locks.get((id(fn.module), fn.index), ()):
                yield self.hit(
                    fn.module, w.line, w.col, w.end_line, w.end_col,
                    symbol=fn.label,
                    chain=(fn.label, _LOCK_ACQUIRE),
                    class_index=class_of(fn.module, fn.index),
                    api=_LOCK_ACQUIRE,
                    func=fn.fn.name,
                    instead=(
                        "an `asyncio.Lock` entered with `async with`: this one is held across "
                        "an `await`, so another coroutine that takes it blocks the loop for good"
                    ),
                )  # fmt: skip

        checked = set(functions(project, is_async=True))
        for module in project.checked_modules:
            for wait in threadsafe_waits(module):
                fn = FuncRef(module, wait.scope)
                if wait.on_running_loop or fn not in checked:
                    continue  # on the running loop it is a deadlock: ASY103's
                call = module.facts.calls[wait.row]
                yield self.hit(
                    module, call[C_LINE], call[C_COL], call[C_END_LINE], call[C_END_COL],
                    symbol=fn.label,
                    chain=(fn.label, _THREADSAFE_RESULT),
                    class_index=class_of(module, fn.index),
                    api=_THREADSAFE_RESULT,
                    func=fn.fn.name,
                    instead=(
                        "`await asyncio.wrap_future(future)`: the coroutine runs on another "
                        "thread's loop, and this one waits for it without blocking"
                    ),
                )  # fmt: skip


def _as_written(module: Module, row: int) -> str:
    """The callee as the file writes it: ``gethostbyname`` of ``from socket import
    gethostbyname`` (the facts hold the name its imports give it, ``socket.gethostbyname``)."""
    callee = module.facts.calls[row][C_CALLEE]
    for imp in module.facts.imports:
        if imp.is_from and imp.target == callee and imp.local != "*":
            return imp.local
    return callee


def _instead(api: str, callee: str, runner: str = "") -> str:
    """What to do instead; ``callee``: the call as the facts name it (``self.s3.put_object``),
    shown as the function to hand to a thread unless it goes through a call's result;
    ``runner``: the coroutine runner other than asyncio the module uses (see
    :mod:`awaitify.analysis.runners`)."""
    if api in apis.LOCK_ACQUIRES:
        return ("an `asyncio.Lock` with `async with` (a thread lock taken in a worker thread "
                "would be released on the loop's)")  # fmt: skip
    if runner:
        return f"{TO_THREAD[runner]}: the module's coroutines run under {runner}"
    twin = apis.django_twin(api)
    if twin:
        return (f"`await` on its async twin `{twin}(...)` (Django raises "
                "`SynchronousOnlyOperation` for a query made on the event loop)")  # fmt: skip
    if api in _ASYNC_TWINS:
        return _ASYNC_TWINS[api]
    if callee and "()" not in callee:
        return f"`await asyncio.to_thread({callee}, ...)`"
    # a method of a call's value (``Path(p).open(...)``): no name to hand to the thread
    return f"`await asyncio.to_thread(...)` around the `{api.rpartition('.')[2]}(...)` call"
