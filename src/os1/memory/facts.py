"""Deterministic extraction of profile facts from what the user says ("my name is Theo", "Amy's birthday is
March 3", "I live in Los Angeles"), and matching a question back to the fact that answers it.

A fact is (key, value, statement): the key says what it is about, the statement says it back to the user in
the second person ("Your sister's name is Amy.")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from os1.types import Memory

_STOP = re.compile(
    r"(?:[.!?;]|,\s*(?:and|but|so|because)\b"
    r"|\s+(?:and|but|so|because)\s+(?:i|i'm|my|we|she|he|they|it|her|his|their)\b)",
    re.I,
)
_NAME = r"([A-Z][a-zA-Z'\-]{1,30}(?:\s+[A-Z][a-zA-Z'\-]{1,30})?)"
_STOPWORDS = frozenset(
    "a an the is are was were be do does did i i'm im me my mine you your yours what whats what's when where who "
    "whom which how tell remember again please it its it's of to in on at for and or do you know can could "
    "would will about that this is there".split()
)


@dataclass(frozen=True, slots=True)
class Extracted:
    key: str
    value: str
    statement: str


def _clip(value: str) -> str:
    value = _STOP.split(value, maxsplit=1)[0]
    return value.strip(" ,'\"").strip()


def _you(text: str) -> str:
    """First person to second person, for saying a user's words back to them."""
    swaps = {"i": "you", "i'm": "you're", "im": "you're", "my": "your", "me": "you", "am": "are",
             "mine": "yours", "myself": "yourself", "i've": "you've", "i'll": "you'll", "i'd": "you'd",
             "we": "you", "our": "your", "us": "you"}
    return re.sub(r"[A-Za-z']+", lambda m: swaps.get(m.group(0).lower(), m.group(0)), text)


_NOT_NAMES = frozenset(
    "not back crazy later anytime anyone whatever that this it a an the so maybe please now tomorrow tonight "
    "sometime soon again when if what stupid old lazy silly weird names anything something nothing".split()
)
# "don't call me", "they call me", "she said my name is": not the user naming themselves
_REPORTED = re.compile(
    r"(?:n't|\bnot|\bnever|\bthey|\bhe|\bshe|\bpeople|\bsaid|\bsays|\btold|\bthinks?)\W+(?:\w+\W+)?$", re.I
)


def _rule_name(text: str) -> list[Extracted]:
    """"My name is Theo", "call me Theo". The name must be written with a capital, as names are."""
    for m in re.finditer(r"\b(?i:my name is|my name's|call me|i am called|i'm called)\s+([A-Z][a-zA-Z'\-]{1,30})",
                         text):
        name = m.group(1).strip("'")
        if name.lower() in _NOT_NAMES or name.lower() in _STOPWORDS or _REPORTED.search(text[: m.start()]):
            continue
        return [Extracted("name", name, f"Your name is {name}.")]
    return []


def _rule_possessive(text: str) -> list[Extracted]:
    """"Amy's birthday is March 3" -> key "amy's birthday"."""
    out = []
    for m in re.finditer(r"\b([A-Z][a-z]{1,30})'s\s+([a-z][a-z ]{1,30}?)\s+(?:is|are|was)\s+([^.!?;]{1,80})", text):
        owner, attr, value = m.group(1), m.group(2).strip(), _clip(m.group(3))
        if owner.lower() in _STOPWORDS or not value:
            continue
        out.append(Extracted(f"{owner.lower()}'s {attr}", value, f"{owner}'s {attr} is {value}."))
    return out


def _rule_my(text: str) -> list[Extracted]:
    """"my favorite color is blue", "my sister's name is Amy", "my dog is called Rex"."""
    out = []
    pattern = r"\bmy\s+([a-z][a-z' ]{1,40}?)\s+(?:is called|is named|is|are|was)\s+([^.!?;]{1,80})"
    for m in re.finditer(pattern, text, re.I):
        said, value = m.group(1).strip(), _clip(m.group(2))
        attr = said.lower()
        if any(w[:1].isupper() for w in said.split()):
            continue  # "my friend Amy is coming over" names a person: the people rule learns that
        if not value or attr in ("name", "name's") or value.lower() in _STOPWORDS:
            continue
        if value.split()[0].lower().endswith("ing") or value.lower().startswith(
            ("not ", "so ", "very ", "really ", "kind of ", "a bit ")
        ):
            continue  # "my day is not great" is a mood, not a fact
        out.append(Extracted(f"my {attr}", value, f"Your {said} is {_you(value)}."))
    return out


_PLACE = r"((?:the\s+)?[A-Z][\w'\-]*(?:\.\w+)*(?:[ ,]+[A-Z][\w'\-]*(?:\.\w+)*)*)"  # capitalised words: a place's name


