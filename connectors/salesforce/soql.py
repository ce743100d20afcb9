"""Pure SOQL builders: windows on SystemModstamp, batched IN lists under a length limit, values escaped."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from simple_salesforce.format import quote_soql_value

MAX_QUERY_CHARS = 10_000  # queries travel in a GET URL; stay well below its limit


def literal(instant: datetime) -> str:
    """A SOQL datetime literal (UTC, no quotes)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_where(start: datetime, end: datetime) -> str:
    return f"SystemModstamp >= {literal(start)} AND SystemModstamp < {literal(end)}"


def select(fields: Sequence[str], sobject: str, where: str, order: str = "") -> str:
    query = f"SELECT {', '.join(fields)} FROM {sobject} WHERE {where}"
    return f"{query} ORDER BY {order}" if order else query


def in_batches(template_prefix: str, column: str, values: Sequence[str], suffix: str = "") -> Iterator[str]:
    """`prefix column IN (…) suffix` queries, each under MAX_QUERY_CHARS, every value quoted and escaped."""
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
