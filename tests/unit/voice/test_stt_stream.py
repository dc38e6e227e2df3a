"""How ``WhisperSTT.transcribe`` schedules its work over a stream (the model itself is faked here; real
transcription is tested in tests/integration/test_voice_real.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from os1.testing import tone
from os1.voice.audio import RATE, AudioChunk, chunked
from os1.voice.stt import Transcript, WhisperSTT


class Counted(WhisperSTT):
    """Transcribes nothing: says how many samples it was given, after a short while (as a thread would)."""

    def __init__(self) -> None:
        try:
            super().__init__(partial_every_s=0.6)
        except Exception as exc:  # the Whisper package is part of the default install
            pytest.skip(f"Whisper not installed: {exc}")
        self.asked: list[int] = []

    async def transcribe_array(self, samples: np.ndarray) -> Transcript:
        self.asked.append(len(samples))
        await asyncio.sleep(0.005)
        return Transcript(f"{len(samples)}", True, len(samples) / RATE)


async def fed(*parts: np.ndarray) -> AsyncIterator[AudioChunk]:
    for part in parts:
        for chunk in chunked(part):
            yield chunk
            await asyncio.sleep(0.001)  # a chunk every so often, so partials can finish in between


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


async def test_a_partial_that_heard_all_the_speech_is_the_final():
    stt = Counted()
    out = [t async for t in stt.transcribe(fed(tone(0.8), quiet(0.4)))]
    assert out[-1].final
    speech = int(0.8 * RATE)
    # one partial at 0.6 s, one as soon as 0.1 s of quiet followed the speech; no third run for the final
    assert len(stt.asked) == 2 and stt.asked[0] < speech < stt.asked[1] < int(1.0 * RATE)
    assert out[-1].text == str(stt.asked[1])


async def test_speech_up_to_the_end_is_transcribed_again_in_full():
    stt = Counted()
    out = [t async for t in stt.transcribe(fed(tone(1.0)))]
    assert out[-1].final and out[-1].text == str(int(1.0 * RATE))
    assert stt.asked[-1] == int(1.0 * RATE) and len(stt.asked) == 2  # the partial at 0.6 s did not hear it all


async def test_speech_after_a_pause_is_not_lost_to_an_early_final():
    stt = Counted()
    audio = (tone(0.5), quiet(0.3), tone(0.4), quiet(0.05))
    out = [t async for t in stt.transcribe(fed(*audio))]
    total = sum(len(a) for a in audio)
    assert out[-1].final and int(out[-1].text) >= total - int(0.05 * RATE)  # it heard the second stretch too
