"""vCard files in and out (vobject). A file holds many cards; a card that cannot be read is skipped and reported,
and the others are still read. What OS1 writes it reads back the same (import → export → import)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from os1.contacts.base import (
    Contact,
    ContactsError,
    Skipped,
    Source,
    clean_email,
    clean_name,
    clean_phone,
    unique,
)

RELATION = "x-os1-relation"  # how the person relates to the user; vCard 3.0 has no field for it
_BDAY = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})")


def _vobject() -> Any:
    try:
        import vobject
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ContactsError("contacts.no_vobject", "vCard support needs vobject", hint="pip install vobject") from exc
    return vobject


def split_cards(text: str) -> list[tuple[int, str | None]]:
    """Each BEGIN:VCARD ... END:VCARD block with its first line number (None: the block never ends)."""
    out: list[tuple[int, str | None]] = []
    block: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        word = line.strip().upper()
        if word == "BEGIN:VCARD":
            if block is not None:
                out.append((start, None))
            block, start = [line], number
        elif block is not None:
            block.append(line)
            if word == "END:VCARD":
                out.append((start, "\r\n".join(block) + "\r\n"))
                block = None
    if block is not None:
        out.append((start, None))
    return out


def _values(card: Any, name: str) -> list[Any]:
    return [line.value for line in card.contents.get(name, [])]


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value if v)
    return str(value or "")


def _birthday(raw: str) -> date | None:
    m = _BDAY.match(raw.strip())
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _name(card: Any) -> str:
    name = clean_name(_text(_values(card, "fn")[0])) if card.contents.get("fn") else ""
    if not name and card.contents.get("n"):
        n = card.n.value
        name = clean_name(" ".join(p for p in (_text(n.prefix), _text(n.given), _text(n.additional),
                                               _text(n.family), _text(n.suffix)) if p))
    return name


def card_contact(card: Any, origin: str) -> Contact:
    """One parsed vCard as a contact; raises ValueError when it has neither a name nor an address."""
    emails = unique([clean_email(_text(v)) for v in _values(card, "email")])
    name = _name(card) or (emails[0] if emails else "")
    if not name:
        raise ValueError("the card has no name and no email address")
    org = _values(card, "org")
    bday = _values(card, "bday")
    relation = _values(card, RELATION)
    return Contact(
        name=name, emails=emails, phones=unique([clean_phone(_text(v)) for v in _values(card, "tel")]),
        org=clean_name(_text(org[0])) if org else "", birthday=_birthday(_text(bday[0])) if bday else None,
        notes="\n".join(_text(v).strip() for v in _values(card, "note") if _text(v).strip()),
        relation=clean_name(_text(relation[0])) if relation else "", sources=(Source("vcard", origin),),
    )  # fmt: skip


def parse_vcards(text: str, origin: str = "") -> tuple[list[Contact], list[Skipped]]:
    """The contacts in a vCard file's text, and the cards skipped (with their line and the reason)."""
    vobject = _vobject()
    contacts: list[Contact] = []
    skipped: list[Skipped] = []
    for index, (line, block) in enumerate(split_cards(text), start=1):
        if block is None:
            skipped.append(Skipped(index, line, "the card never ends (no END:VCARD)"))
            continue
        try:
            card = vobject.readOne(block, ignoreUnreadable=False)
            contacts.append(card_contact(card, origin))
        except Exception as exc:  # vobject raises ParseError, ValueError, AttributeError... on broken input
            skipped.append(Skipped(index, line, f"{type(exc).__name__}: {exc}".strip()[:200]))
    return contacts, skipped


def _name_parts(name: str) -> tuple[str, str]:
    parts = name.split()
    return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (name, "")


def render_vcards(contacts: Iterable[Contact]) -> str:
    """vCard 3.0 text for these contacts, one card each."""
    vobject = _vobject()
    out: list[str] = []
    for c in contacts:
        card = vobject.vCard()
        card.add("fn").value = c.name
        given, family = _name_parts(c.name)
        card.add("n").value = vobject.vcard.Name(family=family, given=given)
        for addr in c.emails:
            card.add("email").value = addr
        for number in c.phones:
            card.add("tel").value = number
        if c.org:
            card.add("org").value = [c.org]
        if c.birthday:
            card.add("bday").value = c.birthday.isoformat()
        if c.notes:
            card.add("note").value = c.notes
        if c.relation:
            card.add(RELATION).value = c.relation
        out.append(card.serialize())
    return "".join(out)
