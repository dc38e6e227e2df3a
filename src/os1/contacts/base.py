"""Contacts as small frozen values: a person the user knows, where each detail came from, and how to match names.

No I/O here: the vCard reader, mail inference and the store build and read these."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from os1.errors import Os1Error

SourceKind = Literal["vcard", "mail", "memory", "manual"]


class ContactsError(Os1Error):
    pass


@dataclass(frozen=True, slots=True)
class Source:
    """Where a contact (or a detail of it) came from: a vCard file, a mail Message-ID, a memory item id."""

    kind: SourceKind
    ref: str


@dataclass(frozen=True, slots=True)
class Contact:
    """A person the user knows. ``relation`` is how they relate to the user ("friend", "ex-wife"), from memory or
    a vCard; ``sent``/``received`` count mail to and from them, ``last_seen`` is the latest such message."""

    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    org: str = ""
    birthday: date | None = None
    notes: str = ""
    relation: str = ""
    sources: tuple[Source, ...] = ()
    sent: int = 0
    received: int = 0
    last_seen: datetime | None = None
    id: int | None = None

    @property
    def memory_ids(self) -> tuple[int, ...]:
        return tuple(int(s.ref) for s in self.sources if s.kind == "memory" and s.ref.isdigit())

    @property
    def message_ids(self) -> tuple[str, ...]:
        return tuple(s.ref for s in self.sources if s.kind == "mail")


@dataclass(frozen=True, slots=True)
class Skipped:
    """A card that could not be read, and why (the rest of the file is still imported)."""

    index: int  # 1-based position of the card in the file
    line: int  # the line its BEGIN:VCARD is on
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    updated: int
    skipped: tuple[Skipped, ...] = ()


_SPACE = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def name_key(name: str) -> str:
    """A name normalised for matching: case, accents, spacing and "Last, First" order do not matter."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    if text.count(",") == 1:
        last, first = text.split(",")
        text = f"{first} {last}"
    text = re.sub(r"[^\w\s'-]", " ", text.casefold())
    return _SPACE.sub(" ", text).strip()


def clean_name(name: str) -> str:
    return _SPACE.sub(" ", name).strip().strip("\"'")


def clean_email(addr: str) -> str:
    addr = addr.strip().strip("<>").strip().lower()
    return addr if _EMAIL.match(addr) else ""


def clean_phone(number: str) -> str:
    number = _SPACE.sub(" ", number).strip()
    return number if sum(c.isdigit() for c in number) >= 3 else ""


def unique(items: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Keep the first of each (in order), dropping empties."""
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return tuple(seen)


def merged(a: Contact, b: Contact) -> Contact:
    """``a`` with what ``b`` adds: every address, number and source; blanks filled; mail counts added."""
    last = max((d for d in (a.last_seen, b.last_seen) if d is not None), default=None)
    return Contact(
        name=a.name or b.name, emails=unique([*a.emails, *b.emails]), phones=unique([*a.phones, *b.phones]),
        org=a.org or b.org, birthday=a.birthday or b.birthday,
        notes=a.notes if not b.notes or b.notes in a.notes else (f"{a.notes}\n{b.notes}" if a.notes else b.notes),
        relation=a.relation or b.relation, sources=tuple(dict.fromkeys([*a.sources, *b.sources])),
        sent=a.sent + b.sent, received=a.received + b.received, last_seen=last, id=a.id,
    )  # fmt: skip
