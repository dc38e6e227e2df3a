"""The preferences repository (migration 11) on both databases: overrides set, replaced and removed in one
transaction, every read and write scoped by user, unknown settings refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from os1.errors import StoreError
from os1.store import SqliteStore
from os1.store.postgres_compat import sql_runner
from os1.store.prefs import KEYS, prefs_of
from tests.pgserver import raw_rows

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def test_overrides_are_set_replaced_removed_and_typed(store: SqliteStore):
    repo = prefs_of(store)
    assert repo is not None
    uid = (await store.users.ensure("theo")).id
    assert await repo.overrides(uid) == {}
    mine = await repo.update(uid, {"care.country": "GB", "model.max_reply_sentences": 2, "care.minor": True,
                                   "model.temperature": 0.3}, T0)
    assert mine == {"care.country": "GB", "model.max_reply_sentences": 2, "care.minor": True, "model.temperature": 0.3}
    assert type(mine["care.minor"]) is bool and type(mine["model.max_reply_sentences"]) is int
    again = await repo.update(uid, {"care.country": "IE", "care.minor": None}, T0 + timedelta(hours=1))
    assert again == {"care.country": "IE", "model.max_reply_sentences": 2, "model.temperature": 0.3}
    rows = raw_rows(store, "SELECT key, value, updated_at FROM user_prefs WHERE user_id = ? ORDER BY key", (uid,))
    assert [(k, v) for k, v, _ in rows] == [("care.country", '"IE"'), ("model.max_reply_sentences", "2"),
                                            ("model.temperature", "0.3")]
    assert rows[0][2] == (T0 + timedelta(hours=1)).isoformat()  # only the changed row's time moved
    assert rows[1][2] == T0.isoformat()


async def test_every_query_is_scoped_by_user(store: SqliteStore):
    repo = prefs_of(store)
    assert repo is not None
    a, b = (await store.users.ensure("ana")).id, (await store.users.ensure("ben")).id
    await repo.update(a, {"care.country": "GB", "initiative.daily_quota": 0}, T0)
    await repo.update(b, {"care.country": "FR"}, T0)
    assert await repo.overrides(b) == {"care.country": "FR"}
    assert await repo.clear(b) == 1
    assert await repo.overrides(b) == {}
    assert await repo.overrides(a) == {"care.country": "GB", "initiative.daily_quota": 0}  # untouched


async def test_unknown_settings_are_refused_and_nothing_is_written(store: SqliteStore):
    repo = prefs_of(store)
    assert repo is not None
    uid = (await store.users.ensure("theo")).id
    with pytest.raises(StoreError) as err:
        await repo.update(uid, {"care.country": "GB", "model.api_key": "sk-mine"}, T0)
    assert err.value.code == "store.bad_value" and "model.api_key" in err.value.message
    with pytest.raises(StoreError):
        await repo.update(uid, {"care.country": ["GB"]}, T0)  # type: ignore[dict-item]
    assert await repo.overrides(uid) == {}
    assert "model.api_key" not in KEYS and "model.url" not in KEYS


async def test_a_row_this_version_does_not_know_is_ignored(store: SqliteStore):
    repo = prefs_of(store)
    assert repo is not None
    uid = (await store.users.ensure("theo")).id
    await repo.update(uid, {"care.country": "GB"}, T0)
    runner = sql_runner(store.runner)  # rows an older or newer OS1 left
    for key, value in (("care.future_setting", "1"), ("care.minor", "not json")):
        await runner.run("INSERT INTO user_prefs (user_id, key, value, updated_at) VALUES (?, ?, ?, ?)",
                         (uid, key, value, T0.isoformat()))
    assert await repo.overrides(uid) == {"care.country": "GB"}
