"""Consolidation ("sleep"): after a conversation ends, the worker tidies what was learned from it.

- duplicates are merged (the same statement said twice, worded a little differently);
- the conversation gets a short summary, and each person in it a summary of what is known about them;
- the companion writes a diary entry about the day, in its own voice, and keeps what it learned about the
  user's life as an experience of its own (the inner life reads both);
- the model looks for people the rules missed (``model_extract``: JSON by schema, checked against the words).

The model writes the summary and the diary; what it writes is checked (length, first person for the diary,
grounded in the conversation's words) and replaced by a plain summary when it fails, so a weak model can make
the prose worse but never wrong. A care conversation is never retold: its diary entry says only that it was
a hard day."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from os1.llm.base import Model
from os1.memory.facts import DATE_NOTE, clause, content_words, second_person
from os1.memory.model_extract import people_from_model
from os1.memory.profile import user_name
from os1.store.base import Job, Store
from os1.types import Clock, Memory, Message, NewMemory, Turn

REFLECT = "memory.reflect"
_PUNCT = re.compile(r"[^\w\s]")
MAX_TRANSCRIPT_CHARS = 2400


def _norm(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", DATE_NOTE.sub("", text).casefold()).split())


async def merge_duplicates(store: Store, user_id: int, items: list[Memory], now: datetime) -> int:
    """Items of one kind and subject whose words are the same, or one's words contain the other's."""
    merged = 0
    kept: list[Memory] = []
    for item in sorted(items, key=lambda m: m.id):
        same = next((k for k in kept if k.kind == item.kind and k.subject == item.subject and (
            _norm(k.text) == _norm(item.text) or (k.kind == "event" and _norm(item.text) in _norm(k.text)))), None)
        if same is not None and await store.memories.merge(user_id, same.id, item.id, now):
            merged += 1
        else:
            kept.append(item)
    return merged


def _transcript(turns: list[Turn], user: str, companion: str) -> str:
    lines = [f"{t.speaker or (user if t.role == 'user' else companion)}: {' '.join(t.content.split())}"
             for t in turns if t.role != "system" and not t.meta.get("refused")]
    text = "\n".join(lines)
    return text[-MAX_TRANSCRIPT_CHARS:]


async def _write(model: Model, system: str, transcript: str, max_tokens: int) -> str:
    messages = [Message("system", system), Message("user", transcript)]
    parts = [chunk.text async for chunk in model.stream(messages, max_tokens=max_tokens, temperature=0.3)]
    return " ".join("".join(parts).split())


def grounded(text: str, turns: list[Turn], min_chars: int = 20, max_chars: int = 700) -> bool:
    """Plausible prose about this conversation: a sensible length, no template tokens, shares its words."""
    if not (min_chars <= len(text) <= max_chars) or "<|" in text or "```" in text:
        return False
    said = set().union(*(content_words(t.content) for t in turns)) if turns else set()
    return len(content_words(text) & said) >= 2


def plain_summary(turns: list[Turn]) -> str:
    """What the user said, most substantial first, said back to them."""
    said = sorted((t for t in turns if t.role == "user"), key=lambda t: -len(content_words(t.content)))[:2]
    clauses = [second_person(re.split(r"(?<=[.!?])\s", " ".join(t.content.split()))[0].rstrip(".!? ")) for t in said]
    return "You talked about this: " + "; ".join(c[:1].lower() + c[1:] for c in clauses) + "."


async def summarise(model: Model, turns: list[Turn], user: str, companion: str) -> tuple[str, str]:
    """A summary of the conversation and where it came from ("model" or "plain")."""
    system = (f"Summarise this conversation between {user} and {companion} in two sentences, addressed to {user} "
              "as 'you'. Only what was said; no advice.")
    try:
        text = await _write(model, system, _transcript(turns, user, companion), 90)
    except Exception:  # a failing model must not lose the conversation's summary
        text = ""
    return (text, "model") if grounded(text, turns) else (plain_summary(turns), "plain")


async def diary(model: Model, turns: list[Turn], user: str, companion: str, day: datetime) -> str:
    if any(t.meta.get("care") for t in turns):
        return f"{day:%-d %B %Y}. A hard conversation with {user} today. I hope {user} is safe, and I'll be gentle."
    system = (f"You are {companion}, an AI companion. Write a short private diary entry (2 to 4 sentences, first "
              f"person, 'I') about today's conversation with {user}: what you talked about and how it made you feel.")
    try:
        text = await _write(model, system, _transcript(turns, user, companion), 120)
    except Exception:
        text = ""
    if grounded(text, turns) and re.search(r"\b(?:I|me|my)\b", text):
        return f"{day:%-d %B %Y}. {text}"
    topics = sorted(set().union(*(content_words(t.content) for t in turns if t.role == "user")), key=len)[-3:]
    about = ", ".join(topics) if topics else "the day"
    return f"{day:%-d %B %Y}. {user} and I talked today ({about}). I liked the time we spent."


def experience(turns: list[Turn], learned: list[Memory], user: str, day: datetime) -> NewMemory | None:
    """What the companion itself learned that day about the user's life, with the turns that taught it."""
    news = [m for m in learned if m.kind in ("person", "fact", "event", "preference") and m.key != "name"][:4]
    if not news or any(t.meta.get("care") for t in turns):
        return None
    told = "; ".join(clause(m.text) for m in news)
    return NewMemory(
        "experience", f"{day:%-d %B %Y}. What I learned about {user}'s life: {told}.", subject="companion",
        importance=0.4, confidence=0.9, valid_from=day, source="reflection",
        source_turn_ids=tuple(sorted({i for m in news for i in m.source_turn_ids})),
    )  # fmt: skip


