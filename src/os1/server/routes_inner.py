"""The companion's side, for the web app's header and timeline: its name, voice, mood now and why, the
relationship's stage and history (as ``os1 relationship`` shows them), the timeline chart as SVG, and what this
service runs (model backend, voice), read-only. Each for the signed-in user's own companion only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from os1 import __version__
from os1.companion.inner import mood_now, stage_after
from os1.companion.timeline import render_svg, timeline
from os1.errors import NotSetUpError
from os1.persona.feelings import mood_name
from os1.server.auth import Principal, require_user
from os1.server.errors import SIGNED_IN, documented
from os1.server.services import services_of
from os1.types import Companion

router = APIRouter(prefix="/api", tags=["inner life"], responses=SIGNED_IN)
HISTORY = 200


class CauseOut(BaseModel):
    kind: str
    why: str
    valence: float
    arousal: float


class MoodOut(BaseModel):
    name: str = Field(description="the named mood nearest its state: content, wistful, worried…")
    valence: float = Field(description="-1 (low) .. 1 (glad)")
    arousal: float = Field(description="0 (calm) .. 1 (stirred)")
    causes: list[CauseOut] = Field(description="what moved it within the last day, newest first")


class BondOut(BaseModel):
    at: datetime
    kind: str = Field(description="stage, refusal or growth")
    stage: str
    reason: str


class InnerOut(BaseModel):
    name: str
    voice: str
    met: datetime
    mood: MoodOut
    stage: str = Field(description="new acquaintance, friend, close friend or partner")
    history: list[BondOut] = Field(description="stage changes, declined requests and growth, oldest first")


class ModelOut(BaseModel):
    backend: str
    name: str = Field(description="the model's name for an OpenAI-compatible backend; empty when embedded")


class ServiceOut(BaseModel):
    version: str
    model: ModelOut
    voice: bool = Field(description="whether /ws takes speech (os1 serve --voice)")


async def _companion(request: Request, user_id: int) -> Companion:
    companion = await services_of(request).deps.store.users.active_companion(user_id)
    if companion is None:
        raise NotSetUpError("companion.not_set_up", "no companion yet", hint="POST /api/setup first")
    return companion


@router.get("/inner", response_model=InnerOut, responses=documented(409))
async def inner(request: Request, who: Principal = Depends(require_user)) -> InnerOut:  # noqa: B008
    """Its name and voice, how it feels now and why, and where the relationship is (409 before setup)."""
    deps = services_of(request).deps
    companion = await _companion(request, who.user_id)
    mood, causes = await mood_now(deps.store, who.user_id, companion, deps.clock())
    history = sorted(await deps.store.bond.history(who.user_id, companion.id, HISTORY), key=lambda e: e.at)
    return InnerOut(
        name=companion.name, voice=companion.voice, met=companion.created_at,
        mood=MoodOut(name=mood_name(mood), valence=round(mood.valence, 3), arousal=round(mood.arousal, 3),
                     causes=[CauseOut(kind=c.kind, why=c.why, valence=c.valence, arousal=c.arousal) for c in causes]),
        stage=stage_after(history),
        history=[BondOut(at=e.at, kind=e.kind, stage=e.stage, reason=e.reason) for e in history],
    )


SVG: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}},
             "description": "the chart: an SVG document with a title and a description for screen readers"}}


@router.get("/timeline.svg", response_class=Response, responses={**SVG, **documented(409)})
async def timeline_svg(
    request: Request, who: Principal = Depends(require_user),  # noqa: B008
    width: int = Query(860, ge=320, le=4000), height: int = Query(320, ge=200, le=2000),
) -> Response:
    """The relationship and the companion's mood over time (as ``os1 relationship --chart``)."""
    deps = services_of(request).deps
    companion = await _companion(request, who.user_id)
    svg = render_svg(await timeline(deps.store, who.user_id, companion, deps.clock()), width, height)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/service", response_model=ServiceOut, tags=["service"])
async def service(request: Request, who: Principal = Depends(require_user)) -> ServiceOut:  # noqa: B008
    """What this service runs: the model backend (set by the operator in config.toml) and whether it takes
    speech. Read-only; nothing secret (no URL, no key)."""
    services = services_of(request)
    model = services.deps.settings.model
    return ServiceOut(version=__version__, model=ModelOut(backend=model.backend, name=model.name),
                      voice=services.voice is not None)
