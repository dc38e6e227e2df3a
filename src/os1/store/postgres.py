"""PostgreSQL implementation of the store: users, turns, care events and jobs (memory lives in postgres_memory,
the inner life in postgres_inner). Same behaviour as the SQLite store; many app servers may share one database."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from os1.errors import StoreError
from os1.store.base import Job
from os1.store.postgres_inner import PgBond, PgFeelings, PgHumour, PgInitiatives
from os1.store.postgres_memory import (
    PgMemories,
    PgVectors,
    forget_turns,
    index_turns,
    near_turns,
    query_words,
    ranked,
)
from os1.store.postgres_runner import Conn, PgRow, PgRunner, got, lock_user
from os1.store.runner import _dt, _ts
from os1.types import Companion, Conversation, Role, Turn, User

MAX_CLAIMS = 10
COLUMN_WEIGHTS = (1.0, 0.7, 0.5, 0.2, 0.2)  # the turn, one before, one after, two before, two after
TURN_MATCH = ("SELECT turn_id, ts_rank(%s::float4[], fts, {q}, 1) AS rank FROM turns_fts WHERE user_id = %s "
              "AND fts @@ %s::tsquery AND fts @@ {q} ORDER BY rank DESC, turn_id LIMIT %s")  # fmt: skip


def _companion(row: PgRow) -> Companion:
    return Companion(
        id=row["id"], user_id=row["user_id"], name=row["name"], voice=row["voice"], traits=json.loads(row["traits"]),
        profile=json.loads(row["profile"]), created_at=datetime.fromisoformat(row["created_at"]),
    )  # fmt: skip


def _conversation(row: PgRow) -> Conversation:
    return Conversation(
        id=row["id"], user_id=row["user_id"], companion_id=row["companion_id"],
        started_at=datetime.fromisoformat(row["started_at"]),
        last_active_at=datetime.fromisoformat(row["last_active_at"]), last_disclosure_at=_dt(row["last_disclosure_at"]),
    )  # fmt: skip


def _turn(row: PgRow) -> Turn:
    return Turn(
        id=row["id"], user_id=row["user_id"], conversation_id=row["conversation_id"], role=row["role"],
        content=row["content"], created_at=datetime.fromisoformat(row["created_at"]), completed=bool(row["completed"]),
        interrupted=bool(row["interrupted"]), meta=json.loads(row["meta"]), speaker=row["speaker"],
        forgotten=bool(row["forgotten"]),
    )  # fmt: skip


class PgUsers:
    def __init__(self, r: PgRunner) -> None:
        self.r = r

    async def ensure(self, handle: str) -> User:
        def _ensure(db: Conn) -> PgRow:
            db.execute(
                "INSERT INTO users (handle, created_at) VALUES (%s, to_char(now() AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD HH24:MI:SS')) ON CONFLICT (handle) DO NOTHING",
                (handle,),
            )
            return got(db.execute("SELECT * FROM users WHERE handle = %s", (handle,)).fetchone())

        row = await self.r.transaction(_ensure)
        return User(id=row["id"], handle=row["handle"], display_name=row["display_name"])

    async def set_display_name(self, user_id: int, name: str) -> None:
        await self.r.run("UPDATE users SET display_name = %s WHERE id = %s", (name, user_id))

    async def active_companion(self, user_id: int) -> Companion | None:
        row = await self.r.one(
            "SELECT * FROM companions WHERE user_id = %s AND retired_at IS NULL ORDER BY id DESC LIMIT 1", (user_id,)
        )
        return _companion(row) if row else None

    async def set_traits(self, user_id: int, companion_id: int, traits: dict[str, float]) -> None:
        await self.r.run(
            "UPDATE companions SET traits = %s::jsonb WHERE id = %s AND user_id = %s",
            (json.dumps(traits), companion_id, user_id),
        )

    async def create_companion(
        self, user_id: int, name: str, voice: str, traits: dict[str, float], profile: dict[str, Any], now: datetime
    ) -> Companion:
        """Create the user's companion; a previous one is retired (kept, with its history), never deleted."""

        def _create(db: Conn) -> PgRow:
            db.execute(
                "UPDATE companions SET retired_at = %s WHERE user_id = %s AND retired_at IS NULL", (_ts(now), user_id)
            )
            return got(db.execute(
                "INSERT INTO companions (user_id, name, voice, traits, profile, created_at) "
                "VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, %s) RETURNING *",
                (user_id, name, voice, json.dumps(traits), json.dumps(profile), _ts(now)),
            ).fetchone())

        return _companion(await self.r.transaction(_create))


