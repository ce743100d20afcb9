"""Bulk API 2.0 job records shared by query and ingest jobs: ids, JSON info, delimiters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .store import Row
from .wire import format_datetime, now_utc

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


@dataclass
class Job:
    """One Bulk 2.0 job; `info` is what `GET jobs/.../{id}` answers, the rest is the sandbox's bookkeeping."""

    info: dict[str, Any]
    kind: str  # "query" or "ingest"
    rows: list[Row] = field(default_factory=list)
    plan: Any = None
    polls: int = 0
    uploads: list[bytes] = field(default_factory=list)
    successes: list[list[str]] = field(default_factory=list)
    failures: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.info["id"])

    @property
    def delimiter(self) -> str:
        return DELIMITERS.get(str(self.info.get("columnDelimiter", "COMMA")), ",")

    @property
    def line_ending(self) -> str:
        return LINE_ENDINGS.get(str(self.info.get("lineEnding", "LF")), "\n")

    def set_state(self, state: str) -> None:
        self.info["state"] = state
        self.info["systemModstamp"] = format_datetime(now_utc())


def new_job_info(job_id: str, user_id: str, version: str, body: dict[str, Any], job_type: str) -> dict[str, Any]:
    stamp = format_datetime(now_utc())
    return {
        "id": job_id,
        "operation": body.get("operation"),
        "object": body.get("object"),
        "createdById": user_id,
        "createdDate": stamp,
        "systemModstamp": stamp,
        "state": "UploadComplete" if job_type == "V2Query" else "Open",
        "concurrencyMode": "Parallel",
        "contentType": body.get("contentType", "CSV"),
        "apiVersion": float(version),
        "jobType": job_type,
        "lineEnding": body.get("lineEnding", "LF"),
        "columnDelimiter": body.get("columnDelimiter", "COMMA"),
        "numberRecordsProcessed": 0,
        "numberRecordsFailed": 0,
        "retries": 0,
        "totalProcessingTime": 0,
        "apiActiveProcessingTime": 0,
        "apexProcessingTime": 0,
    }
