"""iCalendar in and out (``icalendar``), and recurring events expanded within a window (``recurring-ical-events``).

Zones: a TZID that names an IANA zone, or a Windows zone ("W. Europe Standard Time", from Outlook), becomes a
``ZoneInfo``; a VTIMEZONE with a name neither knows keeps its instants (converted to UTC). A floating time (no
zone) is read in ``default_zone``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from os1.calendar.base import Attendee, CalendarError, Event
from os1.types import utc_now

PRODID = "-//OS1//os1 calendar//EN"


def _ical() -> Any:
    try:
        import icalendar
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise CalendarError("calendar.no_icalendar", "calendar files need icalendar",
                            hint="pip install icalendar") from exc
    return icalendar


def zone_of(tz: tzinfo | None) -> ZoneInfo | None:
    """The IANA zone a parsed TZID stands for, if any."""
    if tz is None or isinstance(tz, ZoneInfo):
        return tz
    name = str(getattr(tz, "key", None) or getattr(tz, "zone", None) or getattr(tz, "_tzid", None) or "")
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

        name = WINDOWS_TO_OLSON.get(name, name)
    except ImportError:  # pragma: no cover - moved in another icalendar release
        pass
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def aware(value: date | datetime, default_zone: tzinfo = UTC) -> datetime:
    """A DTSTART-like value as an aware datetime: dates at midnight, zones as ZoneInfo where known."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), default_zone)
    if value.tzinfo is None:
        return value.replace(tzinfo=default_zone)
    zone = zone_of(value.tzinfo)
    return value.astimezone(zone) if zone is not None else value.astimezone(UTC)


def _person(value: Any) -> Attendee:
    addr = str(value)
    addr = addr[7:] if addr.lower().startswith("mailto:") else addr
    params = getattr(value, "params", {}) or {}
    return Attendee(str(params.get("CN", "")).strip().strip('"'), addr.strip().lower())


