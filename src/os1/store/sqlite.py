"""SQLite implementation of the store. One connection, owned by one thread; every call awaits it with a timeout."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from os1.errors import StoreError
from os1.store import db as dbmod
from os1.store.base import Job
from os1.types import Companion, Conversation, Fact, Role, Turn, User

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
            return await asyncio.wait_for(asyncio.shield(future), self.timeout_s)
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


def _companion(row: sqlite3.Row) -> Companion:
    return Companion(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        voice=row["voice"],
        traits=json.loads(row["traits"]),
        profile=json.loads(row["profile"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        user_id=row["user_id"],
        companion_id=row["companion_id"],
        started_at=datetime.fromisoformat(row["started_at"]),
        last_active_at=datetime.fromisoformat(row["last_active_at"]),
        last_disclosure_at=_dt(row["last_disclosure_at"]),
    )


def _turn(row: sqlite3.Row) -> Turn:
    return Turn(
        id=row["id"],
        user_id=row["user_id"],
        conversation_id=row["conversation_id"],
        role=row["role"],
        content=row["content"],
        created_at=datetime.fromisoformat(row["created_at"]),
        completed=bool(row["completed"]),
        interrupted=bool(row["interrupted"]),
        meta=json.loads(row["meta"]),
    )


def _fact(row: sqlite3.Row) -> Fact:
    return Fact(
        id=row["id"],
        user_id=row["user_id"],
        key=row["key"],
        value=row["value"],
        statement=row["statement"],
        source_turn_id=row["source_turn_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
    )


class SqliteUsers:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def ensure(self, handle: str) -> User:
        def _ensure(db: sqlite3.Connection) -> sqlite3.Row:
            db.execute(
                "INSERT OR IGNORE INTO users (handle, created_at) VALUES (?, datetime('now'))", (handle,)
            )
            return db.execute("SELECT * FROM users WHERE handle = ?", (handle,)).fetchone()

        row = await self.r.transaction(_ensure)
        return User(id=row["id"], handle=row["handle"], display_name=row["display_name"])

    async def set_display_name(self, user_id: int, name: str) -> None:
        await self.r.run("UPDATE users SET display_name = ? WHERE id = ?", (name, user_id))

    async def active_companion(self, user_id: int) -> Companion | None:
        row = await self.r.one(
            "SELECT * FROM companions WHERE user_id = ? AND retired_at IS NULL ORDER BY id DESC LIMIT 1",
            (user_id,),
        )
        return _companion(row) if row else None

    async def create_companion(
        self, user_id: int, name: str, voice: str, traits: dict[str, float], profile: dict[str, Any], now: datetime
    ) -> Companion:
        """Create the user's companion; a previous one is retired (kept, with its history), never deleted."""

        def _create(db: sqlite3.Connection) -> sqlite3.Row:
            db.execute(
                "UPDATE companions SET retired_at = ? WHERE user_id = ? AND retired_at IS NULL", (_ts(now), user_id)
            )
            cur = db.execute(
                "INSERT INTO companions (user_id, name, voice, traits, profile, created_at) VALUES (?,?,?,?,?,?)",
                (user_id, name, voice, json.dumps(traits), json.dumps(profile), _ts(now)),
            )
            return db.execute("SELECT * FROM companions WHERE id = ?", (cur.lastrowid,)).fetchone()

        return _companion(await self.r.transaction(_create))


