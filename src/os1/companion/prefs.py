"""A user's own settings over the operator's: which they may change and within which bounds (``allowed``), the
check of a change (``validate``), and what a session of theirs runs with (``personal``, ``user_deps``).

The rules that protect people hold whatever is stored: under-18 protections can be turned on by the user but only
turned off by the operator; the AI reminder may come more often than the operator's interval, never less often
(New York GBL §1702: at least every 3 hours). A stored value the operator's settings no longer allow is ignored,
so the operator's applies."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from os1.config import DEFAULT_MODEL, ModelSettings, Settings
from os1.errors import Os1Error
from os1.safety import crisis
from os1.store.prefs import KEYS, Value, prefs_of

if TYPE_CHECKING:
    from os1.companion.turn import Deps
    from os1.llm.base import Model

Kind = Literal["bool", "int", "number", "choice", "timezone"]
MIN_DISCLOSURE_H = 0.25
ELSEWHERE = "DEFAULT"  # the international directory of helplines, for a country without a service of its own
COUNTRY_NAMES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "IE": "Ireland", "AU": "Australia",
                 "NZ": "New Zealand", "DE": "Germany", "FR": "France", "IN": "India", ELSEWHERE: "Another country"}
# kind, low, high, step: the bounds that do not depend on the operator
_SPECS: dict[str, tuple[Kind, float | None, float | None, float | None]] = {
    "care.country": ("choice", None, None, None), "care.minor": ("bool", None, None, None),
    "care.disclosure_interval_hours": ("number", MIN_DISCLOSURE_H, None, 0.25),
    "initiative.enabled": ("bool", None, None, None), "initiative.daily_quota": ("int", 0, 10, 1),
    "initiative.quiet_start": ("int", 0, 23, 1), "initiative.quiet_end": ("int", 0, 23, 1),
    "initiative.timezone": ("timezone", None, None, None),
    "model.backend": ("choice", None, None, None), "model.max_reply_sentences": ("int", 1, 8, 1),
    "model.temperature": ("number", 0.0, 1.5, 0.1),
}
assert set(_SPECS) == KEYS, "every stored setting has its rule here"


class SettingsError(Os1Error):
    """A change the user may not make: ``forbidden`` when the operator's settings rule it out (HTTP 403), else
    the value itself is not valid (422)."""

    def __init__(self, code: str, message: str, hint: str | None = None, forbidden: bool = False) -> None:
        super().__init__(code, message, hint)
        self.forbidden = forbidden


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Allowed:
    """What a user may do with one setting: its kind, bounds or choices, and the operator's value (``default``)."""

    key: str
    kind: Kind
    editable: bool
    default: Value
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[Choice, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Personal:
    """The settings a user's session runs with, the backend they chose, and the overrides in effect."""

    settings: Settings
    backend: str
    overrides: Mapping[str, Value]


def _model_label(name: str, model: ModelSettings) -> str:
    """A backend as users see it: its name and the model's name, never its URL or key."""
    if model.backend == "llamacpp":
        return f"{name}: embedded" + (" (SmolLM2)" if not model.path else "")
    return f"{name}: {model.name or 'the server’s model'}"


def _choices(settings: Settings, key: str) -> tuple[Choice, ...]:
    if key == "care.country":
        found = [Choice(r.country, f"{COUNTRY_NAMES.get(r.country, r.country)}: {r.name}") for r in crisis.countries()]
        return (*found, Choice(ELSEWHERE, f"{COUNTRY_NAMES[ELSEWHERE]}: {crisis.resources_for(ELSEWHERE).name}"))
    return tuple(Choice(n, _model_label(n, m)) for n, m in settings.offered_models.items())


def _operator(settings: Settings, key: str, backend: str = DEFAULT_MODEL) -> Value:
    """The operator's value of ``key`` (for model settings, that of the chosen backend)."""
    section, name = key.split(".")
    if key == "model.backend":
        return DEFAULT_MODEL
    holder = settings.offered_models.get(backend, settings.model) if section == "model" else getattr(settings, section)
    value: Value = getattr(holder, name)
    return value


def allowed(settings: Settings) -> list[Allowed]:
    """Every setting a user may change, with its bounds under this operator's settings."""
    out = []
    for key, (kind, low, high, step) in _SPECS.items():
        default, editable, note = _operator(settings, key), True, ""
        choices = _choices(settings, key) if kind == "choice" else ()
        if key == "care.minor":
            editable = not settings.care.minor
            note = "Can be turned on here; only the service's operator can turn it off."
        elif key == "care.disclosure_interval_hours":
            high = settings.care.disclosure_interval_hours
            editable = high > MIN_DISCLOSURE_H
            note = f"At most every {high:g} hours: it may remind you more often, never less (NY GBL §1702)."
        elif key == "model.backend":
            editable = len(choices) > 1
        out.append(Allowed(key, kind, editable, default, low, high, step, choices, note))
    return out


def _bad(key: str, message: str, hint: str, code: str = "settings.bad_value") -> SettingsError:
    return SettingsError(code, f"{key}: {message}", hint)


def _number(key: str, value: Any, kind: Kind, low: float | None, high: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad(key, f"{value!r} is not a number", "send a number")
    if kind == "int" and value != int(value):
        raise _bad(key, f"{value!r} is not a whole number", "send a whole number")
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"from {low:g}" + (f" to {high:g}" if high is not None else "")
        raise _bad(key, f"{value:g} is out of range", f"choose a value {span}", "settings.out_of_range")
    return int(value) if kind == "int" else float(value)


def _timezone(key: str, value: Any) -> str | None:
    from zoneinfo import ZoneInfo

    if not isinstance(value, str):
        raise _bad(key, "a time zone is a name", "send an IANA name such as 'Europe/Paris'")
    if not value.strip():
        return None
    try:
        ZoneInfo(value.strip())
    except (ValueError, OSError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise _bad(key, f"{value!r} is not a time zone", "use an IANA name such as 'Europe/Paris'",
                   "settings.bad_timezone") from exc
    return value.strip()


def _one(settings: Settings, key: str, value: Any) -> Value | None:
    """The checked value of one setting (None for "the operator's")."""
    kind, low, high, _ = _SPECS[key]
    if kind == "bool":
        if not isinstance(value, bool):
            raise _bad(key, f"{value!r} is not true or false", "send true or false")
        return value
    if kind == "timezone":
        return _timezone(key, value)
    if kind == "choice":
        names = [c.value for c in _choices(settings, key)]
        picked = value
        if key == "care.country" and isinstance(value, str):
            picked = {"UK": "GB"}.get(value.strip().upper(), value.strip().upper())
        if picked not in names:
            what = "country with a crisis service here" if key == "care.country" else "backend this service offers"
            raise _bad(key, f"{value!r} is not a {what}", f"choose one of: {', '.join(names)}",
                       "settings.unknown_country" if key == "care.country" else "settings.unknown_backend")
        return str(picked)
    return _number(key, value, kind, low, high)


def _operator_rules(settings: Settings, key: str, value: Value) -> None:
    care = settings.care
    if key == "care.minor" and value is False and care.minor:
        raise SettingsError("settings.minor_locked", "under-18 protections are on for everyone on this service",
                            "only the service's operator can turn them off", forbidden=True)
    if key == "care.disclosure_interval_hours" and float(value) > care.disclosure_interval_hours:
        raise SettingsError(
            "settings.disclosure_too_long", f"a reminder every {float(value):g} hours is less often than this "
            f"service's {care.disclosure_interval_hours:g}",
            f"choose {care.disclosure_interval_hours:g} hours or less (New York GBL §1702: at least every 3 hours)",
            forbidden=True)


def validate(settings: Settings, changes: Mapping[str, Any], current: Mapping[str, Value] | None = None
             ) -> dict[str, Value | None]:
    """The changes as they are to be stored: each checked, ``None`` where it means the operator's value (sent as
    null, or equal to it). ``current``: the user's overrides now (which backend the model settings are for).
    Raises ``SettingsError`` for the first change not allowed."""
    unknown = set(changes) - KEYS
    if unknown:
        raise SettingsError("settings.unknown", f"no such setting: {', '.join(sorted(unknown))}",
                            f"settings you can change: {', '.join(sorted(KEYS))}")
    backend = str(changes.get("model.backend") or (current or {}).get("model.backend") or DEFAULT_MODEL)
    out: dict[str, Value | None] = {}
    for key in sorted(changes):
        raw = changes[key]
        value = None if raw is None else _one(settings, key, raw)
        if value is not None:
            _operator_rules(settings, key, value)
            theirs = _operator(settings, key, backend)
            if value == theirs and type(value) is type(theirs):  # the operator's own: nothing to keep
                value = None
        out[key] = value
    return out


def personal(settings: Settings, overrides: Mapping[str, Value], backends: Collection[str] | None = None) -> Personal:
    """The operator's settings with the user's overrides applied. An override the operator's settings no longer
    allow (or a backend not in ``backends``, those that can be opened) is left out: the operator's value holds."""
    kept: dict[str, Value] = {}
    backend = overrides.get("model.backend", DEFAULT_MODEL)
    if backends is not None and backend not in backends:
        backend = DEFAULT_MODEL
    for key, value in overrides.items():
        try:
            checked = validate(settings, {key: value}, {"model.backend": backend})[key]
        except SettingsError:
            continue
        if checked is not None and not (key == "model.backend" and checked != backend):
            kept[key] = checked
    backend = str(kept.get("model.backend", DEFAULT_MODEL))

    def section(name: str, base: Any) -> Any:
        return replace(base, **{k.split(".")[1]: v for k, v in kept.items() if k.startswith(name + ".")
                                and k != "model.backend"})

    effective = replace(settings, care=section("care", settings.care),
                        initiative=section("initiative", settings.initiative),
                        model=section("model", settings.offered_models[backend]))
    return Personal(effective, backend, kept)


class OfferedModels:
    """The models users may choose, by name: the default one already open, the others opened on first use (an
    OpenAI-compatible client connects only when it streams)."""

    def __init__(self, settings: Settings, default: Model,
                 build: Callable[[ModelSettings], Model] | None = None) -> None:
        self._settings = settings.offered_models
        self._open: dict[str, Model] = {DEFAULT_MODEL: default}
        self._build = build

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._settings)

    def get(self, name: str) -> Model:
        if name not in self._open:
            if self._build is None:
                from os1.llm import build_model

                self._build = build_model
            self._open[name] = self._build(self._settings[name])
        return self._open[name]


async def user_deps(deps: Deps, user_id: int) -> Deps:
    """The deps a session of ``user_id`` runs with: the operator's settings with the user's overrides, and the
    model they chose among those offered. ``deps`` as they are when the user changed nothing (or the store keeps
    no preferences)."""
    repo = prefs_of(deps.store)
    overrides = await repo.overrides(user_id) if repo is not None else {}
    if not overrides:
        return deps
    models = deps.models or OfferedModels(deps.settings, deps.model)
    mine = personal(deps.settings, overrides, models.names)
    model = deps.model if mine.backend == DEFAULT_MODEL else models.get(mine.backend)
    return replace(deps, settings=mine.settings, model=model)
