"""The store's narrow interface. Every method that reads or writes a user's data is scoped by ``user_id``: a row
of another user is never seen. Two operator-level reads are not: ``Care.counts`` (aggregate counts for reports,
no content) and the job queue (``Jobs.claim``/``pending``, which the worker serves for all users).

A PostgreSQL implementation provides the same five repositories; callers only see these protocols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from os1.types import Companion, Conversation, Fact, Role, Turn, User


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    user_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


class Users(Protocol):
    async def ensure(self, handle: str) -> User: ...
    async def set_display_name(self, user_id: int, name: str) -> None: ...
    async def active_companion(self, user_id: int) -> Companion | None: ...
    async def create_companion(
        self, user_id: int, name: str, voice: str, traits: dict[str, float], profile: dict[str, Any], now: datetime
    ) -> Companion: ...


class Turns(Protocol):
    async def start_conversation(self, user_id: int, companion_id: int, now: datetime) -> Conversation: ...
    async def conversation(self, user_id: int, conversation_id: int) -> Conversation | None: ...
    async def previous_conversation(self, user_id: int, before_id: int) -> Conversation | None: ...
    async def touch(self, user_id: int, conversation_id: int, now: datetime, disclosed: bool = False) -> None: ...
    async def add(
        self,
        user_id: int,
        conversation_id: int,
        role: Role,
        content: str,
        now: datetime,
        completed: bool = True,
        meta: dict[str, Any] | None = None,
    ) -> Turn: ...
    async def update(
        self, user_id: int, turn_id: int, content: str, completed: bool, interrupted: bool = False
    ) -> None: ...
    async def set_meta(self, user_id: int, turn_id: int, meta: dict[str, Any]) -> None: ...
    async def recent(self, user_id: int, conversation_id: int, limit: int) -> list[Turn]: ...
    async def count(self, user_id: int, conversation_id: int) -> int: ...
    async def search(self, user_id: int, query: str, limit: int) -> list[tuple[Turn, float]]: ...
    async def recover_incomplete(self, user_id: int) -> int: ...


class Facts(Protocol):
    async def remember(
        self, user_id: int, key: str, value: str, statement: str, source_turn_id: int | None, now: datetime
    ) -> Fact: ...
    async def current(self, user_id: int) -> list[Fact]: ...


class Care(Protocol):
    async def record(
        self,
        user_id: int,
        conversation_id: int | None,
        turn_id: int | None,
        kind: str,
        level: str,
        rule: str,
        now: datetime,
    ) -> None: ...
    async def counts(self, since: datetime | None = None) -> dict[str, int]: ...


class Jobs(Protocol):
    async def enqueue(self, user_id: int, kind: str, payload: dict[str, Any], now: datetime) -> int: ...
    async def claim(self, limit: int, max_attempts: int = 3) -> list[Job]: ...
    async def finish(self, job_id: int, now: datetime, error: str | None = None) -> None: ...
    async def pending(self) -> int: ...


class Store(Protocol):
    @property
    def users(self) -> Users: ...
    @property
    def turns(self) -> Turns: ...
    @property
    def facts(self) -> Facts: ...
    @property
    def care(self) -> Care: ...
    @property
    def jobs(self) -> Jobs: ...

    async def close(self) -> None: ...
