"""Learning from the transcript: facts that change over time, idempotent re-ingestion, rejecting broken items,
and a background worker that survives crashes without duplicating or losing what it learns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from os1.companion.worker import Worker
from os1.memory.extract import extract
from os1.memory.index import VectorIndex
from os1.memory.ingest import EMBED, LEARN, _valid, embed_handler, embed_pending, learn_handler, learn_turn
from os1.testing import HashEmbedder
from os1.types import NewMemory
from tests.pgserver import end_leases, raw_rows

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
LA_DAY = datetime(2022, 3, 1, 18, 0, tzinfo=UTC)
SEATTLE_DAY = datetime(2024, 5, 1, 18, 0, tzinfo=UTC)


async def _conversation(store, handle="local"):
    user = await store.users.ensure(handle)
    companion = await store.users.create_companion(user.id, "Ada", "female", {}, {}, T0)
    conversation = await store.turns.start_conversation(user.id, companion.id, T0)
    return user, conversation


async def _move(store, learned_at: datetime | None = None):
    """The user said they live in LA in 2022 and moved to Seattle in 2024; learned right after each turn, or
    both much later (an imported chat, a backfill) when ``learned_at`` is given."""
    user, conv = await _conversation(store)
    la = await store.turns.add(user.id, conv.id, "user", "I live in Los Angeles", LA_DAY)
    seattle = await store.turns.add(user.id, conv.id, "user", "I moved to Seattle", SEATTLE_DAY)
    for turn in (la, seattle):
        await learn_turn(store, turn, lambda t=turn: learned_at or t.created_at, None)
    return user, la, seattle


async def _homes(store, user_id: int, as_of: datetime | None = None) -> list[str | None]:
    return [m.value for m in await store.memories.current(user_id, kinds=("fact",), as_of=as_of) if m.key == "home"]


# --- facts that change over time ---------------------------------------------------------------------------------


async def test_moving_supersedes_home_and_keeps_the_old_one(store):
    user, la_turn, seattle_turn = await _move(store)
    assert await _homes(store, user.id) == ["Seattle"]

    la, seattle = await store.memories.history(user.id, "home")
    assert (la.value, seattle.value) == ("Los Angeles", "Seattle")
    assert la.source_turn_ids == (la_turn.id,) and seattle.source_turn_ids == (seattle_turn.id,)
    assert la.superseded_by == seattle.id and la.valid_to == SEATTLE_DAY
    assert seattle.valid_to is None and seattle.superseded_by is None

    assert await _homes(store, user.id, as_of=datetime(2024, 6, 1, tzinfo=UTC)) == ["Seattle"]
    assert [m.id for m in await store.memories.browse(user.id, kind="fact")] == [seattle.id]
    ended = await store.memories.browse(user.id, kind="fact", include_ended=True)
    assert {m.id for m in ended} == {la.id, seattle.id}


async def test_home_as_of_before_the_move_is_the_old_one(store):
    user, _, _ = await _move(store)
    assert await _homes(store, user.id, as_of=datetime(2023, 1, 1, tzinfo=UTC)) == ["Los Angeles"]


async def test_learning_later_dates_the_move_by_the_turn(store):
    user, _, _ = await _move(store, learned_at=T0)
    la, _ = await store.memories.history(user.id, "home")
    assert la.valid_to == SEATTLE_DAY
    assert await _homes(store, user.id, as_of=datetime(2024, 6, 1, tzinfo=UTC)) == ["Seattle"]


async def test_a_move_with_a_date_starts_then(store):
    user, conv = await _conversation(store)
    turn = await store.turns.add(user.id, conv.id, "user", "I moved to Seattle in 2021.", SEATTLE_DAY)
    await learn_turn(store, turn, lambda: SEATTLE_DAY, None)
    [home] = [m for m in await store.memories.current(user.id, kinds=("fact",)) if m.key == "home"]
    assert home.valid_from == datetime(2021, 1, 1, tzinfo=UTC)
    assert await _homes(store, user.id, as_of=datetime(2020, 6, 1, tzinfo=UTC)) == []
    assert await _homes(store, user.id, as_of=datetime(2021, 6, 1, tzinfo=UTC)) == ["Seattle"]


# --- idempotent re-ingestion -------------------------------------------------------------------------------------

RICH = "My name is Theo. My sister Amy is visiting. I love jazz and I hate mornings. I went to Paris last May."


async def _snapshot(store, user_id: int) -> list[tuple]:
    items = await store.memories.browse(user_id, include_ended=True, limit=500)
    return sorted((m.id, m.kind, m.key, m.text, m.source_turn_ids, m.valid_to) for m in items)


async def test_learning_a_turn_twice_changes_nothing(store):
    user, conv = await _conversation(store)
    turn = await store.turns.add(user.id, conv.id, "user", RICH, T0)
    first = await learn_turn(store, turn, lambda: T0, None)
    assert {m.kind for m in first} == {"fact", "person", "preference", "event"}
    before = await _snapshot(store, user.id)

    again = await learn_turn(store, turn, lambda: T0 + timedelta(hours=1), None)

    assert sorted(m.id for m in again) == sorted(m.id for m in first)
    assert await _snapshot(store, user.id) == before
    assert await store.memories.count(user.id) == len(first)


async def test_same_statements_from_two_turns_are_one_memory_each(store):
    user, conv = await _conversation(store)
    first = await store.turns.add(user.id, conv.id, "user", RICH, T0)
    second = await store.turns.add(user.id, conv.id, "user", RICH, T0 + timedelta(minutes=5))
    learned = await learn_turn(store, first, lambda: T0, None)
    await learn_turn(store, second, lambda: T0 + timedelta(minutes=5), None)
    items = await store.memories.browse(user.id, include_ended=True)
    assert len(items) == len(learned)
    assert all(m.source_turn_ids == (first.id, second.id) for m in items)
    assert all(m.valid_to is None for m in items)


async def test_relearning_an_old_turn_does_not_revive_what_it_said(store):
    user, la_turn, _ = await _move(store)
    await learn_turn(store, la_turn, lambda: T0, None)  # a retried job for the 2022 turn
    assert await _homes(store, user.id) == ["Seattle"]
    assert len(await store.memories.history(user.id, "home")) == 2


# --- garbage is rejected without harm ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "valid"),
    [
        (NewMemory("fact", "You live in Seattle.", "home", "Seattle"), True),
        (NewMemory("fact", "You live in Seattle.", "home", "seattle"), True),
        (NewMemory("fact", "You live in Seattle.", "home", "Atlantis"), False),
        (NewMemory("fact", "   ", "home", None), False),
        (NewMemory("moment", "x" * 601), False),
        (NewMemory("person", "Amy is your sister.", "person:user:amy", "sister"), True),
    ],
)
def test_valid_rejects_what_no_extractor_should_produce(item, valid):
    assert _valid(item) is valid


async def test_weak_item_does_not_displace_a_learned_fact(store):
    user, conv = await _conversation(store)
    turn = await store.turns.add(user.id, conv.id, "user", "I live in Oslo.", T0)
    [home] = await learn_turn(store, turn, lambda: T0, None)
    guess = NewMemory("fact", "You live in Bergen.", "home", "Bergen", confidence=0.5, source_turn_ids=(turn.id,))
    assert await store.memories.add(user.id, guess, T0 + timedelta(minutes=1)) is None
    assert await _homes(store, user.id) == ["Oslo"]
    assert (await store.memories.get(user.id, home.id)).valid_to is None


# --- the background worker ---------------------------------------------------------------------------------------

TURNS = (
    "My name is Theo. I love jazz. I live in Oslo.",
    "My sister Amy is visiting. I hate mornings.",
    "My brother Sam called yesterday. Catherine is my ex-wife.",
)


class Crash(Exception):
    pass


async def _queued(store):
    user, conv = await _conversation(store)
    turns = []
    for n, text in enumerate(TURNS):
        turn = await store.turns.add(user.id, conv.id, "user", text, T0 + timedelta(minutes=n))
        await store.jobs.enqueue(user.id, LEARN, {"turn_id": turn.id}, T0)
        turns.append(turn)
    expected = sorted((item.text, item.source_turn_ids) for turn in turns for item in extract(turn, None))
    assert len(expected) == len({text for text, _ in expected}) >= 8
    return user, turns, expected


def _handlers(store):
    embedder = HashEmbedder()
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    return {LEARN: learn_handler(store, lambda: T0), EMBED: embed_handler(store, embedder, index)}


async def _stored(store, user_id: int) -> list[tuple[str, tuple[int, ...]]]:
    return sorted((m.text, m.source_turn_ids) for m in await store.memories.browse(user_id, include_ended=True))


def _job_states(store) -> list[tuple[str, str]]:
    return raw_rows(store, "SELECT kind, status FROM jobs ORDER BY id")


async def test_worker_resumes_a_job_that_crashed_mid_turn_without_duplicates(store, monkeypatch, tmp_path):
    user, _, expected = await _queued(store)
    real_add = store.memories.add
    calls = 0

    async def add_then_crash(user_id, item, now):
        nonlocal calls
        calls += 1
        if calls == 5:  # the second turn's job dies after storing some of its items
            raise Crash("disk on fire")
        return await real_add(user_id, item, now)

    monkeypatch.setattr(store.memories, "add", add_then_crash)
    crashing = Worker(store, _handlers(store), lambda: T0)
    assert await crashing.run_once() == len(TURNS)
    partial = await _stored(store, user.id)
    assert 0 < len(partial) < len(expected) and set(partial) < set(expected)
    assert await store.jobs.pending() >= 1  # the crashed job waits for its retry

    monkeypatch.setattr(store.memories, "add", real_add)
    await Worker(store, _handlers(store), lambda: T0).drain()

    assert await _stored(store, user.id) == expected
    assert await store.jobs.pending() == 0
    assert {status for _, status in _job_states(store)} == {"done"}


async def test_worker_killed_after_claiming_is_resumed_by_the_next_one(store, backend):
    user, _, expected = await _queued(store)
    claimed = await store.jobs.claim(16)  # the process dies here: claimed, never run, never finished
    assert len(claimed) == len(TURNS)
    assert await _stored(store, user.id) == []
    if backend == "postgres":  # leased to the dead worker until the lease ends
        assert await store.jobs.claim(16) == []
    end_leases(store)

    await Worker(store, _handlers(store), lambda: T0).drain()
    assert await _stored(store, user.id) == expected
    assert await store.jobs.pending() == 0


async def test_learning_everything_twice_stores_everything_once(store):
    user, turns, expected = await _queued(store)
    worker = Worker(store, _handlers(store), lambda: T0)
    await worker.drain()
    for turn in turns:  # e.g. a reinstall that queues the whole transcript again
        await store.jobs.enqueue(user.id, LEARN, {"turn_id": turn.id}, T0)
    await worker.drain()
    assert await _stored(store, user.id) == expected


async def test_job_claimed_by_workers_that_died_is_not_stuck_forever(store):
    user, _, expected = await _queued(store)
    for _ in range(3):  # three restarts that each claimed a batch and were stopped before running it
        await store.jobs.claim(16)
        end_leases(store)
    await Worker(store, _handlers(store), lambda: T0).drain()
    assert await store.jobs.pending() == 0  # run, or at least given up on; not pending forever
    assert await _stored(store, user.id) == expected


async def test_refused_and_missing_turns_teach_nothing(store):
    user, conv = await _conversation(store)
    refused = await store.turns.add(user.id, conv.id, "user", "I live in Oslo.", T0, meta={"refused": True})
    handle = learn_handler(store, lambda: T0)
    for payload in ({"turn_id": refused.id}, {"turn_id": 9999}, {"turn_id": "1"}, {}):
        await store.jobs.enqueue(user.id, LEARN, payload, T0)
    [*jobs] = await store.jobs.claim(10)
    assert [await handle(job) for job in jobs] == [0, 0, 0, 0]
    assert await store.memories.count(user.id) == 0


async def test_other_users_turn_is_not_learned_under_my_id(store):
    alice, conv = await _conversation(store, "alice")
    bob, _ = await _conversation(store, "bob")
    turn = await store.turns.add(alice.id, conv.id, "user", "I live in Oslo.", T0)
    await store.jobs.enqueue(bob.id, LEARN, {"turn_id": turn.id}, T0)
    await Worker(store, _handlers(store), lambda: T0).drain()
    assert await store.memories.count(bob.id) == 0
    assert await store.memories.count(alice.id) == 0


async def test_embedding_is_incremental(store):
    user, conv = await _conversation(store)
    turn = await store.turns.add(user.id, conv.id, "user", "My sister Amy is visiting.", T0)
    await learn_turn(store, turn, lambda: T0, None)
    embedder = HashEmbedder()
    assert await embed_pending(store, embedder, None, user.id) == 2  # the turn and its item
    calls = embedder.calls
    assert await embed_pending(store, embedder, None, user.id) == 0
    assert embedder.calls == calls
    assert await store.vectors.missing_turns(user.id, 10) == []
    assert await store.vectors.missing_memories(user.id, 10) == []
