"""A fixed, hand-made :class:`Result` for the writers' golden snapshots.

It does not come from a scan, so the goldens do not churn when rules change; it covers
every category, chains, a syntax error, an absolute path, characters that need escaping
in Markdown, HTML, SARIF and GitHub commands, a trend and a configuration summary.
"""

from __future__ import annotations

import hashlib

from awaitify.model import (
    Category,
    ClassStats,
    FileRow,
    Finding,
    LayerStats,
    Priority,
    Result,
    Summary,
    SyntaxErrorInfo,
    TrendPoint,
)

ROOT = "/work/acme-billing"

_F = Category


def _finding(
    code: str,
    name: str,
    category: Category,
    priority: Priority,
    path: str,
    line: int,
    column: int,
    symbol: str,
    message: str,
    layer: str,
    chain: tuple[str, ...] = (),
    end: tuple[int, int] | None = None,
) -> Finding:
    end_line, end_column = end or (line, column + 10)
    return Finding(
        code=code,
        name=name,
        category=category,
        priority=priority,
        path=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        symbol=symbol,
        message=message,
        chain=chain,
        fix=None,
        layer=layer,
        fingerprint=hashlib.blake2b(
            f"{code}|{path}|{symbol}|{line}".encode(), digest_size=8
        ).hexdigest(),
    )


FINDINGS: tuple[Finding, ...] = tuple(
    sorted(
        [
            _finding(
                "ASY001",
                "syntax-error",
                _F.SYNTAX,
                Priority.HIGH,
                "app/legacy/fix_dates.py",
                21,
                0,
                "",
                "unmatched ')'",
                "other",
            ),
            _finding(
                "ASY100",
                "blocking-call-in-async",
                _F.DEFECT,
                Priority.HIGH,
                "app/services/billing_service.py",
                42,
                8,
                "BillingService.charge",
                "`time.sleep` blocks the event loop inside `async def charge`",
                "service",
            ),
            _finding(
                "ASY101",
                "transitive-blocking-call",
                _F.DEFECT,
                Priority.HIGH,
                "app/services/billing_service.py",
                57,
                15,
                "BillingService.refund",
                "`self.gateway.refund` blocks the event loop (via `PaymentGateway.refund` → "
                "`requests.post`) inside `async def refund`",
                "service",
                chain=("PaymentGateway.refund", "requests.post"),
            ),
            _finding(
                "ASY103",
                "bridge-in-running-loop",
                _F.DEFECT,
                Priority.HIGH,
                "app/api/routers/invoices.py",
                88,
                4,
                "create_invoice",
                "`asyncio.run` runs inside a running loop (via `sync_total`): RuntimeError",
                "api",
                chain=("sync_total", "asyncio.run"),
            ),
            _finding(
                "ASY201",
                "mixed-class",
                _F.STANDARDIZE,
                Priority.HIGH,
                "app/services/billing_service.py",
                30,
                4,
                "BillingService.create_invoice",
                "`BillingService.create_invoice` is a blocking sync method in a class with "
                "async methods: convert it to `async def`",
                "service",
            ),
            _finding(
                "ASY201",
                "mixed-class",
                _F.STANDARDIZE,
                Priority.MEDIUM,
                "app/services/report_service.py",
                12,
                4,
                "ReportService.render",
                "`ReportService.render` is sync | blocking, beside async methods",
                "service",
            ),
            _finding(
                "ASY202",
                "sync-repository",
                _F.STANDARDIZE,
                Priority.MEDIUM,
                "app/repositories/customer_repository.py",
                14,
                4,
                "CustomerRepository.get",
                "`CustomerRepository.get` calls `Session.query`: make the repository async",
                "repository",
            ),
            _finding(
                "ASY202",
                "sync-repository",
                _F.STANDARDIZE,
                Priority.MEDIUM,
                "app/repositories/customer_repository.py",
                22,
                4,
                "CustomerRepository.list",
                "`CustomerRepository.list` calls `Session.execute`: make the repository async",
                "repository",
            ),
            _finding(
                "ASY203",
                "sync-endpoint",
                _F.STANDARDIZE,
                Priority.MEDIUM,
                "app/api/routers/customers.py",
                9,
                0,
                "list_customers",
                "sync route handler `list_customers` beside async ones: 50%, done, "
                "line 1\nline 2: convert it",
                "api",
            ),
            _finding(
                "ASY204",
                "sync-session-in-async",
                _F.STANDARDIZE,
                Priority.HIGH,
                "app/services/billing_service.py",
                64,
                8,
                "BillingService.close_period",
                "sync session `SessionLocal()` used in `async def close_period`",
                "service",
            ),
            _finding(
                "ASY205",
                "sync-test-of-async",
                _F.STANDARDIZE,
                Priority.LOW,
                "tests/test_billing.py",
                5,
                0,
                "test_charge",
                "test drives async code through `asyncio.run`: make it an async test",
                "test",
            ),
            _finding(
                "ASY206",
                "bridge-outside-boundary",
                _F.STANDARDIZE,
                Priority.LOW,
                "app/utils/cache.py",
                18,
                11,
                "warm_cache",
                "`asyncio.run` outside an accepted boundary (<lambda> & co)",
                "util",
            ),
            _finding(
                "ASY301",
                "celery-task-bridge",
                _F.ACCEPTABLE,
                Priority.LOW,
                "app/workers/tasks.py",
                12,
                11,
                "send_invoice_email",
                "Celery task `send_invoice_email` runs async code with `asyncio.run`",
                "worker",
            ),
            _finding(
                "ASY302",
                "adapter-bridge",
                _F.ACCEPTABLE,
                Priority.HIGH,
                "app/adapters/payment_adapter.py",
                20,
                15,
                "PaymentAdapter.run_async",
                "adapter `PaymentAdapter` wraps `asyncio.run`",
                "other",
            ),
            _finding(
                "ASY303",
                "entrypoint-bridge",
                _F.ACCEPTABLE,
                Priority.LOW,
                "/opt/shared/entry.py",
                3,
                4,
                "main",
                "`asyncio.run` in `main()`",
                "script",
            ),
        ],
        key=Finding.sort_key,
    )
)


