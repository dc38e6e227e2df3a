"""The user's voice, learned from letters they kept: the greeting and sign-off they use, how long their sentences
run, the phrases they come back to, and a few of their letters as examples for the model. No I/O."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

GREETING_WORDS = re.compile(
    r"^(?P<lead>(?:my\s+)?(?:dear(?:est)?|darling|sweet(?:est)?|hi|hello|hey|to|greetings)(?:\s+(?:dear(?:est)?|"
    r"old|sweet|darling|friend))*)[\s,]+(?P<name>[^,!.\n]{1,40}?)\s*[,!:]?\s*$", re.I)
SENTENCE = re.compile(r"[^.!?]+[.!?]+[\"'”’)]*|[^.!?]+$")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
FUNCTION_WORDS = frozenset(
    "a an the and or but if of to in on at for with by from as is are was were be been am i you he she it we "
    "they me him her them my your his its our their this that so just very all not no do did have has had will "
    "would can could".split())


@dataclass(frozen=True, slots=True)
class Style:
    """How the user writes letters. ``greeting`` has a ``{name}`` slot; ``examples`` are (letter id, text)."""

    greeting: str = "Dear {name},"
    sign_off: str = "With love,"
    signature: str = ""
    sentence_words: float = 14.0
    phrases: tuple[str, ...] = ()
    examples: tuple[tuple[int, str], ...] = ()
    letter_ids: tuple[int, ...] = ()

    @property
    def learned(self) -> bool:
        return bool(self.letter_ids)

    def greet(self, name: str) -> str:
        return self.greeting.replace("{name}", name)


@dataclass(frozen=True, slots=True)
class Parts:
    """A letter cut into its greeting line, body and closing (sign-off line and the name under it)."""

    greeting: str | None
    body: str
    sign_off: str | None
    signature: str | None
    recipient: str | None  # the name the greeting addresses


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n")]


def split_letter(text: str) -> Parts:
    """Find the greeting (a short first line: "Dear Ana," "My dearest Tom,"), and the sign-off at the end."""
    lines = _lines(text)
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    greeting = recipient = None
    if lines and len(lines[0].split()) <= 6 and (m := GREETING_WORDS.match(lines[0])):
        greeting, recipient = lines.pop(0), m.group("name").strip()
    sign_off = signature = None
    if lines and len(lines[-1].split()) <= 4 and not lines[-1].endswith((".", "?", ",")):
        if len(lines) >= 2 and lines[-2].endswith(",") and len(lines[-2].split()) <= 6:
            signature, sign_off = lines.pop(), lines.pop()
        elif (m2 := re.match(r"^(.{2,40}?,)\s*([A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?)$", lines[-1])) and \
                len(lines[-1].split()) <= 6:
            sign_off, signature = m2.group(1), m2.group(2)
            lines.pop()
    elif lines and lines[-1].endswith(",") and len(lines[-1].split()) <= 6:
        sign_off = lines.pop()
    return Parts(greeting, "\n".join(lines).strip(), sign_off, signature, recipient)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.findall(" ".join(text.split())) if s.strip()]


def _template(greeting: str, recipient: str | None) -> str:
    if recipient and recipient in greeting:
        return greeting.replace(recipient, "{name}", 1)
    return "Dear {name},"


def favourite_phrases(bodies: Sequence[str], names: set[str], limit: int = 6) -> tuple[str, ...]:
    """Three- and four-word phrases found in two or more letters, not names and not only function words."""
    seen: Counter[str] = Counter()
    for body in bodies:
        grams: set[str] = set()
        for sentence in sentences(body):
            words = WORD.findall(sentence.replace("’", "'"))
            for n in (4, 3):
                for i in range(len(words) - n + 1):
                    lowered = [w.lower() for w in words[i: i + n]]
                    if all(w in FUNCTION_WORDS for w in lowered) or any(w in names for w in lowered):
                        continue
                    grams.add(" ".join(lowered))
        seen.update(grams)
    found = _merge([g for g, c in seen.most_common(40) if c >= 2])
    kept: list[str] = []
    for gram in sorted(found, key=lambda g: (-len(g.split()), g)):
        if not any(gram in k for k in kept):  # "i hope you are" already covers "hope you are"
            kept.append(gram)
    return tuple(kept[:limit])


def _merge(grams: list[str]) -> list[str]:
    """Join phrases that overlap ("i think of you" + "think of you every" → "i think of you every")."""
    phrases = list(dict.fromkeys(grams))
    while True:
        pair = next(((a, b, k) for a in phrases for b in phrases if a != b
                     for k in range(min(len(a.split()), len(b.split())) - 1, 1, -1)
                     if a.split()[-k:] == b.split()[:k]), None)
        if pair is None:
            return phrases
        a, b, k = pair
        phrases = [p for p in phrases if p not in (a, b)] + [" ".join(a.split() + b.split()[k:])]


def learn_style(letters: Sequence[tuple[int, str]], examples: int = 2, example_chars: int = 600) -> Style:
    """The style of ``letters`` ((id, text) pairs the user kept); the default style when there are none."""
    if not letters:
        return Style()
    parts = [(letter_id, split_letter(text)) for letter_id, text in letters]
    greetings = Counter(_template(p.greeting, p.recipient) for _, p in parts if p.greeting)
    sign_offs = Counter(p.sign_off for _, p in parts if p.sign_off)
    signatures = Counter(p.signature for _, p in parts if p.signature)
    lengths = [len(s.split()) for _, p in parts for s in sentences(p.body)]
    names = {w.lower() for _, p in parts if p.recipient for w in p.recipient.split()}
    names |= {w.lower() for _, p in parts if p.signature for w in p.signature.split()}
    chosen = sorted(parts, key=lambda item: abs(len(item[1].body) - example_chars / 2))[:examples]
    return Style(
        greeting=greetings.most_common(1)[0][0] if greetings else "Dear {name},",
        sign_off=sign_offs.most_common(1)[0][0] if sign_offs else "With love,",
        signature=signatures.most_common(1)[0][0] if signatures else "",
        sentence_words=round(sum(lengths) / len(lengths), 1) if lengths else 14.0,
        phrases=favourite_phrases([p.body for _, p in parts], names),
        examples=tuple((i, _clip(p.body, example_chars)) for i, p in chosen if p.body),
        letter_ids=tuple(i for i, _ in letters),
    )


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > limit // 3 else cut.rsplit(" ", 1)[0] + "…"