class PgTurns:
    def __init__(self, r: PgRunner) -> None:
        self.r = r

    async def start_conversation(self, user_id: int, companion_id: int, now: datetime) -> Conversation:
        row = await self.r.one(
            "INSERT INTO conversations (user_id, companion_id, started_at, last_active_at) "
            "SELECT %s, id, %s, %s FROM companions WHERE id = %s AND user_id = %s RETURNING *",
            (user_id, _ts(now), _ts(now), companion_id, user_id),
        )
        if row is None:
            raise StoreError("store.not_found", f"companion {companion_id} not found")
        return _conversation(row)

    async def conversation(self, user_id: int, conversation_id: int) -> Conversation | None:
        row = await self.r.one("SELECT * FROM conversations WHERE id = %s AND user_id = %s", (conversation_id, user_id))
        return _conversation(row) if row else None

    async def previous_conversation(self, user_id: int, before_id: int) -> Conversation | None:
        """The latest earlier conversation that has at least one user turn."""
        row = await self.r.one(
            "SELECT c.* FROM conversations c WHERE c.user_id = %s AND c.id < %s AND EXISTS (SELECT 1 FROM turns t "
            "WHERE t.conversation_id = c.id AND t.role = 'user') ORDER BY c.id DESC LIMIT 1",
            (user_id, before_id),
        )
        return _conversation(row) if row else None

    async def touch(self, user_id: int, conversation_id: int, now: datetime, disclosed: bool = False) -> None:
        sql = "UPDATE conversations SET last_active_at = %s" + (", last_disclosure_at = %s" if disclosed else "")
        params: tuple[Any, ...] = (_ts(now), _ts(now)) if disclosed else (_ts(now),)
        await self.r.run(sql + " WHERE id = %s AND user_id = %s", (*params, conversation_id, user_id))

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

        def _add(db: Conn) -> PgRow:
            owner = db.execute(
                "UPDATE conversations SET last_active_at = %s WHERE id = %s AND user_id = %s",
                (_ts(now), conversation_id, user_id),
            )
            if owner.rowcount != 1:
                raise StoreError("store.not_found", f"conversation {conversation_id} not found")
            return got(db.execute(
                "INSERT INTO turns (user_id, conversation_id, role, content, created_at, completed, meta, speaker) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s) RETURNING *",
                (user_id, conversation_id, role, content, _ts(now), int(completed), json.dumps(meta or {}), speaker),
            ).fetchone())

        return _turn(await self.r.transaction(_add))

    async def update(
        self, user_id: int, turn_id: int, content: str, completed: bool, interrupted: bool = False
    ) -> None:
        await self.r.run(
            "UPDATE turns SET content = %s, completed = %s, interrupted = %s WHERE id = %s AND user_id = %s",
            (content, int(completed), int(interrupted), turn_id, user_id),
        )

    async def set_meta(self, user_id: int, turn_id: int, meta: dict[str, Any]) -> None:
        await self.r.run(
            "UPDATE turns SET meta = %s::jsonb WHERE id = %s AND user_id = %s", (json.dumps(meta), turn_id, user_id)
        )

    async def recent(self, user_id: int, conversation_id: int, limit: int) -> list[Turn]:
        rows = await self.r.all(
            "SELECT * FROM (SELECT * FROM turns WHERE user_id = %s AND conversation_id = %s ORDER BY id DESC "
            "LIMIT %s) t ORDER BY id",
            (user_id, conversation_id, limit),
        )
        return [_turn(r) for r in rows]

    async def count(self, user_id: int, conversation_id: int) -> int:
        row = await self.r.one(
            "SELECT COUNT(*) FROM turns WHERE user_id = %s AND conversation_id = %s", (user_id, conversation_id)
        )
        return int(row[0]) if row else 0

    async def search(
        self, user_id: int, query: str, limit: int, weights: tuple[float, ...] = COLUMN_WEIGHTS
    ) -> list[tuple[Turn, float]]:
        """Stemmed full-text search over this user's indexed turns, each with its neighbours weighted (the turn,
        the one before, after, two before and after); any word may match. Higher is better."""
        found = await self.match(user_id, query, limit, weights)
        turns = await self.many(user_id, [i for i, _ in found])
        return [(turns[i], score) for i, score in found if i in turns and not turns[i].forgotten]

    async def match(
        self, user_id: int, query: str, limit: int, weights: tuple[float, ...] = COLUMN_WEIGHTS
    ) -> list[tuple[int, float]]:
        """``search`` without reading the turns: ids and ranks (``ts_rank`` with the weights, normalised by
        length; forgotten turns have no row), read from this user's postings only (see ``PgMemories.match``)."""
        if not query_words(query):
            return []
        body, before, after, far = weights[0], weights[1], weights[2], max(weights[3:] or (0.0,))
        rows = await self.r.call(
            lambda db: ranked(db, TURN_MATCH, ([far, after, before, body],), user_id, query, limit)
        )
        return [(int(r[0]), float(r[1])) for r in rows]

    async def many(self, user_id: int, ids: Sequence[int]) -> dict[int, Turn]:
        if not ids:
            return {}
        rows = await self.r.all("SELECT * FROM turns WHERE user_id = %s AND id = ANY(%s)", (user_id, list(ids)))
        return {r["id"]: _turn(r) for r in rows}

    async def speakers(self, user_id: int) -> list[str]:
        """The named speakers in this user's transcripts (imported chats name theirs)."""
        rows = await self.r.all(
            "SELECT DISTINCT speaker FROM turns WHERE user_id = %s AND speaker IS NOT NULL", (user_id,)
        )
        return [r[0] for r in rows]

    async def around(self, user_id: int, turn_id: int, before: int, after: int) -> list[Turn]:
        """The turn with its neighbours in the same conversation, in order (forgotten ones left out)."""
        rows = await self.r.all(
            "SELECT * FROM ((SELECT t.* FROM turns t JOIN turns x ON x.id = %s AND x.user_id = %s "
            "AND t.conversation_id = x.conversation_id WHERE t.id < x.id AND t.forgotten = 0 "
            "ORDER BY t.id DESC LIMIT %s) UNION ALL (SELECT t.* FROM turns t JOIN turns x "
            "ON x.id = %s AND x.user_id = %s AND t.conversation_id = x.conversation_id WHERE t.id >= x.id "
            "AND t.forgotten = 0 ORDER BY t.id LIMIT %s)) a ORDER BY id",
            (turn_id, user_id, before, turn_id, user_id, after + 1),
        )
        return [_turn(r) for r in rows]

    async def forget(self, user_id: int, turn_ids: Sequence[int]) -> int:
        """Take turns out of recall (index entries and vectors go; the transcript keeps them, flagged)."""

        def _forget(db: Conn) -> int:
            lock_user(db, user_id)
            return forget_turns(db, user_id, turn_ids)

        return await self.r.transaction(_forget)

    async def unindexed(self, user_id: int, limit: int) -> list[int]:
        rows = await self.r.all(
            "SELECT id FROM turns WHERE user_id = %s AND indexed = 0 AND completed = 1 AND role != 'system' "
            "ORDER BY id LIMIT %s",
            (user_id, limit),
        )
        return [r[0] for r in rows]

    async def reindex(self, user_id: int, turn_ids: Sequence[int]) -> int:
        """Write the turns' full-text rows, and rewrite the two before each (their next-turn columns change)."""

        def _index(db: Conn) -> int:
            lock_user(db, user_id)
            affected: set[int] = set(turn_ids)
            for turn_id in turn_ids:
                affected.update(near_turns(db, user_id, turn_id))
            return index_turns(db, user_id, sorted(affected))

        return await self.r.transaction(_index)

    async def recover_incomplete(self, user_id: int) -> int:
        """Replies cut off by a crash or kill stay, marked interrupted."""
        return await self.r.run(
            "UPDATE turns SET completed = 1, interrupted = 1 WHERE user_id = %s AND completed = 0", (user_id,)
        )


