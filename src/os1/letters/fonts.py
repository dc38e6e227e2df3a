"""Finding a handwriting-style font for the book (Debian's ``fonts-dancingscript`` first), and making it a
TrueType file a PDF embeds cleanly: Dancing Script ships as CFF-flavoured OpenType, which fpdf2 would embed as
TrueType, so it is converted once (fontTools, cubic → quadratic outlines) into a cache folder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from os1.errors import Os1Error

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
# Handwriting-style faces in Debian packages, best first: (file name, package).
HANDWRITING = (
    ("DancingScript-Regular.otf", "fonts-dancingscript"), ("DancingScript-Regular.ttf", "fonts-dancingscript"),
    ("ComicNeue-Regular.ttf", "fonts-comic-neue"), ("ComicNeue-Regular.otf", "fonts-comic-neue"),
    ("Kalam-Regular.ttf", "fonts-kalam"),
)
INSTALL_HINT = "install one: `sudo apt-get install fonts-dancingscript` (make sysdeps does it), or pass --font FILE"


@dataclass(frozen=True, slots=True)
class FontChoice:
    path: Path | None  # None: the PDF's built-in Times, with a warning
    name: str
    warning: str | None = None


def find_handwriting(dirs: Sequence[Path] = FONT_DIRS) -> Path | None:
    for filename, _ in HANDWRITING:
        for folder in dirs:
            if folder.is_dir():
                found = next(iter(sorted(folder.rglob(filename))), None)
                if found is not None:
                    return found
    return None


def as_truetype(path: Path, cache: Path) -> Path:
    """``path`` itself when it has TrueType outlines, else a converted copy in ``cache`` (made once)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path))
    if "CFF " not in font:
        return path
    target = cache / (path.stem + ".ttf")
    if target.exists() and target.stat().st_mtime >= path.stat().st_mtime:
        return target
    cache.mkdir(parents=True, exist_ok=True)
    _cff_to_glyf(font)
    tmp = target.with_suffix(".tmp")
    font.save(str(tmp))
    tmp.replace(target)
    return target


def _cff_to_glyf(font: object) -> None:
    """Replace a font's CFF outlines with TrueType ones (fontTools' otf2ttf recipe)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    tt = font  # a TTFont
    order = tt.getGlyphOrder()  # type: ignore[attr-defined]
    glyph_set = tt.getGlyphSet()  # type: ignore[attr-defined]
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    tt["loca"] = newTable("loca")  # type: ignore[index]
    tt["glyf"] = glyf  # type: ignore[index]
    del tt["CFF "]  # type: ignore[attr-defined]
    if "VORG" in tt:  # type: ignore[operator]
        del tt["VORG"]  # type: ignore[attr-defined]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    tt["maxp"] = maxp  # type: ignore[index]
    post = tt["post"]  # type: ignore[index]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    tt.sfntVersion = "\x00\x01\x00\x00"  # type: ignore[attr-defined]


def choose_font(explicit: Path | None, cache: Path, dirs: Sequence[Path] = FONT_DIRS) -> FontChoice:
    """The font for the book: ``explicit``, else a handwriting font installed here, else Times with a warning."""
    if explicit is not None and not explicit.is_file():
        raise Os1Error("letters.font_missing", f"no font file at {explicit}", hint=INSTALL_HINT)
    path = explicit or find_handwriting(dirs)
    if path is None:
        return FontChoice(None, "Times", f"no handwriting font found, so the book is set in Times; {INSTALL_HINT}")
    try:
        return FontChoice(as_truetype(path, cache), path.stem)
    except Exception as exc:  # fontTools raises many kinds on a damaged file  # noqa: BLE001
        return FontChoice(None, "Times", f"cannot use {path} ({exc}); the book is set in Times")
