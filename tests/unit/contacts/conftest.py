from __future__ import annotations

from datetime import UTC, datetime

import pytest

from os1.contacts.store import SqliteContacts, contacts_of
from os1.store import SqliteStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def book(store: SqliteStore) -> tuple[SqliteStore, SqliteContacts, int]:
    user = await store.users.ensure("local")
    return store, contacts_of(store), user.id
