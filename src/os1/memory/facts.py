"""Deterministic extraction of profile facts from what the user says ("my name is Theo", "Amy's birthday is
March 3", "I live in Los Angeles"), and matching a question back to the fact that answers it.

A fact is (key, value, statement): the key says what it is about, the statement says it back to the user in
the second person ("Your sister's name is Amy.")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from os1.types import Fact

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


def _rule_name(text: str) -> list[Extracted]:
    m = re.search(r"\b(?:my name is|my name's|call me|i am called|i'm called)\s+" + _NAME, text, re.I)
    if not m:
        return []
    name = m.group(1).split()[0].strip("'").capitalize()
    if name.lower() in _STOPWORDS:
        return []
    return [Extracted("name", name, f"Your name is {name}.")]


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
        if not value or attr in ("name", "name's") or value.lower() in _STOPWORDS:
            continue
        if value.lower().startswith(("not ", "so ", "very ", "really ", "kind of ", "a bit ")):
            continue  # "my day is not great" is a mood, not a fact
        out.append(Extracted(f"my {attr}", value, f"Your {said} is {_you(value)}."))
    return out


def _rule_places(text: str) -> list[Extracted]:
    out = []
    m = re.search(r"\bi (?:live|moved|have moved|just moved|am living|'m living)\s+(?:in|to)\s+([^.!?;,]{2,60})",
                  text, re.I)
    if m and (value := _clip(m.group(1))):
        out.append(Extracted("home", value, f"You live in {value}."))
    m = re.search(r"\bi work\s+(as|at|for)\s+([^.!?;,]{2,60})", text, re.I)
    if m and (value := _clip(m.group(2))):
        out.append(Extracted("work", f"{m.group(1).lower()} {value}", f"You work {m.group(1).lower()} {value}."))
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


_ALIASES = {"home": {"live", "living", "home", "moved", "city", "town"}, "work": {"work", "job", "working"},
            "name": {"name", "called"}}


def content_words(text: str) -> set[str]:
    words = {w.strip("'").lower() for w in re.findall(r"[A-Za-z']+", text.replace("\u2019", "'"))}
    words |= {w[:-2] for w in words if w.endswith("'s")}
    return {w for w in words if w and w not in _STOPWORDS and len(w) > 1}


def is_question(text: str) -> bool:
    t = text.strip().lower()
    return t.endswith("?") or bool(re.match(r"(what|when|where|who|which|how|do you|did i|have i|remind)\b", t))


def answering_fact(question: str, facts: list[Fact]) -> Fact | None:
    """The stored fact a question asks about, if one clearly matches (all of its key words are asked)."""
    if not is_question(question):
        return None
    asked = content_words(question)
    mine = bool(re.search(r"\b(my|i|me)\b", question, re.I))
    best: tuple[float, Fact] | None = None
    for fact in facts:
        key_words = _ALIASES.get(fact.key) or content_words(fact.key)
        hits = key_words & asked
        if fact.key in _ALIASES:
            matched = bool(hits) and mine
        else:
            matched = bool(key_words) and key_words <= asked
            if fact.key.startswith("my ") and not mine:
                matched = False
        if matched:
            score = len(hits) + 0.001 * fact.id  # prefer the most specific, then the newest
            if best is None or score > best[0]:
                best = (score, fact)
    return best[1] if best else None


def second_person(text: str) -> str:
    return _you(text)
