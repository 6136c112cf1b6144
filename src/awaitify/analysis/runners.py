"""Which event loop a module's coroutines run under, when it is not asyncio's.

``asyncio.to_thread`` and ``asyncio.sleep`` need a running asyncio loop. The coroutines of
a module that imports trio may run under ``trio.run``; those of a module that imports
Twisted run under ``ensureDeferred``, which drives them without any asyncio loop (even on
Twisted's asyncio reactor). Advice and edits that would write asyncio there name the
runner's own way instead.
"""

from __future__ import annotations

from awaitify.analysis.project import Module

#: what to write instead of ``await asyncio.to_thread(f, ...)`` under each runner
TO_THREAD = {
    "trio": "`await trio.to_thread.run_sync(...)`",
    "Twisted": "`await threads.deferToThread(...)` (`twisted.internet.threads`)",
}


def other_runner(module: Module) -> str:
    """ "trio", "Twisted", or "" for a module whose coroutines asyncio runs."""
    roots = {i.target.partition(".")[0] for i in module.facts.imports}
    if "trio" in roots:
        return "trio"
    return "Twisted" if "twisted" in roots else ""
