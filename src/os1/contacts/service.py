"""What the contacts capability does for the user: import and export vCards, learn correspondents from mail,
and link contacts to the people memory knows ("Amy is your friend.") without making a second Amy."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from os1.contacts.base import Contact, ContactsError, ImportReport, Source, name_key
from os1.contacts.infer import infer_from_mail
from os1.contacts.store import SqliteContacts
from os1.contacts.vcards import parse_vcards, render_vcards
from os1.mail.message import Email
from os1.store.base import Store
from os1.types import Memory

READ_TIMEOUT_S = 30.0
USER_PERSON = "person:user:"  # memory's key for a person as they relate to the user (extract.people)


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # old exports; every byte is a character, nothing is lost


def _read(path: Path) -> tuple[bytes, Path]:
    path = path.expanduser().resolve()
    return path.read_bytes(), path


async def import_vcards(contacts: SqliteContacts, user_id: int, path: Path, now: datetime) -> ImportReport:
    """Every readable card in the file, merged into the contacts it matches; broken cards are reported."""
    try:
        raw, where = await asyncio.wait_for(asyncio.to_thread(_read, path), READ_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise ContactsError("contacts.unreadable", f"cannot read {path}: {exc}") from exc
    found, skipped = parse_vcards(decode(raw), str(where))
    added, updated = await contacts.save(user_id, found, now)
    return ImportReport(added, updated, tuple(skipped))


async def export_vcards(contacts: SqliteContacts, user_id: int) -> str:
    return render_vcards(await contacts.all(user_id))


async def learn_from_mail(
    contacts: SqliteContacts, user_id: int, emails: Iterable[Email], me: set[str], now: datetime,
    min_received: int = 0,
) -> ImportReport:
    """The user's correspondents, saved (merged by address and name with the contacts already known)."""
    added, updated = await contacts.save(user_id, infer_from_mail(emails, me, min_received), now)
    return ImportReport(added, updated)


def _person(item: Memory) -> tuple[str, str] | None:
    """(name, relation) of a memory item saying how someone relates to the user."""
    if item.kind != "person" or not (item.key or "").startswith(USER_PERSON) or not item.subject:
        return None
    return item.subject, (item.value or "").strip()


def _pick(everyone: list[Contact], name: str, memory_id: int) -> Contact | None:
    """The contact a memory person is: already linked to it, else the same name, else the only contact with
    that first name."""
    linked = [c for c in everyone if memory_id in c.memory_ids]
    if linked:
        return linked[0]
    key = name_key(name)
    same = [c for c in everyone if name_key(c.name) == key]
    if same:
        return same[0]
    first = [c for c in everyone if name_key(c.name).split()[:1] == key.split()[:1]] if len(key.split()) == 1 else []
    return first[0] if len(first) == 1 else None


async def link_people(store: Store, contacts: SqliteContacts, user_id: int, now: datetime) -> int:
    """Link each person memory knows to their contact, adding one when there is none; memory's relation shows on
    the contact. Idempotent. Returns how many contacts were added or changed."""
    changed = 0
    for item in await store.memories.current(user_id, kinds=("person",), limit=5000):
        person = _person(item)
        if person is None:
            continue
        name, relation = person
        everyone = await contacts.all(user_id)
        contact = _pick(everyone, name, item.id)
        source = Source("memory", str(item.id))
        if contact is None:
            await contacts.put(user_id, Contact(name, relation=relation, sources=(source,)), now)
            changed += 1
            continue
        sources = contact.sources if source in contact.sources else (*contact.sources, source)
        new = replace(contact, relation=relation or contact.relation, sources=sources)
        if new != contact:
            await contacts.put(user_id, new, now)
            changed += 1
    return changed
