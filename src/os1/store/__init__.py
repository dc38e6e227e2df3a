"""The store: every row belongs to a user. ``open_store`` picks the implementation from a database URL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from os1.errors import StoreError
from os1.store.base import Store
from os1.store.sqlite import SqliteStore
from os1.types import User

PG_SCHEMES = ("postgresql://", "postgres://")


def sqlite_path(target: str | Path) -> Path | None:
    """The SQLite file a target names (a path, or ``sqlite:///relative`` / ``sqlite:////absolute``), or None."""
    if isinstance(target, Path):
        return target
    if target.startswith("sqlite:///"):
        return Path(target.removeprefix("sqlite:///"))
    if "://" not in target:
        return Path(target).expanduser()
    return None


def backend_of(target: str | Path) -> str:
    """``sqlite`` or ``postgres``; an unknown URL scheme is a clear error."""
    if sqlite_path(target) is not None:
        return "sqlite"
    if str(target).startswith(PG_SCHEMES):
        return "postgres"
    scheme = str(target).split("://", 1)[0]
    raise StoreError(
        "store.bad_url", f"unknown database URL scheme {scheme!r}",
        hint="use a file path, sqlite:///PATH or postgresql://USER@HOST/DB",
    )  # fmt: skip


def describe(target: str | Path) -> str:
    """What a target names, for people: the backend and where (a password in a URL is masked)."""
    path = sqlite_path(target)
    if path is not None:
        return f"SQLite (WAL) at {path}"
    return "PostgreSQL at " + re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:***@", str(target))


async def open_store(target: str | Path, timeout_s: float = 30.0, pool_size: int = 10) -> Store:
    """Open (creating and migrating as needed) the store a path or database URL names: a path or ``sqlite:///``
    URL is a SQLite file; ``postgresql://…`` is a PostgreSQL database (needs the ``postgres`` extra)."""
    path = sqlite_path(target)
    if path is not None:
        store = SqliteStore(path, timeout_s)
        await store.open()
        return store
    backend_of(target)
    try:
        from os1.store.postgres import PgStore
    except ImportError as exc:
        raise StoreError(
            "store.missing_driver", f"PostgreSQL needs psycopg and pgvector: {exc}", hint="pip install 'os1[postgres]'"
        ) from exc
    pg = PgStore(str(target), timeout_s, pool_size)
    await pg.open()
    return pg


@asynccontextmanager
async def user_store(target: str | Path, handle: str) -> AsyncIterator[tuple[Store, User]]:
    """The store ``target`` names, opened, with the user ``handle`` (created if new); closed on the way out."""
    store = await open_store(target)
    try:
        yield store, await store.users.ensure(handle)
    finally:
        await store.close()


__all__ = ["Store", "SqliteStore", "backend_of", "describe", "open_store", "sqlite_path", "user_store"]
