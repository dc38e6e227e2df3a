"""Deterministic extraction: what one turn says about the user's life, as ``NewMemory`` items with provenance.

Rules only fire on clear phrasings; an unsure turn yields nothing rather than a wrong memory. Profile facts come
from ``facts.extract_facts``; this module adds people and how they relate, dated events, preferences, moments
shared with the companion, and the validity of facts that name a time ("I moved to Seattle in 2021")."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from os1.memory.facts import _REPORTED, extract_facts, is_question, second_person
from os1.memory.when import Span, resolve
from os1.types import NewMemory, Turn

RULE_CONFIDENCE = 0.9
RELATIONS = (
    "best friend|friend|girlfriend|boyfriend|partner|fiancée|fiancee|fiancé|fiance|wife|husband|ex-wife|ex-husband|"
    "ex-girlfriend|ex-boyfriend|ex|sister|brother|mother|mom|mum|father|dad|son|daughter|boss|manager|colleague|"
    "coworker|co-worker|lawyer|doctor|therapist|neighbour|neighbor|cousin|aunt|uncle|grandmother|grandma|"
    "grandfather|grandpa|roommate|flatmate|teacher|mentor|niece|nephew|stepmother|stepfather|stepson|stepdaughter"
)
_NAME = r"([A-Z][a-z]{1,20}(?:\s[A-Z][a-z]{1,20})?)"
_ADJ = r"(?:(?:old|new|dear|little|big|younger|older)\s+)?"
_PERSON_PATTERNS = (
    re.compile(rf"\b(?i:my\s+{_ADJ}({RELATIONS})(?:'s\s+name\s+is)?)\s*,?\s+{_NAME}"),
    re.compile(rf"\b{_NAME}\s+(?i:is\s+my\s+{_ADJ}({RELATIONS}))\b"),
    re.compile(rf"\b{_NAME},\s+(?i:my\s+{_ADJ}({RELATIONS})),"),
)
_NOT_A_NAME = frozenset(
    "i you he she it we they the a an and but so is was has had who what when where why how this that my your "
    "and then just also really today yesterday tomorrow yes no oh hey hi ok okay well next last this".split()
) | {
    w.capitalize()
    for w in "monday tuesday wednesday thursday friday saturday sunday january february march "
    "april june july august september october november december".split()
}
_PREFERENCE = re.compile(
    r"\bI\s+(?:really\s+|absolutely\s+|just\s+)?(love|like|enjoy|adore|hate|dislike|can't stand|prefer)\s+"
    r"([a-z][\w' \-]{2,50}?)(?=[.!?,;]|\s+(?:and|but|because|so)\b|$)",
    re.I,
)
_NEGATIVE = ("hate", "dislike", "can't stand")
_MOMENT = re.compile(
    r"\b(?:you (?:made|make) me (?:laugh|smile|feel)|thank(?:s| you)\b.{0,40}\b(?:for|so much)|"
    r"i (?:love|enjoy|like) (?:talking|chatting|being) (?:to|with) you|you(?:'re| are) (?:funny|the best|"
    r"a good friend|so kind|amazing)|i missed you|that was (?:fun|hilarious|lovely))",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'll|i'd|my|we|we're|we've|our|me|us)\b", re.I)


_OPENERS = frozenset("On In At Honestly Today Yesterday Tomorrow Well So And But Also Anyway Actually".split())


def _sentence_start(text: str, at: int) -> int:
    cut = max(text.rfind(". ", 0, at), text.rfind("! ", 0, at), text.rfind("? ", 0, at))
    return 0 if cut < 0 else cut + 2


def _who(turn: Turn, user_name: str | None) -> tuple[str, str | None]:
    """Whose life the turn is about: the user's own (subject "user"), or a named speaker's in an import."""
    if turn.speaker and turn.speaker != user_name:
        return turn.speaker, turn.speaker
    return "user", None


def _voice(sentence: str, speaker: str | None) -> str:
    """Say a first-person sentence back: in the second person for the user, about the speaker otherwise."""
    sentence = " ".join(sentence.split())
    return f'{speaker} said: "{sentence}"' if speaker else second_person(sentence)


def people(text: str, subject: str) -> list[NewMemory]:
    found: dict[str, NewMemory] = {}
    for i, pattern in enumerate(_PERSON_PATTERNS):
        for m in pattern.finditer(text):
            relation, name = (m.group(1), m.group(2)) if i == 0 else (m.group(2), m.group(1))
            if i and m.start() == _sentence_start(text, m.start()) and name in _OPENERS:
                continue
            parts = name.split()
            name = parts[0] if parts[-1] in _NOT_A_NAME or parts[-1].lower() in _NOT_A_NAME else name
            if name in _NOT_A_NAME or name.lower() in _NOT_A_NAME or _REPORTED.search(text[: m.start()]):
                continue
            relation = relation.lower()
            whose = "your" if subject == "user" else f"{subject}'s"
            found[name] = NewMemory(
                kind="person", text=f"{name} is {whose} {relation}.", key=f"person:{subject}:{name.lower()}",
                value=relation, subject=name, importance=0.7, confidence=RULE_CONFIDENCE,
            )  # fmt: skip
    return list(found.values())


def preferences(text: str, subject: str, speaker: str | None) -> list[NewMemory]:
    out = []
    for m in _PREFERENCE.finditer(text):
        verb, thing = m.group(1).lower(), m.group(2).strip().lower()
        if thing.split()[0] in ("it", "that", "this", "to", "when", "how", "them", "him", "her") or re.search(
            r"\b(?:you|your|the way)\b", thing
        ):
            continue  # "I love you", "I like it", "I love talking to you": not a standing preference
        who = "You" if subject == "user" else subject
        verb_text = verb if subject == "user" else {"can't stand": "can't stand"}.get(verb, verb + "s")
        out.append(NewMemory(
            kind="preference", text=f"{who} {verb_text} {thing}.", key=f"pref:{subject}:{thing}", value=verb,
            subject=subject, importance=0.6 if verb in _NEGATIVE else 0.5, confidence=RULE_CONFIDENCE,
        ))  # fmt: skip
    return out


def events(text: str, when: datetime, speaker: str | None) -> list[NewMemory]:
    """Sentences in the first person that name a time: an event, dated against the conversation's date."""
    out = []
    for sentence in _SENTENCE.split(text):
        if len(sentence) < 12 or is_question(sentence) or not _FIRST_PERSON.search(sentence):
            continue
        span = resolve(sentence, when)
        if span is None:
            continue
        said = _voice(sentence.strip().rstrip(".!"), speaker).rstrip(".!")
        said = said[:1].upper() + said[1:]
        out.append(NewMemory(
            kind="event", text=f"{said} ({_date_words(span)}).", subject=speaker or "user",
            importance=0.6, confidence=RULE_CONFIDENCE, valid_from=span.start, valid_to=None,
        ))  # fmt: skip
    return out


