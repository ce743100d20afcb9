"""A run's items (corrections, skips, SLA clocks, observed leads) as JSON rows of `run_items`, and back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from connectors.ports import CORRECTION, OBSERVED, SKIPPED, SLA
from mapping.match import LeadPair, LinkKind
from mapping.plan import Correction, Skipped, SkipReason
from mapping.records import CanonicalLead
from mapping.sla import SlaEntry
from mapping.sla_clock import SlaState

Item = Correction | Skipped | SlaEntry | LeadPair


def item_key(item: Item) -> tuple[str, str]:
    """The record an item is about (an observed pair: the record that stands for the person)."""
    if isinstance(item, LeadPair):
        return item.primary.key
    return (item.system, item.record_id)


def encode(kind: str, item: Any) -> dict[str, Any]:
    return _ENCODERS[kind](item)


def decode(kind: str, row: dict[str, Any]) -> Any:
    return _DECODERS[kind](row)


def _encode_correction(c: Correction) -> dict[str, Any]:
    return {"field": c.field, "before": c.before, "after": c.after, "stage_before": c.stage_before,
            "stage_after": c.stage_after, "rule": c.rule, "reason": c.reason, "version": c.definition_version,
            "step": c.step, "extras": [list(pair) for pair in c.extras], "system": c.system, "id": c.record_id}


def _decode_correction(row: dict[str, Any]) -> Correction:
    return Correction(row["system"], row["id"], row["field"], row["before"], row["after"], row["stage_before"],
                      row["stage_after"], row["rule"], row["reason"], row["version"], row["step"],
                      tuple((name, value) for name, value in row["extras"]))


def _encode_skipped(s: Skipped) -> dict[str, Any]:
    return {"system": s.system, "id": s.record_id, "before": s.stage_before, "after": s.stage_after,
            "reason": s.reason.value}


def _decode_skipped(row: dict[str, Any]) -> Skipped:
    return Skipped(row["system"], row["id"], row["before"], row["after"], SkipReason(row["reason"]))


def _encode_sla(e: SlaEntry) -> dict[str, Any]:
    return {"system": e.system, "id": e.record_id, "stage": e.stage, "state": e.state.value,
            "started": _iso(e.started_at), "estimated": e.started_estimated, "worked": _iso(e.worked_at),
            "due": _iso(e.due_at), "at_risk": _iso(e.at_risk_at), "breached": _iso(e.breached_at), "owner": e.owner_id}


def _decode_sla(row: dict[str, Any]) -> SlaEntry:
    return SlaEntry(row["system"], row["id"], row["stage"], SlaState(row["state"]), _instant(row["started"]),
                    row["estimated"], _maybe(row["worked"]), _instant(row["due"]), _instant(row["at_risk"]),
                    _maybe(row["breached"]), row["owner"])


def _encode_observed(pair: LeadPair) -> dict[str, Any]:
    return {"crm": _encode_seen(pair.crm), "ma": _encode_seen(pair.ma), "link": pair.link.value}


def _decode_observed(row: dict[str, Any]) -> LeadPair:
    return LeadPair(_decode_seen(row["crm"]), _decode_seen(row["ma"]), LinkKind(row["link"]))


def _encode_seen(lead: CanonicalLead | None) -> list[Any] | None:
    """What a run records of a lead at its end: system, id, stage and since when (not its fields)."""
    return None if lead is None else [lead.system, lead.record_id, lead.stage, _iso(lead.stage_entered_at)]


def _decode_seen(seen: list[Any] | None) -> CanonicalLead | None:
    if seen is None:
        return None
    system, record_id, stage, entered = seen
    return CanonicalLead(system, record_id, None, stage, {}, {}, stage_entered_at=_maybe(entered))


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _maybe(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


_ENCODERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    CORRECTION: _encode_correction, SKIPPED: _encode_skipped, SLA: _encode_sla, OBSERVED: _encode_observed}
_DECODERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    CORRECTION: _decode_correction, SKIPPED: _decode_skipped, SLA: _decode_sla, OBSERVED: _decode_observed}
