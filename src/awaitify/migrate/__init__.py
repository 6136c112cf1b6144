"""``awaitify migrate``: convert chosen sync code to async, and everything that must change
with it, safely.

The pipeline, one module per stage (data flows one way):

* :mod:`~awaitify.migrate.selectors` — ``file.py::Class.method``, a class, a function, a
  file, a directory, ``--layer``, ``--rule`` → the functions to convert;
* :mod:`~awaitify.migrate.planner` — facts + call graph → every edit, by position
  (functions made async, call sites awaited / bridged / moved to threads, bridges
  removed, session ``with`` blocks made async, tests marked), and what needs review;
* :mod:`~awaitify.migrate.locate`, :mod:`~awaitify.migrate.rewrite` and
  :mod:`~awaitify.migrate.edits` — LibCST, one transformer per kind of edit, only for the
  files that change; :mod:`~awaitify.migrate.imports` — import edits through LibCST's
  shared helpers;
* :mod:`~awaitify.migrate.verify` — the output parses, re-analysis shows no new
  ASY100-ASY105 defect and no un-awaited call;
* :mod:`~awaitify.migrate.apply` — the only writer of the user's files (git state check,
  atomic replace);
* :mod:`~awaitify.migrate.run` — the orchestration (``migrate(...)``, never prints) and
  :mod:`~awaitify.migrate.report` — the diff / JSON output.

Decisions worth knowing:

* Selecting a class converts every public method that is not a dunder or a property; a
  file, directory, layer or rule converts what its findings name (ASY100/101/103/104 and
  ASY201-206); ``--layer``/``--rule`` narrow the findings of the paths given.
* Boundaries (``analysis.boundaries``: Celery tasks, adapters, entry points, click/typer
  commands, functions handed to threads, configured sync hooks, files ``exclude`` keeps
  out of the scan, overrides of standard-library hooks (``logging.Handler.emit``), the
  ``setUp``/``tearDown`` of unittest test cases and the tests of TestCases other than a
  direct ``unittest.TestCase`` subclass, migrations) stay sync and call converted code
  through ``asyncio.run(...)``.
* What cannot become async — a dunder, a property, a generator, a function cached with
  ``lru_cache``, a call at import time, in a lambda or in a lazy generator expression —
  is listed for review and never guessed at; if that would leave a converted function's
  call un-awaited (or un-bridged), the whole migration is refused and nothing is written.
* Methods change as a family: overriding and overridden methods in the project's class
  hierarchy are converted together, so a polymorphic call awaits whichever answers.
* A blocking call left in async code moves to ``asyncio.to_thread`` (a receiver chain such
  as ``db.scalars(q).first()`` moves whole, through a lambda, unless it ends in something
  awaited: ``await (await asyncio.to_thread(get, p)).wait()``); ``time.sleep`` becomes
  ``asyncio.sleep``, a Django ORM query its async twin (``Book.objects.aget``); a sync
  session factory with a configured twin becomes ``async with`` on the twin only when the
  session never leaves the block. A project function that needs the running loop
  (``asyncio.get_running_loop()``, ``loop.call_soon``, ...), sets a ``ContextVar`` or is a
  ``@contextmanager`` never moves to a thread, and neither does sqlite3 (a connection is
  bound to its thread; a function that uses one stays sync): the call is listed for review.
* Calls the call graph could not resolve (a receiver typed through a property, an
  unannotated parameter, a mixin, ``getattr``) that end with the name of a converted
  function are listed for review (:mod:`~awaitify.migrate.unresolved`).
* Tests: ``async def`` + ``@pytest.mark.asyncio`` (none under ``asyncio_mode = "auto"``,
  ``@pytest.mark.anyio`` with ``pytest-marker = "anyio"``). A ``unittest.TestCase`` test
  never gets a marker (pytest-asyncio does not run TestCase methods: it would pass without
  running): its class becomes an ``IsolatedAsyncioTestCase`` when it derives directly from
  ``unittest.TestCase``; a test of any other TestCase is left for review. Fixtures that call converted
  code become async fixtures: ``@pytest_asyncio.fixture`` in pytest-asyncio's strict mode,
  plain ``@pytest.fixture`` in auto mode and under anyio, where the tests that request a
  converted fixture become anyio tests too (anyio runs async fixtures only for them).
"""
