"""Phase 1 report: the files that do not parse, grouped by kind of error, and its writers.

Pure data and formatting: :mod:`awaitify.syntax_check` builds a :class:`SyntaxReport`,
:mod:`awaitify.blame` fills in the :class:`Blame` of each error, and the three writers
(text, JSON per SPEC §5, Markdown) turn it into a page. Nothing here reads a file or runs
git.

The *kind* of an error is CPython's message with its specifics stripped, so that the 28
files a bulk "fix" script broke the same way land in one group: line references ("on line
12", "(detected at line 40)") go, quoted identifiers, numbers and non-ASCII characters
become ``'…'``, code points become ``U+…``. Quoted keywords and punctuation stay — they
*are* the kind: ``unmatched ')'``, ``expected ':'``, ``'(' was never closed``.
"""

from __future__ import annotations

import io
import json
import keyword
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

#: ``first_bad.subject`` when the file parses at HEAD and the breakage is in the work tree.
UNCOMMITTED = "(uncommitted changes)"

_KEEP_WORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"print", "exec"}
_QUOTED = re.compile(r"'([^'\n]*)'")
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_STRIP = (
    (re.compile(r"\s*\(detected at line \d+\)"), ""),
    (re.compile(r"\s+on line \d+"), ""),
    (re.compile(r"\s*\(U\+[0-9A-Fa-f]{4,6}\)"), ""),
    (re.compile(r"U\+[0-9A-Fa-f]{4,6}"), "U+…"),
    (re.compile(r"\bin position \d+(?:-\d+)?"), "in position …"),
    (re.compile(r"^(file cannot be read|internal error while analysing): .*$", re.S), r"\1"),
    (re.compile(r":\s+[A-Za-z_]\w*$"), ": …"),
)


def _keep_quoted(token: str) -> bool:
    if not token:
        return True
    if not token.isascii() or any(c.isdigit() for c in token):
        return False
    return all(w in _KEEP_WORDS for w in _WORD.findall(token))


def kind_of(message: str) -> str:
    """CPython's message with the specifics of this occurrence stripped."""
    kind = message.strip()
    for pattern, repl in _STRIP:
        kind = pattern.sub(repl, kind)
    return _QUOTED.sub(lambda m: m.group(0) if _keep_quoted(m.group(1)) else "'…'", kind)


@dataclass(frozen=True, slots=True)
class CommitRef:
    """A commit in a blame; ``commit`` is None for uncommitted changes in the work tree."""

    commit: str | None
    date: str  # ISO-8601 (the committer date; the file's mtime for uncommitted changes)
    subject: str

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "date": self.date, "subject": self.subject}

    @property
    def short(self) -> str:
        return self.commit[:10] if self.commit else "work tree"


@dataclass(frozen=True, slots=True)
class Blame:
    """Where a broken file last parsed and what broke it."""

    last_good: CommitRef | None  # None: the file never parsed in its history
    first_bad: CommitRef
    # the hunk of first_bad's diff that covers the error line (else the nearest); "" if none
    hunk: str

    def to_json(self) -> dict[str, Any]:
        return {
            "last_good": self.last_good.to_json() if self.last_good else None,
            "first_bad": self.first_bad.to_json(),
            "hunk": self.hunk,
        }


@dataclass(frozen=True, slots=True)
class SyntaxEntry:
    """One file that does not parse (ASY001), or not under the target version (ASY002)."""

    path: str
    line: int
    column: int  # 1-based, as CPython reports it
    message: str
    kind: str
    code_line: str
    code: str = "ASY001"
    blame: Blame | None = None

    def to_json(self, with_blame: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "kind": self.kind,
            "code_line": self.code_line,
        }
        if with_blame:
            out["blame"] = self.blame.to_json() if self.blame else None
        return out


@dataclass(frozen=True, slots=True)
class SyntaxReport:
    root: str
    files_checked: int
    errors: tuple[SyntaxEntry, ...]  # sorted by path
    blame: bool = False  # --blame was asked for
    notes: tuple[str, ...] = ()

    @property
    def files_with_errors(self) -> int:
        return len({e.path for e in self.errors})

    def groups(self) -> list[tuple[str, int]]:
        """(kind, count), the biggest group first."""
        counts = Counter(e.kind for e in self.errors)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def entry(
    path: str, line: int, column: int, message: str, code_line: str, code: str, target: str = ""
) -> SyntaxEntry:
    """An entry with its kind; ASY002 kinds name the target so they never merge with ASY001."""
    kind = kind_of(message)
    if code == "ASY002":
        kind = f"{kind} (target-version {target})" if target else kind
    return SyntaxEntry(path, line, column, message, kind, code_line, code)


# -- writers ---------------------------------------------------------------------------------
def render(fmt: str, report: SyntaxReport, color: bool = False) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report, color)


def document(report: SyntaxReport) -> dict[str, Any]:
    return {
        "schema": 1,
        "root": report.root,
        "files_checked": report.files_checked,
        "files_with_errors": report.files_with_errors,
        "groups": [{"kind": k, "count": n} for k, n in report.groups()],
        "errors": [e.to_json(report.blame) for e in report.errors],
    }


