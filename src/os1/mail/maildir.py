"""A Maildir (``cur`` and ``new``) read with the stdlib ``mailbox.Maildir``, in key order; the cursor is the last
key stored. Keys start with their delivery time, so key order is arrival order for mail delivered by one host."""

from __future__ import annotations

import asyncio
import mailbox
import os
from collections.abc import AsyncIterator
from pathlib import Path

from os1.errors import MailError
from os1.mail.message import Cursor, RawMessage
from os1.mail.source import IO_TIMEOUT_S, MAX_MESSAGE, Extent, skipped

_FLAGS = {"S": "\\Seen", "R": "\\Answered", "F": "\\Flagged", "T": "\\Deleted", "D": "\\Draft"}


def position(value: str) -> tuple[int, str]:
    """A cursor's (arrival time in ns, key); a cursor from before arrival times were kept reads from the start."""
    stamp, sep, key = value.partition(":")
    return (int(stamp), key) if sep and stamp.isdigit() else (0, "")


class MaildirSource:
    def __init__(self, path: Path, folder: str = "INBOX", max_message: int = MAX_MESSAGE,
                 timeout_s: float = IO_TIMEOUT_S) -> None:
        self.path = Path(path).expanduser()
        self.folder = folder
        self.max_message = max_message
        self.timeout_s = timeout_s
        self.name = f"maildir:{self.path.resolve()}"

    def _open(self) -> mailbox.Maildir:
        if not (self.path / "cur").is_dir() or not (self.path / "new").is_dir():
            raise MailError("mail.no_maildir", f"{self.path} is not a Maildir (no cur/ and new/)",
                            hint="point --maildir at a folder holding cur/, new/ and tmp/")
        return mailbox.Maildir(str(self.path), factory=None, create=False)

    def _stamps(self) -> dict[str, int]:
        """Each message's key and the time its file last arrived where it is (ctime: set by delivery and by a
        rename from new/ to cur/). Key order is not arrival order: keys from another host's clock, or Python's,
        may sort before ones already read."""
        out = {}
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.name.startswith("."):
                    continue
                try:
                    out[entry.name.partition(":")[0]] = entry.stat(follow_symlinks=False).st_ctime_ns
                except FileNotFoundError:  # moved by another client while listing: seen in its new place next time
                    continue
        return out

    def _keys(self, since: Cursor) -> tuple[mailbox.Maildir, list[tuple[int, str]]]:
        """(arrival time, key) of the messages that arrived after the cursor, in arrival order. A message
        renamed since (a client marking it read) arrives again: storing it again is a no-op, so nothing is lost
        and nothing doubles."""
        box = self._open()
        after = position(since.value)
        return box, sorted((t, k) for k, t in self._stamps().items() if (t, k) > after)

    def _infos(self) -> dict[str, str]:
        """Each key's Maildir info ("2,FS"), from the file names in cur/ (new/ messages have none)."""
        out = {}
        for entry in os.scandir(self.path / "cur"):
            key, sep, info = entry.name.partition(":")
            if sep:
                out[key] = info
        return out

    async def extent(self, since: Cursor) -> Extent:
        _, keys = await asyncio.wait_for(asyncio.to_thread(self._keys, since), self.timeout_s)
        return Extent(len(keys), "messages")

    def position(self, cursor: Cursor) -> int | None:
        return None

    def _read(self, box: mailbox.Maildir, key: str, info: str) -> RawMessage:
        try:
            with box.get_file(key) as handle:
                data = handle.read(self.max_message + 1)
        except (KeyError, OSError) as exc:  # gone since it was listed (moved by another client), unreadable
            return skipped(key, f"unreadable: {exc}", self.folder)
        if len(data) > self.max_message:
            return skipped(key, f"over {self.max_message} bytes", self.folder)
        flags = tuple(_FLAGS[f] for f in info.partition(",")[2] if f in _FLAGS) if info.startswith("2,") else ()
        return RawMessage(uid=key, data=data, folder=self.folder, flags=flags)

    def _read_many(self, box: mailbox.Maildir, keys: list[str], infos: dict[str, str]) -> list[RawMessage]:
        return [self._read(box, key, infos.get(key, "")) for key in keys]

    async def fetch(self, since: Cursor) -> AsyncIterator[tuple[RawMessage, Cursor]]:
        box, arrived = await asyncio.wait_for(asyncio.to_thread(self._keys, since), self.timeout_s)
        infos = await asyncio.wait_for(asyncio.to_thread(self._infos), self.timeout_s)
        for start in range(0, len(arrived), 100):
            batch = arrived[start:start + 100]
            raws = await asyncio.wait_for(asyncio.to_thread(self._read_many, box, [k for _, k in batch], infos),
                                          self.timeout_s)
            for (stamp, key), raw in zip(batch, raws, strict=True):
                yield raw, Cursor(self.name, f"{stamp}:{key}")
