"""The service's own SQL (accounts, sessions, API keys, login attempts, the conversation list) on both databases:
the same repositories over the SQLite runner and, through ``postgres_compat``, over PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from os1.server.accounts import SqliteAccounts
from os1.server.queries import SqliteServerQueries
from os1.store import SqliteStore
from tests.pgserver import raw_rows

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def test_a_taken_name_creates_nothing(store: SqliteStore):
    accounts = SqliteAccounts(store.runner)
    theo = await accounts.create("theo", "hash-1", T0)
    assert theo is not None and theo.username == "theo"
    assert await accounts.create("theo", "hash-2", T0) is None
    await store.users.ensure("local")  # a local user's handle is never taken over by a sign-up
    assert await accounts.create("local", "hash-3", T0) is None
    assert raw_rows(store, "SELECT handle FROM users ORDER BY id") == [("theo",), ("local",)]
    assert raw_rows(store, "SELECT username, password_hash FROM accounts") == [("theo", "hash-1")]
    again = await accounts.create("ada", "hash-4", T0)  # ids keep coming after the refused ones
    assert again is not None and again.user_id not in (theo.user_id,)
    assert await accounts.by_username("ada") == again


async def test_sessions_expire_and_are_scoped(store: SqliteStore):
    accounts = SqliteAccounts(store.runner)
    theo = await accounts.create("theo", "h", T0)
    assert theo is not None
    await accounts.add_session(theo.user_id, "tok-1", "csrf-1", T0, T0 + timedelta(hours=1))
    live = await accounts.session("tok-1", T0 + timedelta(minutes=5))
    assert live is not None and (live.user_id, live.username, live.csrf) == (theo.user_id, "theo", "csrf-1")
    assert live.expires_at == T0 + timedelta(hours=1)
    await accounts.drop_session(theo.user_id + 1, "tok-1")  # another user's drop touches nothing
    assert await accounts.session("tok-1", T0) is not None
    assert await accounts.session("tok-1", T0 + timedelta(hours=2)) is None  # expired: gone
    assert raw_rows(store, "SELECT COUNT(*) FROM sessions")[0][0] == 0


async def test_api_keys_and_login_attempts(store: SqliteStore):
    accounts = SqliteAccounts(store.runner)
    theo = await accounts.create("theo", "h", T0)
    assert theo is not None
    first = await accounts.add_key(theo.user_id, "kh-1", "os1_ab", "laptop", T0)
    second = await accounts.add_key(theo.user_id, "kh-2", "os1_cd", "phone", T0)
    assert second.id > first.id > 0
    assert await accounts.key_owner("kh-1") == (theo.user_id, "theo")
    assert not await accounts.revoke_key(theo.user_id + 1, first.id, T0)  # not theirs
    assert await accounts.revoke_key(theo.user_id, first.id, T0)
    assert await accounts.key_owner("kh-1") is None
    keys = await accounts.keys(theo.user_id)
    assert [(k.name, k.revoked_at) for k in keys] == [("laptop", T0), ("phone", None)]

    for minutes in (0, 1, 2):
        await accounts.record(("login-user:theo", "login-ip:1.2.3.4"), T0 + timedelta(minutes=minutes),
                              T0 - timedelta(hours=1))
    assert await accounts.attempts("login-user:theo", T0 + timedelta(minutes=1)) == [
        T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    await accounts.clear("login-user:theo")
    assert await accounts.attempts("login-user:theo", T0) == []
    assert len(await accounts.attempts("login-ip:1.2.3.4", T0)) == 3
    await accounts.record(("signup-ip:1.2.3.4",), T0 + timedelta(hours=3), T0 + timedelta(hours=2))
    assert await accounts.attempts("login-ip:1.2.3.4", T0) == []  # older than keep_since: deleted


async def test_conversation_list_and_voice(store: SqliteStore):
    queries = SqliteServerQueries(store.runner)
    user, other = await store.users.ensure("theo"), await store.users.ensure("ada")
    assert not await queries.set_voice(user.id, "male")  # no companion yet
    companion = await store.users.create_companion(user.id, "Sam", "female", {}, {}, T0)
    empty = await store.turns.start_conversation(user.id, companion.id, T0)
    talked = await store.turns.start_conversation(user.id, companion.id, T0)
    for text in ("hello", "hi"):
        await store.turns.add(user.id, talked.id, "user", text, T0)
    listed = await queries.conversations(user.id, 10, 0)
    assert [(c.id, c.companion, c.turns) for c in listed] == [(talked.id, "Sam", 2)]
    assert (await queries.conversation(user.id, empty.id)) is not None
    assert await queries.conversation(other.id, talked.id) is None
    assert await queries.conversations(other.id, 10, 0) == []
    assert await queries.set_voice(user.id, "male")
    assert raw_rows(store, "SELECT voice FROM companions WHERE user_id = ?", (user.id,)) == [("male",)]
