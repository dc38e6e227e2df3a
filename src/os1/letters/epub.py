"""The book of letters as an EPUB 3, written with zipfile: ``mimetype`` first and stored, the container, the
package document, a navigation document, and one XHTML file per letter (the handwriting font embedded)."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from os1.errors import Os1Error
from os1.letters.base import Letter
from os1.letters.book import BookOptions, body_lines, entry_title, heading

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>
"""
CSS = """body { font-family: "Hand", cursive, serif; color: #1f2a44; line-height: 1.6; margin: 1em 1.5em; }
h1 { text-align: center; font-weight: normal; font-size: 2.2em; margin-top: 30%; }
p.author { text-align: center; font-size: 1.3em; }
p.head { text-align: right; color: #787882; font-size: 0.85em; }
p.closing { margin-left: 50%; margin-top: 1.5em; }
p { margin: 0.6em 0; }
"""


def _page(title: str, body: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en">\n'
            f'<head><meta charset="UTF-8"/><title>{escape(title)}</title>'
            '<link rel="stylesheet" type="text/css" href="style.css"/></head>\n'
            f"<body>\n{body}\n</body>\n</html>\n")


def letter_page(letter: Letter, options: BookOptions) -> str:
    top, closing = body_lines(letter, options)
    paragraphs, current = [], []
    for line in [*top, ""]:
        if line.strip():
            current.append(escape(line))
        elif current:
            paragraphs.append("<p>" + "<br/>".join(current) + "</p>")
            current = []
    head = heading(letter, options)
    parts = [f'<section epub:type="chapter" aria-label="{escape(entry_title(letter, options))}">']
    parts += [f'<p class="head">{escape(head)}</p>'] if head else []
    parts += paragraphs
    if closing:
        parts.append('<p class="closing">' + "<br/>".join(escape(c) for c in closing) + "</p>")
    parts.append("</section>")
    return _page(entry_title(letter, options), "\n".join(parts))


def _opf(options: BookOptions, uid: str, count: int, font: bool, now: datetime) -> str:
    items = [f'<item id="l{n}" href="letter-{n:03d}.xhtml" media-type="application/xhtml+xml"/>'
             for n in range(1, count + 1)]
    spine = [f'<itemref idref="l{n}"/>' for n in range(1, count + 1)]
    if font:
        items.append('<item id="font" href="fonts/hand.ttf" media-type="font/ttf"/>')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="en">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:{uid}</dc:identifier>
    <dc:title>{escape(options.title)}</dc:title>
    <dc:creator>{escape(options.author or "Anonymous")}</dc:creator>
    <dc:language>en</dc:language>
    <meta property="dcterms:modified">{now:%Y-%m-%dT%H:%M:%SZ}</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="css" href="style.css" media-type="text/css"/>
    <item id="title" href="title.xhtml" media-type="application/xhtml+xml"/>
    {chr(10).join("    " + i for i in items).strip()}
  </manifest>
  <spine>
    <itemref idref="title"/>
    <itemref idref="nav"/>
    {chr(10).join("    " + s for s in spine).strip()}
  </spine>
</package>
"""


def render_epub(letters: Sequence[Letter], options: BookOptions, out: Path, font: Path | None = None,
                now: datetime | None = None) -> Path:
    """Write the EPUB of ``letters`` (in the order given) to ``out``."""
    if not letters:
        raise Os1Error("letters.empty_book", "no letters to put in the book")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    digest = hashlib.sha1("|".join(f"{x.id}:{x.current.number}" for x in letters).encode() +
                          options.title.encode()).hexdigest()
    uid = f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"
    entries = "\n".join(f'<li><a href="letter-{n:03d}.xhtml">{escape(entry_title(x, options))}</a></li>'
                        for n, x in enumerate(letters, 1))
    nav = _page("Contents", f'<nav epub:type="toc" id="toc"><h2>Contents</h2><ol>\n{entries}\n</ol></nav>')
    title = _page(options.title, f"<h1>{escape(options.title)}</h1>" +
                  (f'<p class="author">{escape(options.author)}</p>' if options.author else ""))
    css = (f'@font-face {{ font-family: "Hand"; src: url("fonts/hand.ttf"); }}\n{CSS}' if font else CSS)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)
            z.writestr("META-INF/container.xml", CONTAINER)
            z.writestr("OEBPS/content.opf", _opf(options, uid, len(letters), font is not None, now))
            z.writestr("OEBPS/nav.xhtml", nav)
            z.writestr("OEBPS/title.xhtml", title)
            z.writestr("OEBPS/style.css", css)
            for n, letter in enumerate(letters, 1):
                z.writestr(f"OEBPS/letter-{n:03d}.xhtml", letter_page(letter, options))
            if font is not None:
                z.write(font, "OEBPS/fonts/hand.ttf")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise Os1Error("letters.book_failed", f"cannot write {out}: {exc}") from exc
    return out
