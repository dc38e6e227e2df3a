from __future__ import annotations

from datetime import UTC, datetime

import pytest

from os1.calendar.store import SqliteCalendar, calendar_of
from os1.store import SqliteStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# A weekly stand-up in Berlin (through the spring DST change, with one week skipped and one moved), a lunch in
# New York with an attendee, an all-day holiday, and a broken event (no DTSTART).
ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:standup@example.com\r
SUMMARY:Standup\r
DTSTART;TZID=Europe/Berlin:20260316T090000\r
DTEND;TZID=Europe/Berlin:20260316T091500\r
RRULE:FREQ=WEEKLY;COUNT=6\r
EXDATE;TZID=Europe/Berlin:20260323T090000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:standup@example.com\r
RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000\r
SUMMARY:Standup (moved)\r
DTSTART;TZID=Europe/Berlin:20260407T100000\r
DTEND;TZID=Europe/Berlin:20260407T101500\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:lunch@example.com\r
SUMMARY:Lunch with Amy\r
DTSTART;TZID=America/New_York:20260318T120000\r
DTEND;TZID=America/New_York:20260318T130000\r
ORGANIZER;CN=Theo:mailto:theo@example.com\r
ATTENDEE;CN=Amy Chen:mailto:amy@example.com\r
LOCATION:Cafe Lumi\xc3\xa8re\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:holiday@example.com\r
SUMMARY:Holiday\r
DTSTART;VALUE=DATE:20260320\r
DTEND;VALUE=DATE:20260322\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:broken@example.com\r
SUMMARY:No start\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
async def cal(store: SqliteStore) -> tuple[SqliteStore, SqliteCalendar, int]:
    user = await store.users.ensure("local")
    return store, calendar_of(store), user.id
