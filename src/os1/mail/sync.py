"""Sync: fetch → parse → store in batches, one transaction per batch with the cursor after its last message, so a
crash anywhere resumes from the last stored batch and the re-fetched messages are skipped as duplicates.

Progress goes to an ``EventSink``: ``mail.sync.start`` (total and unit when the source can tell), a
``mail.sync.progress`` per batch, ``mail.sync.skipped`` per message not stored, and always ``mail.sync.end``."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from os1.errors import MailError, Os1Error
from os1.events import Event, EventSink, NullSink
from os1.mail.message import Cursor, Email, RawMessage
from os1.mail.parse import parse
from os1.mail.source import Extent, MailSource, Measured
from os1.mail.store import SqliteMail

PARSE_TIMEOUT_S = 120.0
POOL_FROM = 64  # a batch this big is worth starting worker processes for
# Called with each stored batch's raw messages (after its transaction): how the edge finds calendar invitations
# in the raw bytes, which the mail store does not keep.
Observer = Callable[[Sequence[RawMessage]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SyncReport:
    added: int = 0
    duplicates: int = 0
    skipped: tuple[tuple[str, str], ...] = ()  # (uid, reason)
    seconds: float = 0.0
    cursor: Cursor | None = None  # the last cursor committed by this run


@dataclass
class _Tally:
    added: int = 0
    duplicates: int = 0
    done: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    cursor: Cursor | None = None


def parse_batch(raws: Sequence[RawMessage]) -> list[tuple[RawMessage, Email | None, str]]:
    """Each message parsed, or None and why it was not (a source's skip, or an unparseable message)."""
    out: list[tuple[RawMessage, Email | None, str]] = []
    for raw in raws:
        if raw.skipped:
            out.append((raw, None, raw.skipped))
            continue
        try:
            out.append((raw, parse(raw.data), ""))
        except MailError as exc:
            out.append((raw, None, exc.message))
    return out


async def _extent(source: MailSource, since: Cursor) -> Extent | None:
    if not isinstance(source, Measured):
        return None
    try:
        return await source.extent(since)
    except (Os1Error, OSError):
        return None


class _Run:
    def __init__(self, source: MailSource, store: SqliteMail, user_id: int, account: str, sink: EventSink,
                 processes: int, observe: Observer | None = None) -> None:
        self.source, self.store, self.user_id, self.account, self.sink = source, store, user_id, account, sink
        self.observe = observe
        self.tally = _Tally()
        self.extent: Extent | None = None
        self.processes = processes
        self.pool: ProcessPoolExecutor | None = None
        self.writing: asyncio.Task[None] | None = None

    async def parse(self, raws: list[RawMessage]) -> list[tuple[RawMessage, Email | None, str]]:
        """Parse on a thread, or split over worker processes (parsing is CPU-bound pure Python)."""
        if self.processes < 2 or len(raws) < POOL_FROM:
            return await asyncio.wait_for(asyncio.to_thread(parse_batch, raws), PARSE_TIMEOUT_S)
        if self.pool is None:  # forkserver: never fork a process that runs threads (the store's, asyncio's)
            self.pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("forkserver"))
        loop, step = asyncio.get_running_loop(), -(-len(raws) // self.processes)
        parts = [loop.run_in_executor(self.pool, parse_batch, raws[i:i + step]) for i in range(0, len(raws), step)]
        done = await asyncio.wait_for(asyncio.gather(*parts), PARSE_TIMEOUT_S)
        return [item for part in done for item in part]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def progress(self) -> dict[str, Any]:
        t = self.tally
        data: dict[str, Any] = {"source": self.source.name, "done": t.done, "added": t.added,
                                "duplicates": t.duplicates, "skipped": len(t.skipped)}
        if self.extent is not None:
            data.update(total=self.extent.amount, unit=self.extent.unit, at=t.done)
            if self.extent.unit != "messages" and t.cursor is not None and isinstance(self.source, Measured):
                data["at"] = max(0, (self.source.position(t.cursor) or 0) - self.extent.start)
        return data

    async def pump(self, since: Cursor, batch: int) -> None:
        pending: list[RawMessage] = []
        last: Cursor | None = None
        # aclosing: a source holding a connection (IMAP) lets it go at once, even when this run fails.
        async with contextlib.aclosing(self.source.fetch(since)) as fetched:  # type: ignore[type-var]
            async for raw, cursor in fetched:
                pending.append(raw)
                last = cursor
                if len(pending) >= batch:
                    await self.submit(pending, cursor)
                    pending = []
        if pending and last is not None:
            await self.submit(pending, last)
        await self.drain()

    async def submit(self, raws: list[RawMessage], cursor: Cursor) -> None:
        """Parse a batch while the one before is written, then write it: batches (and cursors) stay in order."""
        parsed = await self.parse(raws)
        await self.drain()
        self.writing = asyncio.create_task(self.write(parsed, cursor))

    async def drain(self) -> None:
        if self.writing is not None:
            task, self.writing = self.writing, None
            await task

    async def settle(self) -> None:
        """After a failure: let the write under way finish (it is one transaction either way)."""
        with contextlib.suppress(Exception):
            await self.drain()

    async def write(self, parsed: list[tuple[RawMessage, Email | None, str]], cursor: Cursor) -> None:
        items = [(raw, email) for raw, email, _ in parsed if email is not None]
        added, duplicates = await self.store.upsert_many(self.user_id, self.account, items, cursor=cursor,
                                                         source=self.source.name)
        t = self.tally
        t.added, t.duplicates, t.cursor = t.added + added, t.duplicates + duplicates, cursor
        t.done += len(parsed)
        if self.observe is not None and items:
            await self.observe([raw for raw, _ in items])
        for raw, email, reason in parsed:
            if email is None:
                t.skipped.append((raw.uid, reason))
                self.sink.emit(Event("mail.sync.skipped", {"source": self.source.name, "uid": raw.uid,
                                                           "reason": reason}))
        self.sink.emit(Event("mail.sync.progress", self.progress()))


async def sync(source: MailSource, store: SqliteMail, user_id: int, account: str, sink: EventSink | None = None,
               batch: int = 500, processes: int = 0, observe: Observer | None = None) -> SyncReport:
    """Fetch what is new since the stored cursor, parse it and store it; the cursor moves only with stored
    batches. ``processes`` > 1 parses big batches on that many worker processes (started when first needed).
    ``observe`` sees each stored batch's raw messages (the duplicates too: it must be idempotent).
    Returns what happened; a failure raises after the ``mail.sync.end`` event (with its error code)."""
    sink = sink or NullSink()
    began = time.perf_counter()
    run = _Run(source, store, user_id, account, sink, processes, observe)
    error: str | None = None
    try:
        since = await store.cursor(user_id, source.name)
        run.extent = await _extent(source, since)
        sink.emit(Event("mail.sync.start", {"source": source.name, **run.progress()}))
        await run.pump(since, batch)
    except Os1Error as exc:
        error = exc.code
        raise
    except BaseException as exc:  # cancelled, or a bug: the end event still says the run ended, and how
        error = type(exc).__name__
        raise
    finally:
        await run.settle()
        run.close()
        t = run.tally
        end = {"source": source.name, "added": t.added, "duplicates": t.duplicates, "skipped": len(t.skipped),
               "seconds": round(time.perf_counter() - began, 3)}
        sink.emit(Event("mail.sync.end", {**end, "error": error} if error else end))
    return SyncReport(t.added, t.duplicates, tuple(t.skipped), time.perf_counter() - began, t.cursor)
