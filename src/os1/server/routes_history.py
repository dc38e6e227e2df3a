"""Conversation history: the user's conversations, and the turns of one. Another user's conversation is 404."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from os1.server.auth import Principal, require_user
from os1.server.errors import SIGNED_IN, documented, not_found
from os1.server.queries import ConversationInfo
from os1.server.services import services_of
from os1.types import Turn

router = APIRouter(prefix="/api/conversations", tags=["conversations"], responses=SIGNED_IN)
MAX_ID = 2**62


class ConversationOut(BaseModel):
    id: int
    companion: str
    started_at: datetime
    last_active_at: datetime
    turns: int
    title: str | None = None


class TurnOut(BaseModel):
    id: int
    role: str
    text: str
    created_at: datetime
    completed: bool
    interrupted: bool
    speaker: str | None = None


class ConversationTurns(BaseModel):
    conversation: ConversationOut
    turns: list[TurnOut]


def conversation_out(c: ConversationInfo) -> ConversationOut:
    return ConversationOut(id=c.id, companion=c.companion, started_at=c.started_at, last_active_at=c.last_active_at,
                           turns=c.turns, title=c.title)


def turn_out(t: Turn) -> TurnOut:
    return TurnOut(id=t.id, role=t.role, text=t.content, created_at=t.created_at, completed=t.completed,
                   interrupted=t.interrupted, speaker=t.speaker)


@router.get("", response_model=list[ConversationOut])
async def conversations(
    request: Request, who: Principal = Depends(require_user),  # noqa: B008
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_ID),
) -> list[ConversationOut]:
    """Newest first; only conversations with at least one turn."""
    found = await services_of(request).queries.conversations(who.user_id, limit, offset)
    return [conversation_out(c) for c in found]


@router.get("/{conversation_id}", response_model=ConversationTurns, responses=documented(404))
async def conversation(
    conversation_id: int, request: Request, who: Principal = Depends(require_user),  # noqa: B008
    limit: int = Query(200, ge=1, le=2000, description="the last N turns"),
) -> ConversationTurns:
    services = services_of(request)
    if not 0 < conversation_id < MAX_ID:
        raise not_found("conversation", conversation_id)
    info = await services.queries.conversation(who.user_id, conversation_id)
    if info is None:
        raise not_found("conversation", conversation_id)
    turns = await services.deps.store.turns.recent(who.user_id, conversation_id, limit)
    return ConversationTurns(conversation=conversation_out(info), turns=[turn_out(t) for t in turns])
