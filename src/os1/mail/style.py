"""The user's writing style, learned from the mail they sent: how they open ("Hi Amy,") and close ("Cheers,
Theo"), how long they write, how formal they are (contractions, exclamation marks) and the phrases they reuse.
Pure functions: ``learn_style`` reads bodies, ``apply_style`` dresses a drafted body in that style."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from os1.mail.features import own_text

_GREETING = re.compile(r"^(?P<g>hi|hey|hello|hiya|dear|morning|good morning|good afternoon|evening)\b"
                       r"(?:\s+(?P<name>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?))?\s*(?P<p>[,!:.]?)\s*$", re.I)
_CLOSING = ("cheers|best|best wishes|all the best|thanks|thank you|many thanks|thanks again|regards|kind regards|"
            "warm regards|best regards|warmly|love|lots of love|take care|talk soon|speak soon|yours|sincerely|"
            "yours sincerely|see you|xx?x?")
_SIGN_OFF = re.compile(rf"^(?P<s>(?:{_CLOSING}))(?P<p>[,!.]?)(?:\s+(?P<name>[A-Z][\w'’-]*))?\s*$", re.I)
_INLINE_GREETING = re.compile(r"^(?:hi|hey|hello|hiya|dear)(?:\s+[A-Z][\w'’-]*)?\s*[,!:]\s*", re.I)
_INLINE_SIGN_OFF = re.compile(rf"(?<=[.!?])\s+(?:{_CLOSING})[,!.]?(?:\s+[A-Z][\w'’-]*)?\.?\s*$", re.I)
_NAME_LINE = re.compile(r"^[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?\.?$")
_CONTRACTION = re.compile(r"\b\w+['’](?:s|re|ll|ve|d|t|m)\b", re.I)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_STOP = frozenset("the a an and or but to of in on at for with is it be i you we that this so as are was my your "
                  "me if do have just".split())
_EXPAND = {"I'm": "I am", "I've": "I have", "I'll": "I will", "I'd": "I would", "don't": "do not",
           "can't": "cannot", "won't": "will not", "it's": "it is", "that's": "that is", "we're": "we are",
           "you're": "you are", "isn't": "is not", "didn't": "did not", "doesn't": "does not", "let's": "let us"}
_CONTRACT = {v: k for k, v in _EXPAND.items() if k not in ("let's",)}


@dataclass(frozen=True, slots=True)
class Style:
    """How the user writes mail. ``greeting`` is a template with ``{name}`` ("" when they open without one)."""

    greeting: str = "Hi {name},"
    sign_off: str = "Best,"
    signature: str = ""  # the name under the sign-off
    words: int = 80  # the typical (median) length of a body, in words
    max_words: int = 150  # the length they seldom exceed (90th percentile)
    contractions: float = 0.5  # share of their messages with contractions ("I'm", "don't")
    exclamations: float = 0.3  # exclamation marks per message
    phrases: tuple[str, ...] = ()  # word pairs and triples they reuse
    samples: int = 0  # how many sent messages it was learned from (0: the defaults)

    @property
    def formal(self) -> bool:
        return self.contractions < 0.25 and self.exclamations < 0.2


def _lines(text: str) -> list[str]:
    return [line.strip() for line in own_text(text).splitlines() if line.strip()]


def split_body(text: str) -> tuple[str, list[str], str, str]:
    """(greeting template, body lines, sign-off, signature) of one message's own words."""
    lines = _lines(text)
    greeting = ""
    if lines and (m := _GREETING.match(lines[0])):
        word = m.group("g")
        greeting = f"{word} {{name}}{m.group('p')}" if m.group("name") else f"{word}{m.group('p')}"
        lines = lines[1:]
    sign_off = signature = ""
    for back in (2, 1):  # "Cheers,\nTheo" or "Cheers, Theo" / "Cheers"
        if len(lines) >= back and (m := _SIGN_OFF.match(lines[-back])):
            sign_off = m.group("s") + m.group("p")
            tail = lines[-1] if back == 2 else ""
            signature = m.group("name") or (tail if tail and _NAME_LINE.match(tail) else "")
            if back == 2 and not _NAME_LINE.match(lines[-1]):
                continue
            lines = lines[:-back]
            break
    return greeting, lines, sign_off, signature


