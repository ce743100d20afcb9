"""Owners as people read them: which system an id is from, `Name (id)` labels, and where the name stands (pure)."""

from __future__ import annotations

from datetime import timedelta

from flows.render.story import render_story
from flows.runs.notify import breach_line
from flows.runs.owner_names import owner_keys, owner_label
from flows.runs.services import system_of_id
from mapping.explain import tell
from mapping.match import LeadPair, LinkKind
from mapping.normalize import normalize_salesforce
from mapping.plan import decide, default_forward_only
from mapping.sla import SlaEntry
from mapping.sla_clock import SlaState
from tests.factories import at, compiled, sf_lead

USER = "005000000000001AAA"
BREACHED = at(20, 15)


def test_an_id_tells_its_system_by_its_shape() -> None:
    assert system_of_id("70001") == "hubspot"
    assert system_of_id(USER) == system_of_id("0055g000001AbCd") == "salesforce"
    assert system_of_id("00G5g000000AbCdEAI") == "salesforce"  # a queue: asked of Salesforce, named by nobody
    assert system_of_id("(no owner)") is None and system_of_id("ada@example.com") is None


def test_owner_keys_keep_one_key_per_id_and_drop_what_no_system_holds() -> None:
    assert owner_keys([USER, "70001", None, "", "(no owner)", USER]) == [("salesforce", USER), ("hubspot", "70001")]


def test_a_label_puts_the_name_first_and_keeps_the_id() -> None:
    assert owner_label(USER, "Ada Lovelace") == f"Ada Lovelace ({USER})"
    assert owner_label(USER, None) == owner_label(USER, "") == USER


def _breach(owner_id: str | None) -> SlaEntry:
    return SlaEntry("salesforce", "00Q000000000001AAA", "mql", SlaState.BREACHED, BREACHED - timedelta(hours=6), False,
                    None, BREACHED, BREACHED - timedelta(hours=1), BREACHED, owner_id)


def test_a_breach_line_names_the_owner_or_shows_the_id_or_says_nothing() -> None:
    assert breach_line(_breach(USER), {USER: "Ada Lovelace"}) == (
        f"salesforce 00Q000000000001AAA (mql) breached at 2026-11-20 15:00 UTC, owner Ada Lovelace ({USER})")
    assert breach_line(_breach(USER), {}).endswith(f"UTC, owner {USER}")
    assert breach_line(_breach(None), {USER: "Ada Lovelace"}).endswith("UTC")


def _story(owner_names: dict[str, str] | None) -> dict[str, object]:
    definition = compiled()
    record, history = sf_lead(status="Open - Not Contacted", entered=at(2))
    lead = normalize_salesforce(record, definition, history)
    decision = decide(LeadPair(lead, None, LinkKind.NONE), definition, default_forward_only(definition))
    return tell(USER, decision, definition, at(23), sla=_breach(USER), owner_names=owner_names).as_dict()


def test_the_story_puts_a_known_name_beside_the_owner_id_and_never_drops_the_id() -> None:
    named, unnamed = _story({USER: "Ada Lovelace"}), _story(None)
    fields = named["records"][0]["fields"]  # type: ignore[index]
    assert list(fields)[list(fields).index("owner_id") + 1] == "owner_name"
    assert (fields["owner_id"], fields["owner_name"]) == (USER, "Ada Lovelace")
    assert named["sla"]["owner_name"] == "Ada Lovelace"  # type: ignore[index]
    assert "owner_name" not in unnamed["records"][0]["fields"]  # type: ignore[index]
    assert unnamed["sla"]["owner_id"] == USER and unnamed["sla"]["owner_name"] is None  # type: ignore[index]
    assert f"owner=Ada Lovelace ({USER})" in render_story(named) and "owner_name=" not in render_story(named)
    assert f"owner={USER}," in render_story(unnamed)