def _rule_places(text: str) -> list[Extracted]:
    """"I live in Boston", "I finally moved to Seattle", "I work at Acme" / "I work as a nurse"."""
    out = []
    m = re.search(r"\b(?i:i(?:'m| am)? (?:\w+ )?(?:live|living|moved|relocated)\s+(?:in|to))\s+" + _PLACE, text)
    if m and not _REPORTED.search(text[: m.start()]):
        place = m.group(1).strip(" ,.")
        out.append(Extracted("home", place, f"You live in {place}."))
    m = re.search(r"\b(?i:i work)\s+(?:(at|for)\s+" + _PLACE + r"|as\s+(an?\s+[a-z][a-z ]{2,40}))", text)
    if m:
        value = f"{m.group(1).lower()} {m.group(2).strip(' ,.')}" if m.group(2) else f"as {_clip(m.group(3))}"
        out.append(Extracted("work", value, f"You work {value}."))
    return out


def extract_facts(text: str) -> list[Extracted]:
    """Facts stated in one user message; unsure phrasings produce nothing rather than a wrong fact."""
    text = text.replace("\u2019", "'")
    if "?" in text and not re.search(r"\bmy name is\b", text, re.I):
        return []  # questions ask for facts, they don't state them
    found: dict[str, Extracted] = {}
    for rule in (_rule_name, _rule_possessive, _rule_my, _rule_places):
        for fact in rule(text):
            found.setdefault(fact.key, fact)
    return list(found.values())


# The questions that ask for the facts with fixed keys. Anything else about a name or a place (my mother's
# name, where my sister lives) is not asked of these facts.
_ASKS = {
    "name": re.compile(r"\b(?:what(?:'s| is) my name|(?:know|remember|forget|forgot) my name|who am i)\b", re.I),
    "home": re.compile(r"\b(?:where (?:do|did) i (?:live|move)|where am i living|where(?:'s| is) my home|"
                       r"what city do i live in|where i live)\b", re.I),
    "work": re.compile(r"\b(?:where do i work|what do i do for (?:a )?(?:living|work)|what(?:'s| is) my job|"
                       r"what is my work)\b", re.I),
}
_OWNER = re.compile(r"\b([a-z]+)'s\b", re.I)


def content_words(text: str) -> set[str]:
    words = {w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text.replace("\u2019", "'"))}
    words |= {w[:-2] for w in words if w.endswith("'s")}
    return {w for w in words if w and w not in _STOPWORDS and len(w) > 1}


def is_question(text: str) -> bool:
    """A question mark, or a question word followed by a verb ("what is…", "where do…")."""
    t = text.strip().lower().replace("\u2019", "'")
    if t.endswith("?"):
        return True
    return bool(re.match(r"(?:what|when|where|who|which|how)(?:'s|\s+(?:is|are|was|were|do|does|did|can|should|"
                         r"will|would|have|has))\b|(?:do you|did i|have i|can you tell me|remind me)\b", t))


def answering_fact(question: str, facts: list[Memory]) -> Memory | None:
    """The stored fact a question asks about, only when it clearly does; None rather than a guess."""
    if not is_question(question):
        return None
    text = question.replace("\u2019", "'")
    asked = content_words(text)
    owners = {o.lower() for o in _OWNER.findall(text)} - {"what", "who", "where", "that", "it", "he", "she"}
    best: tuple[float, Memory] | None = None
    for fact in facts:
        if not fact.key:
            continue
        if fact.key in _ASKS:
            matched = bool(_ASKS[fact.key].search(text)) and not owners
        else:
            key_words = content_words(fact.key)
            key_owners = {o.lower() for o in _OWNER.findall(fact.key)}
            matched = bool(key_words) and key_words <= asked and owners <= key_owners
            if fact.key.startswith("my ") and not re.search(r"\bmy\b", text, re.I):
                matched = False
        if matched:
            score = len(content_words(fact.key)) + 0.001 * fact.id  # the most specific, then the newest
            if best is None or score > best[0]:
                best = (score, fact)
    return best[1] if best else None


def second_person(text: str) -> str:
    return _you(text)


DATE_NOTE = re.compile(r"\s*\([^)]*\d{4}\)\s*\.?$")  # "(9 May 2023)." or "(the week of 9 May 2023)." after an event


def lower_pronoun(text: str) -> str:
    """"Your sister…" → "your sister…" mid-sentence; names ("Amy's…") keep their capital."""
    first, _, rest = text.partition(" ")
    if first in ("You", "Your", "You're", "You've", "You'll", "You'd", "Yours"):
        return f"{first.lower()} {rest}"
    return text


def clause(text: str) -> str:
    """An item's statement as a clause inside another sentence: no date note or full stop, and "You…" in lower
    case ("You have a meeting with your lawyer (9 May 2023)." → "you have a meeting with your lawyer")."""
    return lower_pronoun(DATE_NOTE.sub("", text).rstrip(". "))
