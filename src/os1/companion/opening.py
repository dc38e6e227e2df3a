"""How a session opens: a greeting by name that says plainly the companion is an AI, and picks up the thread
of the last conversation from the stored transcript and the pinned profile."""

from __future__ import annotations

import re

from os1.memory.facts import content_words, is_question, lower_pronoun, second_person
from os1.safety import crisis
from os1.safety.disclosure import disclosure_text
from os1.store.base import Store
from os1.types import Companion, Turn


async def previous_thread(store: Store, user_id: int, conversation_id: int) -> str | None:
    """Something from the last conversation to refer to, said back in the second person, or None.

    Only what the user stated about themselves is quoted ("I…", "My…"); never a care conversation."""
    previous = await store.turns.previous_conversation(user_id, conversation_id)
    if previous is None:
        return None
    turns = await store.turns.recent(user_id, previous.id, limit=400)
    usable = {t.id: t for t in turns if t.role == "user" and _quotable(t)}
    facts = [
        f
        for f in await store.memories.current(user_id, kinds=("fact",))
        if f.key != "name" and f.source_turn_ids and all(t in usable for t in f.source_turn_ids)
    ]
    if facts:
        return lower_pronoun(facts[-1].text.rstrip("."))
    candidates = [t for t in usable.values() if _FIRST_PERSON.match(t.content.strip())]
    if not candidates:
        return None
    best = max(candidates, key=lambda t: (len(content_words(t.content)), t.id))
    return _clause(best.content)


_FIRST_PERSON = re.compile(r"(?:i|i'm|i've|i'll|my|we|we're|our)\s", re.I)


def _quotable(turn: Turn) -> bool:
    text = turn.content
    return (
        not turn.meta.get("care")
        and not crisis.assess(text).triggered
        and not is_question(text)
        and not re.search(r"\b(?:you|your|yours|yourself)\b", text, re.I)  # "you were helpful" would invert
        and len(content_words(text)) >= 3
    )


def _clause(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".!? ")
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0] + "…"
    return lower_pronoun(second_person(first))


def opening_text(companion: Companion, user_name: str | None, thread: str | None) -> str:
    """The first message of a session. Always contains the AI disclosure."""
    parts = [f"Hi {user_name}." if user_name else "Hi.", disclosure_text(companion.name, reminder=False)]
    if thread:
        parts.append(f"Last time you told me that {thread}. How are things today?")
    else:
        parts.append("What's on your mind today?")
    return " ".join(parts)
