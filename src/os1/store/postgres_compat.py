"""SQL written for the SQLite runner, run on PostgreSQL: how a capability that owns its SQL over ``store.runner``
(letters, mail, the journal, the desk, the server's accounts) runs on PostgreSQL without forking its repository.

``QmarkRunner`` offers the SQLite ``Runner``'s calls (``run``, ``all``, ``one``, ``transaction(fn(db))``, and
``call(fn)`` with ``runner.db`` inside it) over a ``PgRunner``: ``?`` placeholders become ``%s``; an ``INSERT``
without ``RETURNING`` returns its row so the cursor has a ``lastrowid`` (the row's ``id``, when it has one); rows
read by name or position. The SQL itself must be portable (no ``INSERT OR``, ``datetime('now')``, FTS5 or
``json_*``: those need a dialect branch, on ``runner.dialect``). ``sql_runner`` picks the runner for a store.

Importing this module does not import psycopg: ``sql_runner`` is safe to call on a SQLite-only install."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from os1.errors import StoreError

if TYPE_CHECKING:
    from os1.store.postgres_runner import Conn, PgRow, PgRunner

T = TypeVar("T")
_INSERT = re.compile(r"^\s*INSERT\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


def sql_runner(runner: Any) -> Any | None:
    """The runner a capability's SQLite-style SQL runs on: the SQLite runner itself, a PostgreSQL runner wrapped
    in ``QmarkRunner`` (a ``QmarkRunner`` as it is); None for anything else."""
    from os1.store.runner import Runner

    if isinstance(runner, Runner | QmarkRunner):
        return runner
    if getattr(runner, "dialect", None) == "postgres" and hasattr(runner, "transaction"):
        return QmarkRunner(runner)
    return None


def store_runner(store: Any) -> Any | None:
    """``sql_runner`` of an open store's runner: where a capability's SQL runs on it (None: it cannot)."""
    return sql_runner(getattr(store, "runner", None))


def dialect(runner: Any) -> str:
    """"postgres" or "sqlite": which SQL a capability's dialect branch writes."""
    return "postgres" if getattr(runner, "dialect", None) == "postgres" else "sqlite"


class QmarkCursor:
    """What a ``sqlite3.Cursor`` offers the repositories: rows, ``rowcount`` and ``lastrowid``."""

    def __init__(self, rows: list[PgRow], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def fetchone(self) -> PgRow | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[PgRow]:
        rows, self._rows = self._rows, []
        return rows


def _execute(db: Conn, sql: str, params: Sequence[Any]) -> QmarkCursor:
    from os1.store.postgres_runner import qmarks

    inserting = bool(_INSERT.match(sql)) and not _RETURNING.search(sql)
    cur = db.execute(qmarks(sql) + (" RETURNING *" if inserting else ""), tuple(params))
    rows: list[PgRow] = cur.fetchall() if cur.description else []
    if inserting:
        has_id = bool(rows) and "id" in rows[-1].keys()
        return QmarkCursor([], cur.rowcount, int(rows[-1]["id"]) if has_id else None)
    return QmarkCursor(rows, cur.rowcount, None)


class QmarkConnection:
    """A connection inside a transaction, with ``sqlite3.Connection.execute``'s shape."""

    def __init__(self, db: Conn) -> None:
        self._db = db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> QmarkCursor:
        return _execute(self._db, sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for params in rows:
            _execute(self._db, sql, params)


class QmarkRunner:
    """The SQLite runner's interface over a PostgreSQL pool (``dialect`` says which database it is)."""

    dialect = "postgres"

    def __init__(self, runner: PgRunner) -> None:
        self.pg = runner
        self._local = threading.local()

    async def run(self, sql: str, params: Sequence[Any] = ()) -> QmarkCursor:
        return await self.pg.call(lambda db: _execute(db, sql, params))

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[PgRow]:
        return await self.pg.call(lambda db: _execute(db, sql, params).fetchall())

    async def one(self, sql: str, params: Sequence[Any] = ()) -> PgRow | None:
        return await self.pg.call(lambda db: _execute(db, sql, params).fetchone())

    async def transaction(self, fn: Callable[[Any], T]) -> T:
        return await self.pg.transaction(lambda db: fn(QmarkConnection(db)))

    async def call(self, fn: Callable[[], T]) -> T:
        """``fn()`` on a pooled connection's thread, where ``self.db`` is that connection (as on the SQLite
        runner, whose ``call`` runs on its thread with ``self.db``); each statement commits on its own."""

        def _run(db: Conn) -> T:
            self._local.db = QmarkConnection(db)
            try:
                return fn()
            finally:
                self._local.db = None

        return await self.pg.call(_run)

    @property
    def db(self) -> QmarkConnection:
        db: QmarkConnection | None = getattr(self._local, "db", None)
        if db is None:
            raise StoreError("store.sql", "runner.db is only usable inside runner.call(fn)")
        return db
