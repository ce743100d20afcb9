"""Mapping throughput: synthetic leads through normalize → match → resolve → plan → SLA, on one process.

Usage: .venv/bin/python bench/mapping.py [--leads 200000] [--batch 5000] [--definitions DIR]
Prints leads/s (pipeline time only; generating the raw dicts is not counted) and peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.definition_files import load_definition
from mapping.definition.compiled import CompiledDefinition, compile_definition
from mapping.match import match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from mapping.plan import plan_pairs
from mapping.quarantine import Quarantine
from mapping.sla import SlaEvaluator

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
Batch = tuple[list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]], list[dict[str, Any]]]


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class Synthetic:
    """Raw records in the vendors' shapes, values drawn from the definition's read maps (realistic mix)."""

    def __init__(self, compiled: CompiledDefinition, seed: int) -> None:
        self.random = random.Random(seed)
        sf = compiled.systems["salesforce"].mapping.stage_fields[0]
        self.sf_field, self.sf_values = sf.field, [*sf.read, "Custom - Unmapped"]
        hs = compiled.systems["hubspot"].mapping.stage_fields
        self.hs_fields = [(f.field, [*f.read, None, None]) for f in hs]

    def batch(self, start: int, size: int) -> Batch:
        crm, ma = [], []
        for number in range(start, start + size):
            where = self.random.random()
            email = f"person{number}@example.com" if self.random.random() > 0.01 else "shared@example.com"
            entered = NOW - timedelta(hours=self.random.randint(1, 24 * 30))
            if where < 0.85:
                crm.append(self._lead(number, email, entered))
            if where > 0.15 or where < 0.6:
                ma.append(self._contact(number, email, entered, linked=where < 0.6))
        return crm, ma

    def _lead(self, number: int, email: str, entered: datetime) -> tuple[dict[str, Any], list[Any], list[Any]]:
        lead_id = f"00Q{number:015d}"
        status = self.random.choice(self.sf_values)
        record = {"attributes": {"type": "Lead"}, "Id": lead_id, self.sf_field: status, "Email": email,
                  "OwnerId": "005000000000001AAA", "IsConverted": self.random.random() < 0.05,
                  "CreatedDate": _stamp(entered - timedelta(days=3)), "SystemModstamp": _stamp(entered),
                  "LastActivityDate": entered.date().isoformat() if self.random.random() < 0.3 else None}
        history = [{"Field": self.sf_field, "NewValue": status, "CreatedDate": _stamp(entered)}]
        work = [{"CreatedDate": _stamp(entered + timedelta(hours=2))}] if self.random.random() < 0.4 else []
        return record, history, work

    def _contact(self, number: int, email: str, entered: datetime, linked: bool) -> dict[str, Any]:
        props: dict[str, Any] = {"email": email, "hubspotscore": str(self.random.randint(0, 100)),
                                 "lastmodifieddate": entered.isoformat(), "hs_object_id": str(number)}
        for name, values in self.hs_fields:
            props[name] = self.random.choice(values)
        first = self.hs_fields[0][0]
        if props[first]:
            props[f"hs_v2_date_entered_{props[first]}"] = entered.isoformat()
        if self.random.random() < 0.3:
            props["hs_last_sales_activity_timestamp"] = (entered + timedelta(hours=5)).isoformat()
        if linked:
            props["salesforceleadid"] = f"00Q{number:015d}"
        return {"id": str(number), "properties": props, "archived": False}


def run(compiled: CompiledDefinition, leads: int, batch_size: int) -> tuple[float, Counter[str]]:
    synthetic = Synthetic(compiled, seed=7)
    evaluator = SlaEvaluator(compiled)
    quarantine = Quarantine()
    counts: Counter[str] = Counter()
    spent = 0.0
    for start in range(0, leads, batch_size):
        crm_raw, ma_raw = synthetic.batch(start, min(batch_size, leads - start))
        began = time.perf_counter()
        crm = [normalize_salesforce(r, compiled, history=h, activities=w) for r, h, w in crm_raw]
        ma = [normalize_hubspot(c, compiled) for c in ma_raw]
        quarantine.add(crm)
        quarantine.add(ma)
        match = match_identities(crm, ma)
        plan = plan_pairs(match.pairs, compiled, NOW, sla=evaluator)
        spent += time.perf_counter() - began
        counts.update(records=len(crm) + len(ma), pairs=len(match.pairs), corrections=len(plan.corrections),
                      violations=len(plan.violations), sla=len(plan.sla), duplicates=len(match.duplicates))
        counts.update(f"sla_{entry.state.value}" for entry in plan.sla)
    counts["unmapped_values"] = len(quarantine.unmapped)
    return spent, counts


def _batches(total: int, size: int) -> Iterator[int]:
    yield from range(0, total, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--definitions", type=Path, default=Path("definitions"))
    args = parser.parse_args()
    compiled = compile_definition(load_definition(args.definitions))
    spent, counts = run(compiled, args.leads, args.batch)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for key, value in sorted(counts.items()):
        print(f"  {key:>20}: {value}")
    rate = args.leads / spent
    print(f"pipeline time {spent:.2f} s for {args.leads} leads ({counts['records']} raw records); "
          f"target ≥ 50,000 leads/s → {rate / 50_000:.2f}x target")
    print(f"mapping: {rate:,.0f} leads/s, peak {peak_mb:,.0f} MB".replace(",", ""))


if __name__ == "__main__":
    main()
