"""The book of letters as a PDF (fpdf2): a title page, a table of contents whose page numbers are filled in once
the letters are laid out, and each letter starting on its own page, set in a handwriting-style font."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from os1.errors import Os1Error
from os1.letters.base import Letter
from os1.letters.fonts import FontChoice
from os1.letters.style import split_letter

PAGE = (148.0, 210.0)  # A5, millimetres
MARGIN = 18.0
INK = (31, 42, 68)  # a deep blue-black, like fountain-pen ink
FAINT = (120, 120, 130)
PAPER = (253, 250, 243)
TOC_PER_PAGE = 14
LATIN1 = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                        "\u2026": "...", "\u00a0": " "})


@dataclass(frozen=True, slots=True)
class BookOptions:
    title: str = "Letters"
    author: str = ""
    show_dates: bool = True
    show_recipients: bool = True


@dataclass(frozen=True, slots=True)
class BookResult:
    path: Path
    pages: int
    starts: tuple[tuple[int, int], ...]  # (letter id, the page it starts on)
    font: str
    warning: str | None


def entry_title(letter: Letter, options: BookOptions) -> str:
    """How a letter is named in the contents: "To Margaret — anniversary", or its occasion alone."""
    occasion = letter.occasion.strip()
    if options.show_recipients:
        return f"To {letter.recipient}" + (f" — {occasion}" if occasion else "")
    return occasion[:1].upper() + occasion[1:] if occasion else f"Letter {letter.id}"


def heading(letter: Letter, options: BookOptions) -> str:
    """The small line above a letter: its recipient and date, as the user chose to show them."""
    parts = [f"To {letter.recipient}"] if options.show_recipients else []
    if options.show_dates:
        parts.append(f"{letter.written_on.day} {letter.written_on:%B %Y}")
    return " · ".join(parts)


def body_lines(letter: Letter, options: BookOptions) -> tuple[list[str], list[str]]:
    """The letter's lines and its closing lines (set to the right). Hidden recipients leave the greeting's name
    out too ("Dear Margaret," becomes "Dear friend,")."""
    parts = split_letter(letter.body)
    top: list[str] = []
    if parts.greeting:
        greeting = parts.greeting
        if not options.show_recipients and parts.recipient:
            greeting = greeting.replace(parts.recipient, "friend")
        top += [greeting, ""]
    top += parts.body.split("\n")
    closing = [line for line in (parts.sign_off, parts.signature) if line]
    return top, closing


def _pdf(footer: Callable[[], None]) -> Any:
    """An FPDF whose every page ends with ``footer``."""
    from fpdf import FPDF

    class LetterPDF(FPDF):
        def footer(self) -> None:
            footer()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fpdf2 warns that A5 sizes changed in 2.8.5; the size is given in mm
        return LetterPDF(orientation="P", unit="mm", format=PAGE)


class _Book:
    def __init__(self, font: FontChoice, options: BookOptions) -> None:
        self.pdf = _pdf(self._footer)
        self.options = options
        self.font = "hand" if font.path else "Times"
        if font.path:
            self.pdf.add_font("hand", "", str(font.path))
        self.pdf.set_margins(MARGIN, MARGIN + 4, MARGIN)
        self.pdf.set_auto_page_break(True, margin=MARGIN + 6)
        self.pdf.set_page_background(PAPER)
        self.pdf.set_title(options.title)
        self.pdf.set_author(options.author)
        self.pdf.set_creator("OS1")
        self.numbered = False

    def text(self, value: str) -> str:
        return value if self.font == "hand" else value.translate(LATIN1).encode("latin-1", "replace").decode(
            "latin-1")

    def set(self, size: float, colour: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(self.font, size=size if self.font == "hand" else size * 0.8)
        self.pdf.set_text_color(*colour)

    def _footer(self) -> None:
        if not self.numbered:
            return
        self.pdf.set_y(-MARGIN)
        self.set(11, FAINT)
        self.pdf.cell(0, 6, str(self.pdf.page_no()), align="C")

    def title_page(self, letters: Sequence[Letter]) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_y(62)
        self.set(40)
        pdf.multi_cell(0, 16, self.text(self.options.title), align="C")
        pdf.ln(4)
        pdf.set_draw_color(*FAINT)
        pdf.line(PAGE[0] / 2 - 20, pdf.get_y(), PAGE[0] / 2 + 20, pdf.get_y())
        pdf.ln(8)
        if self.options.author:
            self.set(20)
            pdf.multi_cell(0, 10, self.text(self.options.author), align="C")
        if self.options.show_dates and letters:
            years = sorted({letter.written_on.year for letter in letters})
            span = str(years[0]) if len(years) == 1 else f"{years[0]} – {years[-1]}"
            pdf.set_y(PAGE[1] - 50)
            self.set(14, FAINT)
            pdf.cell(0, 8, self.text(span), align="C")

    def contents(self, pdf: Any, outline: Sequence[Any]) -> None:
        """Called by fpdf2 once every letter is laid out, so the page numbers are the real ones."""
        pdf.set_xy(MARGIN, MARGIN + 10)
        self.set(26)
        pdf.cell(0, 14, "Contents", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        width = PAGE[0] - 2 * MARGIN
        for n, section in enumerate(outline, 1):
            if n > 1 and (n - 1) % TOC_PER_PAGE == 0:
                pdf.add_page()
            self.set(15)
            label, number = self.text(f"{n}.  {section.name}"), str(section.page_number)
            while pdf.get_string_width(label) > width - 20 and len(label) > 8:
                label = label[:-2].rstrip() + ("…" if self.font == "hand" else ".")
            used = pdf.get_string_width(label) + 2
            link = pdf.add_link(page=section.page_number)
            pdf.cell(used, 10, label, link=link)
            self.set(12, FAINT)
            dots = "." * max(int((width - used - 12) / max(pdf.get_string_width(". "), 0.5)), 1)
            pdf.cell(width - used - 12, 10, " ".join(dots), align="R")
            self.set(15)
            pdf.cell(12, 10, number, align="R", new_x="LMARGIN", new_y="NEXT", link=link)

    def letter(self, letter: Letter, first_page_ready: bool) -> int:
        pdf = self.pdf
        if not first_page_ready:
            pdf.add_page()
        start = pdf.page_no()
        pdf.start_section(self.text(entry_title(letter, self.options)))
        head = heading(letter, self.options)
        if head:
            self.set(12, FAINT)
            pdf.cell(0, 6, self.text(head), align="R", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
        top, closing = body_lines(letter, self.options)
        self.set(16)
        for line in top:
            if line.strip():
                pdf.multi_cell(0, 8.2, self.text(line), align="L", new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(4)
        if closing:
            pdf.ln(6)
            for line in closing:
                pdf.set_x(PAGE[0] * 0.5)
                pdf.multi_cell(0, 8.2, self.text(line), align="L", new_x="LMARGIN", new_y="NEXT")
        return start


def render_pdf(letters: Sequence[Letter], options: BookOptions, font: FontChoice, out: Path) -> BookResult:
    """Write the book of ``letters`` (in the order given) to ``out``."""
    if not letters:
        raise Os1Error("letters.empty_book", "no letters to put in the book",
                       hint="mark favourites with `os1 letters fav ID`, or name the letters: `os1 letters book 3 5`")
    book = _Book(font, options)
    book.title_page(letters)
    book.pdf.add_page()
    book.numbered = True
    toc_pages = math.ceil(len(letters) / TOC_PER_PAGE)
    book.pdf.insert_toc_placeholder(book.contents, pages=toc_pages, reset_page_indices=False)
    starts = []
    for i, letter in enumerate(letters):
        starts.append((letter.id, book.letter(letter, first_page_ready=i == 0)))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        book.pdf.output(str(tmp))
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise Os1Error("letters.book_failed", f"cannot write {out}: {exc}") from exc
    return BookResult(out, book.pdf.page_no(), tuple(starts), font.name, font.warning)
