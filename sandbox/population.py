"""A seeded population of leads for both emulators, derived from a definition: a stream, never a list.

Every raw stage value comes from the definition's read maps and write values (and, for the CRM, from the values
its picklist holds), so any definition seeds a sensible org and portal. Same seed, same output.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mapping.definition.compiled import CompiledDefinition

FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Linus", "Radia", "Tim")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Perlman")
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent")
SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
UNMAPPED_VALUE = "Legacy - Nurture"  # deliberately absent from every read map
SALESFORCE_USERS = tuple(f"0055{n:011d}AAA" for n in range(1, 6))
HUBSPOT_OWNERS = tuple(str(70_000 + n) for n in range(1, 6))


@dataclass(frozen=True)
class SeedMix:
    """Shares of the population; categories are drawn in this order and are exclusive."""

    crm_only: float = 0.12
    ma_only: float = 0.10
    converted: float = 0.05
    mis_staged: float = 0.15  # HubSpot (or the score) is ahead of the CRM on a marketing stage
    unworked_past_sla: float = 0.08  # in an SLA stage for days, nobody touched it
    duplicates: float = 0.01  # a second CRM lead with the same email
    unmapped: float = 0.01  # a CRM status no read map knows
    locked: float = 0.01
    worked: float = 0.6  # of the rest: logged work after entering the stage
    email_link_only: float = 0.2  # linked pairs without salesforceleadid on the HubSpot side


@dataclass
class SeedLead:
    number: int
    category: str
    salesforce: list[dict[str, Any]] = field(default_factory=list)  # one lead, or two for a duplicate
    history: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    hubspot: dict[str, Any] | None = None


class _Values:
    """Raw values per stage for each system, chosen once from the definition."""

    def __init__(self, compiled: CompiledDefinition, live_statuses: set[str] | None) -> None:
        sf = compiled.systems["salesforce"].mapping
        self.sf_field = sf.stage_fields[0].field
        self.sf_read = sf.stage_fields[0].read
        self.live = live_statuses
        self.compiled = compiled
        self.hs = compiled.systems["hubspot"].mapping

    def salesforce(self, stage: str) -> str:
        """The value the CRM would hold for `stage`: written value if live, else a live one reading as it or lower."""
        candidates = [self.compiled.systems["salesforce"].mapping.write_values(stage) or {}]
        preferred = [c.get(self.sf_field) for c in candidates if c.get(self.sf_field)]
        reading = [raw for raw, s in self.sf_read.items() if s == stage]
        for value in [*preferred, *reading]:
            if value and (self.live is None or value in self.live):
                return value
        lower = [s for s in self.compiled.ladder if self.compiled.rank(s) < self.compiled.rank(stage)]
        return self.salesforce(lower[-1]) if lower else next(iter(self.live or self.sf_read))

    def hubspot(self, stage: str) -> dict[str, str]:
        written = self.hs.write_values(stage)
        if written:
            return written
        first = self.hs.stage_fields[0]
        return {first.field: next((raw for raw, s in first.read.items() if s == stage), next(iter(first.read)))}


def generate(
    compiled: CompiledDefinition,
    leads: int,
    seed: int,
    now: datetime,
    mix: SeedMix = SeedMix(),
    live_statuses: set[str] | None = None,
) -> Iterator[SeedLead]:
    values = _Values(compiled, live_statuses)
    rng = random.Random(seed)
    for number in range(leads):
        yield _lead(compiled, values, rng, number, now.astimezone(UTC), mix)


def _category(rng: random.Random, mix: SeedMix) -> str:
    roll = rng.random()
    for name in ("converted", "mis_staged", "unworked_past_sla", "duplicates", "unmapped", "locked"):
        share = getattr(mix, name)
        if roll < share:
            return name
        roll -= share
    return "worked" if rng.random() < mix.worked else "plain"


def _stage_for(compiled: CompiledDefinition, rng: random.Random, category: str) -> str:
    ladder = list(compiled.ladder)
    marketing = list(compiled.marketing_ladder)
    sla_stages = [s.key for s in compiled.definition.stages if s.sla is not None]
    if category == "converted":
        return compiled.converted_stage
    if category == "unworked_past_sla" and sla_stages:
        return rng.choice(sla_stages)
    if category == "mis_staged":
        return marketing[0] if marketing else ladder[0]
    side = [s.key for s in compiled.definition.stages if s.side]
    weights = [max(1, 6 - i) for i in range(len(ladder))]
    pool = ladder + side
    return rng.choices(pool, weights=weights + [1] * len(side))[0]


def _lead(compiled: CompiledDefinition, values: _Values, rng: random.Random, number: int, now: datetime,
          mix: SeedMix) -> SeedLead:
    category = _category(rng, mix)
    presence = rng.random()
    in_crm = presence >= mix.ma_only
    in_ma = presence < 1 - mix.crm_only or category == "mis_staged"
    stage = _stage_for(compiled, rng, category)
    entered = now - timedelta(days=rng.randint(2, 10) if category == "unworked_past_sla" else rng.randint(0, 40),
                              minutes=rng.randint(0, 600))
    person = _person(rng, number)
    lead = SeedLead(number, category)
    if in_crm:
        _add_crm(compiled, values, rng, lead, person, stage, entered, category)
    if in_ma:
        ma_stage = _ma_stage(compiled, stage, category)
        linked = bool(lead.salesforce) and rng.random() >= mix.email_link_only
        lead.hubspot = _contact(compiled, values, rng, number, person, ma_stage, entered, lead, linked, now)
    return lead


def _ma_stage(compiled: CompiledDefinition, stage: str, category: str) -> str:
    if category != "mis_staged":
        return stage
    marketing = list(compiled.marketing_ladder)
    return marketing[-1] if marketing else stage


def _person(rng: random.Random, number: int) -> dict[str, str]:
    first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANIES)
    return {"first": first, "last": last, "company": company,
            "email": f"{first}.{last}.{number}@{company.lower()}.example".lower()}


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _add_crm(compiled: CompiledDefinition, values: _Values, rng: random.Random, lead: SeedLead, person: dict[str, str],
             stage: str, entered: datetime, category: str) -> None:
    fields = compiled.systems["salesforce"].mapping.fields
    record_id = f"00Q5{lead.number:011d}AAA"
    status = UNMAPPED_VALUE if category == "unmapped" else values.salesforce(stage)
    record: dict[str, Any] = {
        "Id": record_id, "FirstName": person["first"], "LastName": person["last"], "Company": person["company"],
        "Email": person["email"], values.sf_field: status, "OwnerId": rng.choice(SALESFORCE_USERS),
        "LeadSource": rng.choice(SOURCES), "IsConverted": category == "converted",
        "CreatedDate": _stamp(entered - timedelta(days=rng.randint(0, 20))), "SystemModstamp": _stamp(entered),
        "LastModifiedDate": _stamp(entered),
    }
    if category == "converted":
        record["ConvertedDate"] = entered.date().isoformat()
    lock = compiled.systems["salesforce"].mapping.lock
    if lock is not None:
        record[lock.field] = category == "locked"
    if compiled.rank(stage) >= 4 or rng.random() < 0.2:
        for canonical in ("budget", "authority", "need", "timeline"):
            if canonical in fields:
                record[fields[canonical]] = rng.choice(("yes", "confirmed", "Q1", "50k"))
    lead.salesforce.append(record)
    lead.history.append({"LeadId": record_id, "Field": values.sf_field, "OldValue": None, "NewValue": status,
                         "CreatedDate": _stamp(entered)})
    if category in ("worked", "converted") or (category == "plain" and rng.random() < 0.3):
        worked = entered + timedelta(minutes=rng.randint(20, 60 * 30))
        lead.tasks.append({"WhoId": record_id, "Subject": "Call", "Status": "Completed",
                           "OwnerId": record["OwnerId"], "CreatedDate": _stamp(worked),
                           "ActivityDate": worked.date().isoformat()})
    if category == "duplicates":
        twin = dict(record, Id=f"00Q6{lead.number:011d}AAA", FirstName=person["first"] + " (dup)")
        lead.salesforce.append(twin)


def _contact(compiled: CompiledDefinition, values: _Values, rng: random.Random, number: int, person: dict[str, str],
             stage: str, entered: datetime, lead: SeedLead, linked: bool, now: datetime) -> dict[str, Any]:
    rank = compiled.rank(stage) or 1
    score = min(100, max(0, 15 + 18 * rank + rng.randint(-12, 12)))
    if lead.category == "mis_staged":
        score = max(score, 70)
    iso = entered.isoformat().replace("+00:00", "Z")
    row: dict[str, Any] = {
        "id": str(100_000 + number), "email": person["email"], "firstname": person["first"],
        "lastname": person["last"], "company": person["company"], "hubspotscore": str(score),
        "hubspot_owner_id": rng.choice(HUBSPOT_OWNERS), "createdate": iso, "lastmodifieddate": iso,
    }
    stage_values = values.hubspot(stage)
    row.update(stage_values)
    history = {}
    for name, value in stage_values.items():
        history[name] = [{"value": value, "timestamp": iso, "sourceType": "CRM_UI"}]
        if name == compiled.systems["hubspot"].mapping.stage_fields[0].field:
            row[f"hs_v2_date_entered_{value}"] = iso
    row["history"] = history
    if rng.random() < 0.4:
        engaged = min(entered + timedelta(hours=rng.randint(1, 48)), now)
        row["hs_last_sales_activity_timestamp"] = engaged.isoformat()
    if linked and lead.salesforce:
        row["salesforceleadid"] = lead.salesforce[0]["Id"]
    return row
