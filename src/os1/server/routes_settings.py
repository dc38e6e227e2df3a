"""Settings: the user's own (their companion's voice; care, initiative and model settings within the bounds the
operator's config.toml allows, stored as overrides), and API keys for other clients (the key is shown once; only
its hash is kept)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from os1.companion.prefs import SettingsError, allowed, personal, validate
from os1.config import DEFAULT_MODEL
from os1.persona.identity import Voice
from os1.server.auth import KEY_PREFIX, Principal, new_token, require_user, token_hash
from os1.server.errors import SIGNED_IN, ApiError, documented, not_found
from os1.server.routes_history import MAX_ID
from os1.server.services import Services, services_of
from os1.store.prefs import SqlitePrefs, prefs_of

router = APIRouter(prefix="/api", tags=["settings"], responses=SIGNED_IN)
Scalar = bool | int | float | str


class CareOut(BaseModel):
    country: str = Field(description="whose crisis services a crisis reply names (ISO code; DEFAULT: a directory)")
    minor: bool = Field(description="under-18 protections (no romance or sexual content, break reminders)")
    disclosure_interval_hours: float = Field(description="how often it reminds that it is an AI")


class InitiativeOut(BaseModel):
    enabled: bool = Field(description="whether the companion may speak first")
    daily_quota: int = Field(description="at most this many times a day")
    quiet_start: int = Field(description="quiet hours start at this hour (local time)")
    quiet_end: int = Field(description="quiet hours end at this hour")
    timezone: str = Field(description="IANA time zone of the quiet hours; empty: the server's")


class ModelPrefsOut(BaseModel):
    backend: str = Field(description="the backend chosen among those the service offers (\"default\": its own)")
    label: str = Field(description="the backend's name and its model's name (never its address)")
    max_reply_sentences: int = Field(description="a reply ends after this many sentences (0: no limit)")
    temperature: float = Field(description="creativity: higher is more varied, lower more predictable")


class ChoiceOut(BaseModel):
    value: str
    label: str


class FieldOut(BaseModel):
    key: str = Field(description="section.name, as in PATCH /api/settings")
    kind: str = Field(description="bool, int, number, choice or timezone (an IANA name)")
    editable: bool = Field(description="whether this user may change it on this service")
    overridden: bool = Field(description="whether the value is the user's own (else the service's)")
    default: Scalar = Field(description="the service's value")
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: list[ChoiceOut] = Field(default_factory=list)
    note: str = ""


class SettingsOut(BaseModel):
    voice: str | None = Field(None, description="the companion's voice: female, male or neutral")
    care: CareOut
    initiative: InitiativeOut
    model: ModelPrefsOut
    fields: list[FieldOut] = Field(description="per setting: whether it can be changed, and within what")


class CareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    country: str | None = Field(None, max_length=16, description="a country code from the field's choices")
    minor: bool | None = Field(None, description="true turns under-18 protections on (off only if the service's are)")
    disclosure_interval_hours: float | None = Field(None, description="no longer than the service's interval")


class InitiativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    daily_quota: int | None = Field(None, description="0 to 10")
    quiet_start: int | None = Field(None, description="0 to 23")
    quiet_end: int | None = Field(None, description="0 to 23")
    timezone: str | None = Field(None, max_length=64, description="an IANA name such as Europe/Paris")


class ModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backend: str | None = Field(None, max_length=64, description="one of the backends the service offers")
    max_reply_sentences: int | None = Field(None, description="1 to 8")
    temperature: float | None = Field(None, description="0 to 1.5")


class SettingsIn(BaseModel):
    """A partial update: only the settings sent change; a setting sent as null goes back to the service's value."""

    model_config = ConfigDict(extra="forbid")
    voice: Voice | None = Field(None, description="the companion's voice")
    care: CareIn | None = None
    initiative: InitiativeIn | None = None
    model: ModelIn | None = None


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


def _prefs(services: Services) -> SqlitePrefs:
    repo = prefs_of(services.deps.store)
    assert repo is not None, "build_services needs a store with a runner"
    return repo


async def _settings(services: Services, user_id: int) -> SettingsOut:
    deps = services.deps
    companion = await deps.store.users.active_companion(user_id)
    names = deps.models.names if deps.models is not None else (DEFAULT_MODEL,)
    mine = personal(deps.settings, await _prefs(services).overrides(user_id), names)
    care, initiative, model = mine.settings.care, mine.settings.initiative, mine.settings.model
    fields = [FieldOut(key=a.key, kind=a.kind, editable=a.editable, overridden=a.key in mine.overrides,
                       default=a.default, min=a.low, max=a.high, step=a.step, note=a.note,
                       choices=[ChoiceOut(value=c.value, label=c.label) for c in a.choices])
              for a in allowed(deps.settings)]
    label = next((c.label for f in fields if f.key == "model.backend" for c in f.choices if c.value == mine.backend),
                 mine.backend)
    return SettingsOut(
        voice=companion.voice if companion else None,
        care=CareOut(country=care.country, minor=care.minor, disclosure_interval_hours=care.disclosure_interval_hours),
        initiative=InitiativeOut(enabled=initiative.enabled, daily_quota=initiative.daily_quota,
                                 quiet_start=initiative.quiet_start, quiet_end=initiative.quiet_end,
                                 timezone=initiative.timezone),
        model=ModelPrefsOut(backend=mine.backend, label=label, max_reply_sentences=model.max_reply_sentences,
                            temperature=model.temperature),
        fields=fields)


def _flat(changes: SettingsIn) -> dict[str, Any]:
    """The settings sent, as "section.name" keys (an explicit null kept: it means "the service's value")."""
    sent = changes.model_dump(exclude_unset=True)
    return {f"{section}.{name}": value for section in ("care", "initiative", "model")
            for name, value in (sent.get(section) or {}).items()}


@router.get("/settings", response_model=SettingsOut)
async def get_settings(request: Request, who: Principal = Depends(require_user)) -> SettingsOut:  # noqa: B008
    """The settings in effect for the user, and per setting whether and how they may change it."""
    return await _settings(services_of(request), who.user_id)


@router.patch("/settings", response_model=SettingsOut, responses=documented(409))
async def update_settings(
    changes: SettingsIn, request: Request, who: Principal = Depends(require_user),  # noqa: B008
) -> SettingsOut:
    """Change some settings; the rest stay. 403 when the service's own settings rule a change out (turning
    under-18 protections off, reminding less often than the service does); 422 for a value out of its bounds.
    Sessions begun afterwards use the new settings."""
    services = services_of(request)
    repo = _prefs(services)
    try:
        checked = validate(services.deps.settings, _flat(changes), await repo.overrides(who.user_id))
    except SettingsError as exc:
        raise ApiError(403 if exc.forbidden else 422, exc.code, exc.message, exc.hint) from exc
    if changes.voice is not None and not await services.queries.set_voice(who.user_id, changes.voice):
        raise ApiError(409, "companion.not_set_up", "no companion yet", hint="POST /api/setup first")
    if checked:
        await repo.update(who.user_id, checked, services.deps.clock())
    return await _settings(services, who.user_id)


@router.delete("/settings/overrides", response_model=SettingsOut)
async def reset_settings(request: Request, who: Principal = Depends(require_user)) -> SettingsOut:  # noqa: B008
    """Back to the service's settings: the user's own care, initiative and model settings are removed (the
    companion's voice stays)."""
    services = services_of(request)
    await _prefs(services).clear(who.user_id)
    return await _settings(services, who.user_id)


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
