"""Pulls Leads, their stage history and their logged work, in batched SOQL (pages of 2,000)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any, cast

from simple_salesforce import Salesforce, SFType
from simple_salesforce.bulk2 import SFBulk2Handler

from connectors.ports import StageEvidence, TimeWindow
from connectors.salesforce.api import SalesforceApi
from connectors.salesforce.soql import field_names, in_batches, quoted_list, select, window_where
from connectors.salesforce.translate import translated_pages
from mapping.definition.compiled import CompiledDefinition

ALWAYS = ("Id", "SystemModstamp", "IsConverted")
BULK_THRESHOLD = 50_000  # records in a window above which Bulk API 2.0 beats REST paging
BULK_PAGE = 10_000
ACTIVITIES = ("Task", "Event")
EVIDENCE_FIELDS = {"LeadHistory": ("LeadId", "Field", "OldValue", "NewValue", "CreatedDate"),
                   "Task": ("WhoId", "CreatedDate"), "Event": ("WhoId", "CreatedDate")}
NOT_OURS = "NOT Subject LIKE '[leadsync]%'"  # leadsync's own SLA flag Tasks are not work


class SalesforceLeadSource:
    system = "salesforce"

    def __init__(self, api: SalesforceApi, compiled: CompiledDefinition) -> None:
        self.api = api
        view = compiled.systems["salesforce"]
        # CreatedDate last, also when unmapped: a lead created in its stage starts its SLA clock then (DESIGN §6).
        self.wanted = tuple(dict.fromkeys([*ALWAYS, *view.raw_fields, "CreatedDate"]))
        self.stage_fields = view.stage_fields
        self.email_field = view.mapping.fields.get("email", "Email")
        self._fields: tuple[str, ...] | None = None
        self._described: dict[str, dict[str, Any]] | None = None
        self.missing_fields: tuple[str, ...] = ()
        self.bulk_threshold = BULK_THRESHOLD

    def _bulk_pages(self, soql: str) -> Iterator[list[dict[str, Any]]]:
        """Bulk API 2.0 result pages (CSV, one locator page at a time: never the whole result in memory)."""
        self.api.budget.spend()
        results = self.api.run("bulk.query", lambda sf: _bulk2(sf).Lead.query(soql.split(" ORDER BY ")[0],
                                                                                max_records=BULK_PAGE, wait=1))
        for csv_text in translated_pages("bulk.query", results):
            self.api.budget.spend()
            rows = csv.DictReader(io.StringIO(str(csv_text)))  # CSV text (the client types a page as str | int)
            yield [{key: (value if value != "" else None) for key, value in row.items()} for row in rows]

    @property
    def fields(self) -> tuple[str, ...]:
        """The mapped fields this org has (one describe call); mapped fields it lacks are left out and reported."""
        if self._fields is None:
            present = self.describe_fields()
            self._fields = tuple(f for f in self.wanted if f in present or "." in f)
            self.missing_fields = tuple(f for f in self.wanted if f not in self._fields)
        return self._fields

    def describe_fields(self) -> dict[str, dict[str, Any]]:
        """Every Lead field the org has, by API name, as its describe shows it (one describe call, then cached)."""
        if self._described is None:
            described = self.api.run("describe", lambda sf: _lead(sf).describe())
            self._described = {f["name"]: f for f in described.get("fields", [])}
        return self._described

    def count_changed(self, window: TimeWindow) -> int:
        return self.api.count(f"SELECT COUNT() FROM Lead WHERE {window_where(window.start, window.end)}")

    def iter_changed(self, window: TimeWindow) -> Iterator[list[dict[str, Any]]]:
        """Pages of Leads changed in the window, each record once even if it moves while we page.

        A COUNT() probe picks the API: REST pages of 2,000 up to `bulk_threshold` records, Bulk API 2.0 beyond.
        """
        seen: set[str] = set()
        soql = select(self.fields, "Lead", window_where(window.start, window.end), "SystemModstamp, Id")
        pages = self._bulk_pages(soql) if self.count_changed(window) > self.bulk_threshold else \
            self.api.query_pages(soql, "pull")
        for page in pages:
            fresh = [record for record in page if record["Id"] not in seen]
            seen.update(record["Id"] for record in fresh)
            if fresh:
                yield fresh

    def iter_whole(self, window: TimeWindow) -> Iterator[list[dict[str, Any]]]:
        """A full run's whole pull is the window's pull: REST or Bulk 2.0 by the COUNT() probe."""
        return self.iter_changed(window)

    def iter_all_evidence(self) -> Iterator[StageEvidence]:
        """Stage history, then Tasks, then Events of every lead: one query each, paged, instead of IN-lists of ids."""
        history = select(EVIDENCE_FIELDS["LeadHistory"], "LeadHistory", f"Field IN ({quoted_list(self.stage_fields)})")
        for page in self.api.query_pages(history, "evidence"):
            yield StageEvidence(history=_group(page, "LeadId"))
        for sobject in ACTIVITIES:
            # WhoId also names Contacts; their rows are kept but never asked for. Our own SLA flag Tasks are not work.
            work = select(EVIDENCE_FIELDS[sobject], sobject, NOT_OURS)
            for page in self.api.query_pages(work, "evidence"):
                yield StageEvidence(activities=_group(page, "WhoId"))

    def read_records(self, record_ids: Sequence[str]) -> list[dict[str, Any]]:
        return self.query_by(self.fields, "Id", record_ids, "read")

    def find_by_emails(self, emails: Sequence[str]) -> list[dict[str, Any]]:
        return self.query_by(self.fields, self.email_field, emails, "find")

    def read_evidence(self, record_ids: Sequence[str]) -> StageEvidence:
        fields = quoted_list(self.stage_fields)
        history = self.query_by(EVIDENCE_FIELDS["LeadHistory"], "LeadId", record_ids, "evidence", "LeadHistory",
                                f"Field IN ({fields}) AND ")
        activities: list[dict[str, Any]] = []
        for sobject in ACTIVITIES:
            activities += self.query_by(EVIDENCE_FIELDS[sobject], "WhoId", record_ids, "evidence", sobject,
                                        f"{NOT_OURS} AND ")
        return StageEvidence(_group(history, "LeadId"), _group(activities, "WhoId"))

    def query_by(self, fields: Sequence[str], column: str, values: Sequence[str], operation: str, sobject: str = "Lead",
            extra: str = "") -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        prefix = f"SELECT {field_names(fields)} FROM {field_names([sobject])} WHERE {extra}"
        for soql in in_batches(prefix, column, [v for v in values if v]):
            for page in self.api.query_pages(soql, operation):
                found += page
        return found


def _group(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row.get(key)), []).append(row)
    return grouped


# Salesforce.__getattr__ is typed as returning any of its handlers; these say which one a caller gets.
def _bulk2(sf: Salesforce) -> SFBulk2Handler:
    return cast(SFBulk2Handler, sf.bulk2)


def _lead(sf: Salesforce) -> SFType:
    return cast(SFType, sf.Lead)
