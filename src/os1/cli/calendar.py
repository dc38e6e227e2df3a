"""``os1 calendar``: import and export .ics files, the agenda, invitations found in mail (accepted or declined
by you), and reminders said at the right time.

Module-level imports stay light: ``add_calendar_parser`` runs for every ``os1 --help``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import Os1Error

if TYPE_CHECKING:
    from os1.calendar.base import Event
    from os1.calendar.store import SqliteCalendar
    from os1.config import Settings
    from os1.store.base import Store


def add_calendar_parser(sub: Any) -> None:
    """Register ``os1 calendar`` and its actions on the top-level subparsers."""
    cal = sub.add_parser("calendar", help="your calendar: .ics in and out, the agenda, invitations, reminders",
                         description="Events from .ics files and invitations in mail (kept as proposals until you "
                         "accept), and reminders your companion says at the right time.")
    cal.set_defaults(calendar_help=cal.print_help)
    actions = cal.add_subparsers(dest="calendar_command", metavar="ACTION")
    imp = actions.add_parser("import", help="read events from .ics files (by uid: importing again updates)")
    imp.add_argument("files", nargs="+", type=Path)
    exp = actions.add_parser("export", help="write your events as an .ics file (to FILE, or to the screen)")
    exp.add_argument("file", nargs="?", type=Path)
    agenda = actions.add_parser("agenda", help="what is coming up, day by day (recurring events expanded)")
    agenda.add_argument("--days", type=int, default=7, help="how many days ahead (default 7)")
    agenda.add_argument("--from", dest="start", type=_day, help="start on this day, YYYY-MM-DD (default today)")
    remind = actions.add_parser(
        "remind", help="a reminder for an event, or for anything at a time; --list shows them",
        description="`remind 'meeting with Paul' --before 10` (an event by uid or title words); "
        "`remind 'call the bank' --at 15:00` (anything); `remind --upcoming 1` (every event in the next day).")
    remind.add_argument("what", nargs="?", help="an event's uid or words of its title; with --at, any text")
    remind.add_argument("--at", help="when: 'YYYY-MM-DD HH:MM' or 'HH:MM' (the next one), in your time zone")
    remind.add_argument("--before", type=float, help="minutes before (default 10 for events, 0 with --at)")
    remind.add_argument("--upcoming", type=float, metavar="DAYS", help="remind of every event in the next DAYS")
    remind.add_argument("--list", action="store_true", help="the reminders still to come")
    remind.add_argument("--dismiss", type=int, metavar="ID", help="drop this reminder")
    invites = actions.add_parser("invites", help="find invitations in messages (.eml files), or list them")
    invites.add_argument("files", nargs="*", type=Path, help="raw messages; none: list the invitations waiting")
    for name, text in (("accept", "put an invitation in your calendar"), ("decline", "decline an invitation")):
        actions.add_parser(name, help=text).add_argument("uid")
    actions.add_parser("watch", help="say reminders here as they come due (Ctrl-C stops)")


def _day(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError as exc:
        raise argparse.ArgumentTypeError("a date as YYYY-MM-DD") from exc


def run_calendar(args: Any) -> int:
    import asyncio

    from os1.cli.wiring import settings_from

    if not args.calendar_command:
        args.calendar_help()
        return 0
    return asyncio.run(_run(settings_from(args), args))


@dataclass
class Desk:
    store: Store
    calendar: SqliteCalendar
    user_id: int
    zone: tzinfo


def local_zone(settings: Settings) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        if settings.initiative.timezone:
            return ZoneInfo(settings.initiative.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Os1Error("calendar.bad_zone", f"unknown time zone {settings.initiative.timezone!r}",
                       hint="set [initiative] timezone to an IANA name such as Europe/Paris") from exc
    return datetime.now().astimezone().tzinfo or ZoneInfo("UTC")


@asynccontextmanager
async def _desk(settings: Settings) -> AsyncIterator[Desk]:
    from os1.calendar.store import calendar_of
    from os1.store import user_store

    async with user_store(settings.database, settings.user) as (store, user):
        yield Desk(store, calendar_of(store), user.id, local_zone(settings))


async def _run(settings: Settings, args: Any) -> int:
    handlers = {"import": import_files, "export": export_file, "agenda": agenda, "invites": invites,
                "accept": answer, "decline": answer, "remind": remind, "watch": watch}
    async with _desk(settings) as desk:
        return int(await handlers[args.calendar_command](desk, args))


async def import_files(desk: Desk, args: Any) -> int:
    from os1.calendar.service import import_ics
    from os1.types import utc_now

    for path in args.files:
        report = await import_ics(desk.calendar, desk.user_id, path, utc_now(), desk.zone)
        print(f"{path.name}: {report.added} added, {report.updated} updated, {len(report.problems)} skipped")
        for problem in report.problems:
            print(f"  skipped {problem}")
    return 0


async def export_file(desk: Desk, args: Any) -> int:
    from os1.calendar.service import export_ics
    from os1.types import utc_now

    data = await export_ics(desk.calendar, desk.user_id, utc_now())
    if args.file is None:
        sys.stdout.write(data.decode("utf-8"))
        return 0
    try:
        args.file.expanduser().write_bytes(data)
    except OSError as exc:
        raise Os1Error("calendar.unwritable", f"cannot write {args.file}: {exc}") from exc
    print(f"Wrote {data.count(b'BEGIN:VEVENT')} event(s) to {args.file}.", file=sys.stderr)
    return 0


def event_line(e: Event, zone: tzinfo) -> str:
    when = "all day    " if e.all_day else \
        f"{e.start.astimezone(zone):%H:%M}–{e.end.astimezone(zone):%H:%M}"
    people = [a.label for a in e.others if a.label and a.label.lower() not in e.title.lower()]
    extra = "".join((f"  @ {e.location}" if e.location else "", f"  with {', '.join(people)}" if people else "",
                     "  (repeats)" if e.rrule else "", "  [invitation]" if e.status == "proposed" else ""))
    return f"  {when}  {e.title}{extra}"


async def agenda(desk: Desk, args: Any) -> int:
    from os1.types import utc_now

    start_day = args.start.date() if args.start else utc_now().astimezone(desk.zone).date()
    start = datetime.combine(start_day, datetime.min.time(), desk.zone)
    events = await desk.calendar.agenda(desk.user_id, start, start + timedelta(days=max(1, args.days)))
    if not events:
        print(f"Nothing in the {args.days} day(s) from {start_day:%a %-d %b}.")
        return 0
    day = None
    for e in events:
        on = e.start.date() if e.all_day else e.start.astimezone(desk.zone).date()
        if on != day:
            day = on
            print(f"{max(on, start_day):%a %-d %b %Y}")
        print(event_line(e, desk.zone))
    return 0


async def invites(desk: Desk, args: Any) -> int:
    from os1.calendar.service import invitations_from
    from os1.types import utc_now

    for path in args.files:
        try:
            raw = path.expanduser().read_bytes()
        except OSError as exc:
            raise Os1Error("calendar.unreadable", f"cannot read {path}: {exc}") from exc
        found = await invitations_from(desk.calendar, desk.user_id, raw, utc_now())
        print(f"{path.name}: {len(found)} invitation(s)")
    waiting = await desk.calendar.events(desk.user_id, ("proposed",))
    if not waiting:
        print("No invitations waiting.")
    for e in waiting:
        print(f"{e.start.astimezone(desk.zone):%a %-d %b %H:%M}  {e.title}  uid {e.uid}  ({e.source})")
    if waiting:
        print("`os1 calendar accept UID` puts one in your calendar; `os1 calendar decline UID` declines it.")
    return 0


async def answer(desk: Desk, args: Any) -> int:
    from os1.calendar.service import answer as answer_invite
    from os1.types import utc_now

    accept = args.calendar_command == "accept"
    await answer_invite(desk.calendar, desk.user_id, args.uid, accept, utc_now())
    print(f"{'Accepted: it is in your calendar' if accept else 'Declined'} ({args.uid}).")
    return 0


def parse_at(text: str, now: datetime, zone: tzinfo) -> datetime:
    """'YYYY-MM-DD HH:MM' or 'HH:MM' (today, or tomorrow when that has passed) in ``zone``."""
    text = text.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%H:%M"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%H:%M":
            local = now.astimezone(zone)
            at = datetime.combine(local.date(), parsed.time(), zone)
            return at if at > now else at + timedelta(days=1)
        return parsed.replace(tzinfo=zone)
    raise Os1Error("calendar.bad_time", f"cannot read the time {text!r}", hint="'2026-11-23 15:00' or '15:00'")


async def _list_reminders(desk: Desk) -> int:
    pending = await desk.calendar.reminders(desk.user_id)
    if not pending:
        print("No reminders to come.")
    for r in pending:
        lead = f", {int(r.lead.total_seconds() // 60)} min before" if r.lead else ""
        print(f"#{r.id:<4} {r.due_at.astimezone(desk.zone):%a %-d %b %H:%M}  {r.text}{lead}")
    return 0


async def remind(desk: Desk, args: Any) -> int:
    from os1.calendar import service
    from os1.types import utc_now

    now = utc_now()
    if args.list:
        return await _list_reminders(desk)
    if args.dismiss is not None:
        done = await desk.calendar.mark(desk.user_id, [args.dismiss], "dismissed", now)
        print(f"Dismissed reminder #{args.dismiss}." if done else f"No reminder #{args.dismiss} to dismiss.")
        return 0 if done else 1
    if args.upcoming is not None:
        lead = timedelta(minutes=10 if args.before is None else args.before)
        many = await service.remind_upcoming(desk.calendar, desk.user_id, lead, now, args.upcoming)
        print(f"{len(many)} reminder(s) set.")
        return 0
    if not args.what:
        raise Os1Error("calendar.remind_what", "remind of what?", hint="os1 calendar remind 'call mum' --at 18:00")
    if args.at:
        lead = timedelta(minutes=args.before or 0)
        made = await service.remind_text(desk.calendar, desk.user_id, args.what, parse_at(args.at, now, desk.zone),
                                         now, lead)
    else:
        event = await service.find_event(desk.calendar, desk.user_id, args.what)
        lead = timedelta(minutes=10 if args.before is None else args.before)
        made = await service.remind_event(desk.calendar, desk.user_id, event, lead, now)
    print(f"Reminder #{made.id}: {made.text}, {made.fire_at.astimezone(desk.zone):%a %-d %b %H:%M}.")
    return 0


async def watch(desk: Desk, args: Any) -> int:
    import asyncio

    from os1.calendar.reminders import Scheduler
    from os1.types import utc_now

    async def say(text: str) -> None:
        print(f"{utc_now().astimezone(desk.zone):%H:%M}  {text}", flush=True)

    print("Saying reminders as they come due (Ctrl-C stops).", file=sys.stderr)
    await Scheduler(desk.calendar, desk.user_id, desk.zone).run(utc_now, asyncio.sleep, say)
    return 0
