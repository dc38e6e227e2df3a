"""``os1 serve`` as a real process on PostgreSQL (the test session's server, a fresh database), with the embedded
model: sign up, set up, a turn over the WebSocket, the conversation listed, the setup's memories listed and found,
the mail briefing read from PostgreSQL's mail tables, an API key made and used, and a second server on the same
database seeing the same account (the servers are stateless)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from websockets.sync.client import connect

from tests.pgserver import PgServer, raw_rows

from .test_server_real import PASSWORD, SETUP, serving

pytestmark = pytest.mark.integration


MAIL = (b"From: Dana <dana@example.com>\r\nTo: theo@example.com\r\nSubject: Garden party on Sunday\r\n"
        b"Message-ID: <party@example.com>\r\nDate: Sun, 01 Nov 2026 08:00:00 +0000\r\n\r\nBring roses!\r\n")


async def _deliver(url: str, user_id: int) -> None:
    from os1.mail.message import RawMessage
    from os1.mail.parse import parse
    from os1.mail.store import mail_of
    from os1.store import open_store

    store = await open_store(url)
    try:
        assert await mail_of(store).upsert_many(user_id, "acct", [(RawMessage("1", MAIL, "INBOX", ()),
                                                                   parse(MAIL))]) == (1, 0)
    finally:
        await store.close()


def _turn(base: str, token: str, text: str) -> dict[str, object]:
    with connect(f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/ws?token={token}", open_timeout=30) as ws:
        ready = json.loads(ws.recv(timeout=60))
        assert ready["type"] == "ready", ready
        assert json.loads(ws.recv(timeout=60))["type"] == "opening"
        ws.send(json.dumps({"type": "say", "text": text}))
        deltas = []
        while (message := json.loads(ws.recv(timeout=180)))["type"] == "delta":
            deltas.append(message["text"])
        assert message["type"] == "done", message
    assert deltas and message["text"].strip()
    return {"conversation_id": ready["conversation_id"], **message}


def test_serve_on_postgresql(os1_env, pg_server: PgServer):
    url = pg_server.fresh_database()
    env = {**os1_env, "OS1_DATABASE_URL": url}
    with serving(env) as served:
        http = httpx.Client(base_url=served.base, timeout=120)
        signup = http.post("/api/signup", json={"username": "theo", "password": PASSWORD, "mode": "bearer"})
        assert signup.status_code == 201, signup.text
        auth = {"Authorization": f"Bearer {signup.json()['token']}"}
        assert http.post("/api/signup", json={"username": "theo", "password": PASSWORD}).status_code == 409
        assert http.post("/api/setup", json=SETUP, headers=auth).status_code == 201

        done = _turn(served.base, signup.json()["token"], "Hi! I spent the morning gardening with my sister.")
        listed = http.get("/api/conversations", headers=auth).json()
        assert [c["id"] for c in listed] == [done["conversation_id"]]
        turns = http.get(f"/api/conversations/{done['conversation_id']}", headers=auth).json()["turns"]
        assert turns[-1]["id"] == done["turn_id"] and turns[-1]["text"] == done["text"]

        facts = http.get("/api/memories?kind=fact", headers=auth).json()
        assert any("Theo" in m["text"] for m in facts), facts
        found = http.get("/api/memories/search?q=Theo", headers=auth).json()
        assert found and "Theo" in found[0]["memory"]["text"]

        assert http.get("/api/mail/briefing", headers=auth).json()["messages"] == 0
        asyncio.run(_deliver(url, signup.json()["user_id"]))  # the desk reads mail from PostgreSQL
        briefing = http.get("/api/mail/briefing", headers=auth).json()
        assert briefing["messages"] == 1 and "any of your mail" not in briefing["text"], briefing
        assert http.get("/api/plans", headers=auth).json() == []

        key = http.post("/api/keys", json={"name": "pg"}, headers=auth).json()
        assert http.get("/api/me", headers={"Authorization": f"Bearer {key['key']}"}).status_code == 200

    # what the server wrote is in PostgreSQL, and another server on the same database serves the same account
    store = type("S", (), {"runner": type("R", (), {"dialect": "postgres", "url": url})()})()
    assert raw_rows(store, "SELECT username FROM accounts") == [("theo",)]
    assert raw_rows(store, "SELECT COUNT(*) FROM turns WHERE role = 'assistant'")[0][0] >= 1
    with serving(env) as again:
        http = httpx.Client(base_url=again.base, timeout=120)
        started = time.monotonic()
        login = http.post("/api/login", json={"username": "theo", "password": PASSWORD, "mode": "bearer"})
        assert login.status_code == 200, login.text
        me = http.get("/api/me", headers={"Authorization": f"Bearer {login.json()['token']}"}).json()
        assert me["username"] == "theo"
        print(f"\nsecond server: login in {time.monotonic() - started:.2f} s")
