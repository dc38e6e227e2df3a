from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from os1.actions import Journal, Registry, Skip, Step
from os1.actions.journal import journal_of
from os1.store import SqliteStore

SET = "kv.set"


class KV:
    """A fake world (a dict) and its one op: set a key, remembering the old value; undo puts it back."""

    def __init__(self, world: dict[str, Any], crash_after: int | None = None) -> None:
        self.world = world
        self.crash_after = crash_after
        self.applied = 0
        self.undone: list[str] = []

    def timeout_s(self, args: Mapping[str, Any]) -> float:
        return 5.0

    async def prepare(self, args: Mapping[str, Any]) -> dict[str, Any]:
        if args.get("stale"):
            raise Skip(f"{args['key']} changed since planning")
        return {"key": args["key"], "old": self.world.get(args["key"])}

    async def apply(self, args: Mapping[str, Any], intent: Mapping[str, Any]) -> dict[str, Any]:
        if self.crash_after is not None and self.applied >= self.crash_after:
            self.world[args["key"]] = args["value"]  # the change happens, then the process dies
            raise RuntimeError("power cut")
        self.world[args["key"]] = args["value"]
        self.applied += 1
        return dict(intent)

    async def undo(self, args: Mapping[str, Any], undo_data: Mapping[str, Any]) -> str:
        self.undone.append(args["key"])
        if undo_data["old"] is None:
            self.world.pop(undo_data["key"], None)
        else:
            self.world[undo_data["key"]] = undo_data["old"]
        return ""


def kv_steps(n: int, category: str = "keys") -> list[Step]:
    return [Step(0, SET, {"key": f"k{i}", "value": i}, f"set k{i} to {i}", category) for i in range(1, n + 1)]


def registry_with(action: KV) -> Registry:
    registry = Registry()
    registry.register(SET, action)
    return registry


@pytest.fixture
async def journal(store: SqliteStore) -> Journal:
    user = await store.users.ensure("local")
    return journal_of(store, user.id)
