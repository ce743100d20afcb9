"""Writes stage corrections through batch update (100 a call); clears go in their own request before the sets."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput, SimplePublicObjectBatchInput

from connectors.annotations import writable_extras
from connectors.errors import WriteOutcomeUnknownError
from connectors.hubspot.api import HubSpotApi
from connectors.hubspot.source import HubSpotContactSource
from connectors.ports import OUTCOME_UNKNOWN, WriteOutcome
from mapping.plan import Correction

BATCH = 100



class HubSpotStageWriter:
    system = "hubspot"

    def __init__(self, api: HubSpotApi, source: HubSpotContactSource) -> None:
        self.api = api
        self.source = source
        self.missing_annotation_fields: list[str] = []  # annotation properties the portal lacks (or makes read-only)

    def apply_corrections(self, corrections: Sequence[Correction]) -> list[WriteOutcome]:
        """Every correction of a contact, with its annotation properties, in one input of the batch."""
        outcomes: list[WriteOutcome] = []
        for step in sorted({c.step for c in corrections}):  # a backward lifecycle move: clear (1), then set (2)
            inputs: dict[str, dict[str, str]] = {}
            for correction in (c for c in corrections if c.step == step):
                properties = inputs.setdefault(correction.record_id, {})
                for name, value in self._writable(correction.extras):
                    properties.setdefault(name, value or "")
                properties[correction.field] = correction.after or ""
            outcomes += self._update(inputs)
        return outcomes

    def _writable(self, extras: Sequence[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
        if not extras:
            return []
        return writable_extras(extras, self.source.describe_fields(), self.missing_annotation_fields, "contact property")

    def _update(self, inputs: dict[str, dict[str, str]]) -> list[WriteOutcome]:
        ids = list(inputs)
        outcomes: list[WriteOutcome] = []
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            body = BatchInputSimplePublicObjectBatchInput(
                inputs=[SimplePublicObjectBatchInput(id=i, properties=inputs[i]) for i in chunk])
            try:
                response = self.api.run("batch_update", partial(self._update_batch, body), write=True)
            except WriteOutcomeUnknownError as exc:
                outcomes += [WriteOutcome(i, False, OUTCOME_UNKNOWN, str(exc)) for i in chunk]
                continue
            outcomes += _outcomes(chunk, response)
        return outcomes

    def _update_batch(self, body: BatchInputSimplePublicObjectBatchInput, timeout: float) -> Any:
        return self.api.batch_api.update_with_http_info(body, _request_timeout=timeout)

    def read_stage_values(self, record_ids: Sequence[str]) -> dict[str, dict[str, str | None]]:
        return {c["id"]: {f: c["properties"].get(f) or None for f in self.source.stage_fields}
                for c in self.source.read_records(record_ids)}


def _outcomes(ids: list[str], response: Any) -> list[WriteOutcome]:
    """A 207 names the failed ids in each error's context; every other id of the batch succeeded."""
    failed: dict[str, WriteOutcome] = {}
    for error in getattr(response, "errors", None) or []:
        context = getattr(error, "context", None) or {}
        for record_id in context.get("ids", []) or context.get("id", []):
            failed[str(record_id)] = WriteOutcome(str(record_id), False, str(getattr(error, "category", "ERROR")),
                                                  str(getattr(error, "message", ""))[:500])
    return [failed.get(i) or WriteOutcome(i, True) for i in ids]
