"""What the calendar does for the user: import and export .ics files, keep invitations as proposals until the
user accepts them, and set reminders for events or for anything ("call the bank")."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from os1.calendar.base import CalendarError, Event, Reminder
from os1.calendar.ics import parse_ics, render_ics
from os1.calendar.invites import invitations_in
from os1.calendar.reminders import phrase
from os1.calendar.store import SqliteCalendar

HORIZON = timedelta(days=400)  # how far ahead to look for an event's next occurrence
READ_TIMEOUT_S = 30.0


def _read(path: Path) -> tuple[bytes, Path]:
    path = path.expanduser().resolve()
    return path.read_bytes(), path


@dataclass(frozen=True, slots=True)
class IcsReport:
    added: int
    updated: int
    problems: tuple[str, ...] = ()


async def import_ics(
    calendar: SqliteCalendar, user_id: int, path: Path, now: datetime, default_zone: tzinfo = UTC
) -> IcsReport:
    """Every event in the file, added or updated by uid; unreadable events are reported, the rest kept."""
    try:
        data, where = await asyncio.wait_for(asyncio.to_thread(_read, path), READ_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise CalendarError("calendar.unreadable", f"cannot read {path}: {exc}") from exc
    events, problems = parse_ics(data, f"ics:{where}", default_zone)
    added, updated = await calendar.save(user_id, events, now)
    return IcsReport(added, updated, tuple(problems))


async def export_ics(calendar: SqliteCalendar, user_id: int, now: datetime) -> bytes:
    """The confirmed events (series with their rules, not expanded) as an .ics file."""
    return render_ics(await calendar.events(user_id), now)


async def invitations_from(calendar: SqliteCalendar, user_id: int, raw: bytes, now: datetime) -> list[Event]:
    """Keep a message's invitations as proposals; returns them (the ones already answered are left alone)."""
    found = invitations_in(raw)
    await calendar.propose(user_id, found, now)
    return found


async def answer(calendar: SqliteCalendar, user_id: int, uid: str, accept: bool, now: datetime) -> int:
    """Accept a proposal (it enters the calendar) or decline it. Returns how many rows changed."""
    proposals = [e for e in await calendar.series(user_id, uid) if e.status == "proposed"]
    if not proposals:
        raise CalendarError("calendar.no_proposal", f"no invitation with uid {uid!r}", hint="os1 calendar agenda")
    return await calendar.set_status(user_id, uid, "confirmed" if accept else "declined", now)


async def find_event(calendar: SqliteCalendar, user_id: int, what: str) -> Event:
    """An event by uid, else by words of its title (the one alone, or raise)."""
    series = await calendar.series(user_id, what)
    if series:
        return series[0]
    words = what.lower().split()
    found = {e.uid: e for e in await calendar.events(user_id) if all(w in e.title.lower() for w in words)}
    if len(found) != 1:
        names = ", ".join(f"{e.title} ({e.uid})" for e in list(found.values())[:5])
        raise CalendarError("calendar.which_event", f"{len(found)} events match {what!r}" +
                            (f": {names}" if names else ""), hint="give the event's uid")
    return next(iter(found.values()))


async def remind_event(
    calendar: SqliteCalendar, user_id: int, event: Event, lead: timedelta, now: datetime
) -> Reminder:
    """A reminder ``lead`` before the event's next occurrence that has not started yet."""
    upcoming = [e for e in await calendar.agenda(user_id, now, now + HORIZON) if e.uid == event.uid and e.start > now]
    if not upcoming:
        raise CalendarError("calendar.past_event", f"{event.title!r} has no occurrence ahead")
    nxt = upcoming[0]
    return await calendar.remind(user_id, Reminder(phrase(nxt), nxt.start, lead, nxt.uid), now)


async def remind_upcoming(
    calendar: SqliteCalendar, user_id: int, lead: timedelta, now: datetime, days: float
) -> list[Reminder]:
    """A reminder for every timed event starting in the next ``days`` days (all-day events are left out)."""
    out = []
    for e in await calendar.agenda(user_id, now, now + timedelta(days=days)):
        if not e.all_day and e.start > now:
            out.append(await calendar.remind(user_id, Reminder(phrase(e), e.start, lead, e.uid), now))
    return out


async def remind_text(calendar: SqliteCalendar, user_id: int, text: str, at: datetime, now: datetime,
                      lead: timedelta = timedelta(0)) -> Reminder:
    text = " ".join(text.split()).rstrip(".")
    if not text:
        raise CalendarError("calendar.empty_reminder", "what should I remind you of?")
    if at.tzinfo is None:
        raise CalendarError("calendar.naive_time", "a reminder needs a time with its zone")
    return await calendar.remind(user_id, Reminder(text, at, lead), now)
