"""Reminders with a fake clock: said once at due − lead, never before, never twice; after a long sleep the
missed ones come as one quiet catch-up; the companion's ``pending_reminders`` and the scheduler never both say
one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from os1.calendar.base import Attendee, Event, Reminder
from os1.calendar.reminders import Scheduler, pending_reminders, phrase, timely_text
from os1.calendar.service import remind_event, remind_text
from os1.calendar.store import SqliteCalendar
from os1.store import SqliteStore

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TEN = timedelta(minutes=10)


@dataclass
class FakeTime:
    now: datetime
    said: list[tuple[datetime, str]] = field(default_factory=list)
    slept: list[float] = field(default_factory=list)

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)

    async def deliver(self, text: str) -> None:
        self.said.append((self.now, text))


def meeting(start: datetime) -> Event:
    return Event("m1@example.com", "Meeting", start, start + timedelta(hours=1),
                 organizer=Attendee("Theo", "theo@example.com"),
                 attendees=(Attendee("Theo", "theo@example.com"), Attendee("Paul Smith", "paul@example.com")))


def test_events_are_spoken_of_naturally():
    assert phrase(meeting(NOON)) == "your meeting with Paul"
    assert phrase(Event("x", "Paul's birthday", NOON, NOON)) == "Paul's birthday"


async def test_said_once_at_due_minus_lead_never_before(cal: tuple[SqliteStore, SqliteCalendar, int]):
    _, calendar, uid = cal
    start = NOON + timedelta(hours=2)
    await calendar.save(uid, [meeting(start)], NOON)
    await remind_event(calendar, uid, meeting(start), TEN, NOON)
    t = FakeTime(NOON)
    scheduler = Scheduler(calendar, uid)
    assert await scheduler.due(start - TEN - timedelta(seconds=1)) == []  # not a second early
    await scheduler.run(t.clock, t.sleep, t.deliver, until=start + timedelta(hours=3))
    assert t.said == [(start - TEN, "Your meeting with Paul starts in 10 minutes.")]
    assert max(t.slept) <= 60  # it wakes every minute, so a suspend is caught up soon after
    assert await scheduler.tick(start, t.deliver) == [] and len(t.said) == 1  # never twice


async def test_after_a_long_sleep_missed_reminders_come_as_one_catch_up(cal: tuple[SqliteStore, SqliteCalendar, int]):
    _, calendar, uid = cal
    await calendar.save(uid, [meeting(NOON + timedelta(hours=1))], NOON)
    await remind_event(calendar, uid, meeting(NOON + timedelta(hours=1)), TEN, NOON)
    await remind_text(calendar, uid, "call the bank", NOON + timedelta(hours=2), NOON)
    await remind_text(calendar, uid, "water the plants", NOON + timedelta(hours=9), NOON)
    t = FakeTime(NOON + timedelta(hours=5))  # the laptop slept from noon to five
    scheduler = Scheduler(calendar, uid)
    said = await scheduler.tick(t.now, t.deliver)
    assert len(said) == 1 and said[0].missed and len(t.said) == 1
    text = t.said[0][1]
    assert text.startswith("While you were away — you missed:") and "your meeting with Paul" in text
    assert "call the bank" in text and "plants" not in text  # not yet due: not said early
    await scheduler.run(t.clock, t.sleep, t.deliver, until=NOON + timedelta(hours=10))
    assert t.said[1:] == [(NOON + timedelta(hours=9), "Reminder: water the plants.")]


async def test_a_little_late_is_still_on_time(cal: tuple[SqliteStore, SqliteCalendar, int]):
    _, calendar, uid = cal
    start = NOON + timedelta(hours=1)
    await calendar.remind(uid, Reminder("your meeting with Paul", start, TEN, "m1"), NOON)
    t = FakeTime(start - timedelta(minutes=4))  # woke six minutes after it was due to speak
    await Scheduler(calendar, uid).tick(t.now, t.deliver)
    assert t.said == [(t.now, "Your meeting with Paul starts in 4 minutes.")]


async def test_the_companion_and_the_scheduler_never_both_say_one(cal: tuple[SqliteStore, SqliteCalendar, int]):
    store, calendar, uid = cal
    await remind_text(calendar, uid, "call mum", NOON, NOON - timedelta(hours=1))
    at = NOON + timedelta(seconds=30)
    t = FakeTime(at)
    companion, scheduled = await asyncio.gather(pending_reminders(store, uid, at),
                                                Scheduler(calendar, uid).tick(at, t.deliver))
    assert [n.text for n in companion] + [n.text for n in scheduled] == ["Reminder: call mum."]
    assert await pending_reminders(store, uid, at) == []
    [done] = await calendar.reminders(uid, ("said",))
    assert done.said_at == at


async def test_a_failed_delivery_is_tried_again(cal: tuple[SqliteStore, SqliteCalendar, int]):
    _, calendar, uid = cal
    await remind_text(calendar, uid, "call mum", NOON, NOON)

    async def broken(text: str) -> None:
        raise OSError("the speaker is gone")

    scheduler = Scheduler(calendar, uid)
    assert await scheduler.tick(NOON, broken) == []
    t = FakeTime(NOON)
    assert [n.text for n in await scheduler.tick(NOON, t.deliver)] == ["Reminder: call mum."]


async def test_a_repeating_events_reminder_comes_back_for_the_next_one(cal: tuple[SqliteStore, SqliteCalendar, int]):
    _, calendar, uid = cal
    weekly = Event("w1", "Call with Mum", NOON + timedelta(hours=1), NOON + timedelta(hours=2), rrule="FREQ=WEEKLY")
    await calendar.save(uid, [weekly], NOON)
    await remind_event(calendar, uid, weekly, timedelta(minutes=90), NOON - timedelta(hours=1))
    t = FakeTime(NOON - timedelta(hours=1))
    scheduler = Scheduler(calendar, uid, max_wait_s=3600)  # hourly wakes: the test walks through eight days
    await scheduler.run(t.clock, t.sleep, t.deliver, until=NOON + timedelta(days=8))
    assert t.said == [(NOON - timedelta(minutes=30), "Your call with Mum starts in 90 minutes."),
                      (NOON + timedelta(days=7) - timedelta(minutes=30), "Your call with Mum starts in 90 minutes.")]
    [next_one] = await calendar.reminders(uid)
    assert next_one.due_at == NOON + timedelta(days=14, hours=1) and next_one.lead == timedelta(minutes=90)


def test_lead_times_are_said_as_a_person_would():
    r = Reminder("the flight to Lisbon", NOON + timedelta(hours=3), timedelta(hours=3), "f1")
    assert timely_text(r, NOON) == "The flight to Lisbon starts in 3 hours."
    assert timely_text(Reminder("pack", NOON + timedelta(days=2)), NOON) == "In 2 days: pack."
    assert timely_text(Reminder("your call", NOON + timedelta(minutes=1), event_uid="c"), NOON) == \
        "Your call starts in 1 minute."
