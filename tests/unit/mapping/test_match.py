"""Identity matching: explicit links, known links, unique emails; duplicates reported, never guessed."""

from __future__ import annotations

from mapping.convert import salesforce_id18
from mapping.match import LinkKind, match_identities
from mapping.normalize import normalize_hubspot, normalize_salesforce
from tests.factories import compiled, hs_contact, sf_lead

DEFAULT = compiled()


def _sf(record_id: str, email: str | None) -> object:
    return normalize_salesforce(sf_lead(record_id, "Open - Not Contacted", email)[0], DEFAULT)


def _hs(record_id: str, email: str | None, sf_id: str | None = None) -> object:
    return normalize_hubspot(hs_contact(record_id, "lead", email, sf_id=sf_id), DEFAULT)


def test_explicit_link_wins_over_email() -> None:
    result = match_identities([_sf("A", "a@x.io"), _sf("B", "b@x.io")], [_hs("1", "a@x.io", sf_id="B")])
    linked = [p for p in result.pairs if p.ma is not None]

    assert [(p.crm.record_id, p.link) for p in linked] == [("B", LinkKind.EXPLICIT)]


def test_known_link_from_the_state_store_is_used() -> None:
    result = match_identities([_sf("A", "a@x.io")], [_hs("1", "other@x.io")], known_links={"1": "A"})
    assert result.pairs[0].link is LinkKind.KNOWN and result.pairs[0].crm.record_id == "A"


def test_unique_email_links() -> None:
    result = match_identities([_sf("A", "A@X.io ")], [_hs("1", "a@x.io")])
    assert result.pairs[0].link is LinkKind.EMAIL


def test_two_crm_leads_with_one_email_are_a_duplicate_and_untouched() -> None:
    result = match_identities([_sf("A", "d@x.io"), _sf("B", "d@x.io"), _sf("C", "c@x.io")], [_hs("1", "d@x.io")])

    assert [(d.email, d.system, d.record_ids, d.other_ids) for d in result.duplicates] == [
        ("d@x.io", "salesforce", ("A", "B"), ("1",))
    ]
    assert [p.crm.record_id for p in result.pairs if p.crm] == ["C"]
    assert all(p.ma is None for p in result.pairs)


def test_records_in_one_system_only_are_kept_alone() -> None:
    result = match_identities([_sf("A", "a@x.io")], [_hs("1", "z@x.io")])
    assert sorted((p.crm is not None, p.ma is not None) for p in result.pairs) == [(False, True), (True, False)]


def test_a_crm_lead_is_claimed_by_one_contact_only() -> None:
    result = match_identities([_sf("A", "a@x.io")], [_hs("1", "a@x.io", sf_id="A"), _hs("2", "b@x.io", sf_id="A")])
    claimed = [p for p in result.pairs if p.crm is not None and p.ma is not None]
    assert len(claimed) == 1


def test_a_fifteen_character_salesforce_id_in_hubspot_links_the_lead() -> None:
    definition = compiled()
    lead = normalize_salesforce(sf_lead("00Q5000000Abcde", "Open - Not Contacted", "one@example.com")[0] | {
        "Id": salesforce_id18("00Q5000000Abcde")}, definition)
    contact = normalize_hubspot(hs_contact("501", "lead", "other@example.com", sf_id="00Q5000000Abcde"), definition)

    (pair,) = match_identities([lead], [contact]).pairs

    assert pair.crm is lead and pair.ma is contact and pair.link is LinkKind.EXPLICIT
    assert salesforce_id18("00Q5000000Abcde") == "00Q5000000AbcdeEAB"
