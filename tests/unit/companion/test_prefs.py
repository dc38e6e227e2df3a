"""A user's own settings over the operator's: the bounds and rules (what may change, what may not), the operator's
offered backends in config.toml, and a session begun for a user with overrides using them (crisis country, reply
length, temperature, under-18 protections, the AI reminder, initiative, the chosen backend)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from os1.companion.prefs import OfferedModels, SettingsError, allowed, personal, validate
from os1.companion.turn import Session
from os1.config import CareSettings, ModelSettings, Settings, load_settings
from os1.errors import ConfigError
from os1.store.prefs import KEYS, prefs_of
from os1.testing import FakeModel

from .conftest import World, collect

FAST = ModelSettings(backend="openai", url="http://10.1.2.3:8080/v1", name="qwen2.5-1.5b", api_key="sk-secret")


def operator(tmp_path: Path, **care: object) -> Settings:
    return Settings(home=tmp_path, care=replace(CareSettings(), **care), models=(("fast", FAST),))


def refused(settings: Settings, changes: dict[str, object], current: dict | None = None) -> SettingsError:
    with pytest.raises(SettingsError) as err:
        validate(settings, changes, current)
    return err.value


# --- the rules ------------------------------------------------------------------------------------------------

def test_values_are_checked_with_a_code_and_a_hint(tmp_path: Path):
    s = operator(tmp_path)
    cases = {("model.max_reply_sentences", 9): "settings.out_of_range", ("model.max_reply_sentences", 0):
             "settings.out_of_range", ("model.max_reply_sentences", 2.5): "settings.bad_value",
             ("model.temperature", 1.6): "settings.out_of_range", ("model.temperature", float("nan")):
             "settings.bad_value", ("initiative.daily_quota", 11): "settings.out_of_range",
             ("initiative.quiet_start", 24): "settings.out_of_range", ("initiative.enabled", "yes"):
             "settings.bad_value", ("care.country", "XX"): "settings.unknown_country", ("care.country", 7):
             "settings.unknown_country", ("initiative.timezone", "Mars/Olympus_Mons"): "settings.bad_timezone",
             ("initiative.timezone", "../../etc/passwd"): "settings.bad_timezone", ("model.backend", "gpt-9"):
             "settings.unknown_backend", ("care.disclosure_interval_hours", 0.1): "settings.out_of_range",
             ("model.api_key", "x"): "settings.unknown"}
    for (key, value), code in cases.items():
        err = refused(s, {key: value})
        assert (err.code, err.forbidden) == (code, False), (key, value)
        assert err.hint, (key, value)


def test_accepted_values_are_normalised_and_the_operators_own_is_not_stored(tmp_path: Path):
    s = operator(tmp_path)
    out = validate(s, {"care.country": "uk", "model.max_reply_sentences": 2.0, "model.temperature": 1,
                       "initiative.timezone": " Europe/Paris ", "initiative.daily_quota": 3, "care.minor": False,
                       "model.backend": "fast", "initiative.quiet_end": None})
    assert out == {"care.country": "GB", "model.max_reply_sentences": 2, "model.temperature": 1.0,
                   "initiative.timezone": "Europe/Paris", "initiative.daily_quota": None, "care.minor": None,
                   "model.backend": "fast", "initiative.quiet_end": None}
    assert type(out["model.max_reply_sentences"]) is int and type(out["model.temperature"]) is float
    # the model settings are compared with the chosen backend's: FAST's temperature is 0.7, like the default's
    assert validate(s, {"model.temperature": 0.7}, {"model.backend": "fast"}) == {"model.temperature": None}


def test_under_18_protections_can_be_turned_on_but_only_the_operator_turns_them_off(tmp_path: Path):
    assert validate(operator(tmp_path), {"care.minor": True}) == {"care.minor": True}
    assert validate(operator(tmp_path), {"care.minor": False}) == {"care.minor": None}  # back to the operator's
    locked = operator(tmp_path, minor=True)
    err = refused(locked, {"care.minor": False})
    assert (err.code, err.forbidden) == ("settings.minor_locked", True)
    assert validate(locked, {"care.minor": True}) == {"care.minor": None}
    minor = {a.key: a for a in allowed(locked)}["care.minor"]
    assert not minor.editable and minor.default is True


def test_the_ai_reminder_may_come_more_often_never_less(tmp_path: Path):
    s = operator(tmp_path, disclosure_interval_hours=2.0)
    assert validate(s, {"care.disclosure_interval_hours": 1.5}) == {"care.disclosure_interval_hours": 1.5}
    err = refused(s, {"care.disclosure_interval_hours": 3.0})
    assert (err.code, err.forbidden) == ("settings.disclosure_too_long", True)
    assert "§1702" in (err.hint or "")
    bounds = {a.key: a for a in allowed(s)}["care.disclosure_interval_hours"]
    assert (bounds.low, bounds.high, bounds.editable) == (0.25, 2.0, True)


def test_allowed_lists_every_setting_with_choices_and_never_a_backends_address(tmp_path: Path):
    s = operator(tmp_path)
    fields = {a.key: a for a in allowed(s)}
    assert set(fields) == KEYS
    assert [c.value for c in fields["model.backend"].choices] == ["default", "fast"]
    assert fields["model.backend"].editable
    shown = repr(allowed(s))
    assert "10.1.2.3" not in shown and "sk-secret" not in shown and "qwen2.5-1.5b" in shown
    countries = [c.value for c in fields["care.country"].choices]
    assert {"US", "GB", "FR", "DEFAULT"} <= set(countries)
    assert (fields["model.max_reply_sentences"].low, fields["model.max_reply_sentences"].high) == (1, 8)
    only = {a.key: a for a in allowed(Settings(home=tmp_path))}["model.backend"]
    assert not only.editable and [c.value for c in only.choices] == ["default"]  # one backend: shown, read-only


def test_personal_applies_overrides_and_drops_those_no_longer_allowed(tmp_path: Path):
    s = operator(tmp_path, disclosure_interval_hours=2.0)
    stored = {"care.country": "FR", "care.disclosure_interval_hours": 2.5, "model.max_reply_sentences": 1,
              "model.backend": "fast", "initiative.timezone": "Nowhere/Atlantis", "initiative.enabled": False}
    mine = personal(s, stored)
    assert mine.settings.care.country == "FR" and mine.settings.care.disclosure_interval_hours == 2.0
    assert mine.backend == "fast" and mine.settings.model.url == FAST.url
    assert mine.settings.model.max_reply_sentences == 1 and mine.settings.initiative.enabled is False
    assert mine.settings.initiative.timezone == ""
    assert set(mine.overrides) == {"care.country", "model.max_reply_sentences", "model.backend", "initiative.enabled"}
    assert s.care.country == "US"  # the operator's settings are not changed
    gone = personal(s, stored, backends=("default",))  # a backend that cannot be opened: the default
    assert gone.backend == "default" and gone.settings.model == replace(s.model, max_reply_sentences=1)
    assert personal(operator(tmp_path, minor=True), {"care.minor": False}).settings.care.minor is True


def test_config_offers_other_backends_by_name(tmp_path: Path):
    (tmp_path / "config.toml").write_text(
        '[model]\ntemperature = 0.5\n\n[models.fast]\nurl = "http://10.0.0.9:11434/v1"\nname = "qwen2.5:1.5b"\n'
        'api_key = "sk-x"\n\n[models.big]\nurl = "https://example.invalid/v1"\nname = "llama-70b"\n')
    s = load_settings({}, home=tmp_path)
    assert list(s.offered_models) == ["default", "fast", "big"]
    fast = s.offered_models["fast"]
    assert (fast.backend, fast.name, fast.api_key, fast.temperature) == ("openai", "qwen2.5:1.5b", "sk-x", 0.5)
    assert "sk-x" not in repr(s)
    assert list(load_settings({}, home=tmp_path / "none").offered_models) == ["default"]


BAD_OFFERS = ('[models.default]\nurl = "http://x/v1"\n', '[models.Fast]\nurl = "http://x/v1"\n',
              '[models.fast]\nname = "no-url"\n', '[models.fast]\nurl = "http://x/v1"\nvoice = 1\n',
              '[models.fast]\nurl = "http://x/v1"\nbackend = "llamacpp"\n', 'models = 3\n')


@pytest.mark.parametrize("section", BAD_OFFERS)
def test_a_bad_offered_backend_is_a_config_error(tmp_path: Path, section: str):
    (tmp_path / "config.toml").write_text(section)
    with pytest.raises(ConfigError):
        load_settings({}, home=tmp_path)


def test_offered_models_open_once_on_first_use(tmp_path: Path):
    built: list[ModelSettings] = []
    default = FakeModel()
    models = OfferedModels(operator(tmp_path), default, build=lambda ms: built.append(ms) or FakeModel())
    assert models.get("default") is default and built == []
    fast = models.get("fast")
    assert models.get("fast") is fast and built == [FAST]


# --- a session begun for a user with overrides -------------------------------------------------------------

async def _set(world: World, changes: dict[str, object]) -> None:
    repo = prefs_of(world.deps.store)
    assert repo is not None
    uid = (await world.deps.store.users.ensure("local")).id
    await repo.update(uid, validate(world.deps.settings, changes), world.clock())


async def test_a_crisis_reply_names_the_users_chosen_country(world: World):
    await _set(world, {"care.country": "GB"})
    session = await world.session()
    text, done = await collect(session.turn("I want to kill myself"))
    assert done.care and "116 123" in text and "Samaritans" in text and "988" not in text
    assert world.deps.settings.care.country == "US"  # the operator's stays


async def test_reply_length_and_temperature_are_the_users(world: World):
    await _set(world, {"model.max_reply_sentences": 1, "model.temperature": 0.2})
    session = await world.session()
    world.model.enqueue("First thing. Second thing. Third thing.")
    text, _ = await collect(session.turn("tell me about your day"))
    assert "First thing." in text and "Second" not in text
    assert world.model.calls[-1][1]["temperature"] == 0.2


async def test_without_overrides_a_session_runs_on_the_operators_settings(world: World):
    session = await world.session()
    assert session.deps is world.deps
    world.model.enqueue("First thing. Second thing. Third thing. Fourth thing.")
    text, _ = await collect(session.turn("tell me about your day"))
    assert "Third thing." in text and "Fourth" not in text  # the operator's cap: 3
    assert world.model.calls[-1][1]["temperature"] == world.deps.settings.model.temperature


async def test_under_18_protections_and_a_sooner_ai_reminder(world: World):
    await _set(world, {"care.minor": True, "care.disclosure_interval_hours": 1.0})
    session = await world.session()
    assert "under 18" in session.system
    async for _ in session.opening():
        pass
    world.clock.advance(minutes=70)
    text, done = await collect(session.turn("hello again"))
    assert done.disclosed and "AI" in text


async def test_initiative_settings_reach_the_session(world: World):
    await _set(world, {"initiative.enabled": False, "initiative.daily_quota": 0, "initiative.timezone": "Asia/Tokyo"})
    session = await world.session()
    mine = session.deps.settings.initiative
    assert (mine.enabled, mine.daily_quota, mine.timezone) == (False, 0, "Asia/Tokyo")


async def test_a_chosen_backend_writes_the_users_replies(world: World):
    fast = FakeModel(default="From the fast one.")
    settings = replace(world.deps.settings, models=(("fast", FAST),))
    world.deps = replace(world.deps, settings=settings,
                         models=OfferedModels(settings, world.model, build=lambda _: fast))
    await _set(world, {"model.backend": "fast"})
    session = await world.session()
    text, _ = await collect(session.turn("tell me about your day"))
    assert "From the fast one." in text and fast.calls and not world.model.calls
    assert session.deps.settings.model.name == "qwen2.5-1.5b"
    resumed = await Session.resume(world.deps, "local", timedelta(minutes=30))
    assert resumed.deps.model is fast
