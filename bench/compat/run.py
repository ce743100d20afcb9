"""The compatibility suite: each tool, installed from the registry in its own virtualenv under .compat/, against a
fresh `leadsync sandbox serve` reached under the vendors' production names (compat.frontdoor), with nothing but
configuration. Per tool: a full pull (discovery included), 1 % of the records changed through the vendor's client,
an incremental pull from the tool's own state. Prints one table; exit 1 on any wrong count or failed pull.

Usage: make compat (installs the tools, then runs this), or
       .venv/bin/python bench/compat/run.py [--leads 2000] [--only tap-hubspot ...]   (root: /etc/hosts, port 443)
Each tool's files (config, catalog, output, stderr, state) stay in .compat/runs/<tool>/ for a look afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

from served import served_sandbox

from compat import frontdoor, protocols, vendors
from compat.tools import Tool, Unavailable, airbyte_hubspot, airbyte_salesforce, dlt_verified, tap_hubspot, tap_salesforce

TOOLS = [tap_salesforce.TOOL, airbyte_salesforce.TOOL, tap_hubspot.TOOL, airbyte_hubspot.TOOL]
UNAVAILABLE = [dlt_verified.HUBSPOT, dlt_verified.SALESFORCE]
SEARCH_LAG_S = 2.5  # `sandbox serve` keeps a HubSpot write out of search for 2 s, as HubSpot's index lags
RUNS = protocols.VENVS / "runs"
Discover = Callable[[Path, Path, dict[str, str], str], Path | str]
Read = Callable[[Path, Path, Path, dict[str, str], str, str, Any, str], protocols.Pull]
PROTOCOLS: dict[str, tuple[Discover, Read]] = {
    "singer": (protocols.singer_discover, protocols.singer_read),
    "airbyte": (protocols.airbyte_discover, protocols.airbyte_read),
}


@dataclass
class Row:
    tool: str
    pull: str
    ok: bool | None  # None: not run
    records: str = ""
    duplicates: str = ""
    calls: str = ""
    wall: str = ""
    note: str = ""


def duplicates(ids: list[str]) -> int:
    return sum(n - 1 for n in Counter(ids).values())


def full_row(tool: Tool, pull: protocols.Pull, truth: set[str], calls: int, wall: float) -> Row:
    seen = set(pull.ids)
    dup = duplicates(pull.ids)
    ok = pull.error is None and seen == truth and dup == 0
    note = pull.error or _differences(seen, truth)
    return Row(tool.label, "full", ok, f"{len(seen & truth)}/{len(truth)}", str(dup), str(calls), f"{wall:.1f}", note)


def incremental_row(tool: Tool, pull: protocols.Pull, truth: set[str], changed: set[str], calls: int,
                    wall: float) -> Row:
    seen = set(pull.ids)
    dup = duplicates(pull.ids)
    unknown = seen - truth
    ok = pull.error is None and changed <= seen and not unknown and dup == 0
    again = len(seen - changed - unknown)
    note = pull.error or "; ".join(filter(None, [
        f"{len(changed - seen)} changed not emitted" if changed - seen else "",
        f"{len(unknown)} ids the emulator lacks" if unknown else "",
        f"+{again} unchanged re-sent (the tool's own overlap)" if again else "",
    ]))
    return Row(tool.label, "incremental", ok, f"{len(seen & changed)}/{len(changed)}", str(dup), str(calls),
               f"{wall:.1f}", note)


def _differences(seen: set[str], truth: set[str]) -> str:
    missing, unknown = truth - seen, seen - truth
    return "; ".join(filter(None, [f"{len(missing)} missing" if missing else "",
                                   f"{len(unknown)} unknown" if unknown else ""]))


def tool_env(bundle: Path, workdir: Path) -> dict[str, str]:
    """The tool's environment: ours without proxies or CA overrides, plus the trust bundle, HOME in its workdir."""
    dropped = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
               "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("LEADSYNC_")}
    return {**env, "REQUESTS_CA_BUNDLE": str(bundle), "SSL_CERT_FILE": str(bundle), "HOME": str(workdir),
            "NO_PROXY": "*"}