def _row(path: str, layer: str, lines: int, a: int, s: int, mixed: bool, **kw: object) -> FileRow:
    return FileRow(path, layer, lines, a, s, mixed, kw.get("syntax_error"))  # type: ignore[arg-type]


FILES: tuple[FileRow, ...] = tuple(
    sorted(
        [
            _row("/opt/shared/entry.py", "script", 10, 0, 1, False),
            _row("app/adapters/payment_adapter.py", "other", 40, 1, 2, False),
            _row("app/api/routers/customers.py", "api", 60, 3, 1, True),
            _row("app/api/routers/invoices.py", "api", 120, 4, 1, False),
            _row(
                "app/legacy/fix_dates.py",
                "other",
                30,
                0,
                2,
                False,
                syntax_error=SyntaxErrorInfo("unmatched ')'", 21, 1, "x = f(a))"),
            ),
            _row("app/repositories/customer_repository.py", "repository", 50, 0, 4, True),
            _row("app/services/billing_service.py", "service", 200, 5, 3, True),
            _row("app/services/report_service.py", "service", 40, 1, 1, True),
            _row("app/utils/cache.py", "util", 30, 0, 2, True),
            _row("app/workers/tasks.py", "worker", 25, 0, 2, False),
            _row("tests/test_billing.py", "test", 35, 0, 3, True),
        ],
        key=lambda r: r.path,
    )
)

SUMMARY = Summary(
    files=11,
    files_with_syntax_errors=1,
    lines=640,
    async_functions=14,
    sync_functions=22,
    asyncio_run_calls=4,
    bridges=5,
    mixed_files=6,
    mixed_classes=2,
    findings_by_code={
        "ASY001": 1,
        "ASY100": 1,
        "ASY101": 1,
        "ASY103": 1,
        "ASY201": 2,
        "ASY202": 2,
        "ASY203": 1,
        "ASY204": 1,
        "ASY205": 1,
        "ASY206": 1,
        "ASY301": 1,
        "ASY302": 1,
        "ASY303": 1,
    },
    findings_by_priority={"high": 7, "medium": 4, "low": 4},
    by_layer={
        "api": LayerStats(2, 7, 2, 2),
        "other": LayerStats(2, 1, 4, 0),
        "repository": LayerStats(1, 0, 4, 2),
        "script": LayerStats(1, 0, 1, 0),
        "service": LayerStats(2, 6, 4, 2),
        "test": LayerStats(1, 0, 3, 1),
        "util": LayerStats(1, 0, 2, 1),
        "worker": LayerStats(1, 0, 2, 0),
    },
    bridges_by_kind={"asyncio.run": 4, "run_until_complete": 1},
    sync_io_functions=8,
    classes_by_layer={
        "other": ClassStats(1, 1, 1),
        "repository": ClassStats(1, 1, 0),
        "service": ClassStats(3, 2, 0),
    },
)

