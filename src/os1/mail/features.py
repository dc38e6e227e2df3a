"""What triage reads in a message: its words (hashed), its own words without quotes or signature, its sentences,
its links. Pure functions of an ``Email``; no I/O."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from os1.mail.linear import bucket
from os1.mail.message import Email

BODY_CHARS = 10_000  # what triage reads of a long body
HEADER_FIELDS = ("x-mailer", "user-agent", "content-type")  # headers whose words the spam model reads

WORD = re.compile(r"[a-z][a-z'’]*[a-z]|[a-z]|\$\d[\d,.]*|\d+%|[!$€£]")
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.I)
EMAIL_ADDR = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
QUOTE_START = re.compile(
    r"^(?:-{2,}\s*(?:original message|forwarded message|forwarded by)|_{5,}|on .{4,160} wrote:\s*$|"
    r"from:\s.+|-- ?$|sent from my \w+)", re.I)
SENTENCE = re.compile(r"(?<=[.?!])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[-*•]\s)")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def urls(text: str) -> list[str]:
    return URL.findall(text)


def own_text(text: str) -> str:
    """The writer's own words: quoted lines (``>``), the quoted or forwarded message and the signature cut off."""
    kept: list[str] = []
    for line in text[:BODY_CHARS].splitlines():
        stripped = line.strip()
        if QUOTE_START.match(stripped) and kept:
            break
        if not stripped.startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


def sentences(text: str, limit: int = 60) -> list[str]:
    """Sentences of ``text`` (lines re-joined, links and addresses kept), each trimmed; at most ``limit``."""
    out: list[str] = []
    for part in SENTENCE.split(text):
        sentence = " ".join(part.split())
        if 2 <= len(sentence) <= 400:
            out.append(sentence)
        if len(out) >= limit:
            break
    return out


def speakable(text: str) -> str:
    """``text`` with links and addresses replaced by plain words, so it can be shown briefly or read aloud."""
    text = URL.sub("a link", text)
    return " ".join(EMAIL_ADDR.sub("an address", text).split())


def token_counts(fields: Iterable[tuple[str, str]], bits: int, bigrams: bool = False) -> dict[int, int]:
    """Hashed token counts over named fields (``("s", subject)``...): each token is prefixed by its field."""
    counts: dict[int, int] = {}
    for name, text in fields:
        toks = words(text)
        grams = Counter(toks)
        if bigrams:
            grams.update(f"{a}_{b}" for a, b in zip(toks, toks[1:], strict=False))
        memo = _BUCKETS.setdefault((name, bits), {})
        if len(memo) > 200_000:
            memo.clear()
        for gram, n in grams.items():
            col = memo.get(gram)
            if col is None:
                col = memo[gram] = bucket(f"{name}:{gram}", bits)
            counts[col] = counts.get(col, 0) + n
    return counts


_BUCKETS: dict[tuple[str, int], dict[str, int]] = {}  # (field, bits) -> token -> column: mail repeats its words


def email_fields(email: Email) -> list[tuple[str, str]]:
    """The text fields the spam model reads."""
    domain = email.sender.addr.rpartition("@")[2]
    return [
        ("s", email.subject),
        ("b", email.text[:BODY_CHARS]),
        ("f", f"{email.sender.name} {domain.replace('.', ' ')}"),
        ("u", " ".join(u.split("/")[2] if "//" in u else u for u in urls(email.text[:BODY_CHARS]))),
        ("h", " ".join(email.header(h) for h in HEADER_FIELDS)),
    ]


_UPPER = bytes(range(65, 91))
_LETTERS = _UPPER + bytes(range(97, 123))


def caps_ratio(text: str) -> float:
    """The share of (ASCII) letters that are capitals; 0 for fewer than 8 letters."""
    data = text.encode("ascii", "ignore")
    letters = len(data) - len(data.translate(None, _LETTERS))
    upper = len(data) - len(data.translate(None, _UPPER))
    return upper / letters if letters >= 8 else 0.0
