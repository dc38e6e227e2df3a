"""Learning from the transcript, in the background worker, never on the reply path.

``memory.learn`` (one job per stored user turn): the deterministic extractors turn it into memory items with
provenance; then ``memory.embed`` (one job for whatever is not embedded yet) writes vectors for new turns and
items. Both are idempotent: the same turn learned twice gives one memory, and a crash mid-batch is resumed
by the next run without duplicates (the queue retries the job; the store merges what is already known)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from os1.memory.embed import Embedder
from os1.memory.extract import extract
from os1.memory.index import VectorIndex, to_blob
from os1.memory.profile import user_name
from os1.store.base import Job, Store
from os1.types import Clock, Memory, NewMemory, Turn

LEARN = "memory.learn"
LEGACY_LEARN = "memory.learn_facts"  # queued by the foundation release; same payload
EMBED = "memory.embed"
EMBED_BATCH = 64


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
MAX_PARTS = 40


def speaker_of(turn: Turn) -> str:
    return turn.speaker or ("User" if turn.role == "user" else "Companion")


def turn_texts(turn: Turn, previous: Turn | None) -> list[str]:
    """What a turn's vectors are computed from: part 0 the turn, part 1 the turn after the one before it (the
    question it answers), parts 2… each sentence, so one sentence in a long turn is still found."""
    who = speaker_of(turn)
    texts = [f"{who}: {turn.content}"]
    texts.append((f"{speaker_of(previous)}: {previous.content}\n" if previous else "") + texts[0])
    sentences = [s for s in _SENTENCE.split(turn.content) if s.strip()]
    if len(sentences) > 1:
        texts += [f"{who}: {s}" for s in sentences[: MAX_PARTS - 2]]
    return texts


async def learn_turn(store: Store, turn: Turn, clock: Clock, user_name: str | None) -> list[Memory]:
    """Extract and store what one turn says; returns the items stored or merged."""
    stored: list[Memory] = []
    for item in extract(turn, user_name):
        if not _valid(item):
            continue
        memory = await store.memories.add(turn.user_id, item, clock())
        if memory is not None:
            stored.append(memory)
            if memory.key == "name" and memory.subject == "user" and memory.value:
                await store.users.set_display_name(turn.user_id, memory.value)
    return stored


def _valid(item: NewMemory) -> bool:
    """Reject what no extractor should produce: empty or runaway text, a value not in the text."""
    if not item.text.strip() or len(item.text) > 600:
        return False
    return not (item.value and item.kind == "fact" and item.value.casefold() not in item.text.casefold())


async def index_pending(store: Store, user_id: int) -> int:
    """Write the full-text rows of turns stored since the last run (with their neighbours)."""
    done = 0
    while ids := await store.turns.unindexed(user_id, 500):
        done += await store.turns.reindex(user_id, ids)
    return done


async def embed_pending(store: Store, embedder: Embedder, index: VectorIndex | None, user_id: int) -> int:
    """Index and embed this user's turns and items that are not yet, in batches; returns how many refs."""
    await index_pending(store, user_id)
    done = 0
    while True:
        turn_ids = await store.vectors.missing_turns(user_id, EMBED_BATCH)
        memory_ids = await store.vectors.missing_memories(user_id, EMBED_BATCH)
        if not turn_ids and not memory_ids:
            break
        rows: list[tuple[str, int, int, str]] = []
        for turn in (await store.turns.many(user_id, turn_ids)).values():
            before = [t for t in await store.turns.around(user_id, turn.id, 1, 0) if t.id != turn.id]
            texts = turn_texts(turn, before[0] if before else None)
            rows += [("turn", turn.id, part, text) for part, text in enumerate(texts)]
        for item in (await store.memories.many(user_id, memory_ids)).values():
            rows.append(("memory", item.id, 0, item.text))
        if not rows:
            break
        vectors = await embedder.embed([text for *_, text in rows])
        blobs = to_blob(vectors)
        for owner in ("turn", "memory"):
            mine = [(ref_id, part, blobs[n]) for n, (o, ref_id, part, _) in enumerate(rows) if o == owner]
            if mine:
                await store.vectors.put(user_id, owner, mine, embedder.model_id)
        done += len({(o, ref_id) for o, ref_id, *_ in rows})
    if index is not None and done:
        await index.refresh(user_id)
    return done


def learn_handler(store: Store, clock: Clock) -> Callable[[Job], Awaitable[int]]:
    async def handle(job: Job) -> int:
        turn_id = job.payload.get("turn_id")
        if not isinstance(turn_id, int):
            return 0
        turn = (await store.turns.many(job.user_id, [turn_id])).get(turn_id)
        if turn is None or turn.meta.get("refused"):
            return 0
        learned = await learn_turn(store, turn, clock, await user_name(store, job.user_id))
        await store.jobs.enqueue(job.user_id, EMBED, {}, clock())
        return len(learned)

    return handle


def embed_handler(store: Store, embedder: Embedder, index: VectorIndex | None) -> Callable[[Job], Awaitable[Any]]:
    async def handle(job: Job) -> int:
        return await embed_pending(store, embedder, index, job.user_id)

    return handle