def _many(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _exdates(ev: Any, default_zone: tzinfo) -> tuple[datetime, ...]:
    out: list[datetime] = []
    for group in _many(ev.get("exdate")):
        out += [aware(d.dt, default_zone) for d in getattr(group, "dts", [])]
    return tuple(out)


def _uid(ev: Any) -> str:
    uid = str(ev.get("uid", "")).strip()
    if uid:
        return uid
    seed = f"{ev.get('summary', '')}|{ev.get('dtstart').to_ical() if ev.get('dtstart') else ''}"
    return "os1-" + hashlib.sha256(seed.encode()).hexdigest()[:24]


def to_event(ev: Any, source: str = "", default_zone: tzinfo = UTC) -> Event:
    """One VEVENT as an Event; raises ValueError (or KeyError) when it has no start."""
    if ev.get("dtstart") is None:
        raise ValueError("the event has no DTSTART")
    raw_start = ev.decoded("dtstart")
    all_day = not isinstance(raw_start, datetime)
    start = aware(raw_start, default_zone)
    if ev.get("dtend") is not None:
        end = aware(ev.decoded("dtend"), default_zone)
    elif ev.get("duration") is not None:
        end = start + ev.decoded("duration")
    else:
        end = start + (timedelta(days=1) if all_day else timedelta(0))
    rrules = _many(ev.get("rrule"))
    rid = ev.get("recurrence-id")
    organizer = ev.get("organizer")
    return Event(
        uid=_uid(ev), title=str(ev.get("summary", "")).strip() or "(untitled)", start=start, end=max(end, start),
        all_day=all_day, location=str(ev.get("location", "")).strip(),
        description=str(ev.get("description", "")).strip(),
        attendees=tuple(_person(a) for a in _many(ev.get("attendee"))),
        organizer=_person(organizer) if organizer is not None else None,
        rrule=rrules[0].to_ical().decode() if rrules else "", exdates=_exdates(ev, default_zone),
        recurrence_id=aware(rid.dt, default_zone) if rid is not None else None, source=source,
    )  # fmt: skip


def calendars(data: bytes | str) -> list[Any]:
    """The VCALENDARs in an .ics file's bytes; raises CalendarError when there are none to read."""
    try:
        found = _ical().Calendar.from_ical(data, multiple=True)
    except (ValueError, KeyError, IndexError) as exc:
        raise CalendarError("calendar.bad_ics", f"not an iCalendar file: {exc}",
                            hint="the file should start with BEGIN:VCALENDAR") from exc
    if not found:
        raise CalendarError("calendar.bad_ics", "no VCALENDAR in the file")
    return list(found)


def parse_ics(data: bytes | str, source: str = "", default_zone: tzinfo = UTC) -> tuple[list[Event], list[str]]:
    """The events in an .ics file, and what could not be read (each skipped event, and why). Cancelled events
    are left out."""
    events: list[Event] = []
    problems: list[str] = []
    for cal in calendars(data):
        for n, ev in enumerate(cal.walk("VEVENT"), start=1):
            if str(ev.get("status", "")).upper() == "CANCELLED":
                continue
            try:
                events.append(to_event(ev, source, default_zone))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                problems.append(f"event {n} ({ev.get('summary', 'untitled')}): {exc}")
    return events, problems


def _when(value: datetime, all_day: bool) -> date | datetime:
    return value.date() if all_day else value


def _address(ical: Any, who: Attendee, role: str) -> Any:
    addr = ical.vCalAddress(f"mailto:{who.addr}" if who.addr else "invalid:nomail")
    if who.name:
        addr.params["CN"] = who.name
    if role:
        addr.params["ROLE"] = role
    return addr


def to_vevent(e: Event, stamp: datetime) -> Any:
    ical = _ical()
    ev = ical.Event()
    ev.add("uid", e.uid)
    ev.add("dtstamp", stamp.astimezone(UTC))
    ev.add("summary", e.title)
    ev.add("dtstart", _when(e.start, e.all_day))
    ev.add("dtend", _when(e.end, e.all_day))
    for key, value in (("location", e.location), ("description", e.description)):
        if value:
            ev.add(key, value)
    if e.organizer is not None:
        ev.add("organizer", _address(ical, e.organizer, ""))
    for who in e.attendees:
        ev.add("attendee", _address(ical, who, "REQ-PARTICIPANT"))
    if e.rrule:
        ev.add("rrule", ical.vRecur.from_ical(e.rrule))
    if e.exdates:
        ev.add("exdate", [_when(d, e.all_day) for d in e.exdates])
    if e.recurrence_id is not None:
        ev.add("recurrence-id", _when(e.recurrence_id, e.all_day))
    if e.status == "proposed":
        ev.add("status", "TENTATIVE")
    return ev


def to_calendar(events: Iterable[Event], stamp: datetime | None = None) -> Any:
    ical = _ical()
    cal = ical.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    for e in events:
        cal.add_component(to_vevent(e, stamp or utc_now()))
    cal.add_missing_timezones()
    return cal


def render_ics(events: Iterable[Event], stamp: datetime | None = None) -> bytes:
    """An .ics file with these events (and a VTIMEZONE for each zone they use)."""
    return bytes(to_calendar(events, stamp).to_ical())


def expand(events: Iterable[Event], start: datetime, end: datetime) -> list[Event]:
    """Every occurrence between ``start`` and ``end``, in order: single events as they are, series expanded
    (EXDATE honoured; an occurrence changed on its own replaces the series' one), each with its
    ``recurrence_id``."""
    import recurring_ical_events

    items = list(events)
    sources = {(e.uid, e.recurrence_id): e for e in items}
    cal = to_calendar(items, start)
    out = []
    for ev in recurring_ical_events.of(cal).between(start, end):
        occurrence = to_event(ev)
        series = sources.get((occurrence.uid, occurrence.recurrence_id)) or sources.get((occurrence.uid, None))
        if series is not None:
            occurrence = _like(series, occurrence)
        out.append(occurrence)
    return sorted(out, key=lambda e: (e.start, e.uid))


def _like(series: Event, occurrence: Event) -> Event:
    """The occurrence with what the stored series knows that the calendar round trip does not (source, status)."""
    from dataclasses import replace

    rid = occurrence.recurrence_id if series.rrule else series.recurrence_id
    return replace(occurrence, source=series.source, status=series.status, recurrence_id=rid, rrule=series.rrule)
