"""Contacts inferred from mail: the people the user corresponds with, how often each way, and when last.

Automated senders (no-reply addresses, mailing lists, bulk and auto-submitted mail) are not people and are left
out. Correspondents are merged by address, then by normalised name (one person, several addresses). Everything
in an Email came from outside: names are kept as data, never acted on."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from os1.contacts.base import Contact, Source, clean_email, clean_name, name_key
from os1.mail.message import Address, Email

_AUTOMATED = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster|bounces?|notifications?|notify|alerts?|"
    r"news(?:letter)?|updates|info|support|billing|marketing|hello|team|admin|root|daemon)(?:[-+._].*)?@", re.I)
_BULK = frozenset({"bulk", "list", "junk"})
MAX_SOURCES = 20  # message ids kept per inferred contact, the latest first


def automated_sender(mail: Email) -> bool:
    """A list, a bulk mailing, an auto-reply or a no-reply address: not a person writing to the user."""
    if mail.header("list-id") or mail.header("list-unsubscribe") or mail.header("list-post"):
        return True
    if mail.header("precedence").strip().lower() in _BULK:
        return True
    auto = mail.header("auto-submitted").strip().lower()
    return bool(auto and auto != "no") or automated_address(mail.sender.addr)


def automated_address(addr: str) -> bool:
    return bool(_AUTOMATED.match(addr)) or "noreply" in addr.split("@")[0].replace("-", "").replace("_", "")


@dataclass
class _Tally:
    names: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    received: int = 0
    last: datetime | None = None
    seen: list[tuple[datetime | None, str]] = field(default_factory=list)

    def add(self, who: Address, mail: Email, outgoing: bool) -> None:
        name = clean_name(who.name)
        if name and "@" not in name:
            self.names[name] = self.names.get(name, 0) + 1
        if outgoing:
            self.sent += 1
        else:
            self.received += 1
        if mail.date is not None and (self.last is None or mail.date > self.last):
            self.last = mail.date
        if mail.message_id:
            self.seen.append((mail.date, mail.message_id))


def _tally(emails: Iterable[Email], me: set[str]) -> dict[str, _Tally]:
    mine = {clean_email(a) for a in me} - {""}
    tallies: dict[str, _Tally] = {}
    for mail in emails:
        sender = clean_email(mail.sender.addr)
        if sender in mine:
            for who in (*mail.to, *mail.cc):
                addr = clean_email(who.addr)
                if addr and addr not in mine and not automated_address(addr):
                    tallies.setdefault(addr, _Tally()).add(who, mail, outgoing=True)
        elif sender and not automated_sender(mail):
            tallies.setdefault(sender, _Tally()).add(mail.sender, mail, outgoing=False)
    return tallies


def _contact(addrs: list[str], tallies: list[_Tally]) -> Contact:
    names: dict[str, int] = {}
    for t in tallies:
        for n, count in t.names.items():
            names[n] = names.get(n, 0) + count
    seen = sorted({s for t in tallies for s in t.seen}, key=lambda s: (s[0] is not None, s[0] or 0, s[1]),
                  reverse=True)  # fmt: skip
    last = max((t.last for t in tallies if t.last is not None), default=None)
    return Contact(
        name=max(names, key=lambda n: (names[n], n)) if names else addrs[0], emails=tuple(addrs),
        sources=tuple(Source("mail", mid) for _, mid in seen[:MAX_SOURCES]),
        sent=sum(t.sent for t in tallies), received=sum(t.received for t in tallies), last_seen=last,
    )  # fmt: skip


def infer_from_mail(emails: Iterable[Email], me: set[str], min_received: int = 0) -> list[Contact]:
    """The people the user corresponds with, most frequent first: everyone the user wrote to (with how many
    messages went each way). Someone who only ever wrote to the user is left out unless ``min_received`` > 0 and
    they sent that many: on real mail such senders are mostly newsletters and spam (see bench/desk.py)."""
    tallies = _tally(emails, me)
    groups: dict[str, list[str]] = {}  # a normalised name (or the address, for the nameless) → addresses
    for addr, tally in sorted(tallies.items()):
        best = max(tally.names, key=lambda n: (tally.names[n], n)) if tally.names else ""
        key = name_key(best) if len(name_key(best).split()) >= 2 else f"@{addr}"  # "Amy" alone is too common
        groups.setdefault(key, []).append(addr)
    out = []
    for addrs in groups.values():
        contact = _contact(addrs, [tallies[a] for a in addrs])
        if contact.sent or (min_received > 0 and contact.received >= min_received):
            out.append(contact)
    return sorted(out, key=lambda c: (-(c.sent + c.received), name_key(c.name)))
