"""A calendar invitation is never moved by a cleanup, whatever triage thought of its words."""

from __future__ import annotations

from os1.mail.cleanup import invitation
from os1.mail.parse import parse

INVITE = b"""From: Paul <paul@example.org>
To: theo@example.com
Subject: Planning meeting
Message-ID: <inv-1@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="B"

--B
Content-Type: text/plain; charset=utf-8

Join us for the planning meeting. Click to accept!

--B
Content-Type: text/calendar; method=REQUEST; charset=utf-8

BEGIN:VCALENDAR
METHOD:REQUEST
BEGIN:VEVENT
UID:1@example.org
DTSTART:20261124T100000Z
SUMMARY:Planning
END:VEVENT
END:VCALENDAR
--B--
"""


def test_an_invitation_is_recognised_and_plain_mail_is_not():
    assert invitation(parse(INVITE))
    plain = INVITE.replace(b"text/calendar", b"text/html")
    assert not invitation(parse(plain))