class SqliteTurns:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def start_conversation(self, user_id: int, companion_id: int, now: datetime) -> Conversation:
        cur = await self.r.run(
            "INSERT INTO conversations (user_id, companion_id, started_at, last_active_at) "
            "SELECT ?, id, ?, ? FROM companions WHERE id = ? AND user_id = ?",
            (user_id, _ts(now), _ts(now), companion_id, user_id),
        )
        if cur.rowcount != 1:
            raise StoreError("store.not_found", f"companion {companion_id} not found")
        conversation = await self.conversation(user_id, int(cur.lastrowid or 0))
        assert conversation is not None
        return conversation

    async def conversation(self, user_id: int, conversation_id: int) -> Conversation | None:
        row = await self.r.one(
            "SELECT * FROM conversations WHERE id = ? AND user_id = ?", (conversation_id, user_id)
        )
        return _conversation(row) if row else None

    async def previous_conversation(self, user_id: int, before_id: int) -> Conversation | None:
        """The latest earlier conversation that has at least one user turn."""
        row = await self.r.one(
            "SELECT c.* FROM conversations c WHERE c.user_id = ? AND c.id < ? AND EXISTS "
            "(SELECT 1 FROM turns t WHERE t.conversation_id = c.id AND t.role = 'user') ORDER BY c.id DESC LIMIT 1",
            (user_id, before_id),
        )
        return _conversation(row) if row else None

    async def touch(self, user_id: int, conversation_id: int, now: datetime, disclosed: bool = False) -> None:
        sql = "UPDATE conversations SET last_active_at = ?" + (", last_disclosure_at = ?" if disclosed else "")
        params: tuple[Any, ...] = (_ts(now), _ts(now)) if disclosed else (_ts(now),)
        await self.r.run(sql + " WHERE id = ? AND user_id = ?", (*params, conversation_id, user_id))

    async def add(
        self,
        user_id: int,
        conversation_id: int,
        role: Role,
        content: str,
        now: datetime,
        completed: bool = True,
        meta: dict[str, Any] | None = None,
    ) -> Turn:
        """Append a turn durably (committed before this returns)."""

        def _add(db: sqlite3.Connection) -> sqlite3.Row:
            owner = db.execute(
                "SELECT 1 FROM conversations WHERE id = ? AND user_id = ?", (conversation_id, user_id)
            ).fetchone()
            if owner is None:
                raise StoreError("store.not_found", f"conversation {conversation_id} not found")
            cur = db.execute(
                "INSERT INTO turns (user_id, conversation_id, role, content, created_at, completed, meta) "
                "VALUES (?,?,?,?,?,?,?)",
                (user_id, conversation_id, role, content, _ts(now), int(completed), json.dumps(meta or {})),
            )
            db.execute(
                "UPDATE conversations SET last_active_at = ? WHERE id = ?", (_ts(now), conversation_id)
            )
            return db.execute("SELECT * FROM turns WHERE id = ?", (cur.lastrowid,)).fetchone()

        return _turn(await self.r.transaction(_add))

    async def update(
        self, user_id: int, turn_id: int, content: str, completed: bool, interrupted: bool = False
    ) -> None:
        await self.r.run(
            "UPDATE turns SET content = ?, completed = ?, interrupted = ? WHERE id = ? AND user_id = ?",
            (content, int(completed), int(interrupted), turn_id, user_id),
        )

    async def set_meta(self, user_id: int, turn_id: int, meta: dict[str, Any]) -> None:
        await self.r.run("UPDATE turns SET meta = ? WHERE id = ? AND user_id = ?", (json.dumps(meta), turn_id, user_id))

    async def recent(self, user_id: int, conversation_id: int, limit: int) -> list[Turn]:
        rows = await self.r.all(
            "SELECT * FROM (SELECT * FROM turns WHERE user_id = ? AND conversation_id = ? ORDER BY id DESC LIMIT ?) "
            "ORDER BY id",
            (user_id, conversation_id, limit),
        )
        return [_turn(r) for r in rows]

    async def count(self, user_id: int, conversation_id: int) -> int:
        row = await self.r.one(
            "SELECT COUNT(*) FROM turns WHERE user_id = ? AND conversation_id = ?", (user_id, conversation_id)
        )
        return int(row[0]) if row else 0

    async def search(self, user_id: int, query: str, limit: int) -> list[tuple[Turn, float]]:
        """Full-text (BM25) search over this user's turns; any word may match."""
        words = {w.strip("'").lower() for w in WORD.findall(query)}
        words = {w for w in words if len(w) > 1}
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in sorted(words))
        rows = await self.r.all(
            "SELECT t.*, bm25(turns_fts) AS rank FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid "
            "WHERE turns_fts MATCH ? AND t.user_id = ? ORDER BY rank LIMIT ?",
            (match, user_id, limit),
        )
        return [(_turn(r), -float(r["rank"])) for r in rows]

    async def recover_incomplete(self, user_id: int) -> int:
        """Replies cut off by a crash or kill stay, marked interrupted."""
        cur = await self.r.run(
            "UPDATE turns SET completed = 1, interrupted = 1 WHERE user_id = ? AND completed = 0", (user_id,)
        )
        return cur.rowcount


