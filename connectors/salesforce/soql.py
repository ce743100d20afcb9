"""Pure SOQL builders: windows on SystemModstamp, batched IN lists under a length limit, values escaped.

Field names are checked as API names (definitions are validated so; this keeps any other caller honest): a name
never changes a query's shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from simple_salesforce.format import quote_soql_value

from mapping.definition.api_names import is_api_name

MAX_QUERY_CHARS = 10_000  # queries travel in a GET URL; stay well below its limit


def literal(instant: datetime) -> str:
    """A SOQL datetime literal (UTC, no quotes)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_where(start: datetime, end: datetime) -> str:
    """[start, end) on SystemModstamp in whole-second literals: the start rounded down, the end up, so a record
    stamped in the same second as the end (milliseconds before the run began) is in this window, not only in the
    next one's overlap."""
    return f"SystemModstamp >= {literal(start)} AND SystemModstamp < {literal(_ceil_second(end))}"


def _ceil_second(instant: datetime) -> datetime:
    whole = instant.replace(microsecond=0)
    return whole if whole == instant else whole + timedelta(seconds=1)


def field_names(names: Sequence[str]) -> str:
    """`A, B, C` for a select list; raises ValueError on a name that is not an API name (a bug upstream)."""
    bad = [name for name in names if not is_api_name("salesforce", name)]
    if bad:
        raise ValueError(f"not Salesforce API names, refused in SOQL: {bad!r}")
    return ", ".join(names)


def select(fields: Sequence[str], sobject: str, where: str, order: str = "") -> str:
    query = f"SELECT {field_names(fields)} FROM {field_names([sobject])} WHERE {where}"
    return f"{query} ORDER BY {order}" if order else query


def quoted_list(values: Sequence[str]) -> str:
    """`'a', 'b'`: every value quoted and escaped, for an IN list of string literals."""
    return ", ".join(quote_soql_value(value) for value in values)


def in_batches(template_prefix: str, column: str, values: Sequence[str], suffix: str = "") -> Iterator[str]:
    """`prefix column IN (…) suffix` queries, each under MAX_QUERY_CHARS, every value quoted and escaped."""
    field_names([column])
    budget = MAX_QUERY_CHARS - len(template_prefix) - len(column) - len(suffix) - 16
    chunk: list[str] = []
    used = 0
    for value in dict.fromkeys(values):
        quoted = quote_soql_value(value)
        if chunk and used + len(quoted) + 1 > budget:
            yield f"{template_prefix}{column} IN ({','.join(chunk)}){suffix}"
            chunk, used = [], 0
        chunk.append(quoted)
        used += len(quoted) + 1
    if chunk:
        yield f"{template_prefix}{column} IN ({','.join(chunk)}){suffix}"
