"""``awaitify plan``: leaves first, by phase, each step with its blast radius and a command
that ``migrate`` accepts; weeks by team capacity; text, Markdown and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from conftest import REPO_ROOT, CliRun

from awaitify.api import ScanOptions, resolve_config
from awaitify.migrate.run import SourceFiles, load_project, project_findings
from awaitify.migrate.selectors import parse_selector, select
from awaitify.model import PlanStep
from awaitify.plan import PHASES, Plan, build_plan, render_markdown, render_text

EXAMPLE = REPO_ROOT / "examples" / "billing_service"
Cli = Callable[..., CliRun]
Tree = Callable[[Mapping[str, str | bytes]], Path]


def plan_of(root: Path, **overrides: object) -> Plan:
    config = resolve_config([root]).with_overrides(**overrides)
    project, _ = load_project(root, config, ScanOptions(use_cache=False, cwd=str(root)), str(root))
    return build_plan(project, project_findings(project), SourceFiles())


@pytest.fixture(scope="module")
def example_plan() -> Plan:
    return plan_of(EXAMPLE)


def test_phases_come_in_order_and_repositories_first(example_plan: Plan) -> None:
    phases = [PHASES.index(s.phase) for s in example_plan.steps]
    assert phases == sorted(phases)
    first = example_plan.steps[0]
    assert first.phase == "repositories"
    assert first.title == "Convert InvoiceRepository to async"
    assert first.command == (
        "awaitify migrate app/repositories/invoice_repository.py::InvoiceRepository"
    )
    assert example_plan.steps[-1].phase == "tests"


def test_callees_come_before_callers_within_a_phase(example_plan: Plan) -> None:
    order = {s.title: s.order for s in example_plan.steps}
    # BillingService calls InvoiceRepository; AuthService is called by nothing of its phase
    assert order["Convert InvoiceRepository to async"] < order["Convert BillingService to async"]


def test_blast_radius_is_what_migrate_would_touch(example_plan: Plan) -> None:
    first = example_plan.steps[0]
    assert "app/repositories/invoice_repository.py::InvoiceRepository.get" in first.functions
    assert "app/services/billing_service.py::BillingService.create_invoice" in first.functions
    assert "app/api/routers/invoices.py::create_invoice" in first.functions
    assert "tests/test_repositories.py::test_invoice_numbers_and_lookup" in first.functions
    assert first.files == (
        "app/api/routers/invoices.py",
        "app/repositories/invoice_repository.py",
        "app/services/billing_service.py",
        "tests/test_repositories.py",
        "tests/test_services.py",
    )
    assert first.call_sites > 0 and first.threads > 0
    assert first.blast_radius == len(first.functions) + len(first.fixed) + first.call_sites
    # what an earlier step converted is not counted again
    later = [f for s in example_plan.steps[1:] for f in s.functions]
    assert not set(first.functions) & set(later)


def test_every_step_command_is_a_valid_selector(example_plan: Plan) -> None:
    config = resolve_config([EXAMPLE])
    project, _ = load_project(EXAMPLE, config, ScanOptions(use_cache=False), str(EXAMPLE))
    findings = project_findings(project)
    for step in example_plan.steps:
        selectors = [parse_selector(s, str(EXAMPLE)) for s in step.selectors]
        assert select(project, selectors, None, None, findings).functions, step.command


def test_weeks_follow_team_capacity() -> None:
    wide = plan_of(EXAMPLE, team_capacity=1000)
    narrow = plan_of(EXAMPLE, team_capacity=5)
    assert wide.weeks == 1 and {s.week for s in wide.steps} == {1}
    assert narrow.weeks > wide.weeks
    weeks = [s.week for s in narrow.steps]
    assert weeks == sorted(weeks) and weeks[0] == 1
    assert narrow.capacity == 5


def test_model_steps_for_the_guide(example_plan: Plan) -> None:
    rows = example_plan.model_steps()
    assert all(isinstance(r, PlanStep) for r in rows)
    assert [r.order for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].command.startswith("awaitify migrate ")
    assert rows[0].blast_radius == example_plan.steps[0].blast_radius


def test_renderers(example_plan: Plan) -> None:
    text = render_text(example_plan)
    assert text.startswith("Migration plan: ")
    assert "Phase 1: repositories" in text and "blast radius:" in text
    md = render_markdown(example_plan)
    assert md.startswith("# Migration plan\n")
    assert "## Phase 1: repositories" in md and "## By week" in md
    assert "| 1 | Convert InvoiceRepository to async |" in md


def test_cli_json_and_determinism(cli: Cli) -> None:
    first = cli(["plan", str(EXAMPLE), "--format", "json", "--no-cache"], cwd=REPO_ROOT)
    assert first.code == 0, first.err
    data = json.loads(first.out)
    assert data["schema"] == 1
    assert data["team_capacity"] == 20
    assert set(data["summary"]) == {"steps", "functions", "fixed", "files"}
    step = data["steps"][0]
    for key in ("order", "phase", "layer", "title", "selectors", "command", "functions",
                "call_sites", "files", "blast_radius", "week", "priority", "codes"):  # fmt: skip
        assert key in step
    second = cli(["plan", str(EXAMPLE), "--format", "json", "--no-cache"], cwd=REPO_ROOT)
    assert second.out == first.out


def test_nothing_to_plan(tree: Tree, cli: Cli) -> None:
    root = tree({"pyproject.toml": "[tool.awaitify]\n", "app/x.py": "def f():\n    return 1\n"})
    got = cli(["plan", "--no-cache"], cwd=root)
    assert got.code == 0
    assert "nothing to migrate" in got.out
    md = cli(["plan", "--format", "markdown", "--no-cache"], cwd=root)
    assert "Nothing to migrate" in md.out


def test_plan_of_a_subfolder_uses_paths_relative_to_cwd(cli: Cli) -> None:
    got = cli(["plan", "app", "--no-cache"], cwd=EXAMPLE)
    assert got.code == 0, got.err
    assert "awaitify migrate app/repositories/invoice_repository.py::InvoiceRepository" in got.out
