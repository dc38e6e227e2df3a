"""Invitations found in mail: the text/calendar parts (METHOD:REQUEST) of a raw message, as proposed events.

The mail core's ``Email`` keeps no attachment bytes, so this reads the raw message with the standard library's
``email`` package. A proposal enters the calendar only when the user accepts it. The parts came from outside:
they are data, never instructions."""

from __future__ import annotations

import email.policy
import re
from dataclasses import replace
from datetime import UTC, tzinfo
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from os1.calendar.base import CalendarError, Event
from os1.calendar.ics import calendars, to_event

_CALENDAR_HINT = re.compile(rb"(?i)content-type:\s*(?:text/calendar|application/ics|text/x-vcalendar)|\.ics\b")
CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})


def _calendar_parts(message: EmailMessage) -> list[tuple[str, bytes]]:
    """(method from the Content-Type, payload bytes) for each calendar part, attachments included."""
    out = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind in CALENDAR_TYPES or name.endswith(".ics"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload.strip():
                out.append((str(part.get_param("method", "", header="content-type") or "").upper(), payload))
    return out


def may_invite(raw: bytes) -> bool:
    """A cheap test for mail sync before parsing a message again: does it carry a calendar part at all?
    (``if may_invite(raw.data): await invitations_from(calendar, user_id, raw.data, now)``). The mail core's
    ``Email`` lists attachments only, not an inline text/calendar alternative, so this reads the raw bytes."""
    return _CALENDAR_HINT.search(raw) is not None


def _method(cal: Any, declared: str) -> str:
    return str(cal.get("method", "") or declared or "").upper()


def invitations_in(raw: bytes, default_zone: tzinfo = UTC) -> list[Event]:
    """The events a message invites the user to (METHOD:REQUEST), as ``proposed`` events whose ``source`` is the
    message's Message-ID. Unreadable calendar parts are skipped; a message without any gives []."""
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    message_id = str(message.get("message-id", "") or "").strip()
    found: dict[tuple[str, object], Event] = {}
    for declared, payload in _calendar_parts(message):
        try:
            cals = calendars(payload)
        except CalendarError:
            continue
        for cal in cals:
            if _method(cal, declared) != "REQUEST":
                continue
            for ev in cal.walk("VEVENT"):
                try:
                    event = to_event(ev, f"mail:{message_id}", default_zone)
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue
                found[(event.uid, event.recurrence_id)] = replace(event, status="proposed")
    return list(found.values())
