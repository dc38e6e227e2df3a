"""Any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp's server, LM Studio, OpenAI) over streaming SSE."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncGenerator, Sequence
from functools import cache
from typing import Any

import httpx

from os1.config import ModelSettings
from os1.errors import ModelError
from os1.llm.base import as_dicts, chunk_from, sampling
from os1.types import Chunk, Message


@cache
def _tls_context() -> ssl.SSLContext:
    """The verifying TLS context, built once: building one (loading the CA bundle) takes ~50 ms of CPU, which
    a client per reply would otherwise pay on every turn (bench/concurrency.py)."""
    return httpx.create_ssl_context()


class OpenAICompatModel:
    """``Model`` over ``POST {url}/chat/completions`` with ``stream: true``."""

    def __init__(self, settings: ModelSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.name = settings.name or "default"
        self.url = settings.url.rstrip("/") + "/chat/completions"
        self._transport = transport

    def _client(self) -> httpx.AsyncClient:
        timeout = httpx.Timeout(self.settings.timeout_s, connect=10.0)
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        return httpx.AsyncClient(timeout=timeout, headers=headers, transport=self._transport,
                                 verify=_tls_context())

    def _body(self, messages: Sequence[Message], opts: dict[str, Any]) -> dict[str, Any]:
        s = self.settings
        defaults = {"max_tokens": s.max_reply_tokens, "temperature": s.temperature, "top_p": s.top_p,
                    "seed": s.seed}
        body: dict[str, Any] = {"model": self.name, "messages": as_dicts(messages), "stream": True}
        body.update(sampling(defaults, {k: v for k, v in opts.items() if k != "repeat_penalty"}))
        return body

    async def stream(self, messages: Sequence[Message], **opts: Any) -> AsyncGenerator[Chunk, None]:
        body = self._body(messages, opts)
        try:
            async with self._client() as client, client.stream("POST", self.url, json=body) as response:
                if response.status_code >= 400:
                    detail = (await response.aread()).decode("utf-8", "replace")[:300]
                    raise ModelError(
                        "model.http_error",
                        f"{self.url} answered {response.status_code}: {detail}",
                        hint="check model.url, model.name and model.api_key",
                    )
                async for line in response.aiter_lines():
                    chunk = _parse_sse(line)
                    if chunk is _DONE:
                        return
                    if isinstance(chunk, Chunk):
                        yield chunk
        except httpx.TimeoutException as exc:
            raise ModelError("model.timeout", f"{self.url} timed out") from exc
        except httpx.HTTPError as exc:
            raise ModelError(
                "model.unreachable", f"cannot reach {self.url}: {exc}", hint="is the server running?"
            ) from exc


_DONE = object()


def _parse_sse(line: str) -> object:
    line = line.strip()
    if not line.startswith("data:"):
        return None
    payload = line[5:].strip()
    if payload == "[DONE]":
        return _DONE
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise ModelError("model.bad_response", f"not JSON in the stream: {payload[:100]}") from exc
    return chunk_from(data)
