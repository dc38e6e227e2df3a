"""What the companion remembers, in the user's hands: list, search, one item with its history, correct, forget,
export. Another user's item is 404, exactly like a missing one."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from os1.server.auth import Principal, require_user
from os1.server.errors import SIGNED_IN, ApiError, documented, not_found
from os1.server.routes_history import MAX_ID
from os1.server.services import services_of
from os1.types import Memory

router = APIRouter(prefix="/api/memories", tags=["memories"], responses=SIGNED_IN)
Kind = Literal["fact", "person", "event", "preference", "moment", "experience", "summary", "diary"]
PAGE = 500
MemoryId = Path(ge=1, le=MAX_ID)


class MemoryOut(BaseModel):
    id: int
    kind: str
    text: str
    key: str | None = None
    value: str | None = None
    subject: str
    importance: float
    confidence: float
    created_at: datetime
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    source: str
    source_turn_ids: list[int]
    superseded_by: int | None = None
    current: bool


class Found(BaseModel):
    score: float
    memory: MemoryOut


class MemoryDetail(BaseModel):
    memory: MemoryOut
    history: list[MemoryOut] = Field(description="every version of the same slot, oldest first")


class Correction(BaseModel):
    text: str = Field(min_length=1, max_length=4000, description="the corrected statement")


class Export(BaseModel):
    format: str = "os1.memories"
    version: int = 1
    user: str
    exported_at: datetime
    count: int
    memories: list[MemoryOut]


def memory_out(m: Memory) -> MemoryOut:
    return MemoryOut(id=m.id, kind=m.kind, text=m.text, key=m.key, value=m.value, subject=m.subject,
                     importance=m.importance, confidence=m.confidence, created_at=m.created_at,
                     valid_from=m.valid_from, valid_to=m.valid_to, source=m.source,
                     source_turn_ids=list(m.source_turn_ids), superseded_by=m.superseded_by, current=m.current)


@router.get("", response_model=list[MemoryOut])
async def memories(
    request: Request, who: Principal = Depends(require_user),  # noqa: B008
    kind: Kind | None = None, include_ended: bool = False,
    limit: int = Query(50, ge=1, le=PAGE), offset: int = Query(0, ge=0, le=MAX_ID),
) -> list[MemoryOut]:
    """Newest first; current items only unless ``include_ended``."""
    items = await services_of(request).deps.store.memories.browse(who.user_id, kind, include_ended, limit, offset)
    return [memory_out(m) for m in items]


@router.get("/search", response_model=list[Found])
async def search(
    request: Request, who: Principal = Depends(require_user),  # noqa: B008
    q: str = Query(min_length=1, max_length=1000), limit: int = Query(10, ge=1, le=100),
) -> list[Found]:
    """Remembered items matching the words of ``q`` (stemmed BM25), best first."""
    found = await services_of(request).deps.store.memories.search(who.user_id, q, limit)
    return [Found(score=round(score, 4), memory=memory_out(m)) for m, score in found]


@router.get("/export", response_model=Export)
async def export(request: Request, who: Principal = Depends(require_user)) -> Export:  # noqa: B008
    """Everything remembered, ended versions included, oldest first."""
    services = services_of(request)
    items: list[Memory] = []
    while True:
        page = await services.deps.store.memories.browse(who.user_id, include_ended=True, limit=PAGE,
                                                         offset=len(items))
        items += page
        if len(page) < PAGE:
            break
    items.sort(key=lambda m: m.id)
    return Export(user=who.username, exported_at=services.deps.clock(), count=len(items),
                  memories=[memory_out(m) for m in items])


async def _mine(request: Request, user_id: int, memory_id: int) -> Memory:
    item = await services_of(request).deps.store.memories.get(user_id, memory_id)
    if item is None:
        raise not_found("memory", memory_id)
    return item


@router.get("/{memory_id}", response_model=MemoryDetail, responses=documented(404))
async def memory(request: Request, memory_id: int = MemoryId, who: Principal = Depends(require_user)) -> MemoryDetail:  # noqa: B008
    item = await _mine(request, who.user_id, memory_id)
    store = services_of(request).deps.store
    history = await store.memories.history(who.user_id, item.key) if item.key else [item]
    return MemoryDetail(memory=memory_out(item), history=[memory_out(m) for m in history])


@router.patch("/{memory_id}", response_model=MemoryOut, responses=documented(404, 409))
async def correct(
    correction: Correction, request: Request, memory_id: int = MemoryId,
    who: Principal = Depends(require_user),  # noqa: B008
) -> MemoryOut:
    """Correct an item: the correction becomes the current version; the old one is kept, ended."""
    item = await _mine(request, who.user_id, memory_id)
    if not item.current:
        raise ApiError(409, "memory.ended", f"#{item.id} is an earlier version",
                       hint=f"correct the current one, #{item.superseded_by}" if item.superseded_by else None)
    deps = services_of(request).deps
    return memory_out(await deps.store.memories.edit(who.user_id, item.id, correction.text, deps.clock()))


@router.delete("/{memory_id}", status_code=204, responses=documented(404))
async def forget(
    request: Request, memory_id: int = MemoryId, keep_source: bool = False,
    who: Principal = Depends(require_user),  # noqa: B008
) -> Response:
    """Forget an item for good (never learned again); its source turns leave recall unless ``keep_source``."""
    deps = services_of(request).deps
    if not await deps.store.memories.forget(who.user_id, memory_id, deps.clock(), with_source=not keep_source):
        raise not_found("memory", memory_id)
    return Response(status_code=204)


