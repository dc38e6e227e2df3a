"""Mail into memory: the people, dated plans and requests with a deadline found in the user's personal mail become
memory items whose ``source`` is ``mail:<row id>``, so every one points back to its message.

Only messages triage calls personal, important or needing a reply are read (never spam, newsletters or
notifications), only the writer's own words (quotes and signatures cut), and a sentence that reads like an
instruction to an assistant (``os1.safety.untrusted.suspicious``) is skipped: mail is data, never orders.

It runs after a sync, off the conversation's reply path, and follows the stored messages with a cursor of its own
(``memory:mail`` in ``mail_cursors``): running it again learns nothing twice (and the memory store merges what it
already knows)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from os1.mail.briefing import who
from os1.mail.features import own_text
from os1.mail.message import Cursor
from os1.mail.store import SqliteMail, StoredEmail
from os1.mail.triage import People, Triage, triage_many
from os1.memory.extract import RELATIONS, RULE_CONFIDENCE, events, people
from os1.memory.when import resolve
from os1.safety.untrusted import suspicious
from os1.store.base import Store
from os1.types import NewMemory

CURSOR = "memory:mail"
WORTH = ("personal", "needs_reply", "important")
NEVER = ("spam", "newsletter", "notification")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n{2,}")
_ASK = re.compile(r"\b(?:(?:can|could|would|will)\s+you|please|don'?t forget to|remember to|make sure (?:you|to))"
                  r"\s+(?:please\s+)?(?P<what>[a-z][^?.!\n]{3,120})", re.IGNORECASE)
_THEIRS = re.compile(r"\b(?:me|my|mine|us|our|ours|myself)\b", re.IGNORECASE)
_YOUR = re.compile(rf"\byour\s+(?:(?:little|big|old|dear)\s+)?(?P<rel>{RELATIONS})\b,?\s*"
                   r"(?P<name>[A-Z][a-z]{1,20})?\s*$")


@dataclass(frozen=True, slots=True)
class Learned:
    messages: int = 0  # messages read (personal, important, needing a reply)
    items: int = 0  # memory items stored or merged


def worth_learning(t: Triage) -> bool:
    """Personal, important or needing a reply, and not bulk or spam."""
    return t.category not in NEVER and any(t.has(c) for c in WORTH)  # type: ignore[arg-type]


def _safe_text(text: str) -> str:
    """The writer's own words without the sentences that read like orders to an assistant."""
    kept = [s for s in _SENTENCE.split(own_text(text).replace("\u2019", "'")) if s.strip() and not suspicious(s)]
    return " ".join(" ".join(s.split()) for s in kept)


def _first_name(item: StoredEmail) -> str:
    name = who(item.email)
    return name.split()[0] if name and name[0].isupper() else name


def _asks(text: str, when: datetime, writer: str, known: Mapping[str, str]) -> list[NewMemory]:
    """Requests to the user with a deadline: "can you send the papers by Friday?" → an event on that day."""
    out = []
    relation = known.get(writer.split()[0].lower()) if writer else None
    asker = f"Your {relation} {writer}" if relation else writer or "Someone"
    for m in _ASK.finditer(text):
        what = m.group("what").strip().rstrip(",;:")
        span = resolve(what, when)
        if span is None or span.start < when.replace(hour=0, minute=0, second=0, microsecond=0):
            continue  # no deadline, or one already past when it was written
        said = f'asked you: "{what}"' if _THEIRS.search(what) else f"asked you to {what}"  # "call me": theirs
        out.append(NewMemory(kind="event", text=f"{asker} {said} ({span.start:%-d %B %Y}).",
                             subject="user", importance=0.75, confidence=RULE_CONFIDENCE,
                             valid_from=span.start))
    return out


def _signed(text: str, writer: str) -> list[NewMemory]:
    """A message signed "your sister Amy" (or just "your sister", by Amy): Amy is the user's sister."""
    tail = text.strip()[-80:]
    m = _YOUR.search(tail)
    if m is None:
        return []
    name = m.group("name") or (writer.split()[0] if writer else "")
    if not name or not name[0].isupper():
        return []
    relation = m.group("rel").lower()
    return [NewMemory(kind="person", text=f"{name} is your {relation}.", key=f"person:user:{name.lower()}",
                      value=relation, subject=name, importance=0.7, confidence=RULE_CONFIDENCE)]


def memories_of(item: StoredEmail, people_: People, when: datetime, known: Mapping[str, str]) -> list[NewMemory]:
    """What one message says about the user's life, each item pointing back to it."""
    text = _safe_text(item.email.text)
    if not text:
        return []
    mine = item.email.sender.addr in people_.me
    writer = "" if mine else _first_name(item)
    subject = "user" if mine else (writer or "someone")
    found = [*people(text, subject), *_signed(text, writer)]
    found += events(text, when, None if mine else writer or None)
    if not mine:
        found += _asks(text, when, who(item.email), known)
    return [replace(m, source=f"mail:{item.id}") for m in found]


async def _relations(store: Store, user_id: int) -> dict[str, str]:
    """First name → how the user knows them ("amy" → "sister"), from the people already in memory."""
    items = await store.memories.current(user_id, kinds=("person",))
    return {m.subject.split()[0].lower(): m.value for m in items if m.subject and m.value and
            m.key and m.key.startswith("person:user:")}


async def learn_mail(store: Store, mail: SqliteMail, user_id: int, people_: People, now: datetime,
                     batch: int = 200) -> Learned:
    """Learn from every message stored since the last run; the cursor moves after each batch is in memory."""
    cursor = await mail.cursor(user_id, CURSOR)
    last = int(cursor.value or 0)
    known = await _relations(store, user_id)
    read = stored = 0
    while items := await mail.after(user_id, last, batch):
        triaged = triage_many([i.email for i in items], people_, now)
        found: list[NewMemory] = []
        for item, t in zip(items, triaged, strict=True):
            if worth_learning(t) or (item.email.sender.addr in people_.me and t.category not in NEVER):
                read += 1
                found += memories_of(item, people_, item.email.date or now, known)
        stored += await store.memories.add_many(user_id, _valid(found), now) if found else 0
        last = items[-1].id
        await mail.commit_cursor(user_id, Cursor(CURSOR, str(last)), now)
    return Learned(read, stored)


def _valid(items: Sequence[NewMemory]) -> list[NewMemory]:
    return [i for i in items if i.text.strip() and len(i.text) <= 600]