def render_json(report: SyntaxReport) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


def _caret(code_line: str, column: int) -> str:
    # keep the tabs of the line so the caret lands under the column on any tab width
    prefix = "".join(c if c == "\t" else " " for c in code_line[: max(column - 1, 0)])
    return prefix + "^"


def _by_kind(report: SyntaxReport) -> list[tuple[str, list[SyntaxEntry]]]:
    groups: dict[str, list[SyntaxEntry]] = {}
    for e in report.errors:
        groups.setdefault(e.kind, []).append(e)
    return [(kind, groups[kind]) for kind, _ in report.groups()]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _blame_lines(blame: Blame | None) -> list[str]:
    if blame is None:  # outside git: said once on stderr, not under every file
        return []
    bad = blame.first_bad
    lines = []
    if blame.last_good is None:
        lines.append("never parsed in its git history")
    else:
        g = blame.last_good
        lines.append(f"last parsed  {g.short}  {g.date}  {g.subject}")
    lines.append(f"broken by    {bad.short}  {bad.date}  {bad.subject}")
    lines.extend(blame.hunk.splitlines())
    return lines


def text_lines(report: SyntaxReport) -> list[tuple[str, str]]:
    """(style, line) pairs; the style is a rich style name or ""."""
    out: list[tuple[str, str]] = []
    for kind, entries in _by_kind(report):
        out.append(("bold", f"{kind}  ({_plural(len(entries), 'file')})"))
        for e in entries:
            out.append(("", f"  {e.path}:{e.line}:{e.column}: {e.code} {e.message}"))
            if e.code_line.strip():
                out.append(("dim", f"      {e.code_line}"))
                out.append(("red", f"      {_caret(e.code_line, e.column)}"))
            if report.blame:
                for line in _blame_lines(e.blame):
                    style = ""
                    if line.startswith("+"):
                        style = "green"
                    elif line.startswith("-"):
                        style = "red"
                    elif line.startswith("@@"):
                        style = "cyan"
                    out.append((style, f"      {line}"))
        out.append(("", ""))
    n = report.files_with_errors
    if n:
        out.append(
            ("bold", f"{_plural(n, 'file')} of {report.files_checked:,} checked do not parse")
        )
        width = max(len(f"{c:,}") for _, c in report.groups())
        out.extend(("", f"  {c:>{width},}  {k}") for k, c in report.groups())
    else:
        out.append(("bold", f"No syntax errors in {_plural(report.files_checked, 'file')}."))
    return out


def render_text(report: SyntaxReport, color: bool = False) -> str:
    lines = text_lines(report)
    if not color:
        return "\n".join(line for _, line in lines) + "\n"
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120, highlight=False)
    for style, line in lines:
        console.print(Text(line, style=style), soft_wrap=True)
    return buf.getvalue()


def _code(text: str) -> str:
    """A Markdown code span that survives backticks and pipes in ``text``."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _fenced(text: str, lang: str) -> list[str]:
    fence = "```"
    while fence in text:
        fence += "`"
    return [f"{fence}{lang}", *text.splitlines(), fence]


def render_markdown(report: SyntaxReport) -> str:
    n = report.files_with_errors
    out = ["# Phase 1: syntax errors", ""]
    if not n:
        out += [f"All {_plural(report.files_checked, 'file')} parse."]
        return "\n".join(out) + "\n"
    out += [
        f"**{_plural(n, 'file')}** of {report.files_checked:,} checked do not parse. "
        "Fix them before any other migration step: a module that does not parse cannot be "
        "imported, and awaitify can only analyse the parts of it that it can recover.",
        "",
        "| kind of error | files |",
        "|---|---:|",
        *(f"| {_code(k)} | {c:,} |" for k, c in report.groups()),
        "",
    ]
    for kind, entries in _by_kind(report):
        out += [f"## {_code(kind)} ({len(entries):,})", ""]
        for e in entries:
            out.append(f"### `{e.path}:{e.line}:{e.column}`")
            out += ["", f"{e.code}: {e.message}", ""]
            if e.code_line.strip():
                out += [*_fenced(e.code_line, "python"), ""]
            if report.blame:
                out += _markdown_blame(e.blame)
    return "\n".join(out).rstrip("\n") + "\n"


def _markdown_blame(blame: Blame | None) -> list[str]:
    if blame is None:
        return []

    def ref(c: CommitRef) -> str:
        sha = f"`{c.commit[:10]}`" if c.commit else "the work tree"
        return f"{sha} ({c.date}, {_code(c.subject)})" if c.commit else f"{sha} ({c.date})"

    good = (
        f"last parsed in {ref(blame.last_good)}"
        if blame.last_good
        else "never parsed in its git history"
    )
    out = [f"Broken by {ref(blame.first_bad)}; {good}.", ""]
    if blame.hunk:
        out += [*_fenced(blame.hunk, "diff"), ""]
    return out
