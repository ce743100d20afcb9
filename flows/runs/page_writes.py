"""What a sync keeps of each planned page: its items, snapshots, funnel rows and planned marks (`write_page`).

A joined run (a first sync, a wide backfill) plans the whole org after its pulls, and writing each page is nearly
half of that work (the funnel's rows and their indexes, the raw records, the items). Over a store another process
can open, the writes go to a process of their own (`PageWriterProcess`), which takes the pages in order through a
short queue while this one plans the next: two cores instead of one, the same rows. Nothing the run plans reads them
back before the last page is written (`close` waits for it), except the planned marks: a mark still on its way is
answered from memory (`PendingMarks`), so the planner never waits for the writer's turn at the database either.
Elsewhere (an in-memory store, an incremental run's few pages) the writes happen here, page by page.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from pydantic import SecretStr

from connectors.ports import FunnelStore, PulledRecords, RunItems, Snapshot, SnapshotStore
from flows.runs.batches import PlannedKeys
from flows.runs.join import PlannedInStore
from mapping.funnel import FunnelPage

Key = tuple[str, str]
QUEUE_PAGES = 4  # planned pages waiting for the writer: memory holds a few pages, not the org
POLL_S = 1.0  # how often a waiting side checks that the other is still there


class PageStore(RunItems, SnapshotStore, FunnelStore, PulledRecords, Protocol):
    """The roles a page's writes need."""


@dataclass(frozen=True)
class PageWrites:
    """One planned page's rows: the items the run kept, the raw records planned, the funnel's rows, and the records
    planned (marks on the run's pulls, a joined run's)."""

    items: dict[str, list[Any]]
    snapshots: list[Snapshot]
    funnel: FunnelPage
    planned: list[Key] = field(default_factory=list)


def write_page(state: PageStore, run_id: str, page: PageWrites) -> None:
    state.keep_items(run_id, page.items)
    state.save_snapshots(page.snapshots)
    if page.funnel.records:
        state.save_funnel(page.funnel)
    if page.planned:
        state.mark_planned(run_id, page.planned)


class PageWriter(Protocol):
    def marks(self) -> PlannedKeys:
        """Where a joined run keeps the records it planned."""
        ...

    def write(self, page: PageWrites) -> None: ...


@dataclass
class InlinePageWriter:
    """Writes each page as it is planned, in this process."""

    state: PageStore
    run_id: str

    def marks(self) -> PlannedKeys:
        return PlannedInStore(self.state, self.run_id)

    def write(self, page: PageWrites) -> None:
        write_page(self.state, self.run_id, page)


@dataclass
class PendingMarks:
    """Planned marks in the store, and those still on their way there (sent with a page not yet written)."""

    state: PulledRecords
    run_id: str
    unsent: list[Key] = field(default_factory=list)
    pending: dict[int, set[Key]] = field(default_factory=dict)  # by page number, until the writer says it is written

    def among(self, keys: Iterable[Key]) -> set[Key]:
        wanted = list(keys)
        waiting = set(self.unsent).union(*self.pending.values())
        return self.state.planned_of(self.run_id, wanted) | {key for key in wanted if key in waiting}

    def add(self, keys: Iterable[Key]) -> None:
        self.unsent += keys

    def send(self, number: int) -> list[Key]:
        sent, self.unsent = self.unsent, []
        self.pending[number] = set(sent)
        return sent

    def written(self, number: int) -> None:
        self.pending.pop(number, None)


class PageWriteError(RuntimeError):
    """The page writer's process failed or went away; its message names the error (never the store's URL)."""


class PageWriterProcess:
    """Pages written in order by a spawned process over the shared store (`SqlRunState.shared_url`)."""

    def __init__(self, state: PulledRecords, url: SecretStr, run_id: str) -> None:
        context = multiprocessing.get_context("spawn")  # a fork would copy this process's threads and connections
        self._inbox: Any = context.Queue(maxsize=QUEUE_PAGES)
        self._outbox: Any = context.Queue()
        self._marks = PendingMarks(state, run_id)
        self._sent = 0
        self._process = context.Process(target=_serve, args=(url, run_id, self._inbox, self._outbox),
                                        name="leadsync-page-writer", daemon=True)
        self._process.start()

    def marks(self) -> PlannedKeys:
        return self._marks

    def write(self, page: PageWrites) -> None:
        self._sent += 1
        self._send((self._sent, replace(page, planned=self._marks.send(self._sent))))

    def close(self) -> None:
        """Wait for every page to be written; raises what stopped the writer."""
        self._send(None)
        while True:
            try:
                news = self._outbox.get(timeout=POLL_S)
            except queue.Empty:
                if not self._process.is_alive() and self._outbox.empty():
                    raise PageWriteError(f"the page writer exited (code {self._process.exitcode}) before the last "
                                         "page") from None
                continue
            if self._took(news):
                self._process.join()
                return

    def abort(self) -> None:
        """Stop at once: the run failed, and what it had not written is left unwritten (a rerun plans it again)."""
        self._process.terminate()
        self._process.join()
        self._inbox.cancel_join_thread()  # pages no one will read: this process must not wait at exit to send them
        self._inbox.close()

    def _send(self, job: tuple[int, PageWrites] | None) -> None:
        while True:
            self._drain()
            try:
                self._inbox.put(job, timeout=POLL_S)
                return
            except queue.Full:
                continue

    def _drain(self) -> None:
        """Take the writer's news; raises if it failed or is gone."""
        while True:
            try:
                if self._took(self._outbox.get_nowait()):
                    raise PageWriteError("the page writer stopped before the last page")
            except queue.Empty:
                break
        if not self._process.is_alive():
            raise PageWriteError(f"the page writer exited (code {self._process.exitcode})")

    def _took(self, news: tuple[str, Any]) -> bool:
        """True when the writer is done; raises its failure."""
        what, detail = news
        if what == "failed":
            raise PageWriteError(detail)
        if what == "written":
            self._marks.written(detail)
        return what == "done"


@contextmanager
def page_writer(state: PageStore, run_id: str, *, own_process: bool) -> Iterator[PageWriter]:
    """A writer for the run's pages: a process of its own where asked and the store can be opened by one."""
    url = state.shared_url() if own_process else None
    if url is None:
        yield InlinePageWriter(state, run_id)
        return
    writer = PageWriterProcess(state, url, run_id)
    try:
        yield writer
        writer.close()
    except BaseException:
        writer.abort()
        raise


def _serve(url: SecretStr, run_id: str, inbox: Any, outbox: Any) -> None:
    from connectors.store.sql_state import open_run_state

    state = None
    try:
        state = open_run_state(url, durable=False)
        for number, page in _jobs(inbox):
            write_page(state, run_id, page)
            outbox.put(("written", number))
        outbox.put(("done", None))
    except Exception as exc:  # noqa: BLE001  # the planner raises it; the store's errors name no URL
        outbox.put(("failed", f"writing a planned page failed: {type(exc).__name__}: {exc}"))
    finally:
        if state is not None:
            state.close()


def _jobs(inbox: Any) -> Iterator[tuple[int, PageWrites]]:
    """The queued pages until the planner's end mark; ends early if the planner's process is gone."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            job: tuple[int, PageWrites] | None = inbox.get(timeout=POLL_S)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                raise PageWriteError("the planning process went away") from None
            continue
        if job is None:
            return
        yield job
