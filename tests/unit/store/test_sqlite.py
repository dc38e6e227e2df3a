from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from os1.errors import StoreError
from os1.store import open_store
from os1.store.db import MIGRATIONS, connect, migrate
from os1.types import NewMemory
from tests.pgserver import raw_columns, raw_rows

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def _user_with_conversation(store, handle="local"):
    user = await store.users.ensure(handle)
    companion = await store.users.create_companion(user.id, "Ada", "female", {"warmth": 0.8}, {}, T0)
    conversation = await store.turns.start_conversation(user.id, companion.id, T0)
    return user, companion, conversation


def test_migrations_are_numbered_idempotent_and_wal(tmp_path: Path):
    db = connect(tmp_path / "a.db")
    assert migrate(db) == len(MIGRATIONS)
    assert migrate(db) == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == list(range(1, len(MIGRATIONS) + 1))


def test_failed_migration_rolls_back_whole(tmp_path: Path):
    db = connect(tmp_path / "b.db")
    bad = (*MIGRATIONS, ("broken", "CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;"))
    with pytest.raises(StoreError) as err:
        migrate(db, bad)
    assert err.value.code == "store.migration_failed"
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in names
    assert db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_newer_database_is_refused(tmp_path: Path):
    db = connect(tmp_path / "c.db")
    migrate(db)
    db.execute("INSERT INTO schema_migrations VALUES (99, 'future', '')")
    with pytest.raises(StoreError) as err:
        migrate(db)
    assert err.value.code == "store.too_new"


async def test_turns_are_durable_and_visible_to_a_second_connection(store, tmp_path: Path):
    user, _, conv = await _user_with_conversation(store)
    turn = await store.turns.add(user.id, conv.id, "user", "hello there", T0)
    assert raw_rows(store, "SELECT content FROM turns WHERE id = ?", (turn.id,)) == [("hello there",)]


async def test_every_row_is_scoped_by_user(store):
    alice, _, conv_a = await _user_with_conversation(store, "alice")
    bob, _, conv_b = await _user_with_conversation(store, "bob")
    secret = await store.turns.add(alice.id, conv_a.id, "user", "my secret garden", T0)
    assert await store.turns.reindex(bob.id, [secret.id]) == 0  # not bob's to index
    await store.turns.reindex(alice.id, [secret.id])
    item = await store.memories.add(alice.id, NewMemory("fact", "Your garden is roses.", "my garden", "roses"), T0)
    assert item is not None
    assert await store.turns.search(bob.id, "secret garden", 5) == []
    assert await store.memories.current(bob.id) == []
    assert await store.memories.search(bob.id, "garden roses", 5) == []
    assert await store.memories.get(bob.id, item.id) is None
    assert not await store.memories.forget(bob.id, item.id, T0)
    with pytest.raises(StoreError):
        await store.memories.edit(bob.id, item.id, "mine now", T0)
    assert await store.turns.conversation(bob.id, conv_a.id) is None
    assert await store.turns.recent(bob.id, conv_a.id, 10) == []
    with pytest.raises(StoreError):
        await store.turns.add(bob.id, conv_a.id, "user", "sneaky", T0)
    assert len(await store.turns.search(alice.id, "garden", 5)) == 1


async def test_facts_supersede_without_deleting(store, tmp_path: Path):
    user, _, _ = await _user_with_conversation(store)
    await store.memories.add(user.id, NewMemory("fact", "You live in Los Angeles.", "home", "Los Angeles"), T0)
    await store.memories.add(
        user.id, NewMemory("fact", "You live in Seattle.", "home", "Seattle"), T0 + timedelta(days=1)
    )
    current = await store.memories.current(user.id)
    assert [f.value for f in current] == ["Seattle"]
    rows = raw_rows(store, "SELECT value, valid_to FROM memories")
    assert ("Los Angeles", (T0 + timedelta(days=1)).isoformat()) in rows


async def test_replacing_a_companion_keeps_the_old_one(store):
    user, first, _ = await _user_with_conversation(store)
    second = await store.users.create_companion(user.id, "Milo", "male", {}, {}, T0)
    assert (await store.users.active_companion(user.id)).id == second.id
    assert first.id != second.id


async def test_partial_replies_are_recovered_as_interrupted(store):
    user, _, conv = await _user_with_conversation(store)
    turn = await store.turns.add(user.id, conv.id, "assistant", "I was saying", T0, completed=False)
    assert await store.turns.recover_incomplete(user.id) == 1
    [kept] = await store.turns.recent(user.id, conv.id, 5)
    assert kept.id == turn.id and kept.interrupted and kept.completed and kept.content == "I was saying"


async def test_jobs_retry_then_fail(store):
    user, _, _ = await _user_with_conversation(store)
    job_id = await store.jobs.enqueue(user.id, "k", {"x": 1}, T0)
    for attempt in range(1, 4):
        [job] = await store.jobs.claim(10)
        assert job.id == job_id and job.attempts == attempt and job.payload == {"x": 1}
        await store.jobs.finish(job.id, T0, error="boom")
    assert await store.jobs.claim(10) == []
    assert await store.jobs.pending() == 0


async def test_care_events_are_counted_without_text(store, tmp_path: Path):
    user, _, conv = await _user_with_conversation(store)
    await store.care.record(user.id, conv.id, None, "suicidal_ideation", "high", "want_to_die", T0)
    await store.care.record(user.id, conv.id, None, "self_harm", "high", "cutting", T0)
    await store.care.record(user.id, conv.id, None, "self_harm", "high", "cutting", T0)
    assert await store.care.counts() == {"suicidal_ideation": 1, "self_harm": 2}
    assert await store.care.counts(since=T0 + timedelta(days=1)) == {}
    columns = raw_columns(store, "care_events")
    assert "kind" in columns
    assert "content" not in columns and "text" not in columns


async def test_search_survives_hostile_query(store):
    user, _, conv = await _user_with_conversation(store)
    turn = await store.turns.add(user.id, conv.id, "user", "quotes \" and NEAR( stars * here", T0)
    await store.turns.reindex(user.id, [turn.id])  # the worker indexes stored turns
    hostile = await store.turns.search(user.id, 'NEAR( " * OR AND', 5)  # FTS syntax is quoted, not run
    assert [t.content for t, _ in hostile] == ['quotes " and NEAR( stars * here']
    assert await store.turns.search(user.id, '" * ( )', 5) == []
    results = await store.turns.search(user.id, '"quotes" stars', 5)
    assert len(results) == 1


async def test_unwritable_home_gives_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as err:
        await open_store(blocker / "sub" / "os1.db")
    assert err.value.code == "store.open_failed"
