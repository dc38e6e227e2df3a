"""iCalendar: zones by TZID, a weekly series expanded in a window (with its skipped and moved weeks), the
export → import round trip, and the agenda from the store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from os1.calendar.base import Attendee
from os1.calendar.ics import expand, parse_ics, render_ics
from os1.calendar.service import export_ics, import_ics
from os1.calendar.store import SqliteCalendar
from os1.store import SqliteStore
from tests.unit.calendar.conftest import ICS, T0

BERLIN = ZoneInfo("Europe/Berlin")


def test_events_keep_their_zone_and_the_broken_one_is_reported():
    events, problems = parse_ics(ICS, "ics:test")
    by_uid = {(e.uid, e.recurrence_id is not None): e for e in events}
    standup = by_uid[("standup@example.com", False)]
    assert standup.start == datetime(2026, 3, 16, 9, tzinfo=BERLIN) and standup.tzid == "Europe/Berlin"
    assert standup.rrule == "FREQ=WEEKLY;COUNT=6" and standup.exdates == (datetime(2026, 3, 23, 9, tzinfo=BERLIN),)
    lunch = by_uid[("lunch@example.com", False)]
    assert lunch.start.astimezone(UTC) == datetime(2026, 3, 18, 16, tzinfo=UTC)  # 12:00 EDT
    assert lunch.others == (Attendee("Amy Chen", "amy@example.com"),) and lunch.location == "Cafe Lumière"
    holiday = by_uid[("holiday@example.com", False)]
    assert holiday.all_day and (holiday.end - holiday.start) == timedelta(days=2)
    assert len(problems) == 1 and "No start" in problems[0]


def test_a_weekly_series_expands_in_a_window_across_the_dst_change():
    events, _ = parse_ics(ICS)
    window = expand(events, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))
    standups = [e for e in window if e.uid == "standup@example.com"]
    # six weeks from 16 March: 23 March skipped, 6 April moved to the 7th at 10:00; always 9:00 Berlin time
    assert [(e.start.astimezone(BERLIN).strftime("%m-%d %H:%M"), e.title) for e in standups] == [
        ("03-16 09:00", "Standup"), ("03-30 09:00", "Standup"), ("04-07 10:00", "Standup (moved)"),
        ("04-13 09:00", "Standup"), ("04-20 09:00", "Standup")]
    assert standups[0].start.utcoffset() == timedelta(hours=1) and standups[1].start.utcoffset() == timedelta(hours=2)
    narrow = expand(events, datetime(2026, 4, 12, tzinfo=UTC), datetime(2026, 4, 14, tzinfo=UTC))
    assert [e.start.date().isoformat() for e in narrow] == ["2026-04-13"]


def test_export_then_import_gives_the_same_events():
    events, _ = parse_ics(ICS, "ics:test")
    again, problems = parse_ics(render_ics(events, T0), "ics:test")
    assert problems == [] and again == events


async def test_import_then_agenda_and_export_round_trip(cal: tuple[SqliteStore, SqliteCalendar, int], tmp_path: Path):
    _, calendar, uid = cal
    (tmp_path / "work.ics").write_bytes(ICS)
    report = await import_ics(calendar, uid, tmp_path / "work.ics", T0)
    assert (report.added, report.updated, len(report.problems)) == (4, 0, 1)
    assert (await import_ics(calendar, uid, tmp_path / "work.ics", T0)).added == 0  # by uid: no duplicates
    week = await calendar.agenda(uid, datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 3, 23, tzinfo=UTC))
    assert [e.title for e in week] == ["Standup", "Lunch with Amy", "Holiday"]
    stored = await calendar.events(uid)
    (tmp_path / "out.ics").write_bytes(await export_ics(calendar, uid, T0))
    other = (await cal[0].users.ensure("other")).id
    await import_ics(calendar, other, tmp_path / "out.ics", T0)
    again = await calendar.events(other)
    assert again != [] and [replace(e, source="") for e in again] == [replace(e, source="") for e in stored]
