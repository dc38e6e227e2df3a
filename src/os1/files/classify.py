"""Where a file belongs: a folder by type (Photos, Videos, Music, Documents, Archives), photos and videos by year
(a date in the name, else the file's modification time, UTC), documents by a topic when several names share a
word ("invoice_acme.pdf", "Invoice March.pdf" → Documents/Invoice/). Other types stay where they are."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import PurePosixPath

from os1.files.scan import Entry

KINDS: dict[str, frozenset[str]] = {
    "Photos": frozenset("jpg jpeg png gif heic heif webp tif tiff bmp dng cr2 cr3 nef arw orf rw2 raf".split()),
    "Videos": frozenset("mp4 mov avi mkv m4v webm wmv 3gp mpg mpeg mts".split()),
    "Music": frozenset("mp3 flac m4a aac ogg oga opus wav wma aiff aif alac".split()),
    "Documents": frozenset("pdf doc docx odt rtf txt md pages xls xlsx ods csv ppt pptx odp key epub tex".split()),
    "Archives": frozenset("zip tar gz tgz bz2 xz 7z rar iso dmg".split()),
}
DATED = ("Photos", "Videos")
MIN_TOPIC = 3  # a word shared by this many document names becomes a folder
_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_NOT_TOPICS = frozenset("""copy final draft scan scanned document documents file files untitled version new
    image photo picture screenshot with from page pages report notes note part letter misc other""".split())


def kind_of(rel: str) -> str | None:
    suffix = PurePosixPath(rel).suffix.lower().lstrip(".")
    return next((kind for kind, exts in KINDS.items() if suffix in exts), None)


def year_of(entry: Entry) -> int:
    m = _DATE.search(PurePosixPath(entry.rel).name)
    if m:
        return int(m.group(1))
    return datetime.fromtimestamp(entry.mtime_ns / 1e9, UTC).year


def _words(rel: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(PurePosixPath(rel).stem)} - _NOT_TOPICS


def topics(rels: Iterable[str]) -> dict[str, str]:
    """rel → topic word (capitalized) for documents whose names share a word with at least MIN_TOPIC others."""
    words = {rel: _words(rel) for rel in rels}
    counts = Counter(w for ws in words.values() for w in ws)
    out = {}
    for rel, ws in words.items():
        common = [w for w in ws if counts[w] >= MIN_TOPIC]
        if common:
            out[rel] = max(common, key=lambda w: (counts[w], w)).capitalize()
    return out


def organized(rel: str, kind: str) -> bool:
    """Already in its type's top folder (the user's own arrangement inside it is kept)."""
    return rel.split("/", 1)[0].casefold() == kind.casefold() and "/" in rel


def destination(entry: Entry, kind: str, topic: str | None = None) -> str:
    """The folder-relative path this file belongs at (before any collision suffix)."""
    path = PurePosixPath(entry.rel)
    if kind in DATED:
        return f"{kind}/{year_of(entry)}/{path.name}"
    if kind == "Music" and len(path.parts) > 1:  # keep an album's folder together
        return f"Music/{path.parent.name}/{path.name}"
    if kind == "Documents" and topic:
        return f"Documents/{topic}/{path.name}"
    return f"{kind}/{path.name}"
