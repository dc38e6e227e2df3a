"""Setup, conversations, memories (list, search, show, correct, forget, export) and settings over HTTP."""

from __future__ import annotations

from .conftest import SETUP, chat, signup


def test_setup_state_then_answers_make_a_companion(server):
    user = signup(server.client, "theo", setup=False)
    state = server.client.get("/api/setup", headers=user.auth).json()
    assert state["done"] is False and [q["key"] for q in state["questions"]][0] == "user_name"
    made = server.client.post("/api/setup", json=SETUP, headers=user.auth)
    assert made.status_code == 201
    name = made.json()["companion"]["name"]
    assert name in made.json()["introduction"] and "Theo" in made.json()["introduction"]
    assert server.client.get("/api/setup", headers=user.auth).json()["companion"]["name"] == name
    again = server.client.post("/api/setup", json=SETUP, headers=user.auth)
    assert again.status_code == 409
    replaced = server.client.post("/api/setup", json={**SETUP, "voice": "male", "replace": True}, headers=user.auth)
    assert replaced.status_code == 201 and replaced.json()["companion"]["voice"] == "male"


def test_setup_rejects_an_answer_without_a_name(server):
    user = signup(server.client, "theo", setup=False)
    r = server.client.post("/api/setup", json={**SETUP, "user_name": "!!!"}, headers=user.auth)
    assert r.status_code == 422 and r.json()["error"]["code"] == "setup.bad_name"


def test_conversations_list_and_turns(server):
    user = signup(server.client, "theo")
    chat(server.client, user, "first words")
    chat(server.client, user, "second words", "third words")
    listed = server.client.get("/api/conversations", headers=user.auth).json()
    assert [c["turns"] for c in listed] == [5, 3]  # newest first: opening + 2 exchanges, opening + 1
    last = server.client.get(f"/api/conversations/{listed[0]['id']}?limit=2", headers=user.auth).json()
    assert [t["role"] for t in last["turns"]] == ["user", "assistant"] and last["turns"][0]["text"] == "third words"
    assert server.client.get("/api/conversations/999", headers=user.auth).status_code == 404


def test_memories_list_show_correct_forget_export(server):
    user = signup(server.client, "theo")
    items = server.client.get("/api/memories?kind=fact", headers=user.auth).json()
    name = next(m for m in items if m["key"] == "name")
    assert name["text"] == "Your name is Theo." and name["current"]
    fixed = server.client.patch(f"/api/memories/{name['id']}", json={"text": "Your name is Theodore."},
                                headers=user.auth)
    assert fixed.status_code == 200 and fixed.json()["source"] == "user"
    detail = server.client.get(f"/api/memories/{fixed.json()['id']}", headers=user.auth).json()
    assert [m["text"] for m in detail["history"]] == ["Your name is Theo.", "Your name is Theodore."]
    old = server.client.patch(f"/api/memories/{name['id']}", json={"text": "x"}, headers=user.auth)
    assert old.status_code == 409  # an ended version is not corrected
    found = server.client.get("/api/memories/search?q=Theodore", headers=user.auth).json()
    assert found[0]["memory"]["id"] == fixed.json()["id"]
    assert server.client.delete(f"/api/memories/{fixed.json()['id']}", headers=user.auth).status_code == 204
    assert server.client.get(f"/api/memories/{fixed.json()['id']}", headers=user.auth).status_code == 404
    export = server.client.get("/api/memories/export", headers=user.auth).json()
    assert export["format"] == "os1.memories" and export["count"] == len(export["memories"])
    assert fixed.json()["id"] not in {m["id"] for m in export["memories"]}
    assert name["id"] in {m["id"] for m in export["memories"]}  # ended versions are exported too


def test_blank_correction_is_422(server):
    user = signup(server.client, "theo")
    item = server.client.get("/api/memories", headers=user.auth).json()[0]
    blank = server.client.patch(f"/api/memories/{item['id']}", json={"text": "   "}, headers=user.auth)
    assert blank.status_code == 422


def test_settings_voice_is_per_user(server):
    theo, ana = signup(server.client, "theo"), signup(server.client, "ana")
    settings = server.client.get("/api/settings", headers=theo.auth).json()
    assert settings["voice"] == "female" and settings["care"]["country"] == "US"
    changed = server.client.patch("/api/settings", json={"voice": "male"}, headers=theo.auth)
    assert changed.json()["voice"] == "male"
    assert server.client.get("/api/settings", headers=ana.auth).json()["voice"] == "female"
    assert server.client.patch("/api/settings", json={"voice": "purple"}, headers=theo.auth).status_code == 422


def test_health_needs_no_sign_in(server):
    assert server.client.get("/api/health").json()["ok"] is True
    assert server.client.get("/api/memories").status_code == 401
