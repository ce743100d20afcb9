"""sObject Get Updated / Get Deleted (`sobjects/{T}/updated/?start=&end=`, `.../deleted/`), reference §7.5.

Dates are truncated to the minute; start must precede end (INVALID_REPLICATION_DATE); updated covers 30 days back
and deleted 15 (the Recycle Bin); windows match `SystemModstamp` in [start, min(end, now)); `latestDateCovered` is never
later than the current minute, so resuming from it may list a record of that minute twice (harmless for replication).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.responses import Response

from .context import DATA, Call, Route, route
from .wire import error_response, format_datetime, json_response, now_utc, parse_datetime

UPDATED_DAYS, DELETED_DAYS = 30, 15
ID_LIMIT = 600_000


class ReplicationError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _param(call: Call, name: str) -> datetime:
    raw = call.request.query_params.get(name, "").replace(" ", "+")  # an unencoded '+' arrives as a space
    try:
        return _minute(parse_datetime(raw))
    except ValueError:
        raise ReplicationError("MALFORMED_QUERY", f"'{name}' must be a dateTime, e.g. 2024-01-01T00:00:00+00:00") from None


def _window(call: Call, days: int) -> tuple[datetime, datetime, datetime]:
    """(start, end of the rows searched, latest date covered) after Salesforce's checks."""
    start, end = _param(call, "start"), _param(call, "end")
    exact = now_utc()
    now = _minute(exact)
    if start >= end:
        raise ReplicationError("INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate")
    if start < now - timedelta(days=days):
        raise ReplicationError("INVALID_REPLICATION_DATE", f"startDate cannot be more than {days} days ago")
    return start, min(end, exact), min(end, now)


def _stamped(call: Call, deleted: bool, start: datetime, end: datetime) -> list[tuple[str, str]]:
    """(id, SystemModstamp) of the rows changed (or deleted) in [start, end)."""
    table = call.state.org.table(call.params["obj"])
    if table is None:
        raise ReplicationError("NOT_FOUND", "The requested resource does not exist")
    low, high = format_datetime(start), format_datetime(end)
    get_id, get_stamp, get_deleted = table.getter("Id"), table.getter("SystemModstamp"), table.getter("IsDeleted")
    with call.state.org.lock:
        found = [(str(get_id(row)), str(get_stamp(row))) for row in table.rows.values()
                 if bool(get_deleted(row)) == deleted and low <= str(get_stamp(row)) < high]
    if len(found) > ID_LIMIT:
        raise ReplicationError("EXCEEDED_ID_LIMIT", "record limit reached: choose a shorter window")
    return found


async def get_updated(call: Call) -> Response:
    try:
        start, end, covered = _window(call, UPDATED_DAYS)
        found = _stamped(call, False, start, end)
    except ReplicationError as error:
        return _error(error)
    return json_response({"ids": [record_id for record_id, _ in found], "latestDateCovered": format_datetime(covered)})


async def get_deleted(call: Call) -> Response:
    try:
        start, end, covered = _window(call, DELETED_DAYS)
        found = _stamped(call, True, start, end)
    except ReplicationError as error:
        return _error(error)
    earliest = _minute(now_utc()) - timedelta(days=DELETED_DAYS)
    return json_response({
        "deletedRecords": [{"id": record_id, "deletedDate": stamp} for record_id, stamp in found],
        "earliestDateAvailable": format_datetime(earliest),
        "latestDateCovered": format_datetime(covered),
    })


def _error(error: ReplicationError) -> Response:
    return error_response(404 if error.code == "NOT_FOUND" else 400, error.code, error.message)


SOBJECT = DATA + r"/sobjects/(?P<obj>\w+)"
ROUTES: list[Route] = [
    route("GET", SOBJECT + r"/updated", "sf.sobject.updated", get_updated),
    route("GET", SOBJECT + r"/deleted", "sf.sobject.deleted", get_deleted),
]
