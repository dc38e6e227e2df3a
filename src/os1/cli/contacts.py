"""``os1 contacts``: import and export vCards, learn correspondents from mail, list and show contacts (linked to
the people your companion remembers), merge two and undo it.

Module-level imports stay light: ``add_contacts_parser`` runs for every ``os1 --help``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import Os1Error

if TYPE_CHECKING:
    from os1.config import Settings
    from os1.contacts.base import Contact
    from os1.contacts.store import SqliteContacts
    from os1.mail.message import Email
    from os1.store.base import Store


def _id(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_contacts_parser(sub: Any) -> None:
    """Register ``os1 contacts`` and its actions on the top-level subparsers."""
    contacts = sub.add_parser(
        "contacts", help="your contacts: vCards in and out, people you write to, people your companion knows",
        description="Contacts from vCard files and from your mail, linked to the people your companion remembers "
        "(their relation to you shows on the contact).")
    contacts.set_defaults(contacts_help=contacts.print_help)
    actions = contacts.add_subparsers(dest="contacts_command", metavar="ACTION")
    imp = actions.add_parser("import", help="read contacts from vCard files (broken cards are skipped and listed)")
    imp.add_argument("files", nargs="+", type=Path, help=".vcf files, each with one or many cards")
    exp = actions.add_parser("export", help="write every contact as vCards (to FILE, or to the screen)")
    exp.add_argument("file", nargs="?", type=Path, help="the .vcf file to write (default: standard output)")
    actions.add_parser("list", help="everyone, with how they relate to you and how often you write")
    show = actions.add_parser("show", help="a contact: addresses, numbers, notes, and where each came from")
    show.add_argument("name", help="a name, a first name, or an address")
    infer = actions.add_parser("infer", help="learn the people you correspond with from the mail in OS1")
    infer.add_argument("--me", action="append", default=[], metavar="ADDRESS",
                       help="one of your own addresses (repeatable; default: the mail accounts OS1 knows)")
    infer.add_argument("--limit", type=int, default=50_000, help="read at most this many messages, newest first")
    infer.add_argument("--min-received", type=int, default=0, help="also keep people who only wrote to you, from "
                       "this many messages (default 0: only people you wrote to; one-way mail is mostly newsletters)")
    actions.add_parser("link", help="link contacts to the people your companion remembers")
    merge = actions.add_parser("merge", help="merge the second contact into the first (undo with `unmerge`)")
    merge.add_argument("keep", type=_id)
    merge.add_argument("drop", type=_id)
    unmerge = actions.add_parser("unmerge", help="undo the last merge (or the merge with this id)")
    unmerge.add_argument("merge_id", nargs="?", type=_id)


def run_contacts(args: Any) -> int:
    import asyncio

    from os1.cli.wiring import settings_from

    if not args.contacts_command:
        args.contacts_help()
        return 0
    return asyncio.run(_run(settings_from(args), args))


@dataclass
class Book:
    store: Store
    contacts: SqliteContacts
    user_id: int


@asynccontextmanager
async def _book(settings: Settings) -> AsyncIterator[Book]:
    from os1.contacts.store import contacts_of
    from os1.store import user_store

    async with user_store(settings.database, settings.user) as (store, user):
        yield Book(store, contacts_of(store), user.id)


async def _run(settings: Settings, args: Any) -> int:
    handlers = {"import": import_cards, "export": export_cards, "list": list_contacts, "show": show_contact,
                "infer": infer_contacts, "link": link, "merge": merge, "unmerge": unmerge}
    async with _book(settings) as book:
        return int(await handlers[args.contacts_command](book, args))


async def _link(book: Book) -> int:
    from os1.contacts.service import link_people
    from os1.types import utc_now

    return await link_people(book.store, book.contacts, book.user_id, utc_now())


async def import_cards(book: Book, args: Any) -> int:
    from os1.contacts.service import import_vcards
    from os1.types import utc_now

    for path in args.files:
        report = await import_vcards(book.contacts, book.user_id, path, utc_now())
        print(f"{path.name}: {report.added} added, {report.updated} updated, {len(report.skipped)} skipped")
        for s in report.skipped:
            print(f"  skipped card {s.index} (line {s.line}): {s.reason}")
    linked = await _link(book)
    if linked:
        print(f"Linked {linked} contact(s) to the people your companion remembers.")
    return 0


async def export_cards(book: Book, args: Any) -> int:
    from os1.contacts.service import export_vcards

    text = await export_vcards(book.contacts, book.user_id)
    if args.file is None:
        sys.stdout.write(text)
        return 0
    try:
        args.file.expanduser().write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Os1Error("contacts.unwritable", f"cannot write {args.file}: {exc}") from exc
    print(f"Wrote {text.count('BEGIN:VCARD')} contact(s) to {args.file}.", file=sys.stderr)
    return 0


def _line(c: Contact) -> str:
    relation = f" — {c.relation}" if c.relation else ""
    mail = f"  ✉ {c.sent}↑ {c.received}↓" if c.sent or c.received else ""
    first = f"  <{c.emails[0]}>" if c.emails else ""
    return f"#{c.id:<4} {c.name}{relation}{first}{mail}"


async def list_contacts(book: Book, args: Any) -> int:
    await _link(book)
    everyone = await book.contacts.all(book.user_id)
    if not everyone:
        print("No contacts yet: `os1 contacts import FILE.vcf`, or `os1 contacts infer` from your mail.")
        return 0
    for c in everyone:
        print(_line(c))
    return 0


async def show_contact(book: Book, args: Any) -> int:
    found = await book.contacts.find(book.user_id, args.name)
    if not found:
        raise Os1Error("contacts.not_found", f"no contact called {args.name!r}", hint="os1 contacts list")
    for c in found:
        print(_line(c))
        for label, values in (("email", c.emails), ("phone", c.phones)):
            for value in values:
                print(f"  {label}: {value}")
        for label, value in (("org", c.org), ("birthday", f"{c.birthday:%Y-%m-%d}" if c.birthday else ""),
                             ("relation", c.relation),
                             ("last mail", f"{c.last_seen:%Y-%m-%d}" if c.last_seen else "")):
            if value:
                print(f"  {label}: {value}")
        if c.notes:
            print("  notes: " + c.notes.replace("\n", "\n         "))
        for s in c.sources:
            print(f"  from {s.kind}: {s.ref}" + ("  (`os1 memory show " + s.ref + "`)" if s.kind == "memory" else ""))
    return 0


async def _mail(store: Store, user_id: int, limit: int) -> tuple[list[Email], set[str]] | None:
    """The stored mail (newest first) and the addresses it shows are the user's own (those in the account names,
    and the senders of messages in a Sent folder); None when OS1 keeps no mail yet."""
    import re

    from os1.errors import StoreError

    try:
        from os1.mail.store import SqliteMail
    except ImportError:
        return None
    mail = SqliteMail(getattr(store, "runner"))  # noqa: B009 - the SQLite store's runner, as for letters
    try:
        stored = await mail.recent(user_id, limit=limit) if await mail.count(user_id) else []
    except StoreError:  # the mail tables are not there yet
        return None
    if not stored:
        return None
    mine = {s.email.sender.addr for s in stored if "sent" in s.folder.lower() and s.email.sender.addr}
    for s in stored:
        mine |= {m.lower() for m in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", s.account)}
    return [s.email for s in stored], mine


async def infer_contacts(book: Book, args: Any) -> int:
    from os1.contacts.service import learn_from_mail
    from os1.types import utc_now

    found = await _mail(book.store, book.user_id, args.limit)
    if found is None:
        print("OS1 keeps no mail yet, so there is nothing to learn contacts from (mail sync comes first).")
        return 0
    emails, mine = found
    mine |= {a.lower() for a in args.me}
    if not mine:
        raise Os1Error("contacts.who_am_i", "which addresses are yours?", hint="os1 contacts infer --me YOU@HOST")
    report = await learn_from_mail(book.contacts, book.user_id, emails, mine, utc_now(), args.min_received)
    print(f"Read {len(emails)} message(s): {report.added} contact(s) added, {report.updated} updated.")
    await _link(book)
    return 0


async def link(book: Book, args: Any) -> int:
    print(f"Linked {await _link(book)} contact(s) to the people your companion remembers.")
    return 0


async def merge(book: Book, args: Any) -> int:
    from os1.types import utc_now

    merge_id = await book.contacts.merge(book.user_id, args.keep, args.drop, utc_now())
    print(f"Merged #{args.drop} into #{args.keep} (merge {merge_id}). `os1 contacts unmerge` undoes it.")
    return 0


async def unmerge(book: Book, args: Any) -> int:
    from os1.types import utc_now

    undone = await book.contacts.unmerge(book.user_id, utc_now(), args.merge_id)
    if undone is None:
        print("No merge to undo.")
        return 1
    print(f"Unmerged: #{undone[0]} and #{undone[1]} are as they were.")
    return 0
