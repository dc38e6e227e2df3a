"""SQL written for the SQLite runner, run on PostgreSQL: how a capability that owns its SQL over ``store.runner``
(letters, and next mail, the journal, the desk) moves to PostgreSQL without forking its repository.

``QmarkRunner`` offers the SQLite ``Runner``'s calls (``run``, ``all``, ``one``, ``transaction(fn(db))``) over a
``PgRunner``: ``?`` placeholders become ``%s``; an ``INSERT`` without ``RETURNING`` returns its ``id`` so the
cursor has a ``lastrowid``; rows read by name or position. The SQL itself must be portable (no ``INSERT OR``,
``datetime('now')``, FTS5 or ``json_*``: those need a dialect branch, on ``runner.dialect``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from os1.store.postgres_runner import Conn, PgRow, PgRunner, qmarks

T = TypeVar("T")
_INSERT = re.compile(r"^\s*INSERT\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


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
    inserting = bool(_INSERT.match(sql)) and not _RETURNING.search(sql)
    cur = db.execute(qmarks(sql) + (" RETURNING id" if inserting else ""), tuple(params))
    rows: list[PgRow] = cur.fetchall() if cur.description else []
    if inserting:
        return QmarkCursor([], cur.rowcount, int(rows[-1][0]) if rows else None)
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

    async def run(self, sql: str, params: Sequence[Any] = ()) -> QmarkCursor:
        return await self.pg.call(lambda db: _execute(db, sql, params))

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[PgRow]:
        return await self.pg.call(lambda db: _execute(db, sql, params).fetchall())

    async def one(self, sql: str, params: Sequence[Any] = ()) -> PgRow | None:
        return await self.pg.call(lambda db: _execute(db, sql, params).fetchone())

    async def transaction(self, fn: Callable[[Any], T]) -> T:
        return await self.pg.transaction(lambda db: fn(QmarkConnection(db)))