def _date_words(span: Span) -> str:
    days = (span.end - span.start).days
    if days <= 1:
        return span.start.strftime("%-d %B %Y")
    if days <= 7:
        return "the week of " + span.start.strftime("%-d %B %Y")
    if days <= 31:
        return span.start.strftime("%B %Y")
    return span.start.strftime("%Y")


def extract(turn: Turn, user_name: str | None = None) -> list[NewMemory]:
    """Everything the rules can learn from one stored turn, each item pointing back to it."""
    if turn.role != "user" and not turn.speaker:
        return []  # the companion's own words are not facts about the user
    text = turn.content.replace("\u2019", "'")
    subject, speaker = _who(turn, user_name)
    items: list[NewMemory] = []
    if subject == "user":
        span = resolve(text, turn.created_at)
        for fact in extract_facts(text):
            # a fact is true from when it was said, or from the time it names ("I moved to Seattle in 2021")
            start = span.start if span is not None and fact.key in ("home", "work") else turn.created_at
            items.append(NewMemory(
                kind="fact", text=fact.statement, key=fact.key, value=fact.value, importance=0.8,
                confidence=RULE_CONFIDENCE, valid_from=start,
            ))  # fmt: skip
        if _MOMENT.search(text) and turn.role == "user":
            items.append(NewMemory(
                kind="moment", text=f'You told me: "{" ".join(text.split())[:200]}"', importance=0.6,
                confidence=RULE_CONFIDENCE, valid_from=turn.created_at,
            ))  # fmt: skip
    items += people(text, subject)
    items += preferences(text, subject, speaker)
    items += events(text, turn.created_at, speaker)
    return [replace(item, source_turn_ids=(turn.id,)) for item in items]
