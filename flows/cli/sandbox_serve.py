"""`leadsync sandbox serve`: both emulators, seeded, until interrupted; one JSON line of connection facts."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from connectors.environment import definitions_directory

# What users and external tools meet: HubSpot's search index lags "several seconds" behind writes (hubspot.md §3), so
# `serve` defaults to a lag of 2 s; `run_sandbox` itself keeps it off, for leadsync's own tests. 0 turns it off.
DEFAULT_SEARCH_LAG_MS = 2_000


class HubSpotTier(StrEnum):
    """HubSpot subscription tiers, whose published API limits the emulator enforces (sandbox/hubspot/tiers.py)."""

    free = "free"
    starter = "starter"
    professional = "professional"
    enterprise = "enterprise"


sandbox_app = typer.Typer(help="Local emulators of Salesforce and HubSpot for demos, tests and benchmarks.",
                          no_args_is_help=True)


@sandbox_app.command("serve")
def serve(
    seed: Annotated[int, typer.Option(help="Seed of the generated population (same seed, same data).")] = 7,
    leads: Annotated[int, typer.Option(min=0, help="How many people to generate.")] = 2_000,
    empty: Annotated[bool, typer.Option("--empty", help="Start with no leads.")] = False,
    latency_ms: Annotated[float, typer.Option("--latency-ms", min=0)] = 0.0,
    jitter_ms: Annotated[float, typer.Option("--jitter-ms", min=0)] = 0.0,
    port_salesforce: Annotated[int, typer.Option("--port-salesforce", min=0, max=65535)] = 0,
    port_hubspot: Annotated[int, typer.Option("--port-hubspot", min=0, max=65535)] = 0,
    provisioned: Annotated[bool, typer.Option("--provisioned", help="Seed as if the stages were provisioned.")] = False,
    hubspot_tier: Annotated[HubSpotTier, typer.Option(
        "--hubspot-tier", help="HubSpot tier whose burst and daily API limits apply: free and starter 100 per 10 s "
                               "and 250,000/day, professional 190 per 10 s and 625,000/day, enterprise 190 per 10 s "
                               "and 1,000,000/day (search: 5/s on every tier).")] = HubSpotTier.professional,
    hubspot_search_lag_ms: Annotated[int, typer.Option(
        "--hubspot-search-lag-ms", min=0, help="How long a HubSpot write stays invisible to search (0: off).")
    ] = DEFAULT_SEARCH_LAG_MS,
    definitions: Annotated[Path | None, typer.Option(
        "--definitions", help="Definition to seed from and to shape the schema by (default: $LEADSYNC_DEFINITIONS, "
                              "else ./definitions).")] = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM. stdout: one JSON line; stderr: the same as `export LEADSYNC_…` lines
    (a value chosen through LEADSYNC_SANDBOX_* is written as a reference to that variable, not printed).
    Exit 2 without a definition directory, 1 when the definition is invalid (every problem located)."""
    from flows.cli.definitions import load_or_exit
    from mapping.definition.compiled import compile_definition
    from sandbox.launch import run_sandbox

    directory = definitions_directory(definitions)
    if not directory.is_dir():
        raise typer.BadParameter(f"{str(directory)!r} is not a directory of definition files: the sandbox seeds "
                                 "its org and portal from a definition; pass --definitions DIR or set "
                                 "LEADSYNC_DEFINITIONS", param_hint="'--definitions'")
    definition = compile_definition(load_or_exit(directory, Console(stderr=True)))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with run_sandbox(leads=leads, seed=seed, empty=empty, latency_ms=latency_ms, jitter_ms=jitter_ms,
                     definition=definition, provisioned=provisioned, ports=(port_salesforce, port_hubspot),
                     hubspot_tier=hubspot_tier.value, hubspot_search_lag_ms=hubspot_search_lag_ms) as handle:
        for line in export_lines(handle.env(), os.environ):
            print(line, file=sys.stderr)
        print("export REQUESTS_CA_BUNDLE=" + handle.facts()["salesforce"]["ca_bundle"], file=sys.stderr)
        print(handle.json_line(), flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass


def export_lines(env: Mapping[str, str], caller: Mapping[str, str]) -> Iterator[str]:
    """`export NAME=value` lines; a value the caller chose through LEADSYNC_SANDBOX_* is referenced, never printed.

    The caller already holds those (e.g. canary or real-looking secrets), and stderr often ends up in a CI log.
    """
    for name, value in env.items():
        chosen = name.replace("LEADSYNC_", "LEADSYNC_SANDBOX_", 1)
        yield f'export {name}="${{{chosen}}}"' if caller.get(chosen) == value else f"export {name}={value}"
