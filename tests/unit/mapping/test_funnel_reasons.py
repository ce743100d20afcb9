"""Each record's drift reason with its history: unknown where it differed before leadsync first saw it, each run's
reason in force until a later run sees another, counted at each period's end; and the periods a funnel shows start
where anyone is."""

from __future__ import annotations

from datetime import UTC, datetime

from mapping.funnel import Reason, RecordFacts
from mapping.funnel_counts import ReasonCount, SlaCount, reason_counts
from mapping.funnel_periods import PeriodKind, bounds, funnel_periods
from mapping.funnel_reasons import UNKNOWN, ReasonStay, differing, reason_changes, record_reasons
from mapping.funnel_stats import first_populated, series_from, sla_from
from tests.factories import compiled

DEFAULT = compiled()
UNTIL = datetime(2026, 12, 1, 5, tzinfo=UTC)  # the end of November in New York
EDGES = bounds(funnel_periods(PeriodKind.MONTH, DEFAULT.zone, UNTIL, count=3))  # September, October, November
SEP, OCT, NOV = 0, 1, 2


def _s(month: int, day: int) -> int:
    return int(datetime(2026, month, day, 15, tzinfo=UTC).timestamp())


def _facts(as_of: int, stage: str | None, reason: str) -> RecordFacts:
    return RecordFacts("salesforce", "00Q1", "00Q1", stage, "mql", reason, None, None, "v1", as_of)


class TestTheUnknownPast:
    def test_only_the_spans_where_the_record_differed_count_one_per_own_stage(self) -> None:
        own = [(_s(9, 1), _s(10, 1), "inquiry"), (_s(10, 1), None, "mql")]
        person = [(_s(9, 1), _s(9, 20), "inquiry"), (_s(9, 20), _s(9, 25), "mql"), (_s(9, 25), None, "sal")]

        # Agreeing until Sep 20; then inquiry beside MQL and SAL (one span), then MQL beside SAL until the run.
        assert differing(own, person, before=_s(11, 5)) == [(_s(9, 20), _s(10, 1), "inquiry"), (_s(10, 1), _s(11, 5), "mql")]

    def test_a_record_before_its_person_has_a_path_differs_and_one_before_its_own_first_stay_does_not(self) -> None:
        own = [(_s(9, 5), None, "mql")]
        person = [(_s(9, 10), None, "mql")]

        assert differing(own, person, before=_s(10, 1)) == [(_s(9, 5), _s(9, 10), "mql")]
        assert differing(own, person, before=_s(9, 1)) == []  # the record did not exist before the run

    def test_a_record_without_a_stage_differs_from_a_person_with_one(self) -> None:
        assert differing([(_s(9, 1), None, None)], [(_s(9, 1), None, "inquiry")], before=_s(9, 2)) == [
            (_s(9, 1), _s(9, 2), None)]


class TestJoiningTheHistory:
    def _rows(self, as_of: int, stage: str, reason: str) -> list[ReasonStay]:
        return record_reasons(_facts(as_of, stage, reason), [], [], DEFAULT.zone)

    def test_a_record_first_seen_brings_its_past_and_a_later_run_only_its_change(self) -> None:
        first = self._rows(_s(9, 15), "inquiry", Reason.LAG)
        assert reason_changes(None, first) == (None, first)

        later = self._rows(_s(10, 20), "mql", "")
        closed, added = reason_changes(first[-1], later)
        assert closed is not None and (closed.since_s, closed.until_s, closed.reason) == (_s(9, 15), _s(10, 20), Reason.LAG)
        assert added == later[-1:]

    def test_the_same_reason_again_changes_nothing_and_a_rerun_replaces_the_open_row(self) -> None:
        open_row = self._rows(_s(9, 15), "inquiry", Reason.LAG)[-1]

        assert reason_changes(open_row, self._rows(_s(10, 20), "inquiry", Reason.LAG)) == (None, [])
        replaced, added = reason_changes(open_row, self._rows(_s(9, 15), "inquiry", Reason.UNMET))
        assert replaced is not None and (replaced.since_s, replaced.until_s, replaced.reason) == (_s(9, 15), None,
                                                                                                   Reason.UNMET)
        assert added == []


def test_a_reason_counts_at_each_period_end_it_is_in_force_at() -> None:
    own = [(_s(8, 1), None, "inquiry")]
    facts = _facts(_s(10, 10), "inquiry", Reason.LAG)
    rows = [ReasonStay(facts.system, facts.record_id, since, until, stage, UNKNOWN, 0, None, 0, None)
            for since, until, stage in differing(own, [(_s(8, 1), _s(9, 3), "inquiry"), (_s(9, 3), None, "mql")],
                                                 facts.as_of_s)]
    rows += record_reasons(facts, [], [], DEFAULT.zone)[-1:]

    assert reason_counts(rows, EDGES) == [ReasonCount(SEP, "salesforce", "inquiry", UNKNOWN, 1),
                                          ReasonCount(OCT, "salesforce", "inquiry", Reason.LAG, 1),
                                          ReasonCount(NOV, "salesforce", "inquiry", Reason.LAG, 1)]


def test_the_periods_start_where_anyone_is_and_keep_the_empty_ones_between() -> None:
    series = {("salesforce", 1, None): [0, 0, 2, 0, 3], ("definition", 1, None): [0, 0, 0, 1, 1]}
    sla = [SlaCount(3, "mql", None, "met", 1)]

    first = first_populated(series, sla, 5)

    assert first == 2
    assert series_from(series, first) == {("salesforce", 1, None): [2, 0, 3], ("definition", 1, None): [0, 1, 1]}
    assert sla_from(sla, first) == [SlaCount(1, "mql", None, "met", 1)]
    assert first_populated(series, [SlaCount(1, "mql", None, "met", 1)], 5) == 1  # a clock started earlier
    assert first_populated({}, [], 5) == 4  # nobody at all: the last period alone
