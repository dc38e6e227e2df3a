"""vCards: many cards per file, unicode names, several addresses, broken cards skipped with a report, and a
round trip (import → export → import) that gives the same contacts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from os1.contacts.base import Source, name_key
from os1.contacts.service import export_vcards, import_vcards
from os1.contacts.store import SqliteContacts
from os1.contacts.vcards import parse_vcards, render_vcards
from os1.store import SqliteStore
from tests.unit.contacts.conftest import T0

CARDS = """BEGIN:VCARD
VERSION:3.0
FN:Zoë Ångström
N:Ångström;Zoë;;;
EMAIL;TYPE=HOME:Zoe@Example.com
EMAIL;TYPE=WORK:zoe.a@work.example
TEL;TYPE=CELL:+46 70 123 45 67
ORG:Acme AB
BDAY:1985-04-12
NOTE:Likes tea\\, not coffee
END:VCARD
BEGIN:VCARD
VERSION:3.0
this line has no colon and breaks the card
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:Chen;Wei;;;
EMAIL:wei@example.org
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:李小龍
EMAIL:bruce@example.net
X-OS1-RELATION:friend
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Never Ends
"""


def test_cards_are_read_and_broken_ones_reported_with_their_line():
    contacts, skipped = parse_vcards(CARDS, "book.vcf")
    assert [c.name for c in contacts] == ["Zoë Ångström", "Wei Chen", "李小龍"]
    zoe = contacts[0]
    assert zoe.emails == ("zoe@example.com", "zoe.a@work.example")  # lower-cased, both kept, in order
    assert zoe.phones == ("+46 70 123 45 67",) and zoe.org == "Acme AB" and zoe.birthday == date(1985, 4, 12)
    assert zoe.notes == "Likes tea, not coffee" and zoe.sources == (Source("vcard", "book.vcf"),)
    assert contacts[2].relation == "friend"
    assert [(s.index, s.line) for s in skipped] == [(2, 12), (5, 27)]
    assert "parse" in skipped[0].reason.lower() and "END:VCARD" in skipped[1].reason


def test_render_then_parse_gives_the_same_contacts():
    contacts, _ = parse_vcards(CARDS, "book.vcf")
    again, skipped = parse_vcards(render_vcards(contacts), "book.vcf")
    assert skipped == [] and again == contacts


def test_names_match_across_case_accents_spacing_and_last_first_order():
    assert name_key("  Zoë   ÅNGSTRÖM ") == name_key("Zoe Angstrom") == name_key("Angstrom, Zoe")


async def test_import_export_import_round_trips_through_the_store(book: tuple[SqliteStore, SqliteContacts, int],
                                                                  tmp_path: Path):
    _, contacts, uid = book
    src = tmp_path / "book.vcf"
    src.write_text(CARDS, encoding="utf-8")
    report = await import_vcards(contacts, uid, src, T0)
    assert (report.added, report.updated, len(report.skipped)) == (3, 0, 2)
    first = await contacts.all(uid)
    out = tmp_path / "out.vcf"
    out.write_text(await export_vcards(contacts, uid), encoding="utf-8")
    again = await import_vcards(contacts, uid, out, T0)  # into the same book: nothing new, nothing doubled
    assert (again.added, len(again.skipped)) == (0, 0)
    assert [(c.name, c.emails, c.phones, c.notes) for c in await contacts.all(uid)] == \
        [(c.name, c.emails, c.phones, c.notes) for c in first]
    fresh_uid = (await book[0].users.ensure("someone-else")).id  # and into an empty book: the same contacts
    await import_vcards(contacts, fresh_uid, out, T0)
    strip = [(c.name, c.emails, c.phones, c.org, c.birthday, c.notes, c.relation) for c in first]
    assert [(c.name, c.emails, c.phones, c.org, c.birthday, c.notes, c.relation)
            for c in await contacts.all(fresh_uid)] == strip


async def test_importing_a_second_card_for_a_known_address_merges_into_that_contact(
    book: tuple[SqliteStore, SqliteContacts, int], tmp_path: Path
):
    _, contacts, uid = book
    (tmp_path / "a.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Wei Chen\r\nEMAIL:wei@example.org\r\n"
                                    "END:VCARD\r\n", encoding="utf-8")
    (tmp_path / "b.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:W. Chen\r\nEMAIL:wei@example.org\r\n"
                                    "TEL:555 0101\r\nEND:VCARD\r\n", encoding="utf-8")
    await import_vcards(contacts, uid, tmp_path / "a.vcf", T0)
    report = await import_vcards(contacts, uid, tmp_path / "b.vcf", T0)
    [wei] = await contacts.all(uid)
    assert (report.added, report.updated) == (0, 1)
    assert wei.name == "Wei Chen" and wei.phones == ("555 0101",) and len(wei.sources) == 2
