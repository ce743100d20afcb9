"""Micro-benchmark: evaluate_sla over 100,000 random leads on two calendars; prints evaluations per second."""

from __future__ import annotations

import random
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mapping.business_time import BusinessCalendar
from mapping.sla_clock import SlaPolicy, evaluate_sla

LEADS = 100_000
ROUNDS = 3  # the best round is reported: this shared machine's timings are noisy
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
CALENDARS = (
    BusinessCalendar.office_hours("America/New_York", holiday_country="US"),
    BusinessCalendar.office_hours(
        "Europe/London", (time(9), time(12, 30)), (time(13, 30), time(17, 30)), holiday_country="GB"
    ),
)
POLICIES = (SlaPolicy(timedelta(hours=4)), SlaPolicy(timedelta(hours=24), warn_at=0.5))

Lead = tuple[BusinessCalendar, SlaPolicy, datetime, bool, tuple[datetime, ...]]


def random_leads(rng: random.Random) -> list[Lead]:
    """Leads that entered their stage up to 60 days before NOW, with 0–3 work instants around it."""
    leads = []
    for _ in range(LEADS):
        started = NOW - timedelta(seconds=rng.randrange(60 * 86_400))
        work = tuple(
            started + timedelta(seconds=rng.randrange(-86_400, 10 * 86_400)) for _ in range(rng.randrange(4))
        )
        leads.append((rng.choice(CALENDARS), rng.choice(POLICIES), started, rng.random() < 0.2, work))
    return leads


def run(leads: list[Lead]) -> float:
    """Seconds to evaluate every lead once."""
    began = clock.perf_counter()
    for calendar, policy, started, estimated, work in leads:
        evaluate_sla(calendar, policy, started, estimated, work, NOW)
    return clock.perf_counter() - began


def main() -> None:
    leads = random_leads(random.Random(42))
    rounds = [run(leads) for _ in range(ROUNDS)]
    print(f"cold round (builds the calendars' year tables): {LEADS / rounds[0]:,.0f} evaluations/s")
    print(f"warm rounds: {', '.join(f'{LEADS / seconds:,.0f}' for seconds in rounds[1:])} evaluations/s")
    print(f"business-time: {LEADS / min(rounds):,.0f} evaluations/s")


if __name__ == "__main__":
    main()
