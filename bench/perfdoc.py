"""One section of ``docs/performance.md``, written by each benchmark script in turn."""

from __future__ import annotations

from pathlib import Path

NOTES = "<!-- notes -->"


def write_section(path: Path, heading: str, section: str, *, first: bool = False) -> None:
    """Replace the section that starts with ``heading`` (``## scan``) by ``section``,
    leaving the other sections alone and keeping the section's hand-written notes (what
    follows a ``<!-- notes -->`` line). A missing section is added at the end, or before
    every other section with ``first``."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n\n"
    body = section.rstrip("\n") + "\n\n"
    start = text.find(heading + "\n")
    if start < 0:
        at = text.find("\n## ") + 1 if first and "\n## " in text else len(text)
        if at == len(text):
            text = text.rstrip("\n") + "\n\n"
            at = len(text)
        text = text[:at] + body + text[at:]
    else:
        nxt = text.find("\n## ", start + len(heading))
        end = nxt + 1 if nxt >= 0 else len(text)
        old = text[start:end]
        notes = old[old.find(NOTES) :] if NOTES in old else ""
        text = text[:start] + body + notes + text[end:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
