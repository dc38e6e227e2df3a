"""The book: the PDF renders, holds every chosen letter in order, one per page, in a handwriting font, and its
table of contents points at the right pages; the EPUB is well formed; the publisher's email is prepared, unsent."""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest

from os1.errors import Os1Error
from os1.letters.base import Letter, Version
from os1.letters.book import BookOptions
from os1.letters.epub import render_epub
from os1.letters.fonts import choose_font
from os1.letters.publish import publisher_email, write_email
from os1.letters.service import Desk, chosen_letters, compile_book
from tests.unit.letters.conftest import T0

PEOPLE = (("Margaret", "anniversary", "Happy anniversary! Forty years since Lisbon, and you still laugh like a girl."),
          ("Paul", "birthday", "Happy birthday, old friend. The bakery on Main Street misses you."),
          ("Chris", "thank you", "Thank you for the tulips. The whole house smells of spring."))


def _need(tool: str) -> None:
    assert shutil.which(tool), f"{tool} is installed by `make sysdeps` (poppler-utils)"


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


def _page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout


def _letters() -> list[Letter]:
    """Margaret's and Chris's letters (the book's), oldest first."""
    out = []
    for n, (name, occasion, line) in enumerate(PEOPLE):
        body = f"Dear {name},\n\n{line}\n\nWith all my love,\nTheodore\n"
        version = Version(n + 1, 1, body, "drafted", None, (), T0)
        out.append(Letter(n + 1, 1, None, name, occasion, "drafted", n != 1, T0 + timedelta(days=30 * n), T0,
                          version))
    return [x for x in out if x.favourite]


async def test_the_book_takes_the_favourites_oldest_first_or_the_letters_named(desk: Desk):
    for n, (name, occasion, line) in enumerate(PEOPLE):
        letter = await desk.letters.create(desk.user_id, name, occasion, "drafted", line, T0,
                                           written_on=T0 - timedelta(days=30 * n))
        await desk.letters.set_favourite(desk.user_id, letter.id, n != 1)
    assert [x.recipient for x in await chosen_letters(desk, [])] == ["Chris", "Margaret"]
    assert [x.recipient for x in await chosen_letters(desk, [2, 1])] == ["Paul", "Margaret"]
    with pytest.raises(Os1Error, match="no letter #9"):
        await chosen_letters(desk, [1, 9])


def test_the_pdf_holds_the_chosen_letters_in_order_and_the_contents_point_at_them(tmp_path: Path, font_cache: Path):
    _need("pdftotext")
    _need("pdftoppm")
    letters = _letters()
    font = choose_font(None, font_cache)
    assert font.path is not None and font.warning is None, "fonts-dancingscript is installed by `make sysdeps`"
    result = compile_book(letters, BookOptions("Letters", "Theodore"), font, tmp_path / "book.pdf", None)
    whole = _text(result.path)
    assert whole.index("Forty years since Lisbon") < whole.index("The whole house smells of spring")
    assert "The bakery on Main Street" not in whole
    contents = _page_text(result.path, 2)
    entries = re.findall(r"(\d)\.\s+(To \w+)[^\n]*?(\d+)\s*$", contents, re.M)
    assert [(name, int(page)) for _, name, page in entries] == [("To Margaret", 3), ("To Chris", 4)]
    for (_, name, page), letter in zip(entries, letters, strict=True):
        text = _page_text(result.path, int(page))
        assert f"Dear {letter.recipient}," in text and name in text and str(letter.written_on.year) in text
    assert result.starts == ((letters[0].id, 3), (letters[1].id, 4)) and result.pages == 4
    fonts = subprocess.run(["pdffonts", str(result.path)], check=True, capture_output=True, text=True).stdout
    assert "DancingScript" in fonts
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "3", "-l", "3", str(result.path), str(tmp_path / "p")],
                   check=True)
    png = next(tmp_path.glob("p*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000


def test_hidden_recipients_and_dates_leave_the_pages(tmp_path: Path, font_cache: Path):
    _need("pdftotext")
    options = BookOptions("Letters", "", show_dates=False, show_recipients=False)
    result = compile_book(_letters(), options, choose_font(None, font_cache), tmp_path / "b.pdf", None)
    text = _text(result.path)
    assert "Margaret" not in text and "Chris" not in text and "2025" not in text
    assert "Dear friend," in text and "Anniversary" in text


def test_without_a_handwriting_font_the_book_is_set_in_times_with_a_warning(tmp_path: Path):
    _need("pdftotext")
    font = choose_font(None, tmp_path / "cache", dirs=[tmp_path / "no-fonts"])
    assert font.path is None and font.warning and "fonts-dancingscript" in font.warning
    result = compile_book(_letters(), BookOptions("Letters — “kept”"), font, tmp_path / "t.pdf", None)
    assert "Forty years since Lisbon" in _text(result.path)


def test_the_epub_is_a_well_formed_book_in_the_same_order(tmp_path: Path):
    letters = _letters()
    out = render_epub(letters, BookOptions("Letters", "Theodore"), tmp_path / "book.epub")
    with zipfile.ZipFile(out) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"
        for name in z.namelist():
            if name.endswith((".xml", ".opf", ".xhtml")):
                ElementTree.fromstring(z.read(name))  # well-formed XML, or this raises
        opf = z.read("OEBPS/content.opf").decode()
        assert opf.index("letter-001") < opf.index("letter-002")
        assert "Lisbon" in z.read("OEBPS/letter-001.xhtml").decode()
        assert "spring" in z.read("OEBPS/letter-002.xhtml").decode()
        assert "To Margaret" in z.read("OEBPS/nav.xhtml").decode()


def test_the_publisher_email_has_the_book_attached_and_is_marked_unsent(tmp_path: Path):
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(b"%PDF-1.4 fake")
    eml = write_email(publisher_email("editor@press.example", pdf, "Letters", "Theodore", 2), tmp_path / "b.eml")
    message = email.message_from_bytes(eml.read_bytes())
    assert message["To"] == "editor@press.example" and message["X-Unsent"] == "1"
    assert "not sent" in message["X-OS1-Status"]
    attachments = [p for p in message.walk() if p.get_filename() == "book.pdf"]
    assert attachments and attachments[0].get_payload(decode=True) == b"%PDF-1.4 fake"
    with pytest.raises(Exception, match="not an email address"):
        publisher_email("nobody", pdf, "Letters", "", 1)
