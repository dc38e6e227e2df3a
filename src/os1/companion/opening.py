"""How a session opens: a greeting by name that says plainly the companion is an AI, and picks up the thread
of the last conversation from the stored transcript and the pinned profile."""

from __future__ import annotations

import re

from os1.memory.facts import content_words, is_question, second_person
from os1.safety.disclosure import disclosure_text
from os1.store.base import Store
from os1.types import Companion


async def previous_thread(store: Store, user_id: int, conversation_id: int) -> str | None:
    """Something from the last conversation to refer to, said back in the second person, or None."""
    previous = await store.turns.previous_conversation(user_id, conversation_id)
    if previous is None:
        return None
    turns = await store.turns.recent(user_id, previous.id, limit=400)
    ids = {t.id for t in turns}
    facts = [f for f in await store.facts.current(user_id) if f.source_turn_id in ids and f.key != "name"]
    if facts:
        statement = facts[-1].statement.rstrip(".")
        return statement[0].lower() + statement[1:]
    candidates = [
        t for t in turns
        if t.role == "user" and not t.meta.get("care") and not is_question(t.content)
        and len(content_words(t.content)) >= 3
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda t: (len(content_words(t.content)), t.id))
    return _clause(best.content)


def _clause(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".!? ")
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0] + "…"
    said = second_person(first)
    return said[0].lower() + said[1:] if said[:2] != "I " else said


def opening_text(companion: Companion, user_name: str | None, thread: str | None) -> str:
    """The first message of a session. Always contains the AI disclosure."""
    who = f"Hi {user_name}" if user_name else "Hi"
    parts = [f"{who}, it's {companion.name}.", disclosure_text(companion.name, reminder=False)]
    if thread:
        parts.append(f"Last time you told me that {thread}. How has that been?")
    else:
        parts.append("What's on your mind today?")
    return " ".join(parts)
