"""/v1/chat/completions with the official ``openai`` client: the companion answers, with its memory."""

from __future__ import annotations

import json

import openai
import pytest

from .conftest import signup


@pytest.fixture
def client_and_user(server):
    user = signup(server.client, "theo")
    server.client.cookies.clear()
    key = server.client.post("/api/keys", json={"name": "chat app"}, headers=user.auth).json()["key"]
    api = openai.OpenAI(base_url="http://testserver/v1", api_key=key, http_client=server.client)
    return api, user


def test_streaming_completion_in_openais_format(server, client_and_user):
    api, user = client_and_user
    server.model.enqueue("Of course I remember you, Theo.")
    stream = api.chat.completions.create(model="os1-companion", stream=True,
                                         messages=[{"role": "user", "content": "Do you remember me?"}])
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text.endswith("Of course I remember you, Theo.")
    assert "an AI" in text  # a new conversation: the first reply says what it is
    assert len({c.id for c in chunks}) == 1 and chunks[0].object == "chat.completion.chunk"
    # the companion answered with its persona and memory, not as a passthrough of the client's messages
    prompt = "\n".join(m.content for m in server.model.last_messages)
    assert "Theo" in prompt and "Do you remember me?" in prompt


def test_raw_sse_ends_with_done(server, client_and_user):
    _, user = client_and_user
    body = {"model": "x", "stream": True, "messages": [{"role": "user", "content": "hi there"}]}
    r = server.client.post("/v1/chat/completions", json=body, headers=user.auth)
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [line[len("data: "):] for line in r.text.split("\n\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert all(json.loads(e)["object"] == "chat.completion.chunk" for e in events[:-1])


def test_non_streaming_continues_the_conversation(server, client_and_user):
    api, user = client_and_user
    server.model.enqueue("First.", "Second.")
    first = api.chat.completions.create(model="os1-companion", messages=[{"role": "user", "content": "One"}])
    history = [{"role": "user", "content": "One"}, {"role": "assistant", "content": first.choices[0].message.content},
               {"role": "user", "content": [{"type": "text", "text": "Two"}]}]
    second = api.chat.completions.create(model="os1-companion", messages=history)
    assert first.choices[0].message.content.endswith("First.")
    assert second.choices[0].message.content == "Second."  # disclosed once, in the same conversation
    listed = server.client.get("/api/conversations", headers=user.auth).json()
    assert len(listed) == 1 and listed[0]["turns"] == 4
    server.clock.advance(hours=2)  # idle: the next message starts a new conversation
    api.chat.completions.create(model="os1-companion", messages=[{"role": "user", "content": "Three"}])
    assert len(server.client.get("/api/conversations", headers=user.auth).json()) == 2


def test_models_lists_the_companion(client_and_user):
    api, _ = client_and_user
    assert [m.id for m in api.models.list()] == ["os1-companion"]


def test_revoked_key_is_refused(server, client_and_user):
    api, user = client_and_user
    key_id = server.client.get("/api/keys", headers=user.auth).json()[0]["id"]
    server.client.delete(f"/api/keys/{key_id}", headers=user.auth)
    with pytest.raises(openai.AuthenticationError):
        api.chat.completions.create(model="os1-companion", messages=[{"role": "user", "content": "hi"}])


def test_no_user_message_is_422(server, client_and_user):
    _, user = client_and_user
    r = server.client.post("/v1/chat/completions", headers=user.auth,
                           json={"messages": [{"role": "system", "content": "be brief"}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "turn.empty"
