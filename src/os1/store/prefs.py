"""A user's own settings (migration 11, ``user_prefs``): only what they changed from the operator's, one row per
setting, its value as JSON. The same SQL on SQLite and, through ``postgres_compat``, on PostgreSQL; every query is
scoped by ``user_id``. Which values are allowed is not decided here (see ``os1.companion.prefs``); which settings
exist is: any other key is refused."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from os1.errors import StoreError
from os1.store.postgres_compat import store_runner
from os1.store.runner import Runner, _ts

# Every setting a user may hold an override of, as "section.name".
KEYS = frozenset({
    "care.country", "care.minor", "care.disclosure_interval_hours",
    "initiative.enabled", "initiative.daily_quota", "initiative.quiet_start", "initiative.quiet_end",
    "initiative.timezone",
    "model.backend", "model.max_reply_sentences", "model.temperature",
})
Value = str | int | float | bool


def _checked(changes: Mapping[str, Value | None]) -> None:
    unknown = set(changes) - KEYS
    if unknown:
        raise StoreError("store.bad_value", f"unknown setting(s): {', '.join(sorted(unknown))}",
                         hint=f"known settings: {', '.join(sorted(KEYS))}")
    for key, value in changes.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            raise StoreError("store.bad_value", f"{key} must be a string, a number or true/false")


class SqlitePrefs:
    def __init__(self, r: Runner) -> None:
        self.r = r

    async def overrides(self, user_id: int) -> dict[str, Value]:
        """The user's overrides by key. A row this version does not know (or cannot read) is left out."""
        rows = await self.r.all("SELECT key, value FROM user_prefs WHERE user_id = ? ORDER BY key", (user_id,))
        out: dict[str, Value] = {}
        for row in rows:
            try:
                value = json.loads(row["value"])
            except ValueError:
                continue
            if row["key"] in KEYS and isinstance(value, str | int | float | bool):
                out[row["key"]] = value
        return out

    async def update(self, user_id: int, changes: Mapping[str, Value | None], now: datetime) -> dict[str, Value]:
        """Set the given overrides, in one transaction; a ``None`` removes one (back to the operator's value).
        Returns the user's overrides after the change."""
        _checked(changes)

        def _write(db: sqlite3.Connection) -> None:
            for key, value in sorted(changes.items()):
                if value is None:
                    db.execute("DELETE FROM user_prefs WHERE user_id = ? AND key = ?", (user_id, key))
                    continue
                db.execute("INSERT INTO user_prefs (user_id, key, value, updated_at) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, "
                           "updated_at = excluded.updated_at", (user_id, key, json.dumps(value), _ts(now)))

        await self.r.transaction(_write)
        return await self.overrides(user_id)

    async def clear(self, user_id: int) -> int:
        """Remove all of the user's overrides; how many there were."""
        cur = await self.r.run("DELETE FROM user_prefs WHERE user_id = ?", (user_id,))
        return int(cur.rowcount)


def prefs_of(store: Any) -> SqlitePrefs | None:
    """The preferences repository over an open store's runner (SQLite, or PostgreSQL through postgres_compat);
    None for a store without one (a test's fake)."""
    runner = store_runner(store)
    return SqlitePrefs(runner) if runner is not None else None
