"""The journal: plans and their steps (tables from migration 7, ``journal``), over the store's runner (SQLite, or
PostgreSQL through ``postgres_compat``: the same SQL).

One ``Journal`` serves one user: every query is scoped by its ``user_id``. Every state change of a step is one
transaction that also appends to ``action_log``, so the log is the plan's full history."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from os1.actions.base import JSON, Plan, PlanStatus, PlanSummary, Step, StepState
from os1.errors import ActionError
from os1.store.postgres_compat import sql_runner, store_runner
from os1.store.runner import Runner, _dt, _ts
from os1.types import Clock, utc_now

# (number, state, data, note): a step's new state; ``data`` replaces its undo data unless it is None.
Change = tuple[int, StepState, JSON | None, str]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _step(row: sqlite3.Row) -> Step:
    undo = json.loads(row["undo_data"]) if row["undo_data"] else None
    return Step(row["number"], row["op"], json.loads(row["args"]), row["description"], row["category"],
                row["state"], undo, row["note"])


def _summary(row: sqlite3.Row, counts: dict[str, int]) -> PlanSummary:
    return PlanSummary(row["id"], row["kind"], row["title"], datetime.fromisoformat(row["created_at"]),
                       row["status"], counts, _dt(row["applied_at"]), _dt(row["undone_at"]))


class Journal:
    def __init__(self, runner: Runner, user_id: int, clock: Clock = utc_now) -> None:
        self.r: Runner = sql_runner(runner) or runner  # PostgreSQL's: the same SQL through postgres_compat
        self.user_id = user_id
        self.clock = clock

    async def propose(self, kind: str, title: str, steps: Sequence[Step], meta: JSON | None = None) -> Plan:
        """Save a proposed plan; its steps are renumbered 1..n in the order given."""
        uid, now = self.user_id, _ts(self.clock())

        def _save(db: sqlite3.Connection) -> int:
            cur = db.execute("INSERT INTO action_plans (user_id, kind, title, status, meta, created_at) "
                             "VALUES (?,?,?,'proposed',?,?)", (uid, kind, title, _dumps(meta or {}), now))
            plan_id = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO action_steps (user_id, plan_id, number, op, category, args, description, state, "
                "updated_at) VALUES (?,?,?,?,?,?,?,'proposed',?)",
                [(uid, plan_id, n, s.op, s.category, _dumps(dict(s.args)), s.description, now)
                 for n, s in enumerate(steps, start=1)])
            db.execute("INSERT INTO action_log (user_id, plan_id, event, data, at) VALUES (?,?,'proposed',?,?)",
                       (uid, plan_id, _dumps({"steps": len(steps)}), now))
            return plan_id

        plan = await self.get(await self.r.transaction(_save))
        assert plan is not None
        return plan

    async def get(self, plan_id: int) -> Plan | None:
        row = await self.r.one("SELECT * FROM action_plans WHERE user_id = ? AND id = ?", (self.user_id, plan_id))
        if row is None:
            return None
        rows = await self.r.all("SELECT * FROM action_steps WHERE user_id = ? AND plan_id = ? ORDER BY number",
                                (self.user_id, plan_id))
        return Plan(row["id"], row["kind"], row["title"], datetime.fromisoformat(row["created_at"]), row["status"],
                    tuple(_step(r) for r in rows), json.loads(row["meta"]), _dt(row["applied_at"]),
                    _dt(row["undone_at"]))

    async def must_get(self, plan_id: int) -> Plan:
        plan = await self.get(plan_id)
        if plan is None:
            raise ActionError("action.no_plan", f"there is no plan #{plan_id}", hint="see `os1 files plans`")
        return plan

    async def plans(self, kind: str | None = None, limit: int = 50) -> list[PlanSummary]:
        """Newest first, with their step counts by state; ``kind`` may be a prefix such as "files."."""
        sql, params = "SELECT * FROM action_plans WHERE user_id = ?", list[Any]([self.user_id])
        if kind:
            sql += " AND (kind = ? OR kind LIKE ?)"
            params += [kind, kind.rstrip(".") + ".%"]
        rows = await self.r.all(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return await self._with_counts(rows)

    async def _with_counts(self, rows: Sequence[sqlite3.Row]) -> list[PlanSummary]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        counted = await self.r.all(
            f"SELECT plan_id, state, COUNT(*) AS n FROM action_steps WHERE user_id = ? AND plan_id IN "
            f"({','.join('?' * len(ids))}) GROUP BY plan_id, state", (self.user_id, *ids))
        counts: dict[int, dict[str, int]] = {i: {} for i in ids}
        for c in counted:
            counts[c["plan_id"]][c["state"]] = c["n"]
        return [_summary(r, counts[r["id"]]) for r in rows]

    async def latest_undoable(self) -> PlanSummary | None:
        """The most recently applied plan that still has changes to reverse, of any kind."""
        rows = await self.r.all(
            "SELECT * FROM action_plans WHERE user_id = ? AND status IN ('applied', 'partially-applied', "
            "'applying', 'undoing', 'partially-undone') ORDER BY COALESCE(applied_at, created_at) DESC, id DESC "
            "LIMIT 1", (self.user_id,))
        found = await self._with_counts(rows)
        return found[0] if found else None

    async def claim(self, plan_id: int, allowed: Sequence[str], status: PlanStatus) -> bool:
        """Move the plan to ``status`` if it is in one of ``allowed`` (atomically: two runs cannot both claim)."""
        now = _ts(self.clock())
        stamp = ", applied_at = ?" if status == "applying" else ""

        def _claim(db: sqlite3.Connection) -> bool:
            params: list[Any] = [status] + ([now] if stamp else []) + [self.user_id, plan_id, *allowed]
            cur = db.execute(f"UPDATE action_plans SET status = ?{stamp} WHERE user_id = ? AND id = ? AND status "
                             f"IN ({','.join('?' * len(allowed))})", params)
            if cur.rowcount == 1:
                db.execute("INSERT INTO action_log (user_id, plan_id, event, at) VALUES (?,?,?,?)",
                           (self.user_id, plan_id, status, now))
            return cur.rowcount == 1

        return await self.r.transaction(_claim)

    async def finish_plan(self, plan_id: int, status: PlanStatus) -> None:
        now = _ts(self.clock())
        stamp = ", undone_at = ?" if status == "undone" else ""

        def _finish(db: sqlite3.Connection) -> None:
            db.execute(f"UPDATE action_plans SET status = ?{stamp} WHERE user_id = ? AND id = ?",
                       [status] + ([now] if stamp else []) + [self.user_id, plan_id])
            db.execute("INSERT INTO action_log (user_id, plan_id, event, at) VALUES (?,?,?,?)",
                       (self.user_id, plan_id, status, now))

        await self.r.transaction(_finish)

    async def record(self, plan_id: int, changes: Sequence[Change]) -> None:
        """Write step state changes (and their log entries) in one transaction. An intent is a change to
        "applying"/"undoing" whose data is what undo will need; it is written before the world is touched."""
        if not changes:
            return
        uid, now = self.user_id, _ts(self.clock())

        def _record(db: sqlite3.Connection) -> None:
            db.executemany(
                "UPDATE action_steps SET state = ?, undo_data = COALESCE(?, undo_data), note = ?, updated_at = ? "
                "WHERE user_id = ? AND plan_id = ? AND number = ?",
                [(state, None if data is None else _dumps(data), note, now, uid, plan_id, n)
                 for n, state, data, note in changes])
            db.executemany(
                "INSERT INTO action_log (user_id, plan_id, step_number, event, data, at) VALUES (?,?,?,?,?,?)",
                [(uid, plan_id, n, state, _dumps({"data": data, "note": note} if data or note else {}), now)
                 for n, state, data, note in changes])

        await self.r.transaction(_record)

    async def log(self, plan_id: int) -> list[tuple[int | None, str, JSON, datetime]]:
        """The plan's history: (step number or None, event, data, when), oldest first."""
        rows = await self.r.all("SELECT * FROM action_log WHERE user_id = ? AND plan_id = ? ORDER BY id",
                                (self.user_id, plan_id))
        return [(r["step_number"], r["event"], json.loads(r["data"]), datetime.fromisoformat(r["at"]))
                for r in rows]


def journal_of(store: Any, user_id: int, clock: Clock = utc_now) -> Journal:
    """The journal of one user over an open store's connection (the SQLite store has a ``runner``)."""
    runner = store_runner(store)
    if runner is None:
        raise ActionError("action.no_journal", "this store has no connection runner for the journal")
    return Journal(runner, user_id, clock)