class SqliteFacts:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def remember(
        self, user_id: int, key: str, value: str, statement: str, source_turn_id: int | None, now: datetime
    ) -> Fact:
        """Store a fact; an older fact with the same key is superseded (kept), not deleted."""

        def _remember(db: sqlite3.Connection) -> sqlite3.Row:
            same = db.execute(
                "SELECT id FROM facts WHERE user_id = ? AND key = ? AND value = ? AND superseded_at IS NULL",
                (user_id, key, value),
            ).fetchone()
            if same:
                return db.execute("SELECT * FROM facts WHERE id = ?", (same["id"],)).fetchone()
            db.execute(
                "UPDATE facts SET superseded_at = ? WHERE user_id = ? AND key = ? AND superseded_at IS NULL",
                (_ts(now), user_id, key),
            )
            cur = db.execute(
                "INSERT INTO facts (user_id, key, value, statement, source_turn_id, created_at) VALUES (?,?,?,?,?,?)",
                (user_id, key, value, statement, source_turn_id, _ts(now)),
            )
            return db.execute("SELECT * FROM facts WHERE id = ?", (cur.lastrowid,)).fetchone()

        return _fact(await self.r.transaction(_remember))

    async def current(self, user_id: int) -> list[Fact]:
        rows = await self.r.all(
            "SELECT * FROM facts WHERE user_id = ? AND superseded_at IS NULL ORDER BY id", (user_id,)
        )
        return [_fact(r) for r in rows]


class SqliteCare:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def record(
        self,
        user_id: int,
        conversation_id: int | None,
        turn_id: int | None,
        kind: str,
        level: str,
        rule: str,
        now: datetime,
    ) -> None:
        """Count a care event: kind, level, rule and time only — never the user's words."""
        await self.r.run(
            "INSERT INTO care_events (user_id, conversation_id, turn_id, kind, level, rule, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (user_id, conversation_id, turn_id, kind, level, rule, _ts(now)),
        )

    async def counts(self, since: datetime | None = None) -> dict[str, int]:
        rows = await self.r.all(
            "SELECT kind, COUNT(*) AS n FROM care_events WHERE created_at >= ? GROUP BY kind",
            (_ts(since) if since else "",),
        )
        return {r["kind"]: int(r["n"]) for r in rows}


class SqliteJobs:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def enqueue(self, user_id: int, kind: str, payload: dict[str, Any], now: datetime) -> int:
        cur = await self.r.run(
            "INSERT INTO jobs (user_id, kind, payload, created_at, updated_at) VALUES (?,?,?,?,?)",
            (user_id, kind, json.dumps(payload), _ts(now), _ts(now)),
        )
        return int(cur.lastrowid or 0)

    async def claim(self, limit: int, max_attempts: int = 3) -> list[Job]:
        def _claim(db: sqlite3.Connection) -> list[sqlite3.Row]:
            rows = db.execute(
                "SELECT * FROM jobs WHERE status = 'pending' AND attempts < ? ORDER BY id LIMIT ?",
                (max_attempts, limit),
            ).fetchall()
            db.executemany("UPDATE jobs SET attempts = attempts + 1 WHERE id = ?", [(r["id"],) for r in rows])
            return rows

        rows = await self.r.transaction(_claim)
        return [
            Job(id=r["id"], user_id=r["user_id"], kind=r["kind"], payload=json.loads(r["payload"]),
                attempts=r["attempts"] + 1)
            for r in rows
        ]

    async def finish(self, job_id: int, now: datetime, error: str | None = None) -> None:
        status = "done" if error is None else "pending"
        await self.r.run(
            "UPDATE jobs SET status = CASE WHEN ? = 'done' THEN 'done' "
            "WHEN attempts >= 3 THEN 'failed' ELSE 'pending' END, error = ?, updated_at = ? WHERE id = ?",
            (status, error, _ts(now), job_id),
        )

    async def pending(self) -> int:
        row = await self.r.one("SELECT COUNT(*) FROM jobs WHERE status = 'pending'")
        return int(row[0]) if row else 0


class SqliteStore:
    """The default store: one SQLite file in WAL mode under OS1_HOME."""

    def __init__(self, path: Path, timeout_s: float = 30.0) -> None:
        self.runner = Runner(path, timeout_s)
        self.users = SqliteUsers(self.runner)
        self.turns = SqliteTurns(self.runner)
        self.facts = SqliteFacts(self.runner)
        self.care = SqliteCare(self.runner)
        self.jobs = SqliteJobs(self.runner)

    async def open(self) -> int:
        """Open the file, apply pending migrations, return the schema version."""
        return await self.runner.open()

    async def close(self) -> None:
        await self.runner.close()
