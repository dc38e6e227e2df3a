"""Where mail comes from. A source yields each message with the cursor to commit once it is stored, so a sync
that stops anywhere resumes from its last stored message (and storing is idempotent, so re-reading is safe)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from os1.mail.message import Cursor, RawMessage

MAX_MESSAGE = 50 * 1024 * 1024  # a single message over this is skipped with a reason, never loaded
IO_TIMEOUT_S = 60.0


class MailSource(Protocol):
    """The one required method: messages after ``since``, oldest first, each with the cursor after it."""

    name: str  # the cursor's ``source``: "maildir:/path", "mbox:/path", "imap:user@host/INBOX"

    def fetch(self, since: Cursor) -> AsyncIterator[tuple[RawMessage, Cursor]]: ...


@dataclass(frozen=True, slots=True)
class Extent:
    """How much a sync from a cursor has to read: ``amount`` in ``unit`` ("messages" or "bytes")."""

    amount: int
    unit: str = "messages"
    start: int = 0  # where reading starts, in ``unit`` (an mbox's byte offset); progress is measured from it


@runtime_checkable
class Measured(Protocol):
    """A source that can say how much there is to read, and how far a cursor is (in the extent's unit)."""

    async def extent(self, since: Cursor) -> Extent: ...

    def position(self, cursor: Cursor) -> int | None: ...


def skipped(uid: str, reason: str, folder: str = "INBOX") -> RawMessage:
    """A message the source could not give (too big, unreadable): reported by the sync, the cursor moves on."""
    return RawMessage(uid=uid, data=b"", folder=folder, skipped=reason)
