"""The deterministic scaffold of a letter: what memory says about the recipient, turned into sentences written by
the user to them ("Margaret loves tulips." → "I know how much you love tulips."), and the occasion's line. No I/O.

Memories are written from the companion's side ("you" is the user); a letter is written from the user's side
("I" is the user, "you" the recipient): pronouns swap, and the recipient's name becomes "you"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

ADVERBS = frozenset("always still really never often usually just also truly absolutely".split())
IRREGULAR = {"is": "are", "was": "were", "has": "have", "does": "do", "'s": "'re", "’s": "’re"}
USER_SWAP = {"you're": "I'm", "you've": "I've", "you'll": "I'll", "you'd": "I'd", "your": "my", "yours": "mine",
             "yourself": "myself"}
SUBJECT_AFTER = frozenset("and that when because while since if as so but".split())
LOVE = re.compile(r"\b(?:love|like|enjoy|adore|treasure|cherish)s?\b", re.I)
PAST = re.compile(r"\b(?:was|were|had|did|went|met|gave|made|took|came|lost|told|said|found|bought|wrote|left|won|"
                  r"began|became|"
                  r"\w+ed)\b", re.I)
FUTURE = re.compile(r"\b(?:will|going to|planning|plans|about to|soon|next)\b", re.I)
LOWER_FIRST = frozenset("you your the a an my our we they it his her their there".split())
OCCASIONS = (
    ("birthday", "Happy birthday!"), ("anniversary", "Happy anniversary!"),
    ("wedding", "Congratulations on your wedding!"), ("engage", "Congratulations on your engagement!"),
    ("graduat", "Congratulations on your graduation!"), ("retire", "Congratulations on your retirement!"),
    ("new baby", "Congratulations on your new baby!"), ("christmas", "Merry Christmas!"),
    ("new year", "Happy New Year!"), ("get well", "I hope you are feeling a little better every day."),
    ("sympathy", "I am so sorry for your loss."), ("condolence", "I am so sorry for your loss."),
    ("mother's day", "Happy Mother's Day!"), ("father's day", "Happy Father's Day!"),
    ("valentine", "Happy Valentine's Day!"),
)


def occasion_line(occasion: str) -> str:
    """The line that says why the letter is written."""
    text = " ".join(occasion.split()).rstrip(".!")
    lowered = text.lower().replace("’", "'")
    for key, line in OCCASIONS:
        if key in lowered:
            return line
    if lowered.startswith(("thank", "say thank")):
        return f"I wanted to write and {lowered}."
    if not text:
        return "I have been thinking of you."
    determiner = lowered.split()[0] in ("your", "the", "a", "an", "my", "our", "this")
    return f"I wanted to write to you for {'' if determiner else 'your '}{text}."


def _singular(verb: str) -> str:
    low = verb.lower()
    if low in IRREGULAR:
        return IRREGULAR[low]
    if low.endswith("ies") and len(low) > 4:
        return verb[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return verb[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return verb[:-1]
    return verb


def _swap_user(words: list[str]) -> list[str]:
    out: list[str] = []
    for i, word in enumerate(words):
        low = word.lower()
        if low in USER_SWAP:
            out.append(USER_SWAP[low])
        elif low == "you":
            subject = i == 0 or words[i - 1].lower() in SUBJECT_AFTER
            nxt = words[i + 1].lower() if i + 1 < len(words) else ""
            if subject and nxt in ("are", "were"):
                out.append("I")
                words[i + 1] = "am" if nxt == "are" else "was"
            else:
                out.append("I" if subject else "me")
        else:
            out.append(word)
    return out


def _name_to_you(text: str, names: Sequence[str]) -> tuple[str, bool]:
    """Replace the recipient's name with you/your; as a subject, the verb after it agrees ("loves" → "love")."""
    hit = False
    adverbs = "|".join(sorted(ADVERBS))
    for name in sorted({" ".join(n.split()) for n in names if n.strip()}, key=len, reverse=True):
        n = re.escape(name)
        text, a = re.subn(rf"\b{n}['’]s\b", "your", text)
        subject = rf"(^|\b(?:{'|'.join(sorted(SUBJECT_AFTER))}) ){n}((?: (?:{adverbs}))*) ([A-Za-z'’]+)"
        text, b = re.subn(subject, lambda m: f"{m.group(1)}you{m.group(2)} {_singular(m.group(3))}", text)
        text, c = re.subn(rf"\b{n}\b", "you", text)
        hit = hit or bool(a or b or c)
    return text, hit


def _pronouns_to_you(text: str, names: Sequence[str]) -> str:
    """After the recipient's name, she/he/her/his mean them too, unless someone else is named."""
    own = {w for n in names for w in n.split()}
    others = [w for w in re.findall(r"\b[A-Z][a-z]+\b", text) if w not in own and w != "I"]
    if others:
        return text
    text = re.sub(r"\b(?:she|he)(\s+)(is|was|has|does|\w+s)\b",
                  lambda m: f"you{m.group(1)}{_singular(m.group(2))}", text)
    text = re.sub(r"\b(?:her|his)(?=\s+(?!(?:and|or|to|in|on|at|for|with|a|an|the)\b)[a-z])", "your", text)
    return re.sub(r"\b(?:herself|himself)\b", "yourself", text)


def as_letter_sentence(text: str, names: Sequence[str]) -> str | None:
    """A memory about the recipient as a sentence of the letter, or None when it does not name them."""
    clean = " ".join(text.split()).rstrip(".!")
    if not clean:
        return None
    inner, hit = _name_to_you(" ".join(_swap_user(clean.split(" "))), names)
    if not hit:
        return None
    inner = _pronouns_to_you(inner, names)
    if re.fullmatch(r"you are my [\w -]+", inner, re.I):
        return None  # "Margaret is your sister": true, but not a sentence to write to her
    inner = re.sub(r"\bI and you\b", "you and I", inner)
    if inner.startswith("I "):
        return f"{inner}."  # "I am proud of you."
    if inner.split()[0].lower() in LOWER_FIRST:
        inner = inner[0].lower() + inner[1:]
    if LOVE.search(inner):
        return f"I know how much {inner}."
    if FUTURE.search(inner):
        return f"I am so glad that {inner}."
    if PAST.search(inner):
        return f"I still remember how {inner}."
    return f"I was thinking about how {inner}."


def since_line(occasion: str, last_occasion: str, last_written: datetime, now: datetime) -> str:
    """The line that remembers the last letter to the same person."""
    when = last_written.strftime("%B %Y")
    days = (now - last_written).days
    if last_occasion and last_occasion.strip().lower() == occasion.strip().lower() and days >= 300:
        if days <= 430:
            return f"It hardly seems possible that a whole year has passed since my last {last_occasion} letter " \
                   f"to you, in {when}."
        return f"It has been {round(days / 365.25)} years since my last {last_occasion} letter to you, in {when}."
    about = f", for your {last_occasion}" if last_occasion else ""
    return f"The last time I wrote to you was in {when}{about}."


def note_sentence(note: str) -> str:
    """The user's own note, as they wrote it, as a sentence."""
    text = " ".join(note.split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
