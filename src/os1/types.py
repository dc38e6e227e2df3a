"""Small frozen dataclasses shared by every capability."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock: aware UTC now. Everything that reads time takes a ``Clock`` so tests can move it."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message as a model sees it."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a streamed reply. ``finish_reason`` is set on the last chunk only; ``usage`` carries the
    backend's counts and timings where it sends them (on the last chunk, or on every chunk when asked)."""

    text: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class User:
    id: int
    handle: str
    display_name: str | None


@dataclass(frozen=True, slots=True)
class Companion:
    id: int
    user_id: int
    name: str
    voice: str
    traits: dict[str, float]
    profile: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    user_id: int
    companion_id: int
    started_at: datetime
    last_active_at: datetime
    last_disclosure_at: datetime | None


@dataclass(frozen=True, slots=True)
class Turn:
    """A stored turn of the transcript, the source of truth everything else derives from."""

    id: int
    user_id: int
    conversation_id: int
    role: Role
    content: str
    created_at: datetime
    completed: bool = True
    interrupted: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    speaker: str | None = None  # who spoke, when a transcript names its speakers (an imported chat)
    forgotten: bool = False  # taken out of recall by the user; the transcript keeps it


MemoryKind = Literal["fact", "person", "event", "preference", "moment", "experience", "summary", "diary"]
MEMORY_KINDS: tuple[str, ...] = ("fact", "person", "event", "preference", "moment", "experience", "summary", "diary")
LIFE_KINDS: tuple[str, ...] = ("fact", "person", "event", "preference")  # what the user shares about their life


@dataclass(frozen=True, slots=True)
class Memory:
    """Something the companion remembers, derived from the transcript and pointing back to it.

    ``text`` is the readable statement ("You live in Seattle."). ``key`` names the slot it fills ("home",
    "person:amy"): a newer item with the same key ends this one (``valid_to``) instead of deleting it, so
    "where did I live in 2022?" still has an answer. ``source_turn_ids`` is the provenance."""

    id: int
    user_id: int
    kind: MemoryKind
    text: str
    created_at: datetime
    key: str | None = None
    value: str | None = None
    subject: str = "user"
    importance: float = 0.5
    confidence: float = 0.8
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    source: str = "conversation"
    source_turn_ids: tuple[int, ...] = ()
    superseded_by: int | None = None

    @property
    def current(self) -> bool:
        return self.valid_to is None


@dataclass(frozen=True, slots=True)
class NewMemory:
    """What an extractor proposes; the store decides whether it is new, a duplicate, or supersedes another."""

    kind: MemoryKind
    text: str
    key: str | None = None
    value: str | None = None
    subject: str = "user"
    importance: float = 0.5
    confidence: float = 0.8
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    source: str = "conversation"
    source_turn_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class FeelingEvent:
    """Something that moved the companion, and the state (valence, arousal) it left it in."""

    at: datetime
    kind: str
    why: str
    valence_delta: float
    arousal_delta: float
    valence: float
    arousal: float
    turn_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Initiative:
    """Something the companion means to say first, when, and why (a follow-up, a greeting, a nudge)."""

    kind: str  # follow_up, greeting, tie
    subject: str  # what it is about; one initiative per (kind, subject)
    reason: str  # for the user: why it spoke up
    text: str
    due_at: datetime
    source_turn_id: int | None = None
    status: str = "pending"  # pending, said, dropped
    id: int | None = None


@dataclass(frozen=True, slots=True)
class BondEvent:
    """A step in the relationship: a stage reached, or a request the companion declined, and why."""

    at: datetime
    kind: str  # stage, refusal
    stage: str  # the stage after it
    reason: str
    turn_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Recalled:
    """One result of a recall search: text to put in context, where it came from, and how well it matched."""

    text: str
    score: float
    source: str
    ref_id: int | None = None
