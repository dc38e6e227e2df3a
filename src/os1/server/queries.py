"""Reads and writes the service needs that the core store protocols do not offer: a user's conversations as a
list, and their companion's voice. Over the store's runner, every query scoped by ``user_id``."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from os1.errors import StoreError
from os1.store.postgres_compat import sql_runner
from os1.store.runner import Runner


@dataclass(frozen=True, slots=True)
class ConversationInfo:
    id: int
    companion_id: int
    companion: str
    started_at: datetime
    last_active_at: datetime
    turns: int
    title: str | None


def _info(row: sqlite3.Row) -> ConversationInfo:
    return ConversationInfo(row["id"], row["companion_id"], row["companion"], datetime.fromisoformat(row["started_at"]),
                            datetime.fromisoformat(row["last_active_at"]), int(row["turns"]), row["title"])


_LIST = (
    "SELECT c.id, c.companion_id, p.name AS companion, c.started_at, c.last_active_at, c.title, "
    "(SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id AND t.user_id = c.user_id) AS turns "
    "FROM conversations c JOIN companions p ON p.id = c.companion_id AND p.user_id = c.user_id WHERE c.user_id = ?"
)


class SqliteServerQueries:
    def __init__(self, r: Runner) -> None:
        runner = sql_runner(r)  # a PostgreSQL store's runner runs the same SQL through postgres_compat
        if runner is None:
            raise StoreError("store.unsupported", "the service needs a SQLite or PostgreSQL store")
        self.r: Runner = runner

    async def conversations(self, user_id: int, limit: int, offset: int) -> list[ConversationInfo]:
        """The user's conversations that have turns, newest first."""
        rows = await self.r.all(_LIST + " AND EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id) "
                                "ORDER BY c.id DESC LIMIT ? OFFSET ?", (user_id, limit, offset))
        return [_info(r) for r in rows]

    async def conversation(self, user_id: int, conversation_id: int) -> ConversationInfo | None:
        row = await self.r.one(_LIST + " AND c.id = ?", (user_id, conversation_id))
        return _info(row) if row else None

    async def set_voice(self, user_id: int, voice: str) -> bool:
        """Change the voice of the user's active companion; False when they have none."""
        cur = await self.r.run("UPDATE companions SET voice = ? WHERE user_id = ? AND retired_at IS NULL",
                               (voice, user_id))
        return cur.rowcount > 0
