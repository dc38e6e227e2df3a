"""Sync's observer sees each stored batch's raw messages after the batch is committed (how invitations are
found in bytes the store does not keep)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from os1.mail.mbox import MboxSource
from os1.mail.message import RawMessage
from os1.mail.store import SqliteMail
from os1.mail.sync import sync
from os1.store import SqliteStore, open_store
from tests.unit.mail.samples import message


async def test_the_observer_sees_every_stored_message_once_per_sync_after_its_batch(tmp_path: Path):
    path = tmp_path / "a.mbox"
    path.write_bytes(b"".join(b"From x@y Mon Jun  2 10:00:00 2025\n" + message(n) + b"\n" for n in range(1, 6)))
    store = await open_store(tmp_path / "os1.db")
    assert isinstance(store, SqliteStore)
    try:
        user = await store.users.ensure("me")
        mail = SqliteMail(store.runner)
        seen: list[tuple[int, int]] = []

        async def observe(raws: Sequence[RawMessage]) -> None:
            seen.append((len(raws), await mail.count(user.id)))  # the batch is already stored

        source = MboxSource(path)
        await sync(source, mail, user.id, "local", batch=2, observe=observe)
        assert seen == [(2, 2), (2, 4), (1, 5)]
        await sync(source, mail, user.id, "local", batch=2, observe=observe)
        assert len(seen) == 3  # nothing new: nothing to observe
        assert {i.source for i in await mail.recent(user.id)} == {source.name}
    finally:
        await store.close()
