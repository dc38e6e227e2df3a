"""Reminders said by the companion at the right time: "Your meeting with Paul starts in 10 minutes."

A reminder speaks at ``due_at - lead``: never before, and once (it is claimed in the store before it is said, so
the scheduler and the companion's opening cannot both say it). After a sleep or a suspend, reminders more than
their lead time late (the thing has started) are gathered into one quiet "You missed: …" instead of a burst of
alarms. Reminders the user asked for are not the companion's own initiative: no daily quota applies. The clock
and the sleep are injected, so all of it is tested without waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from os1.calendar.base import CalendarError, Event, Reminder
from os1.calendar.store import SqliteCalendar, calendar_of
from os1.types import Clock

Deliver = Callable[[str], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
GRACE = timedelta(minutes=2)  # a reminder with no lead ("call the bank at 3") is still on time this late
MAX_WAIT_S = 60.0  # wake at least this often: a suspended machine's sleep does not count the suspended time
MAX_LISTED = 5
RENEW_HORIZON = timedelta(days=400)  # how far ahead a repeating event's next occurrence is looked for
EVENT_NOUNS = frozenset(
    "meeting call appointment lunch dinner breakfast brunch interview session class lesson flight train date "
    "coffee drinks party review standup stand-up check-in sync catch-up chat visit talk game concert".split()
)


@dataclass(frozen=True, slots=True)
class Notice:
    """What to say, and the reminders it says (``missed``: a catch-up for reminders whose time has passed)."""

    text: str
    reminders: tuple[Reminder, ...]
    missed: bool = False


def phrase(event: Event) -> str:
    """How to speak of an event: "meeting with Paul" (yours), or its title as it is ("Paul's birthday")."""
    title = " ".join(event.title.split())
    people = [a.label for a in event.others if a.label]
    if people and " with " not in f" {title.lower()} " and len(people) <= 2:
        title += " with " + " and ".join(people)
    first = title.split()[0].lower() if title else ""
    return f"your {title[0].lower()}{title[1:]}" if first in EVENT_NOUNS else title


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _minutes(delta: timedelta) -> int:
    return max(0, round(delta.total_seconds() / 60))


def _span(minutes: int) -> str:
    """"10 minutes", "1 minute", "2 hours", "3 days": how a person says a lead time."""
    if minutes < 60 or (minutes < 120 and minutes % 60):
        count, unit = minutes, "minute"
    elif minutes < 36 * 60:
        count, unit = round(minutes / 60), "hour"
    else:
        count, unit = round(minutes / 1440), "day"
    return f"{count} {unit}{'s' if count != 1 else ''}"


def missed(reminder: Reminder, now: datetime) -> bool:
    """More than its lead time late (and past the grace): the moment it was for has gone by."""
    return now - reminder.fire_at > max(reminder.lead, GRACE)


def timely_text(reminder: Reminder, now: datetime) -> str:
    minutes = _minutes(reminder.due_at - now)
    if reminder.event_uid is None:
        return f"In {_span(minutes)}: {reminder.text}." if minutes >= 2 else f"Reminder: {reminder.text}."
    if minutes == 0:
        return f"{_capital(reminder.text)} is starting now."
    return f"{_capital(reminder.text)} starts in {_span(minutes)}."


def missed_text(reminders: Sequence[Reminder], zone: tzinfo | None) -> str:
    items = [f"{r.text} ({r.due_at.astimezone(zone):%a %-d %b %H:%M})" for r in reminders[:MAX_LISTED]]
    more = len(reminders) - MAX_LISTED
    tail = f"; and {more} more (`os1 calendar remind --list`)" if more > 0 else ""
    return f"While you were away — you missed: {'; '.join(items)}{tail}."


def notices(due: Sequence[Reminder], now: datetime, zone: tzinfo | None = None) -> list[Notice]:
    """What to say for these due reminders: one notice each on time, and one catch-up for all that were missed."""
    late = [r for r in due if missed(r, now)]
    out = [Notice(timely_text(r, now), (r,)) for r in due if not missed(r, now)]
    if late:
        out.append(Notice(missed_text(late, zone), tuple(late), missed=True))
    return out


async def pending_reminders(store: Any, user_id: int, now: datetime, zone: tzinfo | None = None) -> list[Notice]:
    """For the companion to say first (its opening, or between turns): what is due now, already marked said.
    Not subject to the initiative quota; the user asked for these."""
    return await claim(calendar_of(store), user_id, now, zone)


async def claim(calendar: SqliteCalendar, user_id: int, now: datetime, zone: tzinfo | None = None) -> list[Notice]:
    """The due reminders this caller won (marked said), as notices. A reminder for a recurring event is set
    again, with the same lead, for the series' next occurrence."""
    due = await calendar.due(user_id, now)
    won = set(await calendar.mark(user_id, [r.id for r in due if r.id is not None], "said", now))
    said = [r for r in due if r.id in won]
    for reminder in said:
        await renew(calendar, user_id, reminder, now)
    return notices(said, now, zone)


