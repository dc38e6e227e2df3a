"""Recall reads a question's meaning without the people it names: the speaker prior finds their turns, and in
the vectors a name would only match every turn that says it ("Thanks, Melanie!")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from os1.memory import recall as recall_module
from os1.memory.index import VectorIndex
from os1.memory.ingest import embed_pending
from os1.memory.recall import HybridRecall, named_speakers, without_names
from os1.testing import HashEmbedder

T0 = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


class RecordingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += list(texts)
        return await super().embed(texts)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("What activities does Melanie partake in?", "What activities does partake in?"),
        ("What is Caroline's identity?", "What is identity?"),
        ("When did Mel go camping?", "When did go camping?"),  # the short form the speaker prior knows too
        ("Which melody did Caroline hum?", "Which melody did hum?"),  # a word that only starts like a name stays
        ("What did Jon say?", "What did Jon say?"),  # not a speaker here
        ("Melanie?", "Melanie?"),  # nothing would be left
    ],
)
def test_without_names(query, expected):
    assert without_names(query, ["Melanie", "Caroline Smith"]) == expected


@pytest.mark.parametrize(
    ("query", "named", "read"),
    [
        ("What type of pizza is James' favorite?", {"James"}, "What type of pizza is favorite?"),
        ("What is James\u2019s dog called?", {"James"}, "What is dog called?"),
        ("Did (James) and Mel meet?", {"James", "Melanie"}, "Did and meet?"),
        ("Which melody did Jameson hum?", set(), "Which melody did Jameson hum?"),
        ("What did the MEL group say?", set(), "What did the MEL group say?"),  # capitals, not a short name
    ],
)
def test_the_speakers_a_question_names_are_the_names_it_is_read_without(query, named, read):
    """One rule for both: a name the speaker prior favours is never left in the embedded question."""
    assert named_speakers(query, ["James", "Melanie"]) == named
    assert without_names(query, named) == read


def test_without_speakers_the_query_is_as_asked():
    assert without_names("What did Melanie paint?", []) == "What did Melanie paint?"


async def _chat(store, embedder: HashEmbedder) -> tuple[int, HybridRecall]:
    user = await store.users.ensure("imported")
    companion = await store.users.create_companion(user.id, "Ada", "female", {}, {}, T0)
    conv = await store.turns.start_conversation(user.id, companion.id, T0)
    lines = [("Caroline", "Thanks, Melanie! That means a lot."), ("Melanie", "I painted a lake sunrise last year.")]
    for n, (who, text) in enumerate(lines):
        role = "user" if who == "Caroline" else "assistant"
        await store.turns.add(user.id, conv.id, role, text, T0 + timedelta(minutes=n), speaker=who)
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    await embed_pending(store, embedder, index, user.id)
    return user.id, HybridRecall(store, embedder, index, lambda: T0)


async def test_the_question_is_embedded_without_the_speaker_it_names(store):
    embedder = RecordingEmbedder()
    user_id, recall = await _chat(store, embedder)
    embedder.texts.clear()
    hits = await recall.rank(user_id, "What did Melanie paint?", 5)
    assert embedder.texts == ["What did paint?"]
    assert hits[0].record is not None and "painted" in hits[0].record.content
    await recall.rank(user_id, "What did we paint?", 5)
    assert embedder.texts[-1] == "What did we paint?"
    # naming everyone singles nobody out (the speaker prior does nothing): the names stay in the question
    await recall.rank(user_id, "When did Caroline and Melanie paint?", 5)
    assert embedder.texts[-1] == "When did Caroline and Melanie paint?"


async def test_speakers_are_read_once_a_minute(store, monkeypatch):
    user_id, recall = await _chat(store, HashEmbedder())
    reads = []
    speakers = store.turns.speakers

    async def counted(uid: int) -> list[str]:
        reads.append(uid)
        return await speakers(uid)

    monkeypatch.setattr(store.turns, "speakers", counted)
    clock = [1000.0]
    monkeypatch.setattr(recall_module.time, "monotonic", lambda: clock[0])
    await recall.rank(user_id, "What did Melanie paint?", 5)
    await recall.rank(user_id, "What did Caroline say?", 5)
    assert reads == [user_id]
    clock[0] += recall_module.SPEAKERS_TTL_S + 1
    await recall.rank(user_id, "What did Melanie paint?", 5)
    assert reads == [user_id, user_id]
