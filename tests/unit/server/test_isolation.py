"""Every route, called by another user with the first user's object ids, gets a 404 and nothing else; every
listing shows nothing of the first user."""

from __future__ import annotations

import re

from os1.actions.base import Step
from os1.actions.journal import journal_of

from .conftest import SETUP, chat, signup

# Every path parameter of the API, and which of user A's objects it names. A new route with a parameter that is
# not here fails the test until its isolation is checked too.
OBJECTS = {"conversation_id": "conversation", "memory_id": "memory", "key_id": "key", "plan_id": "plan"}
SECRET_WORD = "zanzibar"


def a_world(server):
    a = signup(server.client, "alice", answers={**SETUP, "user_name": "Alice", "matters": f"the {SECRET_WORD} trip"})
    server.model.enqueue(f"I will remember {SECRET_WORD}.")
    done = chat(server.client, a, f"My secret island is {SECRET_WORD}")[0]
    server.run(server.services.worker.drain)  # A's turns are learned from and indexed
    conversation = server.client.get("/api/conversations", headers=a.auth).json()[0]["id"]
    memory = server.client.get("/api/memories", headers=a.auth).json()[0]["id"]
    key = server.client.post("/api/keys", json={"name": "a's app"}, headers=a.auth).json()
    journal = journal_of(server.store, server.client.get("/api/me", headers=a.auth).json()["user_id"])
    plan = server.run(journal.propose, "files.organize", f"A's {SECRET_WORD} photos",
                      [Step(1, "files.move", {}, "move a photo", "photos")])
    return a, {"conversation": conversation, "memory": memory, "key": key["id"], "turn": done["turn_id"],
               "plan": plan.id}


def _operations(server):
    for path, methods in server.app.openapi()["paths"].items():
        for method in methods:
            yield path, method


def test_every_route_with_another_users_id_is_404(server):
    a, ids = a_world(server)
    b = signup(server.client, "bob")
    server.client.cookies.clear()
    checked = 0
    for path, method in _operations(server):
        params = re.findall(r"{(\w+)}", path)
        if not params:
            continue
        assert set(params) <= set(OBJECTS), f"{path}: add its parameters to OBJECTS and check them"
        url = path
        for p in params:
            url = url.replace("{" + p + "}", str(ids[OBJECTS[p]]))
        body = {"text": "Bob was here."} if method == "patch" else {"approve": "all"} if method == "post" else None
        r = server.client.request(method.upper(), url, headers=b.auth, json=body)
        assert r.status_code == 404, (method, url, r.status_code, r.text)
        assert SECRET_WORD not in r.text
        checked += 1
    assert checked >= 5
    # and A's objects are untouched
    assert server.client.get(f"/api/memories/{ids['memory']}", headers=a.auth).json()["memory"]["current"]
    assert server.client.get("/api/keys", headers=a.auth).json()[0]["revoked_at"] is None
    assert server.client.get(f"/api/plans/{ids['plan']}", headers=a.auth).json()["status"] == "proposed"
    turns = server.client.get(f"/api/conversations/{ids['conversation']}", headers=a.auth).json()["turns"]
    assert any(SECRET_WORD in t["text"] for t in turns)


def test_listings_show_nothing_of_another_user(server):
    a, ids = a_world(server)
    b = signup(server.client, "bob")
    server.client.cookies.clear()
    for url in ("/api/conversations", "/api/memories?include_ended=true", f"/api/memories/search?q={SECRET_WORD}",
                "/api/memories/export", "/api/keys", "/api/me", "/api/settings", "/api/setup", "/api/plans",
                "/api/inner", "/api/timeline.svg", "/api/mail/briefing"):
        r = server.client.get(url, headers=b.auth)
        assert r.status_code == 200, url
        assert SECRET_WORD not in r.text and "alice" not in r.text, url
    assert server.client.get("/api/conversations", headers=b.auth).json() == []
    assert server.client.get("/api/keys", headers=b.auth).json() == []
    theirs = server.client.get("/api/memories/export", headers=b.auth).json()["memories"]
    assert ids["memory"] not in {m["id"] for m in theirs}
    assert server.client.get(f"/api/memories/search?q={SECRET_WORD}", headers=b.auth).json() == []
    # while A finds it
    found = server.client.get(f"/api/memories/search?q={SECRET_WORD}", headers=a.auth).json()
    assert found and SECRET_WORD in found[0]["memory"]["text"]


def test_another_users_conversation_is_not_reachable_by_websocket_or_api(server):
    a, ids = a_world(server)
    b = signup(server.client, "bob")
    server.model.enqueue("Hello Bob.")
    chat(server.client, b, f"What is {SECRET_WORD}?")
    prompt = "\n".join(m.content for m in server.model.last_messages)
    assert "island" not in prompt and "trip" not in prompt  # recall searched only Bob's memory
    server.model.enqueue("Hello Alice.")
    chat(server.client, a, f"What is {SECRET_WORD}?")
    prompt = "\n".join(m.content for m in server.model.last_messages)
    assert "trip" in prompt  # the same question from Alice brings back her memory: the check above can fail


def test_settings_are_each_users_own(server):
    a = signup(server.client, "alice")
    server.client.patch("/api/settings", headers=a.auth, json={"care": {"country": "GB", "minor": True},
                                                               "model": {"max_reply_sentences": 1}})
    b = signup(server.client, "bob")
    server.client.cookies.clear()
    mine = server.client.get("/api/settings", headers=b.auth).json()
    assert (mine["care"]["country"], mine["care"]["minor"], mine["model"]["max_reply_sentences"]) == ("US", False, 3)
    server.client.patch("/api/settings", headers=b.auth, json={"care": {"country": "FR"}})
    assert server.client.delete("/api/settings/overrides", headers=b.auth).json()["care"]["country"] == "US"
    theirs = server.client.get("/api/settings", headers=a.auth).json()
    assert (theirs["care"]["country"], theirs["care"]["minor"], theirs["model"]["max_reply_sentences"]) == (
        "GB", True, 1)
