"""Guards over plans, and the provisioning diff of stage values against live picklists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mapping.guards import blast_radius, hold_back_loops
from mapping.plan import Correction, SkipReason
from mapping.stage_diff import PicklistValue, diff_stages
from tests.factories import EXAMPLE, at, compiled

DEFAULT = compiled()
STOCK_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"]


def _correction(record_id: str) -> Correction:
    return Correction("salesforce", record_id, "Status", "a", "b", "inquiry", "mql", "marketing_evidence", "r", "1")


class TestBlastRadius:
    def test_within_both_limits(self) -> None:
        radius = blast_radius([_correction("A"), _correction("A"), _correction("B")], 100, 10, 0.05)
        assert (radius.records, radius.exceeded) == (2, False)

    @pytest.mark.parametrize(("records", "population", "max_records", "max_share"), [(11, 1000, 10, 0.5), (60, 100, 500, 0.5)])
    def test_exceeding_count_or_share_trips(self, records: int, population: int, max_records: int, max_share: float) -> None:
        radius = blast_radius([_correction(str(n)) for n in range(records)], population, max_records, max_share)
        assert radius.exceeded
        assert f"{records} of {population} records" in radius.describe()


    def test_a_small_run_is_not_judged_by_its_share(self) -> None:
        radius = blast_radius([_correction(str(n)) for n in range(5)], 8, 500, 0.5)
        assert not radius.exceeded and radius.share > 0.5


class TestLoopGuard:
    def test_a_record_corrected_too_often_recently_is_held_back(self) -> None:
        recent = {("salesforce", "A"): [at(23, 9), at(23, 10), at(23, 11)], ("salesforce", "B"): [at(1), at(2), at(3)]}
        kept, held = hold_back_loops([_correction("A"), _correction("B")], recent, at(23, 12), timedelta(days=1), 3)

        assert [c.record_id for c in kept] == ["B"]
        assert [(s.record_id, s.reason) for s in held] == [("A", SkipReason.LOOP)]


class TestStageDiff:
    def test_adds_the_definition_values_in_rank_order_and_keeps_every_live_value(self) -> None:
        live = [PicklistValue(v, v) for v in STOCK_STATUSES]
        diff = diff_stages(DEFAULT, "salesforce", "Status", live)

        assert [v.value for v in diff.to_add] == ["Marketing Qualified", "Sales Accepted", "Sales Qualified", "Recycled"]
        assert [v.value for v in diff.full] == [
            "Open - Not Contacted", "Marketing Qualified", "Working - Contacted", "Sales Accepted", "Sales Qualified",
            "Closed - Converted", "Closed - Not Converted", "Recycled",
        ]
        assert diff.to_add[0].description == DEFAULT.stage("mql").definition

    def test_nothing_to_add_once_provisioned_and_never_removes(self) -> None:
        first = diff_stages(DEFAULT, "salesforce", "Status", [PicklistValue(v, v) for v in [*STOCK_STATUSES, "Legacy"]])
        second = diff_stages(DEFAULT, "salesforce", "Status", list(first.full))

        assert second.empty
        assert "Legacy" in [v.value for v in second.full]

    def test_case_insensitive_match_avoids_duplicates(self) -> None:
        added = ["Marketing Qualified", "Sales Accepted", "Sales Qualified", "Recycled"]
        live = [PicklistValue(v, v) for v in STOCK_STATUSES] + [PicklistValue(v.upper(), v) for v in added]
        assert diff_stages(DEFAULT, "salesforce", "Status", live).empty

    def test_hubspot_options_per_field(self) -> None:
        live = [PicklistValue(v, v) for v in ["NEW", "OPEN", "IN_PROGRESS"]]
        diff = diff_stages(DEFAULT, "hubspot", "hs_lead_status", live)
        assert [v.value for v in diff.to_add] == ["BAD_TIMING", "UNQUALIFIED"]

    def test_another_definition_diffs_its_own_values(self) -> None:
        diff = diff_stages(compiled(EXAMPLE), "salesforce", "Status", [PicklistValue("New", "New")])
        assert [v.value for v in diff.to_add] == ["Nurturing", "Hot - Call Now", "Parked"]
