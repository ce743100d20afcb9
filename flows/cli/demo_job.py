"""The demo `make demo` runs: the whole job against the seeded sandbox, with Prefect in ephemeral mode.

Sandbox up → provision stages → dry-run plan → guarded apply (the sync flow) → SLA sweep (flow) → report (flow)
→ a second sync that must plan nothing. Everything it writes goes under one directory.

The demo points the environment at the sandbox because the Prefect flows it runs read their settings from there, as
on a worker; the steps it runs in-process get the settings object built once from that environment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from connectors.settings import Settings
from flows.render.plan import corrections_by_rule, plan_document, sla_by_state
from flows.runs.sync import RunReport

DEMO_LEADS = 3_000


def run_demo(console: Console, out: Path, definitions: Path, leads: int = DEMO_LEADS) -> int:
    """Returns the number of corrections the final sync planned (0 when the run converged)."""
    from connectors.definition_files import load_definition
    from connectors.environment import load_settings
    from mapping.definition.compiled import compile_definition
    from sandbox.launch import run_sandbox

    out.mkdir(parents=True, exist_ok=True)
    state_file = out / "demo-state.db"
    state_file.unlink(missing_ok=True)
    step = _stepper(console)
    step(f"Starting the sandbox: Salesforce and HubSpot emulators seeded with {leads:,} people")
    with run_sandbox(leads=leads, seed=7, definition=compile_definition(load_definition(definitions))) as sandbox:
        os.environ.update(sandbox.env())
        os.environ["LEADSYNC_DATABASE_URL"] = f"sqlite:///{state_file}"
        os.environ["LEADSYNC_DEFINITIONS"] = str(definitions)
        console.print(f"  seeded: {dict(sorted(sandbox.seeded.items()))}", markup=False, highlight=False)
        final = _job(console, out, step, load_settings())
        _api_calls(console, sandbox)
    console.print(f"\nLook at: {out}/plan.json (the reviewed plan), {out}/report/report.html (the review report), "
                  f"{out}/definition.html (the published definition), {state_file} (audit log and clocks).",
                  markup=False, highlight=False)
    return final


def _stepper(console: Console) -> Callable[[str], None]:
    counter = iter(range(1, 100))
    return lambda title: console.rule(f"[bold]{next(counter)}. {title}")


def _job(console: Console, out: Path, step: Callable[[str], None], settings: Settings) -> int:
    from flows.runs.owner_names import name_report_owners
    from flows.runs.provision import run_provision
    from flows.runs.sync import run_sync
    from flows.wiring import open_services

    with open_services(settings) as services:
        step("Provisioning the stage values the definition adds")
        provision = run_provision(services, dry_run=False)
        for diff in provision.diffs:
            for value in diff.to_add:
                console.print(f"  + {diff.system} {diff.field}: {value.value} ({value.stage})", markup=False)
        step("Dry run: the plan, before anything is written")
        plan = run_sync(services, as_of=datetime.now(UTC), dry_run=True, keep_decisions=True)
        name_report_owners(services, plan)
        (out / "plan.json").write_text(json.dumps(plan_document(plan, provision.diffs), indent=1), encoding="utf-8")
        _summary(console, plan)
        step("Applying without an override: the blast-radius guard")
        guarded = run_sync(services, as_of=datetime.now(UTC), dry_run=False)
        console.print(f"  {guarded.status}: {guarded.message or 'within the limits'}", markup=False)
    return _flows(console, out, step, settings)


def _flows(console: Console, out: Path, step: Callable[[str], None], settings: Settings) -> int:
    """The same job through the Prefect flows (ephemeral Prefect, no server to run)."""
    from flows.deployments.report import report
    from flows.deployments.sla_sweep import sla_sweep
    from flows.deployments.sync import sync

    step("Reviewed: applying through the Prefect `sync` flow with allow_mass_change")
    applied = sync(dry_run=False, allow_mass_change=True)
    console.print(f"  applied {applied.get('applied', 0)} writes, {applied.get('failed', 0)} failed, "
                  f"{applied.get('new_breaches', 0)} SLA breaches flagged", markup=False)
    step("SLA sweep (Prefect `sla-sweep` flow)")
    swept = sla_sweep(notify=False)
    console.print(f"  {swept}", markup=False, highlight=False)
    step("Report (Prefect `report` flow)")
    files = report(days=7, out_dir=str(out / "report"))
    console.print(f"  wrote {files['markdown']} and {files['html']}", markup=False)
    step("Syncing again: a converged run plans nothing")
    again = sync(dry_run=False)
    console.print(f"  corrections planned: {again.get('corrections', 0)}", markup=False)
    _explain_one(console, step, settings)
    _impact_preview(console, step, settings)
    return int(again.get("corrections", 0))


def _explain_one(console: Console, step: Callable[[str], None], settings: Settings) -> None:
    """`leadsync explain` on a lead the sync corrected."""
    from flows.render.story import render_story
    from flows.runs.explain import explain_lead
    from flows.wiring import open_services

    with open_services(settings) as services:
        corrected = [row for row in services.state.list_audit(status="applied", limit=50) if row["system"] == "salesforce"]
        if not corrected:
            return
        record_id = corrected[-1]["record_id"]
        step(f"Why is this lead here? `leadsync explain {record_id}`")
        story = explain_lead(services, record_id, datetime.now(UTC))
    console.print(render_story(story.as_dict()), markup=False, highlight=False, soft_wrap=True)


def _impact_preview(console: Console, step: Callable[[str], None], settings: Settings) -> None:
    """`leadsync definitions impact` of a sample change (MQL threshold 50 → 70), replayed from the state store."""
    from connectors.definition_files import load_definition
    from connectors.store.sql_state import open_run_state
    from flows.render.impact import impact_markdown
    from flows.runs.impact import run_impact
    from mapping.definition.compiled import compile_definition

    proposed = Path(__file__).resolve().parents[2] / "definitions" / "examples" / "mql-threshold-70"
    current = settings.run.definitions
    if not proposed.is_dir() or current.resolve() != proposed.parents[1]:
        return  # the sample change is a change to the default definition
    step("Previewing a definition change: `leadsync definitions impact definitions/examples/mql-threshold-70`")
    state = open_run_state(settings.run.database_url)
    try:
        result = run_impact(state, settings.run, compile_definition(load_definition(current)),
                            compile_definition(load_definition(proposed)), as_of=datetime.now(UTC),
                            labels=("definitions", "examples/mql-threshold-70"))
    finally:
        state.close()
    summary = {**result.impact.as_dict(), "source": result.source, "old_label": result.old_label,
               "new_label": result.new_label}
    console.print(impact_markdown(summary), markup=False, highlight=False, soft_wrap=True)


def _summary(console: Console, plan: RunReport) -> None:
    table = Table("measure", "value", title="Plan")
    for key in ("leads", "corrections", "records_corrected", "skipped", "violations", "duplicates", "unmapped_values"):
        table.add_row(key, str(plan.counts()[key]))
    for rule, count in corrections_by_rule(plan).most_common():
        table.add_row(f"corrections: {rule}", str(count))
    for state, count in sla_by_state(plan).most_common():
        table.add_row(f"SLA: {state}", str(count))
    table.add_row("the real run would be", f"blocked ({plan.would_block})" if plan.would_block else "applied")
    console.print(table)


def _api_calls(console: Console, sandbox: Any) -> None:
    table = Table("system", "API calls", "by endpoint", title="API calls used (sandbox call counters)")
    for name, emulator in (("salesforce", sandbox.salesforce), ("hubspot", sandbox.hubspot)):
        counts = emulator.calls.snapshot()
        table.add_row(name, str(sum(counts.values())), ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    console.print(table)