def run_tool(tool: Tool, leads: int) -> list[Row]:
    workdir = RUNS / tool.package
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    executable = protocols.script(tool.package, tool.script)
    if not executable.exists():
        return [Row(tool.label, "-", False, note=f"not installed: {executable} (run `make compat`)")]
    discover, read = PROTOCOLS[tool.protocol]
    with served_sandbox(leads) as facts, frontdoor.production_names(facts, workdir, protocols.VENVS / tool.package) as bundle:
        env = tool_env(bundle, workdir)
        truth = set(vendors.record_ids(tool.system, facts))
        config = workdir / "config.json"
        config.write_text(json.dumps(tool.config(facts), indent=2))

        def pull(name: str, state: Any) -> tuple[protocols.Pull | str, int, float]:
            before, started = vendors.calls(tool.system, facts), time.monotonic()
            catalog = workdir / ("catalog.json" if tool.protocol == "singer" else "configured_catalog.json")
            if state is None:
                found = discover(executable, config, env, tool.stream)
                if isinstance(found, str):
                    return found, vendors.calls(tool.system, facts) - before, time.monotonic() - started
                catalog = found
            result = read(executable, config, catalog, env, tool.stream, tool.key, state, name)
            return result, vendors.calls(tool.system, facts) - before, time.monotonic() - started

        full, calls, wall = pull("full", None)
        if isinstance(full, str):
            return [Row(tool.label, "full", False, calls=str(calls), wall=f"{wall:.1f}", note=full)]
        rows = [full_row(tool, full, truth, calls, wall)]
        if full.error is not None or full.state is None:
            rows.append(Row(tool.label, "incremental", False, note="no state from the full pull to resume from"))
            return rows
        changed = vendors.one_percent(sorted(truth))
        vendors.change(tool.system, facts, changed)
        if tool.system == "hubspot":
            time.sleep(SEARCH_LAG_S)
        incremental, calls, wall = pull("incremental", full.state)
        assert not isinstance(incremental, str)
        rows.append(incremental_row(tool, incremental, truth, set(changed), calls, wall))
        return rows


def table(rows: list[Row]) -> str:
    header = ("tool", "pull", "records ok", "duplicates", "calls", "wall s", "")
    cells = [header] + [(r.tool, r.pull, _records(r), r.duplicates, r.calls, r.wall, r.note) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header) - 1)]
    return "\n".join("  ".join([*(c[i].ljust(widths[i]) for i in range(len(widths))), c[-1]]).rstrip() for c in cells)


def _records(row: Row) -> str:
    if row.ok is None:
        return "skipped"
    return f"{row.records} {'ok' if row.ok else 'WRONG'}".strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=2_000)
    parser.add_argument("--only", nargs="*", help="package names of the tools to run (default: all)")
    parser.add_argument("--specs", action="store_true", help="print each tool's package==version (what make installs)")
    args = parser.parse_args()
    if args.specs:
        print("\n".join(f"{tool.package}=={tool.version}" for tool in TOOLS))
        return 0
    if os.geteuid() != 0:
        print("compat: needs root (it edits /etc/hosts for the run and listens on port 443)", file=sys.stderr)
        return 1
    for signum in (signal.SIGTERM, signal.SIGHUP):  # leave through `finally`, so /etc/hosts is put back
        signal.signal(signum, lambda number, _frame: sys.exit(128 + number))
    started = time.monotonic()
    rows: list[Row] = []
    for tool in TOOLS:
        if args.only and tool.package not in args.only:
            continue
        try:
            rows += run_tool(tool, args.leads)
        except Exception as error:  # noqa: BLE001 - one tool's crash is its row, not the end of the suite
            rows.append(Row(tool.label, "-", False, note=f"suite error: {error!r}"[:300]))
        print(table(rows[-2:]).splitlines()[-1], file=sys.stderr, flush=True)
    rows += [_skipped(u) for u in UNAVAILABLE if not args.only]
    print(table(rows))
    print(f"compat: {len(TOOLS if not args.only else args.only)} tools, {args.leads} leads seeded per sandbox, "
          f"1 % changed between pulls; wall {time.monotonic() - started:.0f} s")
    return 0 if all(r.ok is not False for r in rows) else 1


def _skipped(tool: Unavailable) -> Row:
    return Row(tool.label, "-", None, note=tool.reason)


if __name__ == "__main__":
    raise SystemExit(main())

