"""The WebSocket conversation: it streams, it stores, ``stop`` keeps the partial reply as interrupted."""

from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect

from .conftest import PASSWORD, chat, signup


def test_ws_streams_deltas_then_done_and_stores_the_turns(server):
    user = signup(server.client, "theo")
    server.model.enqueue("Nice to meet you, Theo. Tell me about the letters.")
    with server.client.websocket_connect(f"/ws?token={user.token}") as ws:
        ready = ws.receive_json()
        assert ready["type"] == "ready" and ready["companion"]
        opening = ws.receive_json()
        assert opening["type"] == "opening" and "AI" in opening["text"]
        ws.send_json({"type": "say", "text": "Hello, I write letters for a living"})
        deltas = []
        while (message := ws.receive_json())["type"] == "delta":
            deltas.append(message["text"])
        assert message["type"] == "done" and not message["interrupted"]
    assert len(deltas) > 3 and "".join(deltas) == message["text"]
    assert message["text"].endswith("Tell me about the letters.")
    turns = server.client.get(f"/api/conversations/{ready['conversation_id']}", headers=user.auth).json()["turns"]
    assert [t["role"] for t in turns] == ["assistant", "user", "assistant"]
    assert turns[1]["text"] == "Hello, I write letters for a living" and turns[2]["id"] == message["turn_id"]


def test_stop_mid_reply_keeps_the_partial_turn_interrupted(server):
    user = signup(server.client, "theo")
    server.model.enqueue_endless()
    with server.client.websocket_connect(f"/ws?token={user.token}&opening=false") as ws:
        conversation = ws.receive_json()["conversation_id"]
        ws.send_json({"type": "say", "text": "Tell me a very long story"})
        while "word2" not in ws.receive_json()["text"]:  # the model is under way
            pass
        ws.send_json({"type": "stop"})
        while (message := ws.receive_json())["type"] == "delta":
            pass
        assert message["type"] == "done" and message["interrupted"] is True
        assert "word2" in message["text"]
        ws.send_json({"type": "say", "text": "Are you still there?"})  # the conversation goes on
        while (after := ws.receive_json())["type"] == "delta":
            pass
        assert after["type"] == "done" and not after["interrupted"]
    turns = server.client.get(f"/api/conversations/{conversation}", headers=user.auth).json()["turns"]
    cut = next(t for t in turns if t["id"] == message["turn_id"])
    assert cut["interrupted"] and cut["completed"] and cut["text"] == message["text"]


def test_a_second_say_while_streaming_is_refused(server):
    user = signup(server.client, "theo")
    server.model.enqueue_endless()
    with server.client.websocket_connect(f"/ws?token={user.token}&opening=false") as ws:
        ws.receive_json()
        ws.send_json({"type": "say", "text": "Tell me a story"})
        assert ws.receive_json()["type"] == "delta"
        ws.send_json({"type": "say", "text": "and another"})
        while (message := ws.receive_json())["type"] == "delta":
            pass
        assert message == {"type": "error", "code": "turn.busy", "message": message["message"]}
        ws.send_json({"type": "stop"})


def test_bad_messages_get_an_error_not_a_closed_socket(server):
    user = signup(server.client, "theo")
    with server.client.websocket_connect(f"/ws?token={user.token}&opening=false") as ws:
        ws.receive_json()
        ws.send_text("not json")
        assert ws.receive_json()["code"] == "bad_message"
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_json()["code"] == "voice.unavailable"
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


def test_ws_without_credentials_is_refused(server):
    with server.client.websocket_connect("/ws?token=os1s_forged") as ws:
        assert ws.receive_json()["code"] == "auth.required"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_ws_with_cookie_checks_the_origin(server):
    c = server.client
    c.post("/api/signup", json={"username": "theo", "password": PASSWORD})
    c.post("/api/setup", json={"user_name": "Theo", "social": "yes", "matters": "x", "mother": "fine",
                               "voice": "male"}, headers={"X-CSRF-Token": c.get("/api/me").json()["csrf_token"]})
    with c.websocket_connect("/ws", headers={"Origin": "https://evil.example"}) as ws:
        assert ws.receive_json()["code"] == "auth.origin"
    with c.websocket_connect("/ws", headers={"Origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "ready"


def test_ws_before_setup_says_so(server):
    user = signup(server.client, "theo", setup=False)
    with server.client.websocket_connect(f"/ws?token={user.token}") as ws:
        assert ws.receive_json()["code"] == "companion.not_set_up"


def test_care_reply_comes_over_the_socket(server):
    user = signup(server.client, "theo")
    done = chat(server.client, user, "I want to kill myself")[0]
    assert done["care"] and "988" in done["text"]
    assert not server.model.calls  # the care protocol answered, not the model


def test_a_client_leaving_mid_reply_leaves_it_stored_interrupted(server):
    user = signup(server.client, "theo")
    server.model.enqueue_endless()
    with server.client.websocket_connect(f"/ws?token={user.token}") as ws:
        conversation = ws.receive_json()["conversation_id"]
        ws.receive_json()
        ws.send_json({"type": "say", "text": "Tell me a very long story"})
        while "word3" not in ws.receive_json()["text"]:
            pass
    turns = server.client.get(f"/api/conversations/{conversation}", headers=user.auth).json()["turns"]
    last = turns[-1]
    assert last["role"] == "assistant" and last["interrupted"] and last["completed"] and "word3" in last["text"]
