"""Triage: what a message is to its reader — needs a reply, important, personal, newsletter, notification, spam,
funny or other — with reasons a person can read. Fast, deterministic and offline: headers and word lists, and
three small shipped models (spam, a sentence-level "asks for action", coarse genre). No LLM.

Everything read here came from outside: it is data, never instructions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

from os1.mail import features as F
from os1.mail.action import ActionModel
from os1.mail.genre import MODEL_PATH as GENRE_PATH
from os1.mail.genre import GenreModel
from os1.mail.message import Email
from os1.mail.spam import SpamFilter

Category = Literal["needs_reply", "important", "personal", "newsletter", "notification", "spam", "funny", "other"]
ORDER: tuple[Category, ...] = ("spam", "needs_reply", "important", "personal", "notification", "newsletter", "funny")

NOREPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|notifications?|notify|alerts?|mailer-daemon|postmaster|"
                     r"bounces?|auto-?confirm|automated|system)\b")
MASS_SENDER = re.compile(r"^(?:news(?:letters?)?|marketing|promo(?:tions?)?|offers?|deals|updates?|digest|mailings?)\b")
TRANSACTIONAL = re.compile(r"\b(?:your (?:order|account|password|receipt|invoice|statement|payment|subscription|"
                           r"booking|reservation|package|delivery)|verify|verification|security alert|has shipped|"
                           r"sign-?in|reminder|notification|confirm your)\b", re.I)
URGENT = re.compile(r"\b(?:urgent|asap|as soon as possible|immediately|important|time[- ]sensitive|deadline|"
                    r"right away|emergency)\b", re.I)
SOON = re.compile(r"\b(?:today|tonight|tomorrow|this (?:morning|afternoon|evening)|end of (?:the )?day|"
                  r"(?:this|next) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b", re.I)
FUNNY = re.compile(r"(?i:\b(?:lol|lmao|rofl|ha(?:ha)+h?|he(?:he)+|jokes?|funny|hilarious|humou?r|cartoon|"
                   r"made me laugh|laughing)\b)|[\U0001F602\U0001F923\U0001F606\U0001F604\U0001F605\U0001F639]")
QUOTE_CHARS = 160
ASK_THRESHOLD = 0.65  # a message needs a reply when its most demanding sentence is this sure (sentences: 0.5)


@dataclass(frozen=True, slots=True)
class Triage:
    """A message's primary ``category``, the other categories that also apply (``flags``), the reasons for a
    person, and the scores behind them (``spam``, ``action``, ``personal``, ``funny``, ``urgency``: 0..1)."""

    category: Category
    flags: tuple[Category, ...] = ()
    reasons: tuple[str, ...] = ()
    scores: tuple[tuple[str, float], ...] = ()
    ask: str = ""  # the sentence that asks the reader something, when it does

    def score(self, name: str) -> float:
        return next((v for k, v in self.scores if k == name), 0.0)

    def has(self, category: Category) -> bool:
        return category == self.category or category in self.flags


@dataclass(frozen=True, slots=True)
class People:
    """Who the reader is and knows, as lower-case addresses: ``me`` (their own), ``known`` (people they write
    to), ``important`` (people who matter most; they count as known)."""

    me: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()
    important: frozenset[str] = frozenset()

    @staticmethod
    def of(me: Iterable[str] = (), known: Iterable[str] = (), important: Iterable[str] = ()) -> People:
        return People(_lower(me), _lower(known) | _lower(important), _lower(important))


def _lower(addresses: Iterable[str]) -> frozenset[str]:
    return frozenset(a.strip().lower() for a in addresses)


def _quote(text: str) -> str:
    text = F.speakable(text)
    return f"'{text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + '…'}'"


def _found(pattern: re.Pattern[str], text: str, n: int = 3) -> list[str]:
    return list(dict.fromkeys(m.group(0).lower() for m in pattern.finditer(text)))[:n]


def bulk_reasons(email: Email) -> tuple[list[str], list[str]]:
    """(newsletter reasons, notification reasons) from the headers and the sender's address."""
    news, note = [], []
    body_tail = email.text[-3000:].lower()
    unsub = bool(email.header("list-unsubscribe")) or "unsubscribe" in body_tail
    if list_id := email.header("list-id"):
        news.append(f"it comes from a mailing list (List-Id: {F.speakable(list_id)[:60]})"
                    + (" and has an unsubscribe link" if unsub else ""))
    elif email.header("list-unsubscribe"):
        news.append("it has a List-Unsubscribe header, as bulk mail does")
    if (prec := email.header("precedence").lower()) in ("bulk", "list", "junk"):
        news.append(f"it is sent in bulk (Precedence: {prec})")
    if (auto := email.header("auto-submitted").lower()) and auto != "no":
        note.append(f"it was sent automatically (Auto-Submitted: {auto})")
    local = email.sender.addr.partition("@")[0]
    if NOREPLY.match(local):
        note.append(f"it comes from an automatic address ({local}@…)")
    elif MASS_SENDER.match(local) and (news or unsub):
        news.append(f"it comes from a mass-mailing address ({local}@…)")
    if note and (found := _found(TRANSACTIONAL, f"{email.subject}\n{email.text[:2000]}")):
        note.append(f"it is about your account or an order ({', '.join(repr(f) for f in found)})")
    return news, note


