"""SQLite repository for the companion's inner life: what moved it, and the state each event left it in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from os1.store.runner import Runner, _dt, _ts
from os1.types import LIFE_KINDS, BondEvent, FeelingEvent, Initiative


def _at(text: str) -> datetime:
    moment = _dt(text)
    assert moment is not None  # NOT NULL in the table
    return moment


class SqliteFeelings:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def add(self, user_id: int, companion_id: int, event: FeelingEvent) -> int:
        cur = await self.r.run(
            "INSERT INTO feelings (user_id, companion_id, at, kind, why, valence_delta, arousal_delta, valence, "
            "arousal, turn_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (user_id, companion_id, _ts(event.at), event.kind, event.why, event.valence_delta, event.arousal_delta,
             event.valence, event.arousal, event.turn_id),
        )  # fmt: skip
        return int(cur.lastrowid or 0)

    async def recent(
        self, user_id: int, companion_id: int, limit: int = 20, since: datetime | None = None
    ) -> list[FeelingEvent]:
        """Newest first."""
        rows = await self.r.all(
            "SELECT * FROM feelings WHERE user_id = ? AND companion_id = ? AND at >= ? ORDER BY id DESC LIMIT ?",
            (user_id, companion_id, _ts(since) if since else "", limit),
        )
        return [
            FeelingEvent(_at(r["at"]), r["kind"], r["why"], r["valence_delta"], r["arousal_delta"], r["valence"],
                         r["arousal"], r["turn_id"], r["id"])
            for r in rows
        ]  # fmt: skip


def _initiative(r: Any) -> Initiative:
    return Initiative(r["kind"], r["subject"], r["reason"], r["text"], _at(r["due_at"]), r["source_turn_id"],
                      r["status"], r["id"])  # fmt: skip


class SqliteInitiatives:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def plan(self, user_id: int, item: Initiative, now: datetime) -> bool:
        """Keep it for later; False when the same (kind, subject) was planned before."""
        cur = await self.r.run(
            "INSERT OR IGNORE INTO initiatives (user_id, kind, subject, reason, text, due_at, created_at, "
            "source_turn_id) VALUES (?,?,?,?,?,?,?,?)",
            (user_id, item.kind, item.subject, item.reason, item.text, _ts(item.due_at), _ts(now), item.source_turn_id),
        )  # fmt: skip
        return cur.rowcount == 1

    async def due(self, user_id: int, now: datetime) -> list[Initiative]:
        rows = await self.r.all(
            "SELECT * FROM initiatives WHERE user_id = ? AND status = 'pending' AND due_at <= ? ORDER BY due_at, id",
            (user_id, _ts(now)),
        )
        return [_initiative(r) for r in rows]

    async def mark(self, user_id: int, initiative_id: int, status: str, now: datetime) -> None:
        await self.r.run(
            "UPDATE initiatives SET status = ?, done_at = ? WHERE id = ? AND user_id = ?",
            (status, _ts(now), initiative_id, user_id),
        )

    async def said_since(self, user_id: int, since: datetime) -> int:
        row = await self.r.one(
            "SELECT COUNT(*) FROM initiatives WHERE user_id = ? AND status = 'said' AND done_at >= ?",
            (user_id, _ts(since)),
        )
        return int(row[0]) if row else 0

    async def listing(self, user_id: int, limit: int = 50) -> list[Initiative]:
        """Newest first: what it planned, said or let go, with the reasons."""
        rows = await self.r.all(
            "SELECT * FROM initiatives WHERE user_id = ? ORDER BY due_at DESC, id DESC LIMIT ?", (user_id, limit)
        )
        return [_initiative(r) for r in rows]


class SqliteBond:
    """The relationship's history, and the counts its stages are earned on."""

    def __init__(self, r: Runner) -> None:
        self.r = r

    async def add(self, user_id: int, companion_id: int, event: BondEvent) -> int:
        cur = await self.r.run(
            "INSERT INTO relationship (user_id, companion_id, at, kind, stage, reason, turn_id) VALUES (?,?,?,?,?,?,?)",
            (user_id, companion_id, _ts(event.at), event.kind, event.stage, event.reason, event.turn_id),
        )
        return int(cur.lastrowid or 0)

    async def history(self, user_id: int, companion_id: int, limit: int = 100) -> list[BondEvent]:
        """Oldest first."""
        rows = await self.r.all(
            "SELECT * FROM (SELECT * FROM relationship WHERE user_id = ? AND companion_id = ? ORDER BY id DESC "
            "LIMIT ?) ORDER BY id",
            (user_id, companion_id, limit),
        )
        return [BondEvent(_at(r["at"]), r["kind"], r["stage"], r["reason"], r["turn_id"], r["id"]) for r in rows]

    async def counts(self, user_id: int, companion_id: int) -> dict[str, int]:
        """Conversations the user spoke in, what they shared about their life, moments remembered together."""
        conversations = await self.r.one(
            "SELECT COUNT(DISTINCT conversation_id) FROM turns WHERE user_id = ? AND role = 'user' AND "
            "conversation_id IN (SELECT id FROM conversations WHERE companion_id = ?)",
            (user_id, companion_id),
        )
        kinds = await self.r.all(
            "SELECT kind, COUNT(*) AS n FROM memories WHERE user_id = ? GROUP BY kind", (user_id,)
        )
        by_kind = {r["kind"]: int(r["n"]) for r in kinds}
        shared = sum(by_kind.get(k, 0) for k in LIFE_KINDS)
        return {"conversations": int(conversations[0]) if conversations else 0, "disclosures": shared,
                "moments": by_kind.get("moment", 0)}  # fmt: skip


class SqliteHumour:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def record(self, user_id: int, companion_id: int, key: str, kind: str, at: datetime,
                     turn_id: int | None = None) -> None:
        await self.r.run("INSERT INTO humour (user_id, companion_id, key, kind, at, turn_id) VALUES (?,?,?,?,?,?)",
                         (user_id, companion_id, key, kind, _ts(at), turn_id))

    async def told(self, user_id: int, companion_id: int) -> dict[str, datetime]:
        """Every key told to this user, with when it was last told."""
        rows = await self.r.all("SELECT key, MAX(at) AS at FROM humour WHERE user_id = ? AND companion_id = ? "
                                "GROUP BY key", (user_id, companion_id))
        return {r["key"]: _at(r["at"]) for r in rows}
