"""A tiny OpenAI-compatible model server for benchmarks: stdlib asyncio, no model, known timing.

    .venv/bin/python bench/fake_llm_server.py [--port 0] [--first-token-ms 40] [--token-ms 15]

``POST /v1/chat/completions`` with ``stream: true`` answers a fixed short reply as SSE ``chat.completion.chunk``
objects, one word per chunk, then ``data: [DONE]`` (without ``stream`` it answers one ``chat.completion``).
The first chunk waits ``--first-token-ms``, each next one ``--token-ms``: a model whose own time is known.

It cannot tell its client its timing in-band, so it keeps it: the model's own time of a request is from the
request fully received to the first chunk written. ``GET /stats`` returns ``{"requests": [{"nonce", "model_ms"},
…]}`` (``?reset=1`` clears it after reading); ``nonce`` is the first ``n<12 hex digits>`` word of the last user
message, so a client can match its turns to the model's requests. ``GET /v1/models`` lists one model. On start it
prints ``LISTENING <port>`` to stdout."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import time
from dataclasses import dataclass, field

REPLY = "Mhm, that sounds like a good day. Tell me more about the river, I like hearing about it."
MARKER = "Mhm,"  # the reply's first word: a client tells the model's words from the server's own by it
NONCE = re.compile(r"\bn([0-9a-f]{12})\b")
READ_TIMEOUT_S = 60.0
WRITE_TIMEOUT_S = 30.0
MAX_BODY = 8 << 20


@dataclass
class Model:
    first_token_s: float
    token_s: float
    words: list[str] = field(default_factory=lambda: [w + " " for w in REPLY.split(" ")])
    stats: list[dict[str, object]] = field(default_factory=list)


def _nonce(body: dict[str, object]) -> str | None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "user":
            found = NONCE.search(str(m.get("content", "")))
            return found.group(1) if found else None
    return None


def _chunk(text: str, finish: str | None = None) -> bytes:
    data = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": "bench", "choices": [{"index": 0, "delta": {"content": text} if text else {},
                                           "finish_reason": finish}]}
    return f"data: {json.dumps(data)}\n\n".encode()


async def _write_chunk(writer: asyncio.StreamWriter, payload: bytes) -> None:
    writer.write(b"%x\r\n%s\r\n" % (len(payload), payload))
    async with asyncio.timeout(WRITE_TIMEOUT_S):
        await writer.drain()


async def _stream(model: Model, writer: asyncio.StreamWriter, body: dict[str, object], received: float) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
                 b"transfer-encoding: chunked\r\n\r\n")
    await asyncio.sleep(model.first_token_s)
    await _write_chunk(writer, _chunk(model.words[0]))
    model.stats.append({"nonce": _nonce(body), "model_ms": (time.perf_counter() - received) * 1000})
    for word in model.words[1:]:
        await asyncio.sleep(model.token_s)
        await _write_chunk(writer, _chunk(word))
    await _write_chunk(writer, _chunk("", "stop") + b"data: [DONE]\n\n")
    writer.write(b"0\r\n\r\n")
    async with asyncio.timeout(WRITE_TIMEOUT_S):
        await writer.drain()


def _plain(status: str, payload: object) -> bytes:
    data = json.dumps(payload).encode()
    return (f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n"
            .encode() + data)


async def _answer(model: Model, writer: asyncio.StreamWriter, method: str, target: str, raw: bytes,
                  received: float) -> None:
    path, _, query = target.partition("?")
    if method == "GET" and path == "/stats":
        writer.write(_plain("200 OK", {"requests": model.stats}))
        if "reset=1" in query:
            model.stats = []
    elif method == "GET" and path == "/v1/models":
        writer.write(_plain("200 OK", {"object": "list", "data": [{"id": "bench", "object": "model"}]}))
    elif method == "POST" and path == "/v1/chat/completions":
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            writer.write(_plain("400 Bad Request", {"error": {"message": "not JSON"}}))
            return
        if body.get("stream"):
            await _stream(model, writer, body, received)
            return
        message = {"role": "assistant", "content": "".join(model.words).strip()}
        writer.write(_plain("200 OK", {"object": "chat.completion", "choices": [
            {"index": 0, "message": message, "finish_reason": "stop"}]}))
    else:
        writer.write(_plain("404 Not Found", {"error": {"message": f"no {method} {path}"}}))


async def _request(reader: asyncio.StreamReader) -> tuple[str, str, bytes] | None:
    """One HTTP/1.1 request (request line, headers, body by content-length); None at the end of the stream."""
    async with asyncio.timeout(READ_TIMEOUT_S):
        head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = min(int(value.strip()), MAX_BODY)
    async with asyncio.timeout(READ_TIMEOUT_S):
        raw = await reader.readexactly(length) if length else b""
    return method, target, raw


async def _serve(model: Model, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:  # keep-alive: requests one after another on the connection
            request = await _request(reader)
            if request is None:
                break
            received = time.perf_counter()
            await _answer(model, writer, *request, received)
            async with asyncio.timeout(WRITE_TIMEOUT_S):
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, ValueError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(WRITE_TIMEOUT_S):
                await writer.wait_closed()


async def run(host: str, port: int, model: Model) -> None:
    server = await asyncio.start_server(lambda r, w: _serve(model, r, w), host, port, backlog=4096)
    bound = server.sockets[0].getsockname()[1]
    print(f"LISTENING {bound}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = a free port (printed as LISTENING <port>)")
    parser.add_argument("--first-token-ms", type=float, default=40.0)
    parser.add_argument("--token-ms", type=float, default=15.0)
    args = parser.parse_args()
    model = Model(args.first_token_ms / 1000, args.token_ms / 1000)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.host, args.port, model))
    print("fake model server stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
