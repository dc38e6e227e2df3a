"""The store: every row belongs to a user. ``open_store`` picks the implementation from the settings."""

from __future__ import annotations

from pathlib import Path

from os1.store.base import Store
from os1.store.sqlite import SqliteStore


async def open_store(path: Path) -> Store:
    """Open (creating and migrating as needed) the SQLite store at ``path``."""
    store = SqliteStore(path)
    await store.open()
    return store


__all__ = ["Store", "SqliteStore", "open_store"]
