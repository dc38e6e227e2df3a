"""The SQLite connection runner: one connection, owned by one thread; every call awaits it with a timeout."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from os1.errors import StoreError
from os1.store import db as dbmod

T = TypeVar("T")
WORD = re.compile(r"[\w']+", re.UNICODE)


def _ts(value: datetime) -> str:
    return value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Runner:
    """Runs functions against the connection on its own thread, with a timeout on every await."""

    def __init__(self, path: Path, timeout_s: float = 30.0) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="os1-store")
        self._db: sqlite3.Connection | None = None

    async def open(self) -> int:
        def _open() -> int:
            self._db = dbmod.connect(self.path)
            return dbmod.migrate(self._db)

        return await self.call(_open, need_db=False)

    async def call(self, fn: Callable[..., T], *args: Any, need_db: bool = True) -> T:
        if need_db and self._db is None:
            raise StoreError("store.closed", "the store is not open")
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, fn, *args)
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that lands as the call
            # finishes, and a reply cancelled by the user (Ctrl-C, "stop") must stop.
            async with asyncio.timeout(self.timeout_s):
                return await asyncio.shield(future)
        except TimeoutError as exc:
            raise StoreError("store.timeout", f"a store call took over {self.timeout_s}s") from exc
        except sqlite3.Error as exc:
            raise StoreError("store.sql", f"store error: {exc}") from exc
        except (ValueError, UnicodeError, OverflowError) as exc:  # a value SQLite cannot take
            raise StoreError("store.bad_value", f"the store refused a value: {exc}") from exc

    async def run(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return await self.call(lambda: self.db.execute(sql, params))

    async def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return await self.call(lambda: self.db.execute(sql, params).fetchall())

    async def one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        return await self.call(lambda: self.db.execute(sql, params).fetchone())

    async def transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def _tx() -> T:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self.db)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            return result

        return await self.call(_tx)

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None
        return self._db

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await asyncio.get_running_loop().run_in_executor(self._pool, db.close)
        self._pool.shutdown(wait=False)


def fts_query(text: str) -> str:
    """Any of the words, each quoted so user text can never be FTS syntax."""
    words = sorted({w.strip("'").lower() for w in WORD.findall(text)} - {""})
    return " OR ".join(f'"{w}"' for w in words if len(w) > 1)


def owned(match: str, user_id: int) -> str:
    """Restrict a full-text query to one user's rows (their owner token), inside the FTS index."""
    return f'owner:"u{int(user_id)}" AND ({match})'
