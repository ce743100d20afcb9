"""Scenario 5: concurrency.

- Two syncs and a backfill started together (three processes, one state store: SQLite, and PostgreSQL when
  LEADSYNC_TEST_DATABASE_URL points at one): one sync runs, the other is refused (exit 3, one sync at a time), the
  backfill's writes take turns with the sync's. No record is written twice and no correction is lost: the end
  state equals a lone sync's.
- A CRM user edits leads between our read and our write: verify-before-write leaves the user's value, and the
  skipped writes are reported.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crashes import BACKFILL, LEADSYNC, SYNC
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from table import Row
from world import World, differences, duplicates, world

from connectors.store.sql_state import open_run_state

USER_VALUE = "Working - Contacted"


def run(full: bool) -> list[Row]:
    leads = 3_000 if full else 400
    rows = []
    with tempfile.TemporaryDirectory(prefix="leadsync-concurrency-") as tmp:
        base = Path(tmp)
        with world(base / "reference", leads) as w:
            w.sync()
            reference = w.final_state()
        rows.append(_together(base / "sqlite", leads, reference, None))
        postgres = os.environ.get("LEADSYNC_TEST_DATABASE_URL")
        if postgres:
            with _fresh_database(postgres) as url:
                rows.append(_together(base / "postgresql", leads, reference, url))
        rows.append(_user_edit(base / "edit", leads))
    return rows


def _together(tmp: Path, leads: int, reference: dict[str, Any], database_url: str | None) -> Row:
    backend = "postgresql" if database_url else "sqlite"
    overrides = {"LEADSYNC_DATABASE_URL": database_url} if database_url else {}
    with world(tmp, leads, **overrides) as w:
        open_run_state(w.env["LEADSYNC_DATABASE_URL"]).close()  # migrated once, before the race
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("LEADSYNC_")}, **w.env}
        children = [subprocess.Popen([LEADSYNC, *command], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True) for command in (SYNC, SYNC, BACKFILL)]
        answers = [child.communicate(timeout=900) for child in children]
        codes = [child.returncode for child in children]
        journal = w.journal()
        after = w.sync()
        differing = differences(reference, w.final_state())
    syncs = sorted(codes[:2])
    figures = {"exit_codes": f"sync {codes[0]}, sync {codes[1]}, backfill {codes[2]}",
               "writes": sum(journal.values()), "duplicate_writes": duplicates(journal), "lost_corrections": differing,
               "left_after": len(after.corrections)}
    passed = (syncs == [0, 3] and codes[2] == 0 and duplicates(journal) == 0 and differing == 0
              and not after.corrections)
    unexpected = [err.strip().splitlines()[-1] for (_, err), code in zip(answers, codes, strict=True)
                  if code not in (0, 3) and err.strip()]  # why a process failed, when one did
    return Row(f"5 two syncs + backfill ({backend})", passed, figures, note="; ".join(unexpected))


def _user_edit(tmp: Path, leads: int) -> Row:
    with world(tmp, leads) as w:
        edited: list[str] = []
        targets = _targets(w)

        def hook(name: str, thunk: Callable[[], Any]) -> Any:
            if name == "apply-salesforce":
                _edit_as_user(w, targets, edited)
            return thunk()

        report = w.sync(batch_hook=hook)
        kept = sum(w.handle.salesforce.record(r)["Status"] == USER_VALUE for r in edited)  # type: ignore[index]
        result = report.applied["salesforce"]
        stale = {c.record_id for c, _ in result.stale}
        written = {r for r, _ in w.handle.salesforce.org.journal}
    figures = {"edited": len(edited), "kept_user_value": kept, "reported_stale": len(stale),
               "overwritten": len(set(edited) & written), "applied_rest": result.applied}
    passed = kept == len(edited) > 0 and stale == set(edited) and not set(edited) & written and result.applied > 0
    return Row("5 user edit between read and write", passed, figures)


def _targets(w: World) -> list[str]:
    """Five leads the sync is about to correct (its plan, made beforehand)."""
    return sorted({c.record_id for c in w.plan().corrections if c.system == "salesforce"})[:5]


def _edit_as_user(w: World, targets: list[str], edited: list[str]) -> None:
    """A rep changes those leads after our read, in the org itself (not through the API we count)."""
    for record_id in targets:
        table, row = w.handle.salesforce.org.find(record_id)  # type: ignore[misc]
        table.set(row, "Status", USER_VALUE)
        edited.append(record_id)


@contextmanager
def _fresh_database(url: str) -> Iterator[str]:
    name = f"leadsync_rel_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
