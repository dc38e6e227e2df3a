"""Repository for the service's accounts, sessions, API keys and login attempts (migration 9).

Self-contained over the store's connection runner (``SqliteAccounts(store.runner)``), like letters: the same SQL
on SQLite and, through ``postgres_compat``, on PostgreSQL. Every query that reads or writes a user's rows is scoped
by ``user_id``; the lookups by a secret's hash (a session token, an API key) are how a request finds out who its
user is. Login attempts are read before anyone is signed in, so they are keyed by scope ('login-user:<name>',
'login-ip:<address>', 'signup-ip:<address>')."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from os1.errors import StoreError
from os1.store.postgres_compat import sql_runner
from os1.store.runner import Runner, _dt, _ts


@dataclass(frozen=True, slots=True)
class Account:
    user_id: int
    username: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class SessionRow:
    user_id: int
    username: str
    csrf: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    user_id: int
    prefix: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


def _key(row: sqlite3.Row) -> ApiKey:
    return ApiKey(row["id"], row["user_id"], row["prefix"], row["name"], datetime.fromisoformat(row["created_at"]),
                  _dt(row["revoked_at"]))


class _Taken(Exception):
    """The name is taken: the sign-up's transaction is rolled back."""


class SqliteAccounts:
    def __init__(self, r: Runner) -> None:
        runner = sql_runner(r)  # a PostgreSQL store's runner runs the same SQL through postgres_compat
        if runner is None:
            raise StoreError("store.unsupported", "accounts need a SQLite or PostgreSQL store")
        self.r: Runner = runner

    async def create(self, username: str, password_hash: str, now: datetime) -> Account | None:
        """A new user and their account, in one transaction; None when the name is taken (by an account, or by
        a local user of the same handle, whose data a sign-up must never take over)."""

        def _create(db: sqlite3.Connection) -> int:
            cur = db.execute("INSERT INTO users (handle, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             (username, _ts(now)))
            if cur.rowcount != 1:
                raise _Taken
            user_id = int(cur.lastrowid or 0)
            cur = db.execute("INSERT INTO accounts (user_id, username, password_hash, created_at) VALUES (?,?,?,?) "
                             "ON CONFLICT DO NOTHING", (user_id, username, password_hash, _ts(now)))
            if cur.rowcount != 1:
                raise _Taken  # rolls back the user row too
            return user_id

        try:
            user_id = await self.r.transaction(_create)
        except _Taken:
            return None
        return Account(user_id, username, password_hash)

    async def by_username(self, username: str) -> Account | None:
        row = await self.r.one("SELECT user_id, username, password_hash FROM accounts WHERE username = ?", (username,))
        return Account(row[0], row[1], row[2]) if row else None

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Store a rehashed password (argon2 parameters raised since it was set)."""
        await self.r.run("UPDATE accounts SET password_hash = ? WHERE user_id = ?", (password_hash, user_id))

    async def add_session(self, user_id: int, token_hash: str, csrf: str, now: datetime, expires: datetime) -> None:
        await self.r.run(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?,?,?,?,?)",
            (token_hash, user_id, csrf, _ts(now), _ts(expires)))

    async def session(self, token_hash: str, now: datetime) -> SessionRow | None:
        """The live session with this token hash (an expired one is deleted and not returned)."""
        row = await self.r.one(
            "SELECT s.user_id, a.username, s.csrf, s.expires_at FROM sessions s JOIN accounts a "
            "ON a.user_id = s.user_id WHERE s.token_hash = ?", (token_hash,))
        if row is None:
            return None
        expires = datetime.fromisoformat(row["expires_at"])
        if expires <= now:
            await self.r.run("DELETE FROM sessions WHERE token_hash = ? AND user_id = ?", (token_hash, row["user_id"]))
            return None
        return SessionRow(row["user_id"], row["username"], row["csrf"], expires)

    async def drop_session(self, user_id: int, token_hash: str) -> None:
        await self.r.run("DELETE FROM sessions WHERE token_hash = ? AND user_id = ?", (token_hash, user_id))

    async def add_key(self, user_id: int, key_hash: str, prefix: str, name: str, now: datetime) -> ApiKey:
        cur = await self.r.run("INSERT INTO api_keys (user_id, key_hash, prefix, name, created_at) VALUES (?,?,?,?,?)",
                               (user_id, key_hash, prefix, name, _ts(now)))
        return ApiKey(int(cur.lastrowid or 0), user_id, prefix, name, now)

    async def keys(self, user_id: int) -> list[ApiKey]:
        rows = await self.r.all("SELECT * FROM api_keys WHERE user_id = ? ORDER BY id", (user_id,))
        return [_key(r) for r in rows]

    async def key_owner(self, key_hash: str) -> tuple[int, str] | None:
        """The (user id, username) of the live API key with this hash."""
        row = await self.r.one(
            "SELECT k.user_id, a.username FROM api_keys k JOIN accounts a ON a.user_id = k.user_id "
            "WHERE k.key_hash = ? AND k.revoked_at IS NULL", (key_hash,))
        return (int(row[0]), str(row[1])) if row else None

    async def revoke_key(self, user_id: int, key_id: int, now: datetime) -> bool:
        cur = await self.r.run(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
            (_ts(now), key_id, user_id))
        return cur.rowcount == 1

    async def attempts(self, scope: str, since: datetime) -> list[datetime]:
        """When the attempts counted against this scope since ``since`` happened, oldest first."""
        rows = await self.r.all("SELECT at FROM login_attempts WHERE scope = ? AND at >= ? ORDER BY at",
                                (scope, _ts(since)))
        return [datetime.fromisoformat(r[0]) for r in rows]

    async def record(self, scopes: tuple[str, ...], now: datetime, keep_since: datetime) -> None:
        """Count an attempt (a failed login, a sign-up) against each scope; rows older than ``keep_since`` go."""

        def _record(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM login_attempts WHERE at < ?", (_ts(keep_since),))
            db.executemany("INSERT INTO login_attempts (scope, at) VALUES (?,?)", [(s, _ts(now)) for s in scopes])

        await self.r.transaction(_record)

    async def clear(self, scope: str) -> None:
        """A successful login clears its username's failures (never its address's: one good account must not
        reset the count of an address guessing at others)."""
        await self.r.run("DELETE FROM login_attempts WHERE scope = ?", (scope,))