def _phrases(bodies: Sequence[str], top: int = 6) -> tuple[str, ...]:
    seen: Counter[str] = Counter()
    for body in bodies:
        words = [w.lower() for w in _WORD.findall(body)]
        grams = {" ".join(words[i:i + n]) for n in (2, 3) for i in range(len(words) - n + 1)}
        seen.update(g for g in grams if not all(w in _STOP for w in g.split()))
    least = max(2, len(bodies) // 4)
    return tuple(g for g, n in seen.most_common(top * 3) if n >= least)[:top]


def learn_style(texts: Sequence[str]) -> Style:
    """The style of the messages the user sent (their bodies); the defaults when there are none."""
    parts = [split_body(t) for t in texts if t.strip()]
    if not parts:
        return Style()
    greetings = Counter(g for g, *_ in parts)
    sign_offs = Counter(s for *_, s, _ in parts if s)
    names = Counter(n for *_, n in parts if n)
    bodies = [" ".join(lines) for _, lines, _, _ in parts]
    lengths = sorted(len(_WORD.findall(b)) for b in bodies)
    return Style(
        greeting=greetings.most_common(1)[0][0],
        sign_off=sign_offs.most_common(1)[0][0] if sign_offs else "",
        signature=names.most_common(1)[0][0] if names else "",
        words=max(5, int(median(lengths))),
        max_words=max(10, lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))]),
        contractions=sum(1 for b in bodies if _CONTRACTION.search(b)) / len(bodies),
        exclamations=sum(b.count("!") for b in bodies) / len(bodies),
        phrases=_phrases(bodies),
        samples=len(parts),
    )


def _tone(body: str, style: Style) -> str:
    if style.samples and style.contractions < 0.25:
        for short, long in _EXPAND.items():
            body = re.sub(rf"\b{re.escape(short)}\b", long, body)
    elif style.samples and style.contractions > 0.6:
        for long, short in _CONTRACT.items():
            body = re.sub(rf"\b{re.escape(long)}\b", short, body)
    if style.samples and style.exclamations < 0.2:
        body = re.sub(r"!+", ".", body)
    return body


def _trim(body: str, limit: int) -> str:
    """At most ``limit`` words, cut after a whole sentence when one ends in time."""
    words = body.split()
    if len(words) <= limit:
        return body
    cut = " ".join(words[:limit])
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return cut[:end + 1] if end > len(cut) // 3 else cut.rstrip(",;:") + "…"


def apply_style(body: str, style: Style, to_name: str = "", my_name: str = "") -> str:
    """The drafted ``body`` (any greeting or sign-off it came with removed) in the user's style: their greeting
    with the recipient's first name, their tone, their usual length, their sign-off and name."""
    _, lines, _, _ = split_body(body.replace("\r", ""))
    text = _INLINE_SIGN_OFF.sub("", _INLINE_GREETING.sub("", " ".join(lines).strip()))
    text = _trim(_tone(text, style), max(style.max_words, style.words))
    first = to_name.split()[0] if to_name.split() else ""
    head = style.greeting.replace("{name}", first).replace("  ", " ").replace(" ,", ",") if style.greeting else ""
    name = style.signature or my_name
    tail = "\n".join(p for p in (style.sign_off, name) if p)
    return "\n\n".join(p for p in (head, text, tail) if p) + "\n"


def prompt_hint(style: Style) -> str:
    """The style in a sentence for the model writing the body."""
    tone = "formal, without contractions or exclamation marks" if style.formal else "warm and casual"
    text = f"Write {tone}, in about {style.words} words."
    if style.phrases:
        text += f" Phrases this person often uses: {', '.join(style.phrases[:4])}."
    return text