CONFIG = (
    ("configuration", "/work/acme-billing/pyproject.toml"),
    ("target-version", "py311"),
    ("select", "all rules"),
    ("ignore", "none"),
    ("endpoints", "mixed"),
    ("critical-domains", "auth, security, billing, payment, invoice, identity, permission, tenant"),
    ("pytest-marker", "asyncio"),
)


def _older(async_functions: int, broken: int, findings: int) -> Summary:
    return SUMMARY._replace(
        async_functions=async_functions,
        sync_functions=SUMMARY.sync_functions + (SUMMARY.async_functions - async_functions),
        files_with_syntax_errors=broken,
        findings_by_code={"ASY201": findings - 1, "ASY100": 1},
        sync_io_functions=0,
        classes_by_layer={},
    )


TREND = (
    TrendPoint("2024-01-08T10:00:00+00:00", _older(6, 4, 20), "a" * 40, "Start the migration"),
    TrendPoint("2024-02-05T10:00:00+00:00", _older(10, 2, 17), "b" * 40, "Async repositories"),
)


def make_result(trend: bool = True) -> Result:
    return Result(
        root=ROOT,
        summary=SUMMARY,
        files=FILES,
        findings=FINDINGS,
        config_summary=CONFIG,
        trend=TREND if trend else (),
    )


#: the rule catalogue the goldens are rendered with (monkeypatched over the registry)
FAKE_RULES = (
    ("ASY001", "syntax-error", Category.SYNTAX),
    ("ASY002", "newer-syntax-than-target", Category.SYNTAX),
    ("ASY100", "blocking-call-in-async", Category.DEFECT),
    ("ASY101", "transitive-blocking-call", Category.DEFECT),
    ("ASY102", "unawaited-coroutine", Category.DEFECT),
    ("ASY103", "bridge-in-running-loop", Category.DEFECT),
    ("ASY104", "coroutine-in-sync", Category.DEFECT),
    ("ASY105", "dangling-task", Category.DEFECT),
    ("ASY201", "mixed-class", Category.STANDARDIZE),
    ("ASY202", "sync-repository", Category.STANDARDIZE),
    ("ASY203", "sync-endpoint", Category.STANDARDIZE),
    ("ASY204", "sync-session-in-async", Category.STANDARDIZE),
    ("ASY205", "sync-test-of-async", Category.STANDARDIZE),
    ("ASY206", "bridge-outside-boundary", Category.STANDARDIZE),
    ("ASY301", "celery-task-bridge", Category.ACCEPTABLE),
    ("ASY302", "adapter-bridge", Category.ACCEPTABLE),
    ("ASY303", "entrypoint-bridge", Category.ACCEPTABLE),
)


def fake_rules() -> tuple[type, ...]:
    """Rule classes with fixed docs, so rule-doc edits do not churn the goldens."""
    from awaitify.rules.base import Rule

    out = []
    for code, name, category in FAKE_RULES:
        words = name.replace("-", " ")
        doc = f"""## What it does
        Reports {words} (`{code}`). Second sentence of the synthetic doc.

        ## Why is this bad?
        Because {words} keeps the codebase half sync.

        ## Example
        ```python
        def bad_{code.lower()}():
            time.sleep(1)
        ```

        Use instead:
        ```python
        async def good_{code.lower()}():
            await asyncio.sleep(1)
        ```

        ## Fix
        `awaitify migrate --rule {code}`.
        """
        attrs = {
            "__doc__": doc,
            "code": code,
            "name": name,
            "category": category,
            "message": "{message}",
            "fix_safety": "unsafe" if code.startswith("ASY2") else "",
        }
        out.append(type(f"Fake{code}", (Rule,), attrs))
    return tuple(out)