class PgCare:
    def __init__(self, r: PgRunner) -> None:
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
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (user_id, conversation_id, turn_id, kind, level, rule, _ts(now)),
        )

    async def counts(self, since: datetime | None = None) -> dict[str, int]:
        rows = await self.r.all(
            "SELECT kind, COUNT(*) AS n FROM care_events WHERE created_at >= %s GROUP BY kind",
            (_ts(since) if since else "",),
        )
        return {r["kind"]: int(r["n"]) for r in rows}


class PgJobs:
    """The job queue, shared by the workers of every server: a claim takes jobs nobody holds (``FOR UPDATE SKIP
    LOCKED``) and leases them for ``lease_s``; a job whose worker died is claimed again when its lease ends."""

    def __init__(self, r: PgRunner, lease_s: float = 300.0) -> None:
        self.r = r
        self.lease_s = lease_s

    async def enqueue(self, user_id: int, kind: str, payload: dict[str, Any], now: datetime) -> int:
        row = await self.r.one(
            "INSERT INTO jobs (user_id, kind, payload, created_at, updated_at) VALUES (%s, %s, %s::jsonb, %s, %s) "
            "RETURNING id",
            (user_id, kind, json.dumps(payload), _ts(now), _ts(now)),
        )
        return int(row[0]) if row else 0

    async def claim(self, limit: int, max_attempts: int = 3) -> list[Job]:
        def _claim(db: Conn) -> list[PgRow]:
            # As on SQLite: a failure counts as an attempt (in finish); a claim that never finished only counts
            # as a claim, and a job claimed MAX_CLAIMS times without finishing is given up on.
            db.execute(
                "UPDATE jobs SET status = 'failed', error = COALESCE(error, 'abandoned: claimed but never finished') "
                "WHERE status = 'pending' AND claims >= %s AND (leased_until IS NULL OR leased_until < now())",
                (MAX_CLAIMS,),
            )
            return db.execute(
                "WITH picked AS (SELECT id FROM jobs WHERE status = 'pending' AND attempts < %s AND "
                "(leased_until IS NULL OR leased_until < now()) ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) "
                "UPDATE jobs j SET claims = j.claims + 1, leased_until = now() + make_interval(secs => %s) "
                "FROM picked WHERE j.id = picked.id RETURNING j.id, j.user_id, j.kind, j.payload, j.attempts",
                (max_attempts, limit, self.lease_s),
            ).fetchall()

        rows = sorted(await self.r.transaction(_claim), key=lambda r: int(r["id"]))
        return [
            Job(id=r["id"], user_id=r["user_id"], kind=r["kind"], payload=json.loads(r["payload"]),
                attempts=r["attempts"] + 1)
            for r in rows
        ]  # fmt: skip

    async def finish(self, job_id: int, now: datetime, error: str | None = None) -> None:
        status = "done" if error is None else "pending"
        await self.r.run(
            "UPDATE jobs SET attempts = attempts + CASE WHEN %s = 'pending' THEN 1 ELSE 0 END, status = CASE "
            "WHEN %s = 'done' THEN 'done' WHEN attempts + 1 >= 3 THEN 'failed' ELSE 'pending' END, error = %s, "
            "updated_at = %s, leased_until = NULL WHERE id = %s",
            (status, status, error, _ts(now), job_id),
        )

    async def pending(self) -> int:
        row = await self.r.one("SELECT COUNT(*) FROM jobs WHERE status = 'pending'")
        return int(row[0]) if row else 0


class PgStore:
    """The service store: one PostgreSQL database (with pgvector) shared by any number of app servers."""

    def __init__(self, url: str, timeout_s: float = 30.0, pool_size: int = 10, job_lease_s: float = 300.0) -> None:
        self.runner = PgRunner(url, timeout_s, pool_size)
        self.users = PgUsers(self.runner)
        self.turns = PgTurns(self.runner)
        self.memories = PgMemories(self.runner)
        self.vectors = PgVectors(self.runner)
        self.feelings = PgFeelings(self.runner)
        self.initiatives = PgInitiatives(self.runner)
        self.bond = PgBond(self.runner)
        self.humour = PgHumour(self.runner)
        self.care = PgCare(self.runner)
        self.jobs = PgJobs(self.runner, job_lease_s)

    async def open(self) -> int:
        """Connect, apply pending migrations (one server at a time), open the pool; returns the schema version."""
        return await self.runner.open()

    async def close(self) -> None:
        await self.runner.close()
