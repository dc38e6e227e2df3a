"""Calendar values: an event (one, or the rule of a recurring series), the people at it, and a reminder.

Every time here is aware. An event's ``start`` carries its zone (a ``ZoneInfo``) when its calendar named one, so
a weekly 9:00 stays at 9:00 across a daylight-saving change. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from os1.errors import Os1Error

EventStatus = Literal["confirmed", "proposed", "declined"]
ReminderStatus = Literal["pending", "said", "dismissed"]


class CalendarError(Os1Error):
    pass


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    addr: str  # lower-case e-mail address, "" when the calendar gave none

    def __str__(self) -> str:
        return f"{self.name} <{self.addr}>" if self.name and self.addr else (self.name or self.addr)

    @property
    def label(self) -> str:
        """How to say them: the first name, else the address."""
        return self.name.split()[0] if self.name else self.addr


@dataclass(frozen=True, slots=True)
class Event:
    """An event, or a recurring series (``rrule`` is the RRULE text, e.g. "FREQ=WEEKLY;COUNT=10"; ``exdates`` the
    occurrences taken out). ``recurrence_id`` is set on one occurrence of a series: expanded, or changed on its
    own. ``all_day`` events start at midnight (UTC unless zoned) and end at the midnight after their last day.
    ``source`` says where it came from: "ics:/path/file.ics", "mail:<message-id>", "cli"."""

    uid: str
    title: str
    start: datetime
    end: datetime
    all_day: bool = False
    location: str = ""
    description: str = ""
    attendees: tuple[Attendee, ...] = ()
    organizer: Attendee | None = None
    rrule: str = ""
    exdates: tuple[datetime, ...] = ()
    recurrence_id: datetime | None = None
    source: str = ""
    status: EventStatus = "confirmed"

    @property
    def tzid(self) -> str:
        return str(getattr(self.start.tzinfo, "key", "") or "")

    @property
    def others(self) -> tuple[Attendee, ...]:
        """The people at it besides the organiser."""
        org = self.organizer.addr if self.organizer else ""
        return tuple(a for a in self.attendees if not org or a.addr != org)


@dataclass(frozen=True, slots=True)
class Reminder:
    """Something to say at ``due_at - lead``: about an event (``event_uid``, ``text`` is its title) or free text
    ("call the bank"). ``due_at`` is when the thing itself happens."""

    text: str
    due_at: datetime
    lead: timedelta = timedelta(0)
    event_uid: str | None = None
    status: ReminderStatus = "pending"
    said_at: datetime | None = None
    id: int | None = None

    @property
    def fire_at(self) -> datetime:
        return self.due_at - self.lead
