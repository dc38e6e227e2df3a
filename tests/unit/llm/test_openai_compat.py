from __future__ import annotations

import json

import httpx
import pytest

from os1.config import ModelSettings
from os1.errors import ModelError
from os1.llm.openai_compat import OpenAICompatModel
from os1.types import Message


def _sse(*deltas: str, finish: str = "stop") -> bytes:
    lines = [
        "data: " + json.dumps({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}),
        *("data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": d}}]}) for d in deltas),
        "data: " + json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}),
        "data: [DONE]",
    ]
    return ("\n\n".join(lines) + "\n\n").encode()


def _model(handler, **kw) -> OpenAICompatModel:
    settings = ModelSettings(backend="openai", url="http://llm.test/v1", name="m1", api_key="k", **kw)
    return OpenAICompatModel(settings, transport=httpx.MockTransport(handler))


async def test_streams_deltas_and_sends_the_request():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["url"] = str(request.url)
        seen["auth"] = request.headers["authorization"]
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, content=_sse("Hel", "lo", " Theo"), headers={"content-type": "text/event-stream"})

    model = _model(handler, seed=7)
    chunks = [c async for c in model.stream([Message("user", "hi")], max_tokens=5)]
    assert "".join(c.text for c in chunks) == "Hello Theo"
    assert chunks[-1].finish_reason == "stop"
    assert seen["url"] == "http://llm.test/v1/chat/completions" and seen["auth"] == "Bearer k"
    body = seen["body"]
    assert body["stream"] is True and body["model"] == "m1" and body["max_tokens"] == 5 and body["seed"] == 7
    assert body["messages"] == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (httpx.Response(401, text="no key"), "model.http_error"),
        (httpx.Response(200, content=b"data: {not json\n\n"), "model.bad_response"),
        (httpx.Response(200, content=b'data: {"error": {"message": "overloaded"}}\n\n'), "model.server_error"),
    ],
)
async def test_server_failures_are_clear_errors(response, code):
    model = _model(lambda request: response)
    with pytest.raises(ModelError) as err:
        [c async for c in model.stream([Message("user", "hi")])]
    assert err.value.code == code


async def test_unreachable_server():
    def handler(request):
        raise httpx.ConnectError("refused")

    with pytest.raises(ModelError) as err:
        [c async for c in _model(handler).stream([Message("user", "hi")])]
    assert err.value.code == "model.unreachable" and err.value.hint
