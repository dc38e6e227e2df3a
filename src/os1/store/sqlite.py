"""SQLite implementation of the store: users, turns, care events and jobs (memory lives in sqlite_memory)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from os1.errors import StoreError
from os1.store.base import Job
from os1.store.runner import Runner, _dt, _ts, fts_query, owned
from os1.store.sqlite_inner import SqliteBond, SqliteFeelings, SqliteHumour, SqliteInitiatives
from os1.store.sqlite_memory import SqliteMemories, SqliteVectors, forget_turns, index_turns, near_turns
from os1.types import Companion, Conversation, Role, Turn, User

MAX_CLAIMS = 10
COLUMN_WEIGHTS = (1.0, 0.7, 0.5, 0.2, 0.2)  # measured on LoCoMo: see bench/locomo_recall.py


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
        speaker=row["speaker"],
        forgotten=bool(row["forgotten"]),
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

    async def set_traits(self, user_id: int, companion_id: int, traits: dict[str, float]) -> None:
        """The companion's traits as they are now (each change is recorded, with its cause, in the relationship)."""
        await self.r.run(
            "UPDATE companions SET traits = ? WHERE id = ? AND user_id = ?", (json.dumps(traits), companion_id, user_id)
        )

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
        speaker: str | None = None,
    ) -> Turn:
        """Append a turn durably (committed before this returns)."""

        def _add(db: sqlite3.Connection) -> sqlite3.Row:
            owner = db.execute(
                "SELECT 1 FROM conversations WHERE id = ? AND user_id = ?", (conversation_id, user_id)
            ).fetchone()
            if owner is None:
                raise StoreError("store.not_found", f"conversation {conversation_id} not found")
            cur = db.execute(
                "INSERT INTO turns (user_id, conversation_id, role, content, created_at, completed, meta, speaker) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (user_id, conversation_id, role, content, _ts(now), int(completed), json.dumps(meta or {}), speaker),
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

    async def search(
        self, user_id: int, query: str, limit: int, weights: tuple[float, ...] = COLUMN_WEIGHTS
    ) -> list[tuple[Turn, float]]:
        """Stemmed BM25 over this user's indexed turns, each with its neighbours in weighted columns (the turn,
        the one before, after, two before, two after); any word may match. Higher is better."""
        found = await self.match(user_id, query, limit, weights)
        turns = await self.many(user_id, [i for i, _ in found])
        return [(turns[i], score) for i, score in found if i in turns and not turns[i].forgotten]

    async def match(
        self, user_id: int, query: str, limit: int, weights: tuple[float, ...] = COLUMN_WEIGHTS
    ) -> list[tuple[int, float]]:
        """``search`` without reading the turns: ids and scores (forgotten turns have no index row)."""
        match = fts_query(query)
        if not match:
            return []
        w = ", ".join(str(float(x)) for x in (*weights, 0.0))
        rows = await self.r.all(
            f"SELECT rowid, bm25(turns_fts, {w}) AS rank FROM turns_fts WHERE turns_fts MATCH ? ORDER BY rank LIMIT ?",
            (owned(match, user_id), limit),
        )
        return [(int(r[0]), -float(r[1])) for r in rows]

    async def many(self, user_id: int, ids: Sequence[int]) -> dict[int, Turn]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.r.all(f"SELECT * FROM turns WHERE user_id = ? AND id IN ({marks})", (user_id, *ids))
        return {r["id"]: _turn(r) for r in rows}

    async def speakers(self, user_id: int) -> list[str]:
        """The named speakers in this user's transcripts (imported chats name theirs)."""
        sql = "SELECT DISTINCT speaker FROM turns WHERE user_id = ? AND speaker IS NOT NULL"
        rows = await self.r.all(sql, (user_id,))
        return [r[0] for r in rows]

    async def around(self, user_id: int, turn_id: int, before: int, after: int) -> list[Turn]:
        """The turn with its neighbours in the same conversation, in order (forgotten ones left out)."""
        rows = await self.r.all(
            "SELECT * FROM (SELECT t.* FROM turns t JOIN turns x ON x.id = ? AND x.user_id = ? "
            "AND t.conversation_id = x.conversation_id WHERE t.id < x.id AND t.forgotten = 0 "
            "ORDER BY t.id DESC LIMIT ?) UNION ALL SELECT * FROM (SELECT t.* FROM turns t JOIN turns x "
            "ON x.id = ? AND x.user_id = ? AND t.conversation_id = x.conversation_id WHERE t.id >= x.id "
            "AND t.forgotten = 0 ORDER BY t.id LIMIT ?) ORDER BY id",
            (turn_id, user_id, before, turn_id, user_id, after + 1),
        )
        return [_turn(r) for r in rows]

    async def forget(self, user_id: int, turn_ids: Sequence[int]) -> int:
        """Take turns out of recall (index entries and vectors go; the transcript keeps them, flagged)."""
        return await self.r.transaction(lambda db: forget_turns(db, user_id, turn_ids))

    async def unindexed(self, user_id: int, limit: int) -> list[int]:
        rows = await self.r.all(
            "SELECT id FROM turns WHERE user_id = ? AND indexed = 0 AND completed = 1 AND role != 'system' "
            "ORDER BY id LIMIT ?",
            (user_id, limit),
        )
        return [r[0] for r in rows]

    async def reindex(self, user_id: int, turn_ids: Sequence[int]) -> int:
        """Write the turns' full-text rows, and rewrite the two before each (their next-turn columns change)."""

        def _index(db: sqlite3.Connection) -> int:
            affected: set[int] = set(turn_ids)
            for turn_id in turn_ids:
                affected.update(near_turns(db, turn_id))
            return index_turns(db, user_id, sorted(affected))

        return await self.r.transaction(_index)

    async def recover_incomplete(self, user_id: int) -> int:
        """Replies cut off by a crash or kill stay, marked interrupted."""
        cur = await self.r.run(
            "UPDATE turns SET completed = 1, interrupted = 1 WHERE user_id = ? AND completed = 0", (user_id,)
        )
        return cur.rowcount


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
            # A failure counts as an attempt (in finish); a claim that never finished (the process stopped)
            # only counts as a claim, and a job claimed MAX_CLAIMS times without finishing is given up on.
            db.execute(
                "UPDATE jobs SET status = 'failed', error = COALESCE(error, 'abandoned: claimed but never finished') "
                "WHERE status = 'pending' AND claims >= ?",
                (MAX_CLAIMS,),
            )
            rows = db.execute(
                "SELECT * FROM jobs WHERE status = 'pending' AND attempts < ? ORDER BY id LIMIT ?",
                (max_attempts, limit),
            ).fetchall()
            db.executemany("UPDATE jobs SET claims = claims + 1 WHERE id = ?", [(r["id"],) for r in rows])
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
            "UPDATE jobs SET attempts = attempts + (? = 'pending'), status = CASE WHEN ? = 'done' THEN 'done' "
            "WHEN attempts + 1 >= 3 THEN 'failed' ELSE 'pending' END, error = ?, updated_at = ? WHERE id = ?",
            (status, status, error, _ts(now), job_id),
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
        self.memories = SqliteMemories(self.runner)
        self.vectors = SqliteVectors(self.runner)
        self.feelings = SqliteFeelings(self.runner)
        self.initiatives = SqliteInitiatives(self.runner)
        self.bond = SqliteBond(self.runner)
        self.humour = SqliteHumour(self.runner)
        self.care = SqliteCare(self.runner)
        self.jobs = SqliteJobs(self.runner)

    async def open(self) -> int:
        """Open the file, apply pending migrations, return the schema version."""
        return await self.runner.open()

    async def close(self) -> None:
        await self.runner.close()
