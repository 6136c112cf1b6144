"""Terminal summary: the executive summary a standardization guide opens with, then findings.

Plain text in pipes and CI; on a terminal the same lines are styled through rich.
"""

from __future__ import annotations

from collections.abc import Iterable

from awaitify.model import Result

_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def _table(rows: Iterable[tuple[str, ...]]) -> list[str]:
    rows = list(rows)
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def summary_lines(result: Result) -> list[str]:
    s = result.summary
    total = s.async_functions + s.sync_functions
    lines = [
        "Async/sync inventory",
        *_table(
            [
                ("files", f"{s.files:,}"),
                ("lines", f"{s.lines:,}"),
                ("files with syntax errors", f"{s.files_with_syntax_errors:,}"),
                ("async functions", f"{s.async_functions:,}  ({_pct(s.async_functions, total)})"),
                ("sync functions", f"{s.sync_functions:,}"),
                ("asyncio.run calls", f"{s.asyncio_run_calls:,}"),
                ("bridges (all kinds)", f"{s.bridges:,}"),
                ("mixed files", f"{s.mixed_files:,}"),
                ("mixed classes", f"{s.mixed_classes:,}"),
            ]
        ),
    ]
    if s.bridges_by_kind:
        lines += [
            "",
            "Bridges by kind",
            *_table((k, f"{v:,}") for k, v in s.bridges_by_kind.items()),
        ]
    if s.by_layer:
        lines += [
            "",
            "By layer",
            *_table(
                [("layer", "files", "async", "sync", "async share")]
                + [
                    (name, f"{st.files:,}", f"{st.async_functions:,}", f"{st.sync_functions:,}",
                     _pct(st.async_functions, st.async_functions + st.sync_functions))
                    for name, st in s.by_layer.items()
                ]
            ),
        ]  # fmt: skip
    if s.findings_by_code:
        lines += [
            "",
            "Findings by rule",
            *_table((c, f"{n:,}") for c, n in s.findings_by_code.items()),
        ]
        p = s.findings_by_priority
        lines += [
            "",
            f"Priority: {p.get('high', 0):,} high, {p.get('medium', 0):,} medium, {p.get('low', 0):,} low",
        ]
    return lines


def finding_lines(result: Result) -> list[str]:
    return [
        f"{f.path}:{f.line}:{f.column + 1}: {f.code} [{f.priority.value}] {f.message}"
        for f in result.findings
    ]


def render(result: Result, color: bool = False) -> str:
    body = finding_lines(result)
    summary = summary_lines(result)
    text = "\n".join([*body, *([""] if body else []), *summary]) + "\n"
    if not color:
        return text
    import io

    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120, highlight=False)
    for line in body:
        styled = Text(line)
        for level, style in _STYLE.items():
            styled.highlight_words([f"[{level}]"], style=style)
        styled.highlight_regex(r"ASY\d{3}", "bold")
        console.print(styled, soft_wrap=True)
    if body:
        console.print()
    for line in summary:
        console.print(
            Text(line, style="bold" if line and not line.startswith(" ") else ""), soft_wrap=True
        )
    return buf.getvalue()