async def renew(calendar: SqliteCalendar, user_id: int, reminder: Reminder, now: datetime) -> Reminder | None:
    """The same reminder for the next occurrence of its event, when the event repeats (None otherwise)."""
    if reminder.event_uid is None:
        return None
    if not any(e.rrule for e in await calendar.series(user_id, reminder.event_uid)):
        return None
    after = max(now, reminder.due_at) + timedelta(seconds=1)
    upcoming = [e for e in await calendar.agenda(user_id, after, after + RENEW_HORIZON)
                if e.uid == reminder.event_uid and e.start >= after]
    if not upcoming:
        return None
    nxt = upcoming[0]
    return await calendar.remind(user_id, Reminder(phrase(nxt), nxt.start, reminder.lead, nxt.uid), now)


class Scheduler:
    """Delivers one user's reminders on time; ``run`` loops until ``stop`` is set (or the clock passes
    ``until``)."""

    def __init__(self, calendar: SqliteCalendar, user_id: int, zone: tzinfo | None = None,
                 deliver_timeout_s: float = 30.0, max_wait_s: float = MAX_WAIT_S) -> None:
        self.calendar, self.user_id, self.zone = calendar, user_id, zone
        self.deliver_timeout_s, self.max_wait_s = deliver_timeout_s, max_wait_s

    async def due(self, now: datetime) -> list[Reminder]:
        return await self.calendar.due(self.user_id, now)

    async def tick(self, now: datetime, deliver: Deliver) -> list[Notice]:
        """Say what is due now; a notice whose delivery fails goes back to pending, to be tried again."""
        said = []
        for notice in await claim(self.calendar, self.user_id, now, self.zone):
            try:
                await asyncio.wait_for(deliver(notice.text), self.deliver_timeout_s)
            except (TimeoutError, OSError, CalendarError):
                await self.calendar.release(self.user_id, [r.id for r in notice.reminders if r.id is not None])
                continue
            said.append(notice)
        return said

    async def wait_s(self, now: datetime) -> float:
        """How long to sleep: until the next reminder, at most ``max_wait_s``, at least a second."""
        nxt = await self.calendar.next_fire(self.user_id)
        if nxt is None:
            return self.max_wait_s
        return min(self.max_wait_s, max(1.0, (nxt - now).total_seconds()))

    async def run(self, clock: Clock, sleep: Sleep, deliver: Deliver, stop: asyncio.Event | None = None,
                  until: datetime | None = None) -> int:
        """Deliver reminders as they come due; returns how many notices were said."""
        count = 0
        while not (stop is not None and stop.is_set()) and not (until is not None and clock() >= until):
            count += len(await self.tick(clock(), deliver))
            await sleep(await self.wait_s(clock()))
        return count
