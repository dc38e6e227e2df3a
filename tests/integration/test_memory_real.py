"""Memory against the real embedding model (all-MiniLM-L6-v2 int8 ONNX from PyPI), end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from os1.companion.worker import Worker
from os1.memory.embed import MiniLM
from os1.memory.index import VectorIndex
from os1.memory.ingest import EMBED, LEARN, embed_handler, learn_handler
from os1.memory.recall import HybridRecall
from os1.store import open_store

T0 = datetime(2024, 5, 1, 18, 0, tzinfo=UTC)


def test_minilm_matches_meaning_and_is_deterministic():
    model = MiniLM()
    vectors = model.embed_sync(["I adopted a kitten", "We got a new cat", "The quarterly tax filing is due"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert np.allclose(model.embed_sync(["We got a new cat"])[0], vectors[1], atol=1e-5)


async def test_recall_finds_by_meaning_and_forgets(tmp_path: Path):
    store = await open_store(tmp_path / "os1.db")
    embedder = MiniLM()
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    worker = Worker(store, {LEARN: learn_handler(store, lambda: T0), EMBED: embed_handler(store, embedder, index)})
    recall = HybridRecall(store, embedder, index, lambda: T0 + timedelta(days=30))
    user = await store.users.ensure("local")
    other = await store.users.ensure("someone-else")
    companion = await store.users.create_companion(user.id, "Sam", "female", {}, {}, T0)
    theirs = await store.users.create_companion(other.id, "Max", "male", {}, {}, T0)
    conv = await store.turns.start_conversation(user.id, companion.id, T0)
    for text in ("My daughter Lina started violin lessons.", "Work has been slow this week."):
        turn = await store.turns.add(user.id, conv.id, "user", text, T0)
        await store.jobs.enqueue(user.id, LEARN, {"turn_id": turn.id}, T0)
    their_conv = await store.turns.start_conversation(other.id, theirs.id, T0)
    secret = await store.turns.add(other.id, their_conv.id, "user", "My son plays the violin too.", T0)
    await store.jobs.enqueue(other.id, LEARN, {"turn_id": secret.id}, T0)
    await worker.drain(60)

    found = await recall.search(user.id, "how is the kid's music going?", 3)
    assert found and "violin" in found[0].text  # no shared word with the query: found by meaning
    assert not any("son plays" in r.text for r in found)  # never another user's memory

    person = next(m for m in await store.memories.current(user.id, kinds=("person",)))
    assert person.text == "Lina is your daughter."
    assert await store.memories.forget(user.id, person.id, T0)
    await index.remove(user.id, "memory", [person.id])
    again = await recall.search(user.id, "how is the kid's music going?", 3)
    assert not any("violin" in r.text or "Lina" in r.text for r in again)
    await index.close()
    await store.close()


async def test_the_embedded_model_answers_in_schema_and_only_checked_people_are_kept():
    from os1.config import ModelSettings
    from os1.llm.llamacpp import LlamaCppModel
    from os1.memory.model_extract import ask, people_from_model
    from os1.types import Turn

    model = LlamaCppModel(ModelSettings(seed=1, temperature=0.0))
    text = "Yesterday I had lunch with my brother Tom and my old teacher, Mrs Alvarez."
    try:
        answer = await ask(model, text)
        assert isinstance(answer, dict) and isinstance(answer.get("people"), list)  # the grammar holds the shape
        people = await people_from_model(model, [Turn(1, 1, 1, "user", text, T0)])
    finally:
        await model.close()
    for person in people:  # whatever the model said, what is kept is in the user's words
        assert person.subject in text and f"my {person.value}" in text.lower() or person.value in text.lower()
        assert person.confidence == 0.5


CHAT = (  # an imported chat between two named people; what Melanie does never says "activities"
    ("Caroline", "Hey Melanie, long time no talk! How have you been?"),
    ("Melanie", "Hi Caroline! Busy, but good. How about you?"),
    ("Caroline", "Thanks for asking, Melanie! I went to a support group yesterday."),
    ("Melanie", "That's great, Caroline. I'm off to go swimming with the kids. Talk soon!"),
    ("Caroline", "Melanie, you always know what to say. Thanks, Mel!"),
    ("Melanie", "I just signed up for a pottery class yesterday."),
    ("Caroline", "Wow Melanie, so proud of you! Take care, Mel."),
    ("Melanie", "Thanks Caroline, you too!"),
)


async def test_a_named_persons_doings_outrank_turns_that_only_say_their_name(tmp_path: Path):
    store = await open_store(tmp_path / "os1.db")
    embedder = MiniLM()
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    worker = Worker(store, {LEARN: learn_handler(store, lambda: T0), EMBED: embed_handler(store, embedder, index)})
    user = await store.users.ensure("imported")
    companion = await store.users.create_companion(user.id, "Sam", "female", {}, {}, T0)
    conv = await store.turns.start_conversation(user.id, companion.id, T0)
    for n, (who, text) in enumerate(CHAT):
        role = "user" if who == "Caroline" else "assistant"
        await store.turns.add(user.id, conv.id, role, text, T0 + timedelta(minutes=n), speaker=who)
    await store.jobs.enqueue(user.id, EMBED, {}, T0)
    await worker.drain(60)

    hits = await HybridRecall(store, embedder, index, lambda: T0).rank(user.id, "What activities does Melanie do?", 2)
    said = {h.record.content for h in hits if h.record is not None}
    assert any("swimming" in s for s in said) and any("pottery" in s for s in said)
    await index.close()
    await store.close()
