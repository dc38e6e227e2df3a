"""The in-memory BM25 index over items: FTS5's ranking, built from the store, caught up, per user."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from os1.memory import lexical
from os1.memory.lexical import LexicalIndex
from os1.store import open_store
from os1.types import NewMemory

T0 = datetime(2024, 5, 1, tzinfo=UTC)
WORDS = ("hiking Amy Lisbon dinner Paul argued money garden wedding Kyoto violin lessons hospital moved "
         "Seattle sister birthday cake climbing Rosa film music").split()  # fmt: skip


def _texts(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14))) + f" ({i})." for i in range(n)]


@pytest.fixture
async def store(tmp_path: Path):
    s = await open_store(tmp_path / "os1.db")
    yield s
    await s.close()


async def _user(store, handle: str, texts: list[str]) -> int:
    user = await store.users.ensure(handle)
    await store.memories.add_many(user.id, [NewMemory("fact", t) for t in texts], T0)
    return user.id


async def test_ranks_as_fts5_does(store):
    """Same BM25 (k1 1.2, b 0.75, FTS5's idf) over the same stemmed words: the same order and scores."""
    uid = await _user(store, "a", _texts(400))
    index = LexicalIndex(store)
    for query in ("hiking Amy", "argued about money", "wedding in Kyoto", "violin lessons with Rosa", "cakes"):
        ours = dict(await index.search(uid, query, 400))
        theirs = await store.memories.match(uid, query, 20)
        assert theirs and len(ours) == len(await store.memories.match(uid, query, 400)), query
        for i, score in theirs:  # the stemmers differ at the edges (Snowball's Porter vs SQLite's)
            assert ours[i] == pytest.approx(score, rel=0.03), query
        assert set(list(ours)[:5]) <= {i for i, _ in theirs}, query


async def test_catches_up_on_items_added_since_and_folds_pages(store, monkeypatch):
    monkeypatch.setattr(lexical, "PAGE", 37)  # many small segments, folded as they grow
    uid = await _user(store, "a", _texts(300))
    index = LexicalIndex(store)
    before = await index.search(uid, "hospital Seattle", 10)
    await store.memories.add(uid, NewMemory("fact", "Amy was in the hospital in Zanzibar."), T0)
    after = await index.search(uid, "hospital Zanzibar", 10)
    newest = await store.memories.last_id()
    assert after[0][0] == newest and newest not in {i for i, _ in before}
    one_go = await LexicalIndex(store).search(uid, "hospital Zanzibar", 10)
    assert [round(s, 6) for _, s in after] == [round(s, 6) for _, s in one_go]


async def test_one_users_items_never_answer_another(store):
    a = await _user(store, "a", ["You went hiking with Amy in Lisbon."])
    b = await _user(store, "b", ["Paul plays the violin."])
    index = LexicalIndex(store)
    assert await index.search(b, "hiking Amy Lisbon", 5) == []
    assert [i for i, _ in await index.search(a, "hiking", 5)]
    assert await index.search(a, "violin", 5) == []


async def test_words_are_folded_stemmed_and_never_syntax(store):
    uid = await _user(store, "a", ["Zoë went to the café\x00 twice", "Paul's climbing lessons", 'NEAR("x" OR y)*'])
    index = LexicalIndex(store)
    assert len(await index.search(uid, "zoe cafe", 5)) == 1
    assert len(await index.search(uid, "climbed lesson", 5)) == 1
    assert len(await index.search(uid, '"x" OR NEAR(', 5)) == 1
    assert await index.search(uid, "   ", 5) == [] and await index.search(uid, "unheard", 5) == []
