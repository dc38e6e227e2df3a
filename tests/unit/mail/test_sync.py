"""Sync: batches, cursors committed only with stored messages, resumption after a crash, progress events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from os1.errors import StoreError
from os1.events import ListSink
from os1.mail.mbox import MboxSource
from os1.mail.message import Cursor, RawMessage
from os1.mail.parse import parse
from os1.mail.source import skipped
from os1.mail.store import SqliteMail, mail_of
from os1.mail.sync import sync
from os1.store import SqliteStore
from tests.unit.mail.samples import message


class ListSource:
    """A source over a list of messages; ``fail_after`` raises after yielding that many (a crash mid-sync)."""

    def __init__(self, raws: list[bytes], fail_after: int | None = None) -> None:
        self.raws = raws
        self.fail_after = fail_after
        self.name = "list:test"
        self.fetched: list[str] = []

    def _items(self, since: Cursor) -> list[RawMessage]:
        start = int(since.value or 0)
        return [RawMessage(str(i + 1), raw) if raw else skipped(str(i + 1), "too big")
                for i, raw in enumerate(self.raws) if i >= start]

    async def fetch(self, since: Cursor) -> AsyncIterator[tuple[RawMessage, Cursor]]:
        for n, raw in enumerate(self._items(since)):
            if self.fail_after is not None and n == self.fail_after:
                raise ConnectionError("the server went away")
            self.fetched.append(raw.uid)
            yield raw, Cursor(self.name, raw.uid)


async def _mail(store: SqliteStore) -> tuple[SqliteMail, int]:
    return mail_of(store), (await store.users.ensure("me")).id


async def test_sync_stores_everything_in_batches_and_a_second_run_finds_nothing_new(store: SqliteStore):
    mail, me = await _mail(store)
    source = ListSource([message(n) for n in range(1, 8)])
    sink = ListSink()
    report = await sync(source, mail, me, "acct", sink=sink, batch=3)
    assert (report.added, report.duplicates, report.skipped) == (7, 0, ())
    assert sink.types() == ["mail.sync.start"] + ["mail.sync.progress"] * 3 + ["mail.sync.end"]
    assert [e.data["done"] for e in sink.events if e.type == "mail.sync.progress"] == [3, 6, 7]
    assert (await mail.cursor(me, "list:test")).value == "7"
    again = await sync(source, mail, me, "acct", batch=3)
    assert (again.added, again.duplicates) == (0, 0) and source.fetched == [str(n) for n in range(1, 8)]


async def test_a_failed_store_leaves_the_cursor_and_a_rerun_gets_everything_once(store: SqliteStore, monkeypatch):
    mail, me = await _mail(store)
    source = ListSource([message(n) for n in range(1, 6)])
    real = SqliteMail.upsert_many

    async def broken(self, *args, **kwargs):
        raise StoreError("store.sql", "disk I/O error")

    monkeypatch.setattr(SqliteMail, "upsert_many", broken)
    sink = ListSink()
    with pytest.raises(StoreError):
        await sync(source, mail, me, "acct", sink=sink, batch=2)
    assert sink.events[-1].type == "mail.sync.end" and sink.events[-1].data["error"] == "store.sql"
    assert (await mail.cursor(me, "list:test")).value == ""
    monkeypatch.setattr(SqliteMail, "upsert_many", real)
    report = await sync(source, mail, me, "acct", batch=2)
    assert (report.added, report.duplicates) == (5, 0) and await mail.count(me) == 5


async def test_a_crash_mid_batch_resumes_from_the_last_committed_batch_without_duplicates(store: SqliteStore):
    mail, me = await _mail(store)
    raws = [message(n) for n in range(1, 8)]
    crashing = ListSource(raws, fail_after=5)
    with pytest.raises(ConnectionError):
        await sync(crashing, mail, me, "acct", batch=2)
    assert (await mail.cursor(me, "list:test")).value == "4" and await mail.count(me) == 4
    # Messages 1-5 were fetched, 1-4 stored with their cursor; the next run starts at 5.
    source = ListSource(raws)
    report = await sync(source, mail, me, "acct", batch=2)
    assert source.fetched == ["5", "6", "7"] and report.added == 3 and await mail.count(me) == 7


async def test_a_lost_cursor_means_a_full_reread_that_adds_nothing(store: SqliteStore):
    mail, me = await _mail(store)
    raws = [message(n) for n in range(1, 5)]
    await sync(ListSource(raws), mail, me, "acct")
    await mail.commit_cursor(me, Cursor("list:test", ""))
    report = await sync(ListSource(raws), mail, me, "acct")
    assert (report.added, report.duplicates) == (0, 4)


async def test_unparseable_and_oversize_messages_are_reported_and_passed(store: SqliteStore):
    mail, me = await _mail(store)
    sink = ListSink()
    source = ListSource([message(1), b"   \n\n", b"", message(2)])
    report = await sync(source, mail, me, "acct", sink=sink)
    assert report.added == 2
    assert report.skipped == (("2", "the message is empty"), ("3", "too big"))
    assert [e.data["uid"] for e in sink.events if e.type == "mail.sync.skipped"] == ["2", "3"]
    assert (await mail.cursor(me, "list:test")).value == "4"


async def test_mbox_sync_reports_progress_in_bytes(store: SqliteStore, tmp_path: Path):
    mail, me = await _mail(store)
    path = tmp_path / "p.mbox"
    path.write_bytes(b"".join(b"From x@y Mon Jun  2 10:00:00 2025\n" + message(n) + b"\n" for n in range(1, 6)))
    sink = ListSink()
    report = await sync(MboxSource(path), mail, me, "local", sink=sink, batch=2)
    assert report.added == 5
    start = sink.events[0]
    assert start.data["total"] == path.stat().st_size and start.data["unit"] == "bytes"
    ats = [e.data["at"] for e in sink.events if e.type == "mail.sync.progress"]
    assert ats == sorted(ats) and ats[-1] == path.stat().st_size and len(ats) == 3


async def test_mbox_progress_after_a_stale_cursor_counts_from_where_reading_starts(store: SqliteStore, tmp_path: Path):
    mail, me = await _mail(store)
    path = tmp_path / "s.mbox"
    path.write_bytes(b"".join(b"From x@y Mon Jun  2 10:00:00 2025\n" + message(n) + b"\n" for n in range(1, 4)))
    source = MboxSource(path)
    await mail.commit_cursor(me, Cursor(source.name, "7"))  # not a message start (the file was rewritten)
    sink = ListSink()
    report = await sync(source, mail, me, "local", sink=sink)
    assert report.added == 3
    assert sink.events[0].data["total"] == path.stat().st_size
    assert [e.data["at"] for e in sink.events if e.type == "mail.sync.progress"] == [path.stat().st_size]


async def test_worker_processes_parse_the_same_as_a_thread(store: SqliteStore, tmp_path: Path):
    mail, me = await _mail(store)
    raws = [message(n, body=f"Body {n} " * 20) for n in range(1, 151)] + [b"  "]
    report = await sync(ListSource(raws), mail, me, "acct", batch=100, processes=2)
    assert (report.added, report.skipped) == (150, (("151", "the message is empty"),))
    stored = {s.email.message_id: s.email for s in await mail.recent(me, limit=200)}
    assert all(stored[f"<m{n}@example.com>"] == parse(raws[n - 1]) for n in range(1, 151))
    assert (await mail.cursor(me, "list:test")).value == "151"
