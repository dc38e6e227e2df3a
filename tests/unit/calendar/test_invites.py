"""Invitations in mail: the text/calendar part of a raw message (METHOD:REQUEST) becomes a proposal, which enters
the calendar only when the user accepts it."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from os1.calendar.base import CalendarError
from os1.calendar.invites import invitations_in, may_invite
from os1.calendar.service import answer, invitations_from
from os1.calendar.store import SqliteCalendar
from os1.store import SqliteStore
from tests.unit.calendar.conftest import T0

INVITE = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example Mail//EN\r
METHOD:{method}\r
BEGIN:VEVENT\r
UID:review-42@example.com\r
SUMMARY:Design review\r
DTSTART:20260310T150000Z\r
DTEND:20260310T160000Z\r
ORGANIZER;CN=Paul Smith:mailto:paul@example.com\r
ATTENDEE;CN=Theo;PARTSTAT=NEEDS-ACTION:mailto:theo@example.com\r
END:VEVENT\r
END:VCALENDAR\r
"""


def message(method: str = "REQUEST", as_attachment: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Paul Smith <paul@example.com>"
    msg["To"] = "theo@example.com"
    msg["Subject"] = "Invitation: Design review"
    msg["Message-ID"] = "<inv-1@example.com>"
    msg.set_content("Paul invited you to a design review.")
    msg.add_alternative("<p>Paul invited you.</p>", subtype="html")
    body = INVITE.format(method=method).encode()
    if as_attachment:
        msg.add_attachment(body, maintype="application", subtype="ics", filename="invite.ics")
    else:
        msg.get_payload()[1].add_related(body, maintype="text", subtype="calendar", params={"method": method})  # type: ignore[index]
    return msg.as_bytes()


def test_a_request_in_a_text_calendar_part_is_a_proposed_event():
    assert may_invite(message()) and may_invite(message(as_attachment=True))
    [event] = invitations_in(message())
    assert event.title == "Design review" and event.status == "proposed"
    assert event.start == datetime(2026, 3, 10, 15, tzinfo=UTC)
    assert event.organizer is not None and event.organizer.addr == "paul@example.com"
    assert event.source == "mail:<inv-1@example.com>"


def test_an_ics_attachment_counts_and_a_reply_or_plain_mail_does_not():
    assert [e.uid for e in invitations_in(message(as_attachment=True))] == ["review-42@example.com"]
    assert invitations_in(message(method="REPLY")) == []
    plain = EmailMessage()
    plain["From"] = "a@example.com"
    plain.set_content("BEGIN:VCALENDAR is just words here")
    assert not may_invite(plain.as_bytes())
    assert invitations_in(plain.as_bytes()) == []
    assert invitations_in(b"not a message at all \xff") == []


async def test_a_proposal_enters_the_agenda_only_when_accepted(cal: tuple[SqliteStore, SqliteCalendar, int]):
    _, calendar, uid = cal
    window = (datetime(2026, 3, 10, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))
    await invitations_from(calendar, uid, message(), T0)
    assert await calendar.agenda(uid, *window) == []
    assert [e.title for e in await calendar.events(uid, ("proposed",))] == ["Design review"]
    await answer(calendar, uid, "review-42@example.com", True, T0)
    assert [e.title for e in await calendar.agenda(uid, *window)] == ["Design review"]
    await invitations_from(calendar, uid, message(), T0)  # the same invitation again: still accepted
    assert [e.status for e in await calendar.series(uid, "review-42@example.com")] == ["confirmed"]
    with pytest.raises(CalendarError):
        await answer(calendar, uid, "review-42@example.com", False, T0)  # no longer a proposal
