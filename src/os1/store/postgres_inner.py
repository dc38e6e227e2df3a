"""PostgreSQL repositories for the companion's inner life: what moved it, what it means to say first, and the
relationship's history (the SQLite ones, in this dialect)."""

from __future__ import annotations

from datetime import datetime

from os1.store.postgres_runner import PgRow, PgRunner
from os1.store.runner import _ts
from os1.store.sqlite_inner import _at
from os1.types import LIFE_KINDS, BondEvent, FeelingEvent, Initiative


class PgFeelings:
    def __init__(self, r: PgRunner) -> None:
        self.r = r

    async def add(self, user_id: int, companion_id: int, event: FeelingEvent) -> int:
        row = await self.r.one(
            "INSERT INTO feelings (user_id, companion_id, at, kind, why, valence_delta, arousal_delta, valence, "
            "arousal, turn_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (user_id, companion_id, _ts(event.at), event.kind, event.why, event.valence_delta, event.arousal_delta,
             event.valence, event.arousal, event.turn_id),
        )  # fmt: skip
        return int(row[0]) if row else 0

    async def recent(
        self, user_id: int, companion_id: int, limit: int = 20, since: datetime | None = None
    ) -> list[FeelingEvent]:
        """Newest first."""
        rows = await self.r.all(
            "SELECT * FROM feelings WHERE user_id = %s AND companion_id = %s AND at >= %s ORDER BY id DESC LIMIT %s",
            (user_id, companion_id, _ts(since) if since else "", limit),
        )
        return [
            FeelingEvent(_at(r["at"]), r["kind"], r["why"], r["valence_delta"], r["arousal_delta"], r["valence"],
                         r["arousal"], r["turn_id"], r["id"])
            for r in rows
        ]  # fmt: skip


def _initiative(r: PgRow) -> Initiative:
    return Initiative(r["kind"], r["subject"], r["reason"], r["text"], _at(r["due_at"]), r["source_turn_id"],
                      r["status"], r["id"])  # fmt: skip


class PgInitiatives:
    def __init__(self, r: PgRunner) -> None:
        self.r = r

    async def plan(self, user_id: int, item: Initiative, now: datetime) -> bool:
        """Keep it for later; False when the same (kind, subject) was planned before."""
        changed = await self.r.run(
            "INSERT INTO initiatives (user_id, kind, subject, reason, text, due_at, created_at, source_turn_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, kind, subject) DO NOTHING",
            (user_id, item.kind, item.subject, item.reason, item.text, _ts(item.due_at), _ts(now), item.source_turn_id),
        )  # fmt: skip
        return changed == 1

    async def due(self, user_id: int, now: datetime) -> list[Initiative]:
        rows = await self.r.all(
            "SELECT * FROM initiatives WHERE user_id = %s AND status = 'pending' AND due_at <= %s ORDER BY due_at, id",
            (user_id, _ts(now)),
        )
        return [_initiative(r) for r in rows]

    async def mark(self, user_id: int, initiative_id: int, status: str, now: datetime) -> None:
        await self.r.run(
            "UPDATE initiatives SET status = %s, done_at = %s WHERE id = %s AND user_id = %s",
            (status, _ts(now), initiative_id, user_id),
        )

    async def said_since(self, user_id: int, since: datetime) -> int:
        row = await self.r.one(
            "SELECT COUNT(*) FROM initiatives WHERE user_id = %s AND status = 'said' AND done_at >= %s",
            (user_id, _ts(since)),
        )
        return int(row[0]) if row else 0

    async def listing(self, user_id: int, limit: int = 50) -> list[Initiative]:
        """Newest first: what it planned, said or let go, with the reasons."""
        rows = await self.r.all(
            "SELECT * FROM initiatives WHERE user_id = %s ORDER BY due_at DESC, id DESC LIMIT %s", (user_id, limit)
        )
        return [_initiative(r) for r in rows]


class PgBond:
    """The relationship's history, and the counts its stages are earned on."""

    def __init__(self, r: PgRunner) -> None:
        self.r = r

    async def add(self, user_id: int, companion_id: int, event: BondEvent) -> int:
        row = await self.r.one(
            "INSERT INTO relationship (user_id, companion_id, at, kind, stage, reason, turn_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (user_id, companion_id, _ts(event.at), event.kind, event.stage, event.reason, event.turn_id),
        )
        return int(row[0]) if row else 0

    async def history(self, user_id: int, companion_id: int, limit: int = 100) -> list[BondEvent]:
        """Oldest first."""
        rows = await self.r.all(
            "SELECT * FROM (SELECT * FROM relationship WHERE user_id = %s AND companion_id = %s ORDER BY id DESC "
            "LIMIT %s) r ORDER BY id",
            (user_id, companion_id, limit),
        )
        return [BondEvent(_at(r["at"]), r["kind"], r["stage"], r["reason"], r["turn_id"], r["id"]) for r in rows]

    async def counts(self, user_id: int, companion_id: int) -> dict[str, int]:
        """Conversations the user spoke in, what they shared about their life, moments remembered together."""
        conversations = await self.r.one(
            "SELECT COUNT(DISTINCT conversation_id) FROM turns WHERE user_id = %s AND role = 'user' AND "
            "conversation_id IN (SELECT id FROM conversations WHERE companion_id = %s AND user_id = %s)",
            (user_id, companion_id, user_id),
        )
        kinds = await self.r.all(
            "SELECT kind, COUNT(*) AS n FROM memories WHERE user_id = %s GROUP BY kind", (user_id,)
        )
        by_kind = {r["kind"]: int(r["n"]) for r in kinds}
        shared = sum(by_kind.get(k, 0) for k in LIFE_KINDS)
        return {"conversations": int(conversations[0]) if conversations else 0, "disclosures": shared,
                "moments": by_kind.get("moment", 0)}  # fmt: skip


class PgHumour:
    """What the companion told to make the user laugh, and when."""

    def __init__(self, r: PgRunner) -> None:
        self.r = r

    async def record(
        self, user_id: int, companion_id: int, key: str, kind: str, at: datetime, turn_id: int | None = None
    ) -> None:
        await self.r.run(
            "INSERT INTO humour (user_id, companion_id, key, kind, at, turn_id) VALUES (%s, %s, %s, %s, %s, %s)",
            (user_id, companion_id, key, kind, _ts(at), turn_id),
        )

    async def told(self, user_id: int, companion_id: int) -> dict[str, datetime]:
        """Every key told to this user, with when it was last told."""
        rows = await self.r.all(
            "SELECT key, MAX(at) AS at FROM humour WHERE user_id = %s AND companion_id = %s GROUP BY key",
            (user_id, companion_id),
        )
        return {r["key"]: _at(r["at"]) for r in rows}
