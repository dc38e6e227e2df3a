"""The letters capability's values and its one storage protocol. Every value is a small frozen dataclass; every
query of ``LetterStore`` is scoped by ``user_id``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Origin = Literal["drafted", "imported"]
NoteKind = Literal["name", "date", "detail"]
NOTE_KINDS: tuple[str, ...] = ("name", "date", "detail")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a piece of a draft came from, so the user can check it.

    ``kind``: memory, turn, letter (a past letter), client (a note in the recipient's file), note (the user's
    own words for this letter), style (a kept letter the voice was learned from), model (the embedded model).
    ``use``: "woven" (its words are in the letter), "context" (shown to the model only) or "style"."""

    kind: str
    ref_id: int | None
    text: str
    use: str = "woven"


@dataclass(frozen=True, slots=True)
class Client:
    """Someone the user writes to, with a file of their own (names, dates, details, past letters)."""

    id: int
    user_id: int
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClientNote:
    id: int
    client_id: int
    kind: NoteKind
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a letter. Never changed once stored: a change adds a version."""

    letter_id: int
    number: int
    body: str
    change: str  # what made it: "drafted", "imported", "edited", "proofread: …", "undo of v3"
    parent: int | None  # the version it was made from
    sources: tuple[Source, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Letter:
    """A letter with its current (latest) version."""

    id: int
    user_id: int
    client_id: int | None
    recipient: str
    occasion: str
    origin: Origin
    favourite: bool
    written_on: datetime
    created_at: datetime
    current: Version

    @property
    def body(self) -> str:
        return self.current.body


class LetterStore(Protocol):
    async def client(self, user_id: int, name: str, now: datetime | None = None) -> Client | None:
        """The client named ``name`` (any of their names, any case); created when ``now`` is given."""
        ...

    async def clients(self, user_id: int) -> list[Client]: ...

    async def add_note(self, user_id: int, client_id: int, kind: NoteKind, text: str, now: datetime) -> ClientNote:
        ...

    async def notes(self, user_id: int, client_id: int) -> list[ClientNote]: ...

    async def create(
        self, user_id: int, recipient: str, occasion: str, origin: Origin, body: str, now: datetime,
        sources: Sequence[Source] = (), client_id: int | None = None, written_on: datetime | None = None,
    ) -> Letter: ...

    async def get(self, user_id: int, letter_id: int) -> Letter | None: ...

    async def many(self, user_id: int, ids: Sequence[int]) -> list[Letter]: ...

    async def browse(
        self, user_id: int, favourites: bool = False, client_id: int | None = None, origin: Origin | None = None,
        limit: int = 200,
    ) -> list[Letter]: ...

    async def revise(
        self, user_id: int, letter_id: int, body: str, change: str, now: datetime, parent: int | None = -1,
        sources: Sequence[Source] | None = None,
    ) -> Version:
        """Add a version made from ``parent`` (-1: the current one); earlier versions never change."""
        ...

    async def undo(self, user_id: int, letter_id: int, now: datetime) -> Version | None: ...

    async def versions(self, user_id: int, letter_id: int) -> list[Version]: ...

    async def set_favourite(self, user_id: int, letter_id: int, favourite: bool) -> bool: ...
