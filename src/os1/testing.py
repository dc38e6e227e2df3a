"""Fakes shipped with the package, for fast tests of everything above the model (like llm's MockModel)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from os1.types import Chunk, Message

if TYPE_CHECKING:
    import numpy as np

    from os1.voice.audio import AudioChunk
    from os1.voice.stt import Transcript
    from os1.voice.vad import VadState


@dataclass
class ManualClock:
    """A ``Clock`` that stands still until moved: ``clock.advance(hours=2)``."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


class FakeModel:
    """A ``Model`` that replays queued replies word by word and records what it was asked.

    ``enqueue("text")`` queues a reply; ``enqueue_endless()`` queues one that streams until cancelled (for
    interrupt tests). With nothing queued it answers ``default``."""

    name = "fake"

    def __init__(self, default: str = "I hear you.", delay_s: float = 0.0) -> None:
        self.default = default
        self.delay_s = delay_s
        self.replies: list[str | None] = []
        self.calls: list[tuple[list[Message], dict[str, Any]]] = []
        self.prefills: list[list[Message]] = []
        self.aheads: list[int] = []  # for each prefill, the reply tokens it was asked to begin
        self.ahead_s = 0.0  # how long a reply begun ahead takes to write
        self.dropped: list[str] = []  # the last words of each reply begun ahead and dropped before it was written
        self.started = asyncio.Event()

    def enqueue(self, *replies: str) -> FakeModel:
        self.replies.extend(replies)
        return self

    def enqueue_endless(self) -> FakeModel:
        self.replies.append(None)
        return self

    async def stream(self, messages: Sequence[Message], **opts: Any) -> AsyncGenerator[Chunk, None]:
        self.calls.append((list(messages), dict(opts)))
        reply = self.replies.pop(0) if self.replies else self.default
        self.started.set()
        if reply is None:
            n = 0
            while True:
                n += 1
                yield Chunk(text=f"word{n} ")
                await asyncio.sleep(max(self.delay_s, 0.01))
        words = reply.split(" ")
        for i, word in enumerate(words):
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            yield Chunk(text=word if i == len(words) - 1 else word + " ")
        yield Chunk(finish_reason="stop")

    async def prefill(self, messages: Sequence[Message], ahead: int = 0, **opts: Any) -> None:
        self.prefills.append(list(messages))
        self.aheads.append(ahead)
        if ahead and self.ahead_s:  # a reply begun ahead is being written: the caller may drop it
            try:
                await asyncio.sleep(self.ahead_s)
            except asyncio.CancelledError:
                self.dropped.append(messages[-1].content)
                raise

    @property
    def last_messages(self) -> list[Message]:
        return self.calls[-1][0] if self.calls else []


class HashEmbedder:
    """A fast, deterministic stand-in for MiniLM: words hashed into signed buckets, normalised. Texts that share
    words are near; it knows no synonyms. The real model is tested in tests/integration."""

    model_id = "hash-384"
    dim = 384

    def __init__(self) -> None:
        self.calls = 0

    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        import re
        import zlib

        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                h = zlib.crc32(word.encode())
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else out[row]
        return out

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        return self.embed_sync(texts)


class ScriptedSTT:
    """An ``STT`` that hears what it is told: each stream of audio (one stretch of speech) is transcribed as the
    next queued text, with a partial transcript of its first word on the way. ``enqueue`` adds texts; with
    none left it hears ``default``. Records the seconds of audio of each stream."""

    def __init__(self, *texts: str, default: str = "") -> None:
        self.texts = list(texts)
        self.default = default
        self.streams: list[float] = []

    def enqueue(self, *texts: str) -> ScriptedSTT:
        self.texts.extend(texts)
        return self

    async def transcribe(self, audio: AsyncIterable[AudioChunk]) -> AsyncGenerator[Transcript, None]:
        from os1.voice.stt import Transcript

        seconds = 0.0
        text = self.texts.pop(0) if self.texts else self.default
        partial_sent = False
        async for chunk in audio:
            seconds += chunk.duration_s
            if not partial_sent and seconds >= 0.3 and text:
                partial_sent = True
                yield Transcript(text.split()[0], False, seconds)
        self.streams.append(seconds)
        yield Transcript(text, True, seconds)


class SilentTTS:
    """A ``TTS`` that speaks silence: ``ms_per_char`` milliseconds of it per character of text, at 16 kHz, in one
    chunk. Records what it was asked to say."""

    def __init__(self, ms_per_char: float = 60.0, delay_s: float = 0.0) -> None:
        self.ms_per_char = ms_per_char
        self.delay_s = delay_s
        self.said: list[str] = []

    async def synthesize(self, text: str) -> AsyncGenerator[AudioChunk, None]:
        from os1.voice.audio import AudioChunk

        self.said.append(text)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        samples = int(16 * self.ms_per_char * len(text))
        yield AudioChunk(b"\0\0" * samples, 16000)


class LoudnessVAD:
    """A ``VAD`` for synthetic audio: speech is any chunk louder than ``threshold`` (RMS). Use with tones for
    speech and zeros for silence; Silero is tested against real speech in tests/integration."""

    def __init__(self, threshold: float = 0.05) -> None:
        self.threshold = threshold

    def process(self, chunk: AudioChunk) -> VadState:
        from os1.voice.vad import VadState

        samples = chunk.array()
        level = float((samples**2).mean() ** 0.5) if samples.size else 0.0
        return VadState(level >= self.threshold, min(1.0, level / self.threshold / 2))


def tone(seconds: float, rate: int = 16000, level: float = 0.3) -> np.ndarray:
    """A 220 Hz tone: "speech" for ``LoudnessVAD``."""
    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
