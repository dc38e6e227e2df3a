"""Contacts learned from mail (lists and no-reply senders are not people; sent and received are counted), linked
to the people memory knows without a second Amy, and merges that can be undone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from os1.contacts.base import Contact, Source
from os1.contacts.infer import infer_from_mail
from os1.contacts.service import learn_from_mail, link_people
from os1.contacts.store import SqliteContacts
from os1.mail.message import Address, Email
from os1.store import SqliteStore
from os1.types import NewMemory
from tests.unit.contacts.conftest import T0

ME = Address("Theo Twombly", "theo@example.com")
PAUL = Address("Paul Smith", "paul@example.com")
PAUL_WORK = Address("Paul Smith", "p.smith@work.example")


def mail(n: int, sender: Address, to: tuple[Address, ...], headers: tuple[tuple[str, str], ...] = (),
         cc: tuple[Address, ...] = ()) -> Email:
    return Email(f"<m{n}@example.com>", f"h{n}", f"subject {n}", sender, to, cc,
                 date=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n), headers=headers)


def inbox() -> list[Email]:
    return [
        mail(1, PAUL, (ME,)),
        mail(2, ME, (PAUL,), cc=(Address("Amy Chen", "amy@example.com"),)),
        mail(3, PAUL_WORK, (ME,)),
        mail(4, ME, (PAUL,)),
        mail(5, Address("GitHub", "noreply@github.com"), (ME,)),
        mail(6, Address("GitHub", "noreply@github.com"), (ME,)),
        mail(7, Address("Python list", "python-list@python.org"), (ME,), (("list-id", "<python-list.python.org>"),)),
        mail(8, Address("Python list", "python-list@python.org"), (ME,), (("list-id", "<python-list.python.org>"),)),
        mail(9, Address("Shop", "deals@shop.example"), (ME,), (("precedence", "bulk"),)),
        mail(10, Address("Shop", "deals@shop.example"), (ME,), (("precedence", "bulk"),)),
        mail(11, Address("Stranger", "once@example.org"), (ME,)),
    ]


def test_correspondents_counted_each_way_and_automated_senders_left_out():
    found = infer_from_mail(inbox(), {"Theo@Example.com"})
    assert [c.name for c in found] == ["Paul Smith", "Amy Chen"]  # one-way mail from a stranger is no tie
    paul, amy = found
    assert set(paul.emails) == {"paul@example.com", "p.smith@work.example"}  # one person, two addresses
    assert (paul.sent, paul.received) == (2, 2)
    assert paul.last_seen == datetime(2026, 1, 5, tzinfo=UTC)
    assert set(paul.message_ids) == {"<m1@example.com>", "<m2@example.com>", "<m3@example.com>", "<m4@example.com>"}
    assert (amy.sent, amy.received) == (1, 0)
    assert infer_from_mail(inbox(), {"theo@example.com"}, min_received=1)[-1].name == "Stranger"
    assert "Stranger" not in [c.name for c in infer_from_mail(inbox(), {"theo@example.com"}, min_received=2)]
    assert "Theo Twombly" in [c.name for c in infer_from_mail(inbox(), set(), min_received=1)]  # without "me"


async def test_learning_twice_from_the_same_mail_does_not_double_counts(book: tuple[SqliteStore, SqliteContacts, int]):
    _, contacts, uid = book
    first = await learn_from_mail(contacts, uid, inbox(), {"theo@example.com"}, T0)
    again = await learn_from_mail(contacts, uid, inbox(), {"theo@example.com"}, T0)
    assert (first.added, again.added, again.updated) == (2, 0, 0)
    paul = (await contacts.find(uid, "Paul"))[0]
    assert (paul.sent, paul.received) == (2, 2)


async def test_memory_people_link_to_contacts_by_name_and_bring_their_relation(
    book: tuple[SqliteStore, SqliteContacts, int]
):
    store, contacts, uid = book
    amy_item = await store.memories.add(uid, NewMemory(
        "person", "Amy is your friend.", "person:user:amy", "friend", subject="Amy", importance=0.7), T0)
    cath = await store.memories.add(uid, NewMemory(
        "person", "Catherine is your ex-wife.", "person:user:catherine", "ex-wife", subject="Catherine"), T0)
    await store.memories.add(uid, NewMemory(  # someone else's sister: not the user's relation
        "person", "Ruth is Amy's sister.", "person:Amy:ruth", "sister", subject="Ruth"), T0)
    assert amy_item and cath
    await learn_from_mail(contacts, uid, inbox(), {"theo@example.com"}, T0)
    assert await link_people(store, contacts, uid, T0) == 2  # Amy linked, Catherine added
    assert await link_people(store, contacts, uid, T0) == 0  # linking again changes nothing
    everyone = {c.name: c for c in await contacts.all(uid)}
    assert set(everyone) == {"Amy Chen", "Catherine", "Paul Smith"}  # no second Amy, no Ruth
    assert everyone["Amy Chen"].relation == "friend" and everyone["Amy Chen"].memory_ids == (amy_item.id,)
    assert everyone["Catherine"].relation == "ex-wife" and everyone["Catherine"].memory_ids == (cath.id,)
    assert everyone["Amy Chen"].emails == ("amy@example.com",)


async def test_a_memory_person_then_a_card_with_her_full_name_is_one_contact(
    book: tuple[SqliteStore, SqliteContacts, int]
):
    store, contacts, uid = book
    await store.memories.add(uid, NewMemory("person", "Amy is your sister.", "person:user:amy", "sister",
                                            subject="Amy"), T0)
    await link_people(store, contacts, uid, T0)
    await contacts.save(uid, [Contact("Amy Chen", ("amy@example.com",), sources=(Source("vcard", "x.vcf"),))], T0)
    [amy] = await contacts.all(uid)
    assert amy.name == "Amy Chen" and amy.relation == "sister" and amy.emails == ("amy@example.com",)


async def test_merge_keeps_both_and_undo_restores_them(book: tuple[SqliteStore, SqliteContacts, int]):
    _, contacts, uid = book
    a = await contacts.put(uid, Contact("Paul Smith", ("paul@example.com",), sent=2), T0)
    b = await contacts.put(uid, Contact("Paulie", ("p@home.example",), ("555 0100",), notes="cousin", received=3), T0)
    assert a.id and b.id
    await contacts.merge(uid, a.id, b.id, T0)
    [both] = await contacts.all(uid)
    assert both.id == a.id and both.emails == ("paul@example.com", "p@home.example") and both.phones == ("555 0100",)
    assert (both.sent, both.received, both.notes) == (2, 3, "cousin")
    assert await contacts.unmerge(uid, T0) == (a.id, b.id)
    assert await contacts.all(uid) == sorted([a, b], key=lambda c: c.name.casefold())
    assert await contacts.unmerge(uid, T0) is None  # nothing left to undo


async def test_one_users_contacts_are_not_anothers(book: tuple[SqliteStore, SqliteContacts, int]):
    store, contacts, uid = book
    other = (await store.users.ensure("other")).id
    await contacts.put(uid, Contact("Paul Smith", ("paul@example.com",)), T0)
    assert await contacts.all(other) == [] and await contacts.find(other, "Paul") == []
