"""Running a tool as its users do (its own console script, in its own virtualenv) and reading what it emitted:
Singer taps (RECORD/STATE lines; `--discover`, `--properties`, `--state`) and Airbyte sources (`discover`, `read`
with a configured catalog and the STATE messages of the previous read)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENVS = REPO / ".compat"
TIMEOUT_S = 900


@dataclass
class Pull:
    """What one pull emitted for the stream under test: ids in order (repeats kept), the state to hand the next
    pull, and why it failed, if it did."""

    ids: list[str] = field(default_factory=list)
    state: Any = None
    error: str | None = None


def script(venv: str, name: str) -> Path:
    return VENVS / venv / "bin" / name


def run(argv: list[str | Path], env: dict[str, str], out: Path) -> str | None:
    """Run one tool command with stdout to `out` and stderr next to it; None, or why it failed."""
    err = out.with_suffix(".stderr")
    with out.open("wb") as stdout, err.open("wb") as stderr:
        try:
            done = subprocess.run([str(a) for a in argv], stdout=stdout, stderr=stderr, env=env, cwd=out.parent,
                                  timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return f"timed out after {TIMEOUT_S} s ({err})"
    if done.returncode != 0:
        return f"exit {done.returncode}: {last_error_line(err)} ({err})"
    return None


def last_error_line(path: Path) -> str:
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    wanted = [line for line in lines if "CRITICAL" in line or "Error" in line or "error" in line]
    return (wanted or lines or ["no output"])[-1][:300]


def json_lines(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(message, dict):
                yield message


# Singer ------------------------------------------------------------------------------------------------------------

def singer_select(catalog: dict[str, Any], stream: str) -> dict[str, Any]:
    """The discovered catalog with `stream` and all of its fields selected, replicated incrementally on its first
    valid replication key when it offers one (as a user's catalog says), every other stream left out."""
    entries = [entry for entry in catalog["streams"] if entry["tap_stream_id"] == stream]
    for entry in entries:
        for item in entry["metadata"]:
            meta = item["metadata"]
            if meta.get("inclusion") != "unsupported":
                meta["selected"] = True
            if item["breadcrumb"] == [] and meta.get("valid-replication-keys"):
                meta |= {"replication-method": "INCREMENTAL", "replication-key": meta["valid-replication-keys"][0]}
    return {"streams": entries}


def singer_discover(tap: Path, config: Path, env: dict[str, str], stream: str) -> Path | str:
    """Discover and select `stream`: the catalog path, or why discovery failed."""
    out = config.parent / "discovered.json"
    problem = run([tap, "--config", config, "--discover"], env, out)
    if problem:
        return f"discover: {problem}"
    chosen = singer_select(json.loads(out.read_text()), stream)
    if not chosen["streams"]:
        return f"discover: no stream {stream!r}"
    catalog = config.parent / "catalog.json"
    catalog.write_text(json.dumps(chosen))
    return catalog


def with_state(argv: list[str | Path], config: Path, state: Any, name: str) -> list[str | Path]:
    """The command with `--state` from an earlier pull's state, written beside the config (none on a full pull)."""
    if state is None:
        return argv
    state_file = config.parent / f"{name}-state-in.json"
    state_file.write_text(json.dumps(state))
    return [*argv, "--state", state_file]


def singer_read(tap: Path, config: Path, catalog: Path, env: dict[str, str], stream: str, key: str,
                state: Any, name: str) -> Pull:
    out = config.parent / f"{name}.jsonl"
    problem = run(with_state([tap, "--config", config, "--properties", catalog], config, state, name), env, out)
    pull = Pull(error=problem)
    for message in json_lines(out):
        if message.get("type") == "RECORD" and message.get("stream") == stream:
            pull.ids.append(str(message["record"][key]))
        elif message.get("type") == "STATE":
            pull.state = message["value"]
    return pull


# Airbyte -----------------------------------------------------------------------------------------------------------

def airbyte_discover(source: Path, config: Path, env: dict[str, str], stream: str) -> Path | str:
    """Discover and configure `stream` for an incremental append read: the configured catalog, or why not."""
    out = config.parent / "discovered.jsonl"
    problem = run([source, "discover", "--config", config], env, out)
    catalogs = [m["catalog"] for m in json_lines(out) if m.get("type") == "CATALOG"]
    if problem or not catalogs:
        return f"discover: {airbyte_trace(out) or problem or 'no catalog'}"
    found = [s for s in catalogs[-1]["streams"] if s["name"] == stream]
    if not found:
        return f"discover: no stream {stream!r}"
    entry = found[0]
    incremental = "incremental" in entry.get("supported_sync_modes", [])
    configured = {"streams": [{
        "stream": entry,
        "sync_mode": "incremental" if incremental else "full_refresh",
        "cursor_field": entry.get("default_cursor_field", []),
        "destination_sync_mode": "append",
        "primary_key": entry.get("source_defined_primary_key", [["id"]]),
    }]}
    catalog = config.parent / "configured_catalog.json"
    catalog.write_text(json.dumps(configured))
    return catalog


def airbyte_read(source: Path, config: Path, catalog: Path, env: dict[str, str], stream: str, key: str,
                 state: Any, name: str) -> Pull:
    out = config.parent / f"{name}.jsonl"
    problem = run(with_state([source, "read", "--config", config, "--catalog", catalog], config, state, name), env, out)
    pull = Pull(error=problem)
    latest: dict[str, Any] = {}
    for message in json_lines(out):
        if message.get("type") == "RECORD" and message["record"].get("stream") == stream:
            pull.ids.append(str(message["record"]["data"][key]))
        elif message.get("type") == "STATE":
            state_message = message["state"]
            descriptor = state_message.get("stream", {}).get("stream_descriptor", {}).get("name", "")
            latest[descriptor] = state_message
    pull.state = list(latest.values()) or None
    if pull.error is None:
        pull.error = airbyte_trace(out)
    return pull


def airbyte_trace(path: Path) -> str | None:
    """The first error an Airbyte source reported in a TRACE message (it may still exit 0)."""
    for message in json_lines(path):
        trace = message.get("trace", {}) if message.get("type") == "TRACE" else {}
        if trace.get("type") == "ERROR":
            error = trace.get("error", {})
            return str(error.get("internal_message") or error.get("message") or "error")[:300]
    return None