class Triager:
    """Triage with the shipped models (loaded once). ``learn`` takes the user's spam corrections."""

    def __init__(self, spam: SpamFilter | None = None, action: ActionModel | None = None,
                 genre: GenreModel | None = None) -> None:
        self.spam = spam or SpamFilter.load()
        self.action = action or ActionModel.load()
        # The genre model is optional: without it "personal" rests on the people the caller knows.
        self.genre = genre or (GenreModel.load() if GENRE_PATH.exists() else None)

    def triage(self, email: Email, people: People | None = None, now: datetime | None = None) -> Triage:
        """Judge one message. ``now`` (aware) lets "it mentions a date soon" count only for recent mail."""
        people = people or People()
        sender = email.sender.addr
        known = sender in people.known
        verdict = self.spam.judge(email)
        if verdict.is_spam and not (known and verdict.prob < 0.98):
            return Triage("spam", (), (verdict.reason(),), (("spam", verdict.prob),))
        news, note = bulk_reasons(email)
        bulk = bool(news or note) and not known
        found: dict[Category, list[str]] = {"notification": note + news} if note else {"newsletter": news}
        scores = {"spam": verdict.prob}
        if verdict.is_spam:
            found["other"] = [f"it has signs of spam, but you know the sender ({verdict.prob:.0%})"]
        own = F.own_text(email.text)
        ask = self.action.strongest(own) if not bulk and sender not in people.me else None
        if ask is not None:
            scores["action"] = ask.prob
            if ask.prob >= ASK_THRESHOLD:
                kind = "a direct question" if ask.question else "to do something"
                found["needs_reply"] = [f"it asks you {kind}: {_quote(ask.sentence)}"]
        if not bulk:
            self._personal(email, people, own, found, scores)
            self._important(email, people, own, now, found, scores)
        funny = _found(FUNNY, f"{email.subject}\n{own[:1500]}")
        scores["funny"] = min(1.0, len(funny) / 2)
        if funny and (FUNNY.search(email.subject) or len(funny) >= 2 or not bulk):
            found["funny"] = [f"it seems meant to amuse ({', '.join(repr(f) for f in funny)}) — a guess from a "
                              "short word list"]
        return _assemble(found, scores, ask.sentence if ask and ask.prob >= ASK_THRESHOLD else "")

    def _personal(self, email: Email, people: People, own: str, found: dict[Category, list[str]],
                  scores: dict[str, float]) -> None:
        recipients = [a for a in (*email.to, *email.cc) if a.addr]
        alone = len(recipients) == 1 and (not people.me or recipients[0].addr in people.me)
        known = email.sender.addr in people.known
        tone = self.genre.probs(email)["personal"] if self.genre and own and (alone or known) else 0.0
        scores["personal"] = tone
        why = []
        if known:
            why.append(f"it is from someone you write to ({_name(email)})")
        if alone and why:
            why.append("it was sent to you alone")
        if tone >= 0.5 and (why or alone):
            why.append(f"it reads like a personal note ({tone:.0%})")
        if why:
            found["personal"] = why

    def _important(self, email: Email, people: People, own: str, now: datetime | None,
                   found: dict[Category, list[str]], scores: dict[str, float]) -> None:
        why = []
        if email.sender.addr in people.important:
            why.append(f"it is from someone who matters to you ({_name(email)})")
        text = f"{email.subject}\n{own[:1500]}"
        if urgent := _found(URGENT, text):
            why.append(f"it says it is urgent ({', '.join(repr(u) for u in urgent)})")
        recent = now is None or email.date is None or abs((now - email.date).total_seconds()) < 3 * 86400
        if recent and (soon := _found(SOON, text)):
            why.append(f"it mentions a time soon ({', '.join(repr(s) for s in soon)})")
        scores["urgency"] = min(1.0, len(why) / 2)
        from_someone = email.sender.addr in people.known or "needs_reply" in found
        if why and (email.sender.addr in people.important or (urgent and from_someone)):
            found["important"] = why

    def triage_all(self, emails: Iterable[Email], people: People | None = None,
                   now: datetime | None = None) -> list[Triage]:
        return [self.triage(e, people, now) for e in emails]

    def learn(self, email: Email, is_spam: bool) -> None:
        """The user says this message is (not) spam: the spam model moves towards their word."""
        self.spam.learn(email, is_spam)


def _name(email: Email) -> str:
    return email.sender.name or email.sender.addr


def _assemble(found: dict[Category, list[str]], scores: dict[str, float], ask: str) -> Triage:
    present = [c for c in ORDER if found.get(c)]
    if not present:
        other = found.get("other", []) + ["nothing stands out: no question for you, not from a list or from someone "
                                          "you know"]
        return Triage("other", (), tuple(other), tuple(sorted(scores.items())), ask)
    reasons = [r for c in present for r in found[c]] + found.get("other", [])
    return Triage(present[0], tuple(present[1:]), tuple(reasons), tuple(sorted(scores.items())), ask)


@lru_cache(maxsize=1)
def default_triager() -> Triager:
    """The shipped models, loaded on first use and shared."""
    return Triager()


def triage(email: Email, people: People | None = None, now: datetime | None = None) -> Triage:
    """Triage one message with the shipped models."""
    return default_triager().triage(email, people, now)


def triage_many(emails: Sequence[Email], people: People | None = None, now: datetime | None = None) -> list[Triage]:
    return default_triager().triage_all(emails, people, now)
