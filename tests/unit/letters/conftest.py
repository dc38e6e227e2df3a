from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from os1.letters.service import Desk
from os1.letters.store import letters_of
from os1.store import SqliteStore
from os1.types import NewMemory

T0 = datetime(2025, 6, 12, 10, 0, tzinfo=UTC)


@pytest.fixture
async def desk(store: SqliteStore) -> Desk:
    user = await store.users.ensure("local")
    return Desk(store, letters_of(store), user.id, "Theo")


async def remember(desk: Desk, *texts: str) -> list[int]:
    """Seed memory items (with a conversation turn as their source), as the memory tests do."""
    companion = await desk.store.users.create_companion(desk.user_id, "Sam", "female", {}, {}, T0)
    conversation = await desk.store.turns.start_conversation(desk.user_id, companion.id, T0)
    ids = []
    for text in texts:
        turn = await desk.store.turns.add(desk.user_id, conversation.id, "user", text, T0)
        item = await desk.store.memories.add(desk.user_id, NewMemory("fact", text, source_turn_ids=(turn.id,)), T0)
        assert item is not None
        ids.append(item.id)
    return ids


@pytest.fixture(scope="session")
def font_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fonts")
