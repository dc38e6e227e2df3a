"""SQLite repository for events and reminders (tables from migration 8, ``contacts and calendar``).

Self-contained over the store's connection runner (``calendar_of(store)``), like letters. Every query is scoped
by ``user_id``. Instants are stored in UTC (so they sort as text) with the event's zone name beside them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from os1.calendar.base import Attendee, CalendarError, Event, EventStatus, Reminder, ReminderStatus
from os1.calendar.ics import expand
from os1.store.postgres_compat import store_runner
from os1.store.runner import Runner


def utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _at(raw: str, tzid: str) -> datetime:
    value = datetime.fromisoformat(raw)
    return value.astimezone(ZoneInfo(tzid)) if tzid else value


def _people(raw: str) -> tuple[Attendee, ...]:
    return tuple(Attendee(n, a) for n, a in json.loads(raw))


def _event(row: sqlite3.Row) -> Event:
    tzid = row["tzid"]
    organizer = _people(row["organizer"]) if row["organizer"] else ()
    return Event(
        uid=row["uid"], title=row["title"], start=_at(row["start_at"], tzid), end=_at(row["end_at"], tzid),
        all_day=bool(row["all_day"]), location=row["location"], description=row["description"],
        attendees=_people(row["attendees"]), organizer=organizer[0] if organizer else None, rrule=row["rrule"],
        exdates=tuple(_at(d, tzid) for d in json.loads(row["exdates"])),
        recurrence_id=_at(row["recurrence_id"], tzid) if row["recurrence_id"] else None, source=row["source"],
        status=row["status"],
    )  # fmt: skip


def _row(e: Event) -> tuple[Any, ...]:
    org = json.dumps([[e.organizer.name, e.organizer.addr]]) if e.organizer else ""
    return (e.title, utc(e.start), utc(e.end), e.tzid, int(e.all_day), e.location, e.description,
            json.dumps([[a.name, a.addr] for a in e.attendees], ensure_ascii=False), org, e.rrule,
            json.dumps([utc(d) for d in e.exdates]), e.source)


_UPSERT = (
    "INSERT INTO calendar_events (title, start_at, end_at, tzid, all_day, location, description, attendees, organizer, "
    "rrule, exdates, source, user_id, uid, recurrence_id, status, created_at, updated_at) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (user_id, uid, recurrence_id) DO UPDATE SET "
    "title=excluded.title, start_at=excluded.start_at, end_at=excluded.end_at, tzid=excluded.tzid, "
    "all_day=excluded.all_day, location=excluded.location, description=excluded.description, "
    "attendees=excluded.attendees, organizer=excluded.organizer, rrule=excluded.rrule, exdates=excluded.exdates, "
    "source=excluded.source, updated_at=excluded.updated_at"
)


def _reminder(row: sqlite3.Row) -> Reminder:
    return Reminder(row["text"], datetime.fromisoformat(row["due_at"]), timedelta(seconds=row["lead_s"]),
                    row["event_uid"], row["status"],
                    datetime.fromisoformat(row["said_at"]) if row["said_at"] else None, row["id"])


class SqliteCalendar:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def save(self, user_id: int, events: Iterable[Event], now: datetime) -> tuple[int, int]:
        """Add or update events by (uid, recurrence id), in one transaction. An update keeps the status the user
        gave (a proposal the user declined stays declined). Returns (added, updated)."""
        items = list(events)

        def _save(db: sqlite3.Connection) -> tuple[int, int]:
            added = 0
            for e in items:
                rid = utc(e.recurrence_id) if e.recurrence_id else ""
                known = db.execute("SELECT 1 FROM calendar_events WHERE user_id = ? AND uid = ? AND recurrence_id = ?",
                                   (user_id, e.uid, rid)).fetchone()
                db.execute(_UPSERT, (*_row(e), user_id, e.uid, rid, e.status, utc(now), utc(now)))
                added += known is None
            return added, len(items) - added

        return await self.r.transaction(_save)

    async def propose(self, user_id: int, events: Iterable[Event], now: datetime) -> int:
        """Keep invitations as proposals, except for events the user already accepted or declined (an update to
        those is left for the user to see in the mail). Returns how many are new or changed proposals."""
        answered = {e.uid for e in await self.events(user_id, ("confirmed", "declined"))}
        fresh = [e for e in events if e.uid not in answered]
        await self.save(user_id, [replace(e, status="proposed") for e in fresh], now)
        return len(fresh)

    async def events(self, user_id: int, statuses: Sequence[EventStatus] = ("confirmed",)) -> list[Event]:
        marks = ",".join("?" * len(statuses))
        rows = await self.r.all(f"SELECT * FROM calendar_events WHERE user_id = ? AND status IN ({marks}) "
                                f"ORDER BY start_at, uid", (user_id, *statuses))
        return [_event(r) for r in rows]

    async def series(self, user_id: int, uid: str) -> list[Event]:
        """An event by uid: the event (or series) and any occurrence changed on its own."""
        rows = await self.r.all("SELECT * FROM calendar_events WHERE user_id = ? AND uid = ? ORDER BY recurrence_id",
                                (user_id, uid))
        return [_event(r) for r in rows]

    async def set_status(self, user_id: int, uid: str, status: EventStatus, now: datetime) -> int:
        cur = await self.r.run("UPDATE calendar_events SET status = ?, updated_at = ? WHERE user_id = ? AND uid = ?",
                               (status, utc(now), user_id, uid))
        return cur.rowcount

    async def agenda(self, user_id: int, start: datetime, end: datetime) -> list[Event]:
        """Confirmed occurrences overlapping [start, end), series expanded, in order."""
        rows = await self.r.all(
            "SELECT * FROM calendar_events WHERE user_id = ? AND status = 'confirmed' AND start_at < ? "
            "AND (rrule != '' OR recurrence_id != '' OR end_at > ?)", (user_id, utc(end), utc(start)))
        if not rows:
            return []
        uids = {r["uid"] for r in rows}
        rows += await self.r.all(  # a series' own changed occurrences, wherever they moved
            f"SELECT * FROM calendar_events WHERE user_id = ? AND status = 'confirmed' AND recurrence_id != '' "
            f"AND start_at >= ? AND uid IN ({','.join('?' * len(uids))})", (user_id, utc(end), *uids))
        return expand([_event(r) for r in rows], start, end)

    async def remind(self, user_id: int, reminder: Reminder, now: datetime) -> Reminder:
        """Keep a reminder (one per event occurrence: asking twice changes the lead time)."""
        sql = ("INSERT INTO reminders (user_id, event_uid, text, due_at, lead_s, fire_at, status, created_at) "
               "VALUES (?,?,?,?,?,?,'pending',?) ON CONFLICT (user_id, event_uid, due_at) DO UPDATE SET "
               "lead_s = excluded.lead_s, fire_at = excluded.fire_at, text = excluded.text RETURNING id")
        params = (user_id, reminder.event_uid, reminder.text, utc(reminder.due_at),
                  int(reminder.lead.total_seconds()), utc(reminder.fire_at), utc(now))
        row = await self.r.transaction(lambda db: db.execute(sql, params).fetchone())
        if row is None:
            raise CalendarError("calendar.remind_failed", "the reminder was not kept")
        got = await self.reminder(user_id, int(row[0]))
        assert got is not None
        return got

    async def reminder(self, user_id: int, reminder_id: int) -> Reminder | None:
        row = await self.r.one("SELECT * FROM reminders WHERE user_id = ? AND id = ?", (user_id, reminder_id))
        return _reminder(row) if row else None

    async def reminders(self, user_id: int, statuses: Sequence[ReminderStatus] = ("pending",)) -> list[Reminder]:
        marks = ",".join("?" * len(statuses))
        rows = await self.r.all(f"SELECT * FROM reminders WHERE user_id = ? AND status IN ({marks}) "
                                f"ORDER BY fire_at, id", (user_id, *statuses))
        return [_reminder(r) for r in rows]

    async def due(self, user_id: int, now: datetime) -> list[Reminder]:
        """Pending reminders whose time to speak (due minus lead) has come."""
        rows = await self.r.all("SELECT * FROM reminders WHERE user_id = ? AND status = 'pending' AND fire_at <= ? "
                                "ORDER BY fire_at, id", (user_id, utc(now)))
        return [_reminder(r) for r in rows]

    async def next_fire(self, user_id: int) -> datetime | None:
        row = await self.r.one("SELECT MIN(fire_at) FROM reminders WHERE user_id = ? AND status = 'pending'",
                               (user_id,))
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def mark(self, user_id: int, reminder_ids: Sequence[int], status: ReminderStatus, now: datetime) -> list[int]:
        """Mark pending reminders said or dismissed; returns the ids that changed. Only a pending reminder
        changes, so of two callers claiming the same reminder as said, one gets it: it is said once."""
        if not reminder_ids:
            return []
        marks = ",".join("?" * len(reminder_ids))

        def _mark(db: sqlite3.Connection) -> list[int]:
            rows = db.execute(f"UPDATE reminders SET status = ?, said_at = ? WHERE user_id = ? AND "
                              f"status = 'pending' AND id IN ({marks}) RETURNING id",
                              (status, utc(now), user_id, *reminder_ids)).fetchall()
            return sorted(int(r[0]) for r in rows)

        return await self.r.transaction(_mark)

    async def release(self, user_id: int, reminder_ids: Sequence[int]) -> None:
        """Back to pending (a delivery that failed)."""
        marks = ",".join("?" * len(reminder_ids))
        await self.r.run(f"UPDATE reminders SET status = 'pending', said_at = NULL WHERE user_id = ? "
                         f"AND id IN ({marks})", (user_id, *reminder_ids))


def calendar_of(store: Any) -> SqliteCalendar:
    """The calendar repository over an open store's connection (the SQLite store has a ``runner``)."""
    runner = store_runner(store)
    if runner is None:
        raise CalendarError("calendar.unsupported_store", "the calendar needs a SQLite or PostgreSQL store",
                            hint="the calendar keeps its tables in OS1_HOME/os1.db")
    return SqliteCalendar(runner)
