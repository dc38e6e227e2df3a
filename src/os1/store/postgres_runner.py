"""The PostgreSQL connection runner: a pool of connections served by as many threads; every await has a timeout.

The repositories are written like the SQLite ones (a function run against a connection, or a transaction), with
psycopg 3 underneath, with psycopg's ``%s`` placeholders. Rows read by name or by position, like
``sqlite3.Row``; JSONB reads back as text. SQL written for SQLite's runner runs over ``postgres_compat``
(``qmarks`` translates its placeholders); ``dialect`` tells a capability which database it has."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from psycopg.rows import RowMaker
from psycopg.types.string import TextLoader
from psycopg_pool import ConnectionPool, PoolTimeout

from os1.errors import StoreError
from os1.store.postgres_schema import MIGRATIONS, Migration

T = TypeVar("T")
Conn = psycopg.Connection[Any]
MIGRATION_LOCK = (0x05100, 1)  # pg_advisory_lock(int, int): one migrating server at a time
USER_LOCK = 0x05101  # pg_advisory_xact_lock(USER_LOCK, user_id): one writer of a user's derived data at a time
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|%")


class PgRow(tuple[Any, ...]):
    """A row readable by column name or position (what ``sqlite3.Row`` offers)."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def pg_row(cursor: psycopg.Cursor[Any]) -> RowMaker[PgRow]:
    names = {c.name: i for i, c in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> PgRow:
        row = PgRow(values)
        row._names = names
        return row

    return make


def got(row: PgRow | None) -> PgRow:
    """The row a statement that always returns one returned."""
    if row is None:
        raise StoreError("store.sql", "the database returned no row where one was expected")
    return row


def qmarks(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s``; a literal ``%`` doubled (in quoted text too, where a ``?``
    stays as it is)."""

    def one(m: re.Match[str]) -> str:
        text = m.group()
        return "%s" if text == "?" else text.replace("%", "%%")

    return _PLACEHOLDER.sub(one, sql)


def lock_user(db: Conn, user_id: int) -> None:
    """Serialise the transactions that read then write one user's derived data (as SQLite's BEGIN IMMEDIATE
    does for the whole file): two servers learning the same turn at once store it once."""
    db.execute("SELECT pg_advisory_xact_lock(%s, %s)", (USER_LOCK, int(user_id) & 0x7FFFFFFF))  # an int4 key


def migrate(db: Conn, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Apply the migrations not applied yet, in order, each in one transaction with its version row, holding an
    advisory lock so servers starting together migrate once. Returns the highest version applied."""
    db.execute("SELECT pg_advisory_lock(%s, %s)", MIGRATION_LOCK)
    try:
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
        )
        applied = {int(r[0]) for r in db.execute("SELECT version FROM schema_migrations").fetchall()}
        unknown = applied - {version for version, _, _ in migrations}
        if unknown:
            raise StoreError(
                "store.too_new",
                f"the database has schema version(s) {sorted(unknown)} this OS1 does not know",
                hint="upgrade OS1",
            )
        for version, name, script in sorted(migrations):
            if version in applied:
                continue
            try:
                with db.transaction():
                    db.execute(script.encode())  # bytes: a script, run as is (no placeholders)
                    db.execute(
                        "INSERT INTO schema_migrations VALUES (%s, %s, to_char(now() AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD HH24:MI:SS'))",
                        (version, name),
                    )
            except psycopg.Error as exc:
                raise StoreError("store.migration_failed", f"migration {version} ({name}) failed: {exc}") from exc
            applied.add(version)
        return max(applied, default=0)
    finally:
        db.execute("SELECT pg_advisory_unlock(%s, %s)", MIGRATION_LOCK)


def _configure(conn: Conn) -> None:
    from pgvector.psycopg import register_vector  # type: ignore[import-untyped]

    conn.adapters.register_loader("jsonb", TextLoader)
    register_vector(conn)


def _redact(url: str) -> str:
    return re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:***@", url)


class PgRunner:
    """Runs functions against pooled connections on worker threads, with a timeout on every await."""

    dialect = "postgres"

    def __init__(self, url: str, timeout_s: float = 30.0, pool_size: int = 10) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.pool_size = pool_size
        self._threads = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="os1-pg")
        self._pool: ConnectionPool[Conn] | None = None

    def _connect_kwargs(self) -> dict[str, Any]:
        ms = int(self.timeout_s * 1000)
        return {"autocommit": True, "row_factory": pg_row, "connect_timeout": max(1, int(self.timeout_s)),
                "options": f"-c statement_timeout={ms} -c lock_timeout={ms}"}  # fmt: skip

    async def open(self) -> int:
        """Migrate (on one connection, under the migration lock), then open the pool. Returns the version."""

        def _open() -> int:
            try:
                with psycopg.connect(self.url, **self._connect_kwargs()) as db:
                    version = migrate(db)
                pool: ConnectionPool[Conn] = ConnectionPool(
                    self.url, min_size=1, max_size=self.pool_size, kwargs=self._connect_kwargs(),
                    configure=_configure, open=False, timeout=self.timeout_s, name="os1",
                )  # fmt: skip
                pool.open(wait=True, timeout=self.timeout_s)
            except (psycopg.OperationalError, PoolTimeout) as exc:
                raise StoreError(
                    "store.open_failed", f"cannot open {_redact(self.url)}: {exc}", hint="check database_url"
                ) from exc
            self._pool = pool
            return version

        return await self._await(_open)

    async def _await(self, fn: Callable[[], T]) -> T:
        future = asyncio.get_running_loop().run_in_executor(self._threads, fn)
        try:
            async with asyncio.timeout(self.timeout_s):  # not wait_for: it can swallow a cancellation (runner.py)
                return await asyncio.shield(future)
        except (TimeoutError, PoolTimeout, psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable) as exc:
            raise StoreError("store.timeout", f"a store call took over {self.timeout_s}s") from exc
        except (psycopg.DataError, ValueError, UnicodeError, OverflowError) as exc:
            raise StoreError("store.bad_value", f"the store refused a value: {exc}") from exc
        except psycopg.OperationalError as exc:
            raise StoreError("store.unavailable", f"the database is unreachable: {exc}", hint="check database_url") \
                from exc
        except psycopg.Error as exc:
            raise StoreError("store.sql", f"store error: {exc}") from exc

    async def call(self, fn: Callable[[Conn], T]) -> T:
        """``fn(connection)`` outside a transaction (each statement commits on its own)."""
        pool = self._require()

        def _run() -> T:
            with pool.connection(timeout=self.timeout_s) as db:
                return fn(db)

        return await self._await(_run)

    async def transaction(self, fn: Callable[[Conn], T]) -> T:
        """``fn(connection)`` in one transaction: committed when it returns, rolled back when it raises."""
        pool = self._require()

        def _tx() -> T:
            with pool.connection(timeout=self.timeout_s) as db, db.transaction():
                return fn(db)

        return await self._await(_tx)

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute one statement; returns the number of rows it changed."""
        return await self.call(lambda db: db.execute(sql, params).rowcount)

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[PgRow]:
        return await self.call(lambda db: db.execute(sql, params).fetchall())

    async def one(self, sql: str, params: Sequence[Any] = ()) -> PgRow | None:
        return await self.call(lambda db: db.execute(sql, params).fetchone())

    def _require(self) -> ConnectionPool[Conn]:
        if self._pool is None:
            raise StoreError("store.closed", "the store is not open")
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            async with asyncio.timeout(self.timeout_s):
                await asyncio.get_running_loop().run_in_executor(self._threads, pool.close)
        self._threads.shutdown(wait=False)
