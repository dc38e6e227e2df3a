"""GET/PATCH /api/settings and DELETE /api/settings/overrides: a user's own care, initiative and model settings
within the operator's bounds, per user, and used by the user's next conversation over /ws."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from os1.companion.prefs import OfferedModels
from os1.config import CareSettings, ModelSettings
from os1.server.app import create_app
from os1.server.services import build_services
from os1.testing import FakeModel

from .conftest import Server, build_server, chat, signup

FAST = ModelSettings(backend="openai", url="http://10.9.8.7:8080/v1", name="qwen2.5-1.5b", api_key="sk-very-secret")


@pytest.fixture
def offering(tmp_path: Path) -> Iterator[tuple[Server, FakeModel]]:
    """A server whose operator offers a second backend ("fast", a fake here) and has under-18 protections on."""
    _, services, model, clock, store = build_server(tmp_path)
    fast = FakeModel(default="Fast and short.")
    settings = replace(services.deps.settings, models=(("fast", FAST),),
                       care=CareSettings(minor=True, disclosure_interval_hours=2.0))
    deps = replace(services.deps, settings=settings, models=OfferedModels(settings, model, build=lambda _: fast))
    services = build_services(deps, services.config, services.worker)
    app = create_app(services)
    with TestClient(app) as client:
        yield Server(client, app, services, model, clock, store), fast
    asyncio.run(store.close())


def fields(body: dict) -> dict[str, dict]:
    return {f["key"]: f for f in body["fields"]}


def error(r) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


def test_get_shows_the_operators_values_and_what_may_change(server):
    theo = signup(server.client, "theo")
    body = server.client.get("/api/settings", headers=theo.auth).json()
    assert body["care"] == {"country": "US", "minor": False, "disclosure_interval_hours": 3.0}
    assert body["initiative"]["daily_quota"] == 3 and body["model"]["backend"] == "default"
    f = fields(body)
    assert (f["model.max_reply_sentences"]["min"], f["model.max_reply_sentences"]["max"]) == (1, 8)
    assert (f["model.temperature"]["min"], f["model.temperature"]["max"]) == (0, 1.5)
    assert f["care.disclosure_interval_hours"]["max"] == 3.0 and f["care.minor"]["editable"]
    assert not f["model.backend"]["editable"]  # only the operator's own: shown, read-only
    assert "GB" in [c["value"] for c in f["care.country"]["choices"]]
    assert not any(x["overridden"] for x in body["fields"])


def test_a_change_is_kept_per_user_and_reset_to_the_operators(server):
    theo, ana = signup(server.client, "theo"), signup(server.client, "ana")
    r = server.client.patch("/api/settings", headers=theo.auth, json={
        "care": {"country": "GB"}, "model": {"max_reply_sentences": 2, "temperature": 0.4},
        "initiative": {"timezone": "Europe/London", "daily_quota": 1}})
    assert r.status_code == 200, r.text
    body = server.client.get("/api/settings", headers=theo.auth).json()
    assert body["care"]["country"] == "GB" and body["model"]["max_reply_sentences"] == 2
    assert body["model"]["temperature"] == 0.4 and body["initiative"]["timezone"] == "Europe/London"
    assert fields(body)["care.country"]["overridden"] and not fields(body)["care.minor"]["overridden"]
    other = server.client.get("/api/settings", headers=ana.auth).json()
    assert other["care"]["country"] == "US" and other["model"]["max_reply_sentences"] == 3
    # a partial update keeps the rest; null goes back to the operator's value
    server.client.patch("/api/settings", headers=theo.auth, json={"model": {"temperature": None}})
    body = server.client.get("/api/settings", headers=theo.auth).json()
    assert body["model"]["temperature"] == 0.7 and body["model"]["max_reply_sentences"] == 2
    # ana's reset leaves theo's settings alone; theo's own reset clears them
    assert server.client.delete("/api/settings/overrides", headers=ana.auth).status_code == 200
    assert server.client.get("/api/settings", headers=theo.auth).json()["care"]["country"] == "GB"
    reset = server.client.delete("/api/settings/overrides", headers=theo.auth).json()
    assert reset["care"]["country"] == "US" and reset["model"]["max_reply_sentences"] == 3
    assert reset["voice"] == "female"  # the voice is the companion's, not an override


def test_bad_values_are_422_with_a_code_and_nothing_changes(server):
    theo = signup(server.client, "theo")
    for body, code in (({"model": {"max_reply_sentences": 9}}, "settings.out_of_range"),
                       ({"model": {"temperature": 2}}, "settings.out_of_range"),
                       ({"care": {"country": "XX"}}, "settings.unknown_country"),
                       ({"initiative": {"timezone": "Mars/Base"}}, "settings.bad_timezone"),
                       ({"initiative": {"quiet_end": -1}}, "settings.out_of_range"),
                       ({"model": {"backend": "gpt-9"}}, "settings.unknown_backend")):
        r = server.client.patch("/api/settings", headers=theo.auth, json={"care": {"country": "FR"}, **body})
        assert error(r) == (422, code), body
        assert r.json()["error"]["hint"]
    assert server.client.patch("/api/settings", headers=theo.auth, json={"model": {"url": "http://evil"}}
                               ).status_code == 422
    assert server.client.get("/api/settings", headers=theo.auth).json()["care"]["country"] == "US"
    assert server.client.patch("/api/settings", headers=theo.auth, json={"voice": "purple"}).status_code == 422


def test_under_18_and_the_ai_reminder_follow_the_operators_rules(offering):
    server, _ = offering
    theo = signup(server.client, "theo")
    body = server.client.get("/api/settings", headers=theo.auth).json()
    assert body["care"]["minor"] is True and not fields(body)["care.minor"]["editable"]
    r = server.client.patch("/api/settings", headers=theo.auth, json={"care": {"minor": False}})
    assert error(r) == (403, "settings.minor_locked")
    r = server.client.patch("/api/settings", headers=theo.auth, json={"care": {"disclosure_interval_hours": 3}})
    assert error(r) == (403, "settings.disclosure_too_long")
    r = server.client.patch("/api/settings", headers=theo.auth, json={"care": {"disclosure_interval_hours": 0.5}})
    assert r.status_code == 200 and r.json()["care"]["disclosure_interval_hours"] == 0.5
    assert r.json()["care"]["minor"] is True


def test_a_user_may_turn_under_18_protections_on_and_off_again(server):
    theo = signup(server.client, "theo")
    r = server.client.patch("/api/settings", headers=theo.auth, json={"care": {"minor": True}})
    assert r.json()["care"]["minor"] is True
    r = server.client.patch("/api/settings", headers=theo.auth, json={"care": {"minor": False}})
    assert r.status_code == 200 and r.json()["care"]["minor"] is False


def test_offered_backends_show_names_only_and_the_chosen_one_replies(offering):
    server, fast = offering
    theo, ana = signup(server.client, "theo"), signup(server.client, "ana")
    got = server.client.get("/api/settings", headers=theo.auth)
    assert "10.9.8.7" not in got.text and "sk-very-secret" not in got.text
    backend = fields(got.json())["model.backend"]
    assert backend["editable"] and [c["value"] for c in backend["choices"]] == ["default", "fast"]
    r = server.client.patch("/api/settings", headers=theo.auth, json={"model": {"backend": "fast"}})
    assert r.json()["model"] == {**r.json()["model"], "backend": "fast", "label": "fast: qwen2.5-1.5b"}
    assert "10.9.8.7" not in r.text and "sk-very-secret" not in r.text
    assert chat(server.client, theo, "tell me something")[0]["text"].endswith("Fast and short.")
    assert chat(server.client, ana, "tell me something")[0]["text"].endswith("I hear you.")  # ana: the default
    assert len(fast.calls) == 1 and len(server.model.calls) == 1


def test_the_next_conversation_uses_the_users_settings(server):
    theo, ana = signup(server.client, "theo"), signup(server.client, "ana")
    server.client.patch("/api/settings", headers=theo.auth,
                        json={"care": {"country": "GB"}, "model": {"max_reply_sentences": 1}})
    care = chat(server.client, theo, "I want to kill myself")[0]
    assert care["care"] and "Samaritans" in care["text"] and "988" not in care["text"]
    assert "988" in chat(server.client, ana, "I want to kill myself")[0]["text"]
    server.model.enqueue("One. Two. Three.", "One. Two. Three.")
    assert chat(server.client, theo, "how was your day")[0]["text"].endswith("One.")
    assert chat(server.client, ana, "how was your day")[0]["text"].endswith("Three.")


def test_the_openai_endpoint_uses_the_users_settings(server):
    theo = signup(server.client, "theo")
    key = server.client.post("/api/keys", json={"name": "app"}, headers=theo.auth).json()["key"]
    server.client.patch("/api/settings", headers=theo.auth, json={"care": {"country": "FR"}})
    r = server.client.post("/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                           json={"messages": [{"role": "user", "content": "I want to kill myself"}]})
    reply = r.json()["choices"][0]["message"]["content"]
    assert "3114" in reply and "988" not in reply
