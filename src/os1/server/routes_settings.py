"""Settings the user owns (their companion's voice), the service's care settings (read-only: they are the
operator's, in config.toml), and API keys for other clients (the key is shown once; only its hash is kept)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from os1.persona.identity import Voice
from os1.server.auth import KEY_PREFIX, Principal, new_token, require_user, token_hash
from os1.server.errors import SIGNED_IN, ApiError, documented, not_found
from os1.server.routes_history import MAX_ID
from os1.server.services import services_of

router = APIRouter(prefix="/api", tags=["settings"], responses=SIGNED_IN)


class CareOut(BaseModel):
    country: str
    minor: bool
    disclosure_interval_hours: float


class SettingsOut(BaseModel):
    voice: str | None = Field(None, description="the companion's voice: female, male or neutral")
    care: CareOut


class SettingsIn(BaseModel):
    voice: Voice = Field(description="the companion's voice")


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="what the key is for, e.g. 'my chat app'")


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="the key's first characters, to recognise it")
    created_at: datetime
    revoked_at: datetime | None = None


class NewKey(KeyOut):
    key: str = Field(description="the API key itself: shown this once, never again")


async def _settings(request: Request, user_id: int) -> SettingsOut:
    deps = services_of(request).deps
    companion = await deps.store.users.active_companion(user_id)
    care = deps.settings.care
    return SettingsOut(voice=companion.voice if companion else None,
                       care=CareOut(country=care.country, minor=care.minor,
                                    disclosure_interval_hours=care.disclosure_interval_hours))


@router.get("/settings", response_model=SettingsOut)
async def get_settings(request: Request, who: Principal = Depends(require_user)) -> SettingsOut:  # noqa: B008
    return await _settings(request, who.user_id)


@router.patch("/settings", response_model=SettingsOut, responses=documented(409))
async def update_settings(
    changes: SettingsIn, request: Request, who: Principal = Depends(require_user),  # noqa: B008
) -> SettingsOut:
    if not await services_of(request).queries.set_voice(who.user_id, changes.voice):
        raise ApiError(409, "companion.not_set_up", "no companion yet", hint="POST /api/setup first")
    return await _settings(request, who.user_id)


@router.get("/keys", response_model=list[KeyOut], tags=["keys"])
async def keys(request: Request, who: Principal = Depends(require_user)) -> list[KeyOut]:  # noqa: B008
    found = await services_of(request).accounts.keys(who.user_id)
    return [KeyOut(id=k.id, name=k.name, prefix=k.prefix, created_at=k.created_at, revoked_at=k.revoked_at)
            for k in found]


@router.post("/keys", status_code=201, response_model=NewKey, tags=["keys"])
async def create_key(new: KeyIn, request: Request, who: Principal = Depends(require_user)) -> NewKey:  # noqa: B008
    """A per-user API key for /v1/chat/completions and the API (Authorization: Bearer os1k_…)."""
    services = services_of(request)
    key = new_token(KEY_PREFIX)
    made = await services.accounts.add_key(who.user_id, token_hash(key), key[: len(KEY_PREFIX) + 6],
                                           new.name.strip() or "key", services.deps.clock())
    return NewKey(id=made.id, name=made.name, prefix=made.prefix, created_at=made.created_at, key=key)


@router.delete("/keys/{key_id}", status_code=204, tags=["keys"], responses=documented(404))
async def revoke_key(request: Request, key_id: int = Path(ge=1, le=MAX_ID),
                     who: Principal = Depends(require_user)) -> Response:  # noqa: B008
    services = services_of(request)
    if not await services.accounts.revoke_key(who.user_id, key_id, services.deps.clock()):
        raise not_found("key", key_id)
    return Response(status_code=204)
