"""Contacts and calendar on real mail and on generated files: what inference keeps from a real corpus, how many
invitations a scan finds, and how long vCard/iCalendar round trips and a year's agenda take.

Usage: .venv/bin/python bench/desk.py [MBOX ...]   (default: the SpamAssassin ham and spam mboxes)
Ends with one line: RESULT name=value ..."""

from __future__ import annotations

import mailbox
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from os1.calendar.base import Attendee, Event
from os1.calendar.ics import expand, parse_ics, render_ics
from os1.calendar.invites import invitations_in
from os1.contacts.base import Contact
from os1.contacts.infer import automated_sender, infer_from_mail
from os1.contacts.vcards import parse_vcards, render_vcards
from os1.errors import Os1Error
from os1.mail.message import Email
from os1.mail.parse import parse

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "spamassassin"
DEFAULT = [DATA / "easy_ham_1.mbox", DATA / "hard_ham_1.mbox", DATA / "spam_1.mbox"]


def read_mbox(path: Path) -> tuple[list[bytes], list[Email]]:
    raws, emails = [], []
    for msg in mailbox.mbox(str(path), create=False):
        raw = msg.as_bytes()
        try:
            emails.append(parse(raw))
            raws.append(raw)
        except Os1Error:
            continue
    return raws, emails


def mail_figures(paths: list[Path]) -> dict[str, float]:
    out: dict[str, float] = {}
    all_raw: list[bytes] = []
    for path in paths:
        raws, emails = read_mbox(path)
        all_raw += raws
        t0 = time.perf_counter()
        # the corpus has no "me", so nobody was written to: these are the one-way senders (2+ messages) that
        # ``--min-received 2`` would keep, which is why the default keeps only people the user wrote to
        found = infer_from_mail(emails, set(), min_received=2)
        took = time.perf_counter() - t0
        key = path.stem
        out[f"{key}_messages"] = len(emails)
        out[f"{key}_automated_pct"] = round(100 * sum(map(automated_sender, emails)) / max(1, len(emails)), 1)
        out[f"{key}_oneway_contacts"] = len(found)
        out[f"{key}_default_contacts"] = len(infer_from_mail(emails, set()))
        out[f"{key}_infer_ms"] = round(took * 1000, 1)
        print(f"{path.name}: {len(emails)} messages, {len(found)} correspondents, e.g. "
              f"{[c.name for c in found[:5]]}", file=sys.stderr)
    t0 = time.perf_counter()
    invites = sum(len(invitations_in(raw)) for raw in all_raw)
    out["invite_scan_ms_per_msg"] = round((time.perf_counter() - t0) * 1000 / max(1, len(all_raw)), 3)
    out["invitations_found"] = invites
    return out


def vcard_figures(n: int = 2000) -> dict[str, float]:
    people = [Contact(f"Persön {i} Æsir", (f"p{i}@example.com", f"p{i}@work.example"), (f"+1 555 {i:04d}",),
                      "Org", date(1980, 1, 1 + i % 28), f"note {i}", "friend" if i % 3 else "") for i in range(n)]
    t0 = time.perf_counter()
    text = render_vcards(people)
    t1 = time.perf_counter()
    back, skipped = parse_vcards(text)
    t2 = time.perf_counter()
    same = [(c.name, c.emails, c.phones, c.birthday, c.notes, c.relation) for c in back] == \
        [(c.name, c.emails, c.phones, c.birthday, c.notes, c.relation) for c in people]
    return {"vcard_n": n, "vcard_export_ms": round((t1 - t0) * 1000), "vcard_import_ms": round((t2 - t1) * 1000),
            "vcard_roundtrip_same": int(same and not skipped)}


def ics_figures(n: int = 200) -> dict[str, float]:
    zone = ZoneInfo("Europe/Paris")
    start = datetime(2026, 1, 5, 9, tzinfo=zone)
    events = [Event(f"e{i}@bench", f"Meeting {i}", start + timedelta(days=i % 7, hours=i % 8),
                    start + timedelta(days=i % 7, hours=i % 8, minutes=30), rrule="FREQ=WEEKLY",
                    attendees=(Attendee("Paul", "paul@example.com"),)) for i in range(n)]
    t0 = time.perf_counter()
    data = render_ics(events, datetime(2026, 1, 1, tzinfo=UTC))
    back, problems = parse_ics(data)
    t1 = time.perf_counter()
    year = expand(back, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    t2 = time.perf_counter()
    week = expand(back, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 8, tzinfo=UTC))
    t3 = time.perf_counter()
    return {"ics_series": n, "ics_roundtrip_ms": round((t1 - t0) * 1000), "ics_roundtrip_same": int(back == events),
            "year_occurrences": len(year), "year_expand_ms": round((t2 - t1) * 1000),
            "week_agenda_ms": round((t3 - t2) * 1000), "ics_problems": len(problems), "week_occurrences": len(week)}


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or DEFAULT
    figures: dict[str, float] = {}
    figures |= mail_figures([p for p in paths if p.exists()])
    print("mail done", file=sys.stderr)
    figures |= vcard_figures()
    print("vcards done", file=sys.stderr)
    figures |= ics_figures()
    print("RESULT " + " ".join(f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
