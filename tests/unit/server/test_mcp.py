"""The MCP server at /mcp: the companion's tools for its user, with an API key; nothing of another user."""

from __future__ import annotations

from datetime import timedelta

from os1.types import Initiative

from .conftest import SETUP, signup

ACCEPT = {"Accept": "application/json, text/event-stream"}


def rpc(client, key: str | None, method: str, params: dict | None = None):
    headers = {**ACCEPT, **({"Authorization": f"Bearer {key}"} if key else {})}
    return client.post("/mcp", headers=headers, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                      "params": params or {}})


def call(client, key: str, tool: str, **arguments):
    r = rpc(client, key, "tools/call", {"name": tool, "arguments": arguments})
    assert r.status_code == 200, r.text
    result = r.json()["result"]
    assert not result["isError"], result
    return result["structuredContent"]


def key_for(server, name: str, matters: str) -> tuple[str, dict[str, str]]:
    user = signup(server.client, name, answers={**SETUP, "user_name": name.title(), "matters": matters})
    key = server.client.post("/api/keys", json={"name": "agent"}, headers=user.auth).json()["key"]
    return key, user.auth


def test_tools_are_listed_after_initialize(server):
    key, _ = key_for(server, "theo", "finishing my letters")
    init = rpc(server.client, key, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                                  "clientInfo": {"name": "test", "version": "1"}})
    assert init.json()["result"]["serverInfo"]["name"] == "OS1"
    names = {t["name"] for t in rpc(server.client, key, "tools/list").json()["result"]["tools"]}
    assert names == {"recall", "reminders", "briefing"}


def test_recall_is_the_users_own_memory(server):
    theo, _ = key_for(server, "theo", "finishing my letters")
    ana, _ = key_for(server, "ana", "the violin recital")
    mine = call(server.client, theo, "recall", query="letters")["result"]
    assert any("letters" in r["text"] for r in mine)
    assert not any("violin" in r["text"] for r in call(server.client, theo, "recall", query="violin recital")["result"])
    assert any("violin" in r["text"] for r in call(server.client, ana, "recall", query="violin recital")["result"])


def test_reminders_and_briefing(server):
    key, auth = key_for(server, "theo", "finishing my letters")
    user_id = server.client.get("/api/me", headers=auth).json()["user_id"]
    due = server.clock() + timedelta(hours=3)
    item = Initiative("follow_up", "interview", "you said it was today", "How did the interview go?", due)
    assert server.run(server.store.initiatives.plan, user_id, item, server.clock())
    reminders = call(server.client, key, "reminders")["result"]
    assert [r["text"] for r in reminders] == ["How did the interview go?"]
    assert call(server.client, key, "briefing")["reminders"][0]["why"] == "you said it was today"
    other, _ = key_for(server, "ana", "music")
    assert call(server.client, other, "reminders")["result"] == []


def test_mcp_needs_a_bearer_key(server):
    key, auth = key_for(server, "theo", "finishing my letters")
    assert rpc(server.client, None, "tools/list").status_code == 401
    assert rpc(server.client, "os1k_forged", "tools/list").status_code == 401
    key_id = server.client.get("/api/keys", headers=auth).json()[0]["id"]
    server.client.delete(f"/api/keys/{key_id}", headers=auth)
    assert rpc(server.client, key, "tools/list").status_code == 401
