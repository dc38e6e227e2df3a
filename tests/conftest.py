from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from os1.store import SqliteStore, open_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = await open_store(tmp_path / "os1.db")
    assert isinstance(s, SqliteStore)
    yield s
    await s.close()
