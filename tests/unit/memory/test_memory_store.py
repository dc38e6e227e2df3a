"""The memory store: idempotency, refusing weak or broken items, forgetting, isolation between users, and the
migration that moves the foundation's facts into memories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from os1.errors import StoreError
from os1.memory.index import VectorIndex
from os1.memory.ingest import embed_pending, index_pending, learn_turn
from os1.memory.recall import HybridRecall
from os1.store import open_store
from os1.store.db import MIGRATIONS, connect, migrate
from os1.testing import HashEmbedder
from os1.types import NewMemory
from tests.pgserver import raw_rows

T0 = datetime(2026, 3, 11, 15, 30, tzinfo=UTC)


async def _conversation(store, handle="local"):
    user = await store.users.ensure(handle)
    companion = await store.users.create_companion(user.id, "Ada", "female", {}, {}, T0)
    conversation = await store.turns.start_conversation(user.id, companion.id, T0)
    return user, conversation


def _home(city: str, turns: tuple[int, ...] = (), confidence: float = 0.9) -> NewMemory:
    return NewMemory(
        "fact", f"You live in {city}.", "home", city, confidence=confidence, source_turn_ids=turns
    )


def _rows(store, sql: str, params: tuple = ()) -> list[tuple]:
    return raw_rows(store, sql, params)


# --- idempotency -------------------------------------------------------------------------------------------------


async def test_same_statement_from_two_turns_is_one_memory_with_both_turns(store):
    user, conv = await _conversation(store)
    first = await store.turns.add(user.id, conv.id, "user", "I live in Seattle.", T0)
    second = await store.turns.add(user.id, conv.id, "user", "I live in Seattle!", T0 + timedelta(days=3))
    a = await store.memories.add(user.id, _home("Seattle", (second.id,)), T0)
    b = await store.memories.add(user.id, _home("Seattle", (first.id,)), T0 + timedelta(days=3))
    again = await store.memories.add(user.id, _home("Seattle", (first.id,)), T0 + timedelta(days=4))
    assert a is not None and b is not None and again is not None
    assert a.id == b.id == again.id
    assert again.source_turn_ids == (first.id, second.id)
    assert await store.memories.count(user.id) == 1


async def test_rephrased_item_with_the_same_key_and_value_is_the_same_memory(store):
    user, _ = await _conversation(store)
    a = await store.memories.add(user.id, NewMemory("fact", "You live in Seattle.", "home", "Seattle"), T0)
    b = await store.memories.add(user.id, NewMemory("fact", "Your home is Seattle", "home", "seattle"), T0)
    assert a is not None and b is not None and a.id == b.id
    assert await store.memories.count(user.id) == 1


# --- garbage is refused without harm -----------------------------------------------------------------------------


async def test_weak_extraction_never_overwrites_a_good_fact(store):
    user, _ = await _conversation(store)
    good = await store.memories.add(user.id, _home("Seattle", confidence=0.9), T0)
    weak = await store.memories.add(user.id, _home("Atlantis", confidence=0.5), T0 + timedelta(hours=1))
    assert good is not None
    assert weak is None
    [current] = await store.memories.current(user.id)
    assert current.id == good.id and current.value == "Seattle" and current.valid_to is None
    assert [m.value for m in await store.memories.history(user.id, "home")] == ["Seattle"]


async def test_equally_sure_fact_supersedes(store):
    user, _ = await _conversation(store)
    old = await store.memories.add(user.id, _home("Seattle"), T0)
    new = await store.memories.add(user.id, _home("Portland"), T0 + timedelta(days=1))
    assert old is not None and new is not None
    [ended, current] = await store.memories.history(user.id, "home")
    assert current.id == new.id and current.valid_to is None
    assert ended.id == old.id and ended.superseded_by == new.id and ended.valid_to == T0 + timedelta(days=1)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
async def test_item_without_text_is_refused(store, text):
    user, _ = await _conversation(store)
    with pytest.raises(StoreError) as err:
        await store.memories.add(user.id, NewMemory("fact", text, "home", "Seattle"), T0)
    assert err.value.code == "store.bad_value"
    assert await store.memories.count(user.id) == 0


async def test_unknown_kind_is_refused(store):
    user, _ = await _conversation(store)
    with pytest.raises(StoreError) as err:
        await store.memories.add(user.id, NewMemory("rumour", "Someone said so."), T0)  # type: ignore[arg-type]
    assert err.value.code == "store.bad_value"
    assert await store.memories.count(user.id) == 0


# --- forgetting --------------------------------------------------------------------------------------------------


async def _learned_world(store):
    """Two turns learned and embedded, with a recall over BM25 and hashed vectors."""
    user, conv = await _conversation(store)
    amy_turn = await store.turns.add(user.id, conv.id, "user", "My sister Amy is visiting.", T0)
    jazz_turn = await store.turns.add(user.id, conv.id, "user", "I love jazz.", T0 + timedelta(minutes=1))
    for turn in (amy_turn, jazz_turn):
        await learn_turn(store, turn, lambda: T0, None)
    embedder = HashEmbedder()
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    recall = HybridRecall(store, embedder, index, lambda: T0 + timedelta(days=1))
    await embed_pending(store, embedder, index, user.id)
    [amy] = [m for m in await store.memories.current(user.id) if m.subject == "Amy"]
    return user, amy_turn, jazz_turn, amy, embedder, index, recall


async def test_forgotten_item_leaves_the_store_its_vector_and_search(store, tmp_path: Path):
    user, amy_turn, _, amy, _, _, _ = await _learned_world(store)
    assert [m.id for m, _ in await store.memories.search(user.id, "Amy sister", 5)] == [amy.id]
    assert amy_turn.id in [t.id for t, _ in await store.turns.search(user.id, "Amy", 5)]
    assert await store.vectors.count(user.id) > 0

    assert await store.memories.forget(user.id, amy.id, T0 + timedelta(days=1))

    assert await store.memories.get(user.id, amy.id) is None
    assert await store.memories.many(user.id, [amy.id]) == {}
    assert await store.memories.search(user.id, "Amy sister", 5) == []
    assert _rows(store, "SELECT owner, ref_id FROM vectors WHERE (owner = 'memory' AND ref_id = ?) "
                 "OR (owner = 'turn' AND ref_id = ?)", (amy.id, amy_turn.id)) == []  # fmt: skip
    assert await store.turns.search(user.id, "Amy", 5) == []  # nor as a neighbour's context
    assert _rows(store, "SELECT forgotten, content FROM turns WHERE id = ?", (amy_turn.id,)) == [
        (1, "My sister Amy is visiting.")  # the transcript keeps the turn, flagged
    ]
    assert amy_turn.id not in await store.vectors.missing_turns(user.id, 10)  # not embedded again
    assert amy.id not in await store.vectors.missing_memories(user.id, 10)
    assert not await store.memories.forget(user.id, amy.id, T0)  # already gone


async def test_forgotten_item_is_not_recalled(store):
    user, amy_turn, jazz_turn, amy, embedder, _, _ = await _learned_world(store)
    await store.memories.forget(user.id, amy.id, T0 + timedelta(days=1))
    recall = HybridRecall(store, embedder, VectorIndex(store, embedder.model_id, embedder.dim), lambda: T0)
    hits = {(h.owner, h.ref_id) for h in await recall.rank(user.id, "my sister Amy")}
    assert ("memory", amy.id) not in hits and ("turn", amy_turn.id) not in hits
    found = await recall.search(user.id, "my sister Amy", limit=10)
    assert all("Amy" not in r.text for r in found)
    assert ("turn", jazz_turn.id) in {(h.owner, h.ref_id) for h in await recall.rank(user.id, "I love jazz")}


async def test_forgotten_turn_is_not_recalled_by_an_index_built_before(store):
    user, amy_turn, _, amy, _, _, recall = await _learned_world(store)
    before = {(h.owner, h.ref_id) for h in await recall.rank(user.id, "my sister Amy")}
    assert {("memory", amy.id), ("turn", amy_turn.id)} <= before  # the index is built and holds both

    await store.memories.forget(user.id, amy.id, T0 + timedelta(days=1))

    after = {(h.owner, h.ref_id) for h in await recall.rank(user.id, "my sister Amy")}
    assert ("memory", amy.id) not in after
    assert ("turn", amy_turn.id) not in after


async def test_forgotten_statement_is_not_learned_again(store):
    user, amy_turn, _, amy, _, _, _ = await _learned_world(store)
    count = await store.memories.count(user.id)
    await store.memories.forget(user.id, amy.id, T0 + timedelta(days=1))
    assert await learn_turn(store, amy_turn, lambda: T0 + timedelta(days=2), None) == []
    later = await store.turns.add(user.id, amy_turn.conversation_id, "user", "My sister Amy called.", T0)
    await learn_turn(store, later, lambda: T0 + timedelta(days=2), None)  # said again: still forgotten
    assert await store.memories.count(user.id) == count - 1
    assert all(m.subject != "Amy" for m in await store.memories.browse(user.id, include_ended=True))


async def test_forget_without_source_keeps_the_turn_in_recall(store):
    user, amy_turn, _, amy, _, _, _ = await _learned_world(store)
    assert await store.memories.forget(user.id, amy.id, T0, with_source=False)
    assert amy_turn.id in [t.id for t, _ in await store.turns.search(user.id, "Amy", 5)]


# --- isolation ---------------------------------------------------------------------------------------------------


async def test_one_users_memories_are_invisible_to_another(store, tmp_path: Path):
    user_a, conv_a = await _conversation(store, "alice")
    user_b, _ = await _conversation(store, "bob")
    turn = await store.turns.add(user_a.id, conv_a.id, "user", "My sister Amy lives in Lisbon. I live in Oslo.", T0)
    learned = await learn_turn(store, turn, lambda: T0, None)
    assert {m.key for m in learned} >= {"home", "person:user:amy"}
    ids = [m.id for m in learned]
    home = next(m for m in learned if m.key == "home")

    assert [await store.memories.get(user_b.id, i) for i in ids] == [None] * len(ids)
    assert await store.memories.many(user_b.id, ids) == {}
    assert await store.memories.current(user_b.id) == []
    assert await store.memories.current(user_b.id, as_of=T0 + timedelta(days=1)) == []
    assert await store.memories.browse(user_b.id, include_ended=True) == []
    assert await store.memories.history(user_b.id, "home") == []
    assert await store.memories.search(user_b.id, "Amy sister Oslo", 10) == []
    assert await store.memories.count(user_b.id) == 0
    assert await store.turns.search(user_b.id, "Amy", 10) == []
    assert await store.turns.many(user_b.id, [turn.id]) == {}
    assert not await store.memories.forget(user_b.id, home.id, T0)
    with pytest.raises(StoreError):
        await store.memories.edit(user_b.id, home.id, "You live in Bergen.", T0)
    assert await store.turns.forget(user_b.id, [turn.id]) == 0

    assert await store.vectors.put(user_b.id, "turn", [(turn.id, 0, b"\0" * 768)], "hash-384") == 0
    assert await store.vectors.put(user_b.id, "memory", [(i, 0, b"\0" * 768) for i in ids], "hash-384") == 0
    assert _rows(store, "SELECT COUNT(*) FROM vectors") == [(0,)]
    assert await store.vectors.missing_turns(user_b.id, 10) == []
    assert await store.vectors.missing_memories(user_b.id, 10) == []

    embedder = HashEmbedder()
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    await embed_pending(store, embedder, index, user_a.id)
    assert await store.vectors.load(user_b.id, embedder.model_id) == []
    recall = HybridRecall(store, embedder, index, lambda: T0)
    assert await recall.rank(user_b.id, "my sister Amy in Lisbon, I live in Oslo") == []
    assert await recall.search(user_b.id, "my sister Amy in Lisbon, I live in Oslo") == []

    # and A still has everything, untouched by B's attempts
    assert {m.id for m in await store.memories.current(user_a.id)} == set(ids)
    assert (await store.memories.get(user_a.id, home.id)).value == "Oslo"
    assert [t.id for t, _ in await store.turns.search(user_a.id, "Amy", 10)] == [turn.id]


async def test_tombstones_are_per_user(store):
    user_a, _ = await _conversation(store, "alice")
    user_b, _ = await _conversation(store, "bob")
    item = await store.memories.add(user_a.id, _home("Oslo"), T0)
    assert item is not None
    await store.memories.forget(user_a.id, item.id, T0)
    assert await store.memories.add(user_b.id, _home("Oslo"), T0) is not None
    assert await store.memories.add(user_a.id, _home("Oslo"), T0) is None


# --- migration ---------------------------------------------------------------------------------------------------


def _foundation_db(path: Path) -> None:
    """A database as the foundation release left it: schema 1, a turn and the fact learned from it."""
    db = connect(path)
    assert migrate(db, MIGRATIONS[:1]) == 1
    at = T0.isoformat()
    db.execute("INSERT INTO users (id, handle, created_at) VALUES (1, 'local', ?)", (at,))
    db.execute(
        "INSERT INTO companions (id, user_id, name, voice, traits, profile, created_at) "
        "VALUES (1, 1, 'Ada', 'female', '{}', '{}', ?)",
        (at,),
    )
    db.execute(
        "INSERT INTO conversations (id, user_id, companion_id, started_at, last_active_at) VALUES (1, 1, 1, ?, ?)",
        (at, at),
    )
    db.execute(
        "INSERT INTO turns (id, user_id, conversation_id, role, content, created_at) "
        "VALUES (7, 1, 1, 'user', 'I live in Los Angeles.', ?)",
        (at,),
    )
    db.execute(
        "INSERT INTO facts (user_id, key, value, statement, source_turn_id, created_at) "
        "VALUES (1, 'home', 'Los Angeles', 'You live in Los Angeles.', 7, ?)",
        (at,),
    )
    db.execute(
        "INSERT INTO facts (user_id, key, value, statement, source_turn_id, created_at, superseded_at) "
        "VALUES (1, 'work', 'at Acme', 'You work at Acme.', NULL, ?, ?)",
        (at, (T0 + timedelta(days=1)).isoformat()),
    )
    db.close()


async def test_foundation_facts_migrate_into_memories(tmp_path: Path):
    path = tmp_path / "old.db"
    _foundation_db(path)
    db = connect(path)
    assert migrate(db) == len(MIGRATIONS)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "facts" not in tables and {"memories", "memories_fts", "vectors", "forgotten"} <= tables
    db.close()

    store = await open_store(path)
    try:
        [home] = await store.memories.current(1)
        assert (home.kind, home.key, home.value) == ("fact", "home", "Los Angeles")
        assert home.text == "You live in Los Angeles."
        assert home.source_turn_ids == (7,) and home.subject == "user" and home.valid_from == T0
        [work] = await store.memories.history(1, "work")
        assert work.source_turn_ids == () and work.valid_to == T0 + timedelta(days=1)
        assert [m.id for m, _ in await store.memories.search(1, "Los Angeles", 5)] == [home.id]
        await index_pending(store, 1)
        assert [t.id for t, _ in await store.turns.search(1, "living angeles", 5)] == [7]  # re-indexed, stemmed
    finally:
        await store.close()


async def test_migrated_fact_said_again_is_the_same_memory(tmp_path: Path):
    path = tmp_path / "old.db"
    _foundation_db(path)
    store = await open_store(path)
    try:
        turn = await store.turns.add(1, 1, "user", "I live in Los Angeles.", T0 + timedelta(days=2))
        await learn_turn(store, turn, lambda: T0 + timedelta(days=2), None)
        history = await store.memories.history(1, "home")
        assert [m.source_turn_ids for m in history] == [(7, turn.id)]
    finally:
        await store.close()


async def test_forgotten_migrated_fact_is_not_learned_again(tmp_path: Path):
    path = tmp_path / "old.db"
    _foundation_db(path)
    store = await open_store(path)
    try:
        [home] = await store.memories.current(1)
        assert await store.memories.forget(1, home.id, T0 + timedelta(days=2))
        old_turn = (await store.turns.many(1, [7]))[7]
        await learn_turn(store, old_turn, lambda: T0 + timedelta(days=2), None)  # a queued legacy learn job
        assert await store.memories.history(1, "home") == []
    finally:
        await store.close()
