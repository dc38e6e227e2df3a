"""Voice over the WebSocket with the voice fakes: microphone frames in, transcripts, the reply's text and
audio out; speech while it speaks stops playback and cuts the reply, which is kept, interrupted."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from os1.server.ws_voice import VoiceKit
from os1.testing import LoudnessVAD, ScriptedSTT, SilentTTS, tone
from os1.voice.audio import chunked

from .conftest import Server, build_server, signup


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 16000), dtype=np.float32)


def frames(*parts: np.ndarray) -> list[bytes]:
    return [c.pcm for part in parts for c in chunked(part)]


@pytest.fixture
def voiced(tmp_path: Path) -> Iterator[tuple[Server, ScriptedSTT, SilentTTS]]:
    stt, tts = ScriptedSTT(), SilentTTS(ms_per_char=5)
    app, services, model, clock, store = build_server(tmp_path, voice=VoiceKit(stt, tts, LoudnessVAD))
    with TestClient(app) as client:
        yield Server(client, app, services, model, clock, store), stt, tts
    asyncio.run(store.close())


def receive_until(ws, kind: str) -> tuple[list[dict], int]:
    """JSON messages up to and including the first of ``kind``, and how many audio frames came meanwhile."""
    messages, audio = [], 0
    while True:
        raw = ws.receive()
        if raw.get("bytes") is not None:
            audio += 1
            continue
        messages.append(json.loads(raw["text"]))
        if messages[-1]["type"] == kind:
            return messages, audio


def receive_audio(ws, frames: int) -> None:
    """Read until ``frames`` audio frames came (they come at the pace they play)."""
    while frames:
        if ws.receive().get("bytes") is not None:
            frames -= 1


def test_a_spoken_turn_over_the_socket(voiced):
    server, stt, tts = voiced
    user = signup(server.client, "theo")
    stt.enqueue("I bought some apples today.")
    server.model.enqueue("Apples! Which kind did you get?")
    with server.client.websocket_connect(f"/ws?token={user.token}&opening=false") as ws:
        conversation = ws.receive_json()["conversation_id"]
        for frame in frames(quiet(0.3), tone(1.2), quiet(1.2)):
            ws.send_bytes(frame)
        messages, audio = receive_until(ws, "done")
        ws.send_json({"type": "voice_end"})
    kinds = [m["type"] for m in messages]
    assert kinds.index("speech_started") < kinds.index("delta") < kinds.index("done")
    assert {"type": "heard", "text": "I bought some apples today.", "final": True} in messages
    assert next(m for m in messages if m["type"] == "audio_format")["rate"] == 16000 and audio >= 1
    done = messages[-1]
    assert done["text"].endswith("Which kind did you get?") and not done["interrupted"]
    assert "".join(tts.said).endswith("Which kind did you get?")  # spoken, sentence by sentence
    turns = server.client.get(f"/api/conversations/{conversation}", headers=user.auth).json()["turns"]
    assert [t["text"] for t in turns if t["role"] == "user"] == ["I bought some apples today."]
    assert turns[-1]["id"] == done["turn_id"]


def test_speech_while_it_speaks_cuts_the_reply_and_keeps_it(voiced):
    server, stt, tts = voiced
    tts.ms_per_char = 60  # its first piece plays for seconds, while the text written meanwhile waits for it
    user = signup(server.client, "theo")
    stt.enqueue("Tell me a long story.", "Wait, I have a question.")
    server.model.enqueue_endless()
    server.model.enqueue("Of course, go ahead.")
    with server.client.websocket_connect(f"/ws?token={user.token}") as ws:
        conversation = ws.receive_json()["conversation_id"]
        ws.receive_json()  # the opening
        for frame in frames(tone(1.0), quiet(0.8)):
            ws.send_bytes(frame)
        receive_until(ws, "audio_format")  # it is speaking
        receive_audio(ws, 6)  # for half a second: the words written meanwhile wait behind its speech
        for frame in frames(tone(1.2), quiet(1.2)):
            ws.send_bytes(frame)
        messages, _ = receive_until(ws, "interrupted")
        assert "playback_stopped" in [m["type"] for m in messages]
        cut, _ = receive_until(ws, "done")
        answered, _ = receive_until(ws, "done")
        ws.send_json({"type": "voice_end"})
    assert cut[-1]["interrupted"] and "word1" in cut[-1]["text"]
    assert answered[-1]["text"] == "Of course, go ahead." and not answered[-1]["interrupted"]
    after = [m["type"] for m in answered]
    assert "delta" not in after[: after.index("heard")]  # nothing of the cut reply after its done
    turns = server.client.get(f"/api/conversations/{conversation}", headers=user.auth).json()["turns"]
    kept = next(t for t in turns if t["id"] == cut[-1]["turn_id"])
    assert kept["interrupted"] and kept["text"].startswith("word1")


def test_text_is_refused_while_a_voice_conversation_runs(voiced):
    server, _, _ = voiced
    user = signup(server.client, "theo")
    with server.client.websocket_connect(f"/ws?token={user.token}&opening=false") as ws:
        ws.receive_json()
        ws.send_bytes(frames(quiet(0.1))[0])
        ws.send_json({"type": "say", "text": "hello"})
        assert ws.receive_json()["code"] == "turn.busy"
        ws.send_json({"type": "voice_end"})


def test_speech_over_a_reply_written_and_voiced_in_full_cuts_it_too(voiced):
    """Text and speech are made faster than they are heard: talking over the rest of a finished reply cuts it
    like one still being written (interrupted, kept, marked); none of its text comes after the stop."""
    server, stt, tts = voiced
    tts.ms_per_char, server.model.delay_s = 60, 0.01  # 0.8 s to write, 25 s to say
    user = signup(server.client, "theo")
    stt.enqueue("Tell me a long story.", "Wait, I have a question.")
    long = ", and then".join(["the lighthouse keeper climbed the stairs to light the lamp for the ships"] * 5)
    server.model.enqueue(f"Once upon a time {long}. The end.")
    server.model.enqueue("Of course, go ahead.")
    with server.client.websocket_connect(f"/ws?token={user.token}&opening=false") as ws:
        conversation = ws.receive_json()["conversation_id"]
        for frame in frames(tone(1.0), quiet(0.8)):
            ws.send_bytes(frame)
        receive_until(ws, "audio_format")
        receive_audio(ws, 15)  # it has said a second and a half, and written and voiced all of it by now
        for frame in frames(tone(1.2), quiet(1.2)):
            ws.send_bytes(frame)
        cut, _ = receive_until(ws, "done")
        answered, _ = receive_until(ws, "done")
        ws.send_json({"type": "voice_end"})
    kinds = [m["type"] for m in cut]
    assert kinds.index("playback_stopped") < kinds.index("interrupted") < len(kinds) - 1
    assert "delta" not in kinds[kinds.index("playback_stopped") :]  # what was not heard is not shown either
    assert cut[-1]["interrupted"] and "Once upon a time" in cut[-1]["text"]
    after = [m["type"] for m in answered]
    assert "delta" not in after[: after.index("heard")]  # nothing of the cut reply after its done
    assert answered[-1]["text"] == "Of course, go ahead." and not answered[-1]["interrupted"]
    turns = server.client.get(f"/api/conversations/{conversation}", headers=user.auth).json()["turns"]
    assert next(t for t in turns if t["id"] == cut[-1]["turn_id"])["interrupted"]


def test_stop_while_it_speaks_cuts_the_reply_and_it_goes_on_listening(voiced):
    server, stt, tts = voiced
    tts.ms_per_char = 60  # it speaks for seconds
    user = signup(server.client, "theo")
    stt.enqueue("Tell me a long story.", "Thank you.")
    server.model.enqueue("Once upon a time there was a fox. It lived in a wood by the sea. The end.")
    server.model.enqueue("You're welcome.")
    with server.client.websocket_connect(f"/ws?token={user.token}&opening=false") as ws:
        ws.receive_json()
        for frame in frames(tone(1.0), quiet(0.8)):
            ws.send_bytes(frame)
        receive_until(ws, "audio_format")  # it is speaking
        receive_audio(ws, 3)
        ws.send_json({"type": "stop"})  # the Stop button, or Escape
        stopped, _ = receive_until(ws, "playback_stopped")
        cut, audio_after = receive_until(ws, "done")
        assert cut[-1]["interrupted"] and any(m["type"] == "interrupted" for m in cut)
        assert audio_after == 0 and "delta" not in [m["type"] for m in cut]  # nothing more of it is heard
        for frame in frames(tone(1.0), quiet(1.2)):  # still listening: the next turn is heard and answered
            ws.send_bytes(frame)
        answered, _ = receive_until(ws, "done")
        ws.send_json({"type": "voice_end"})
    assert {"type": "heard", "text": "Thank you.", "final": True} in answered
    assert answered[-1]["text"] == "You're welcome." and not answered[-1]["interrupted"]