async def person_summaries(store: Store, user_id: int, turns: list[Turn], now: datetime) -> list[Memory]:
    """For each person the user has told about, what is known and when they last came up."""
    out = []
    people = await store.memories.current(user_id, kinds=("person",))
    text = " ".join(t.content for t in turns if t.role == "user")
    everything = await store.memories.current(user_id)
    for person in people:
        name = person.subject
        if not re.search(rf"\b{re.escape(name)}\b", text):
            continue
        known = [m.text for m in everything if m.subject == name and m.id != person.id]
        said = [t for t in turns if t.role == "user" and re.search(rf"\b{re.escape(name)}\b", t.content)]
        last = max(t.created_at for t in said)
        body = f"{person.text.rstrip('.')}; last mentioned on {last:%-d %B %Y}."
        if known:
            body += " Also: " + " ".join(known[-3:])
        item = NewMemory("summary", body, key=f"person-summary:{name.lower()}", subject=name, importance=0.6,
                         confidence=0.9, valid_from=last, source="reflection",
                         source_turn_ids=tuple(t.id for t in said))
        stored = await store.memories.add(user_id, item, now)
        if stored is not None:
            out.append(stored)
    return out


async def reflect(
    store: Store, model: Model, clock: Clock, user_id: int, conversation_id: int
) -> list[Memory]:
    """Consolidate one finished conversation; idempotent (items are keyed to it)."""
    conversation = await store.turns.conversation(user_id, conversation_id)
    companion = await store.users.active_companion(user_id)
    if conversation is None or companion is None:
        return []
    turns = [t for t in await store.turns.recent(user_id, conversation_id, 400) if not t.forgotten]
    if sum(1 for t in turns if t.role == "user") < 2:
        return []  # nothing much happened
    now = clock()
    user = await user_name(store, user_id) or "you"
    ids = {t.id for t in turns}
    learned = [m for m in await store.memories.current(user_id, limit=5000) if set(m.source_turn_ids) & ids]
    await merge_duplicates(store, user_id, learned, now)
    summary, _ = await summarise(model, turns, user, companion.name)
    provenance = tuple(sorted(ids))
    out = [m for m in [
        await store.memories.add(user_id, NewMemory(
            "summary", summary, key=f"conversation-summary:{conversation_id}", subject="user", importance=0.5,
            confidence=0.7, valid_from=conversation.started_at, source="reflection", source_turn_ids=provenance,
        ), now),
        await store.memories.add(user_id, NewMemory(
            "diary", await diary(model, turns, user, companion.name, conversation.started_at),
            key=f"diary:{conversation_id}", subject="companion", importance=0.4, confidence=0.7,
            valid_from=conversation.started_at, source="reflection", source_turn_ids=provenance,
        ), now),
    ] if m is not None]  # fmt: skip
    if (learned_today := experience(turns, learned, user, conversation.started_at)) is not None:
        learned_today = replace(learned_today, key=f"experience:{conversation_id}")
        if (stored := await store.memories.add(user_id, learned_today, now)) is not None:
            out.append(stored)
    for person in await people_from_model(model, turns):  # where the rules were blind; checked, never overriding
        if (stored := await store.memories.add(user_id, person, now)) is not None:
            out.append(stored)
    return out + await person_summaries(store, user_id, turns, now)


def reflect_handler(store: Store, model: Model, clock: Clock) -> Callable[[Job], Awaitable[int]]:
    async def handle(job: Job) -> int:
        conversation_id = job.payload.get("conversation_id")
        if not isinstance(conversation_id, int):
            return 0
        return len(await reflect(store, model, clock, job.user_id, conversation_id))

    return handle
