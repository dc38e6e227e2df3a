"""Voice over the WebSocket: binary frames of microphone audio (pcm16 little-endian mono, 16 kHz) go through
the voice pipeline — VAD, speech recognition while the user speaks, the turn, sentence-by-sentence speech — and
the reply's audio comes back as binary frames, paced as it plays, with barge-in. Message types: docs/api.md.

Barge-in as the client sees it: ``playback_stopped`` (drop queued audio now), then ``playback_resumed`` (it was a
backchannel) or ``interrupted`` followed by the cut reply's ``done`` (``interrupted: true``); in that case nothing
more of the reply (text or audio) comes after ``playback_stopped``. A reply is cut whenever playback stopped and
never resumed, also when its text and speech were complete but not yet all heard (the common case: they are made
faster than they are played)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from os1.companion.turn import Session
from os1.errors import Os1Error
from os1.llm.pace import worth_pausing
from os1.voice.audio import RATE, AudioChunk
from os1.voice.events import (
    Heard,
    Interrupted,
    Notice,
    PlaybackResumed,
    PlaybackStopped,
    ReplyAudio,
    ReplyText,
    SpeechStarted,
    TurnEnded,
    VoiceEvent,
)
from os1.voice.pipeline import VoicePipeline
from os1.voice.stt import STT
from os1.voice.tts import TTS
from os1.voice.vad import VAD, Endpointing

MAX_QUEUED_FRAMES = 3000  # a minute of 20 ms frames not yet heard: the client sends faster than it speaks
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class VoiceKit:
    """The voice stages, shared by every connection (like the model): recognition, synthesis, a VAD maker."""

    stt: STT
    tts: TTS
    vad: Callable[[], VAD]
    timing: Endpointing | None = None


Send = Callable[[dict[str, Any]], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]


def message_for(event: VoiceEvent, session: Session) -> dict[str, Any] | None:
    """The JSON message for a pipeline event (None for audio, sent as bytes, and events clients need not see)."""
    if isinstance(event, SpeechStarted):
        return {"type": "speech_started"}
    if isinstance(event, Heard):
        return {"type": "heard", "text": event.text, "final": event.final}
    if isinstance(event, ReplyText):
        return {"type": "delta", "text": event.text}
    if isinstance(event, PlaybackStopped):
        return {"type": "playback_stopped"}
    if isinstance(event, PlaybackResumed):
        return {"type": "playback_resumed"}
    if isinstance(event, Interrupted):
        return {"type": "interrupted", "text": event.text}
    if isinstance(event, TurnEnded):
        return {"type": "done", "turn_id": session.last_reply_id, "user_turn_id": None, "text": event.reply_text,
                "user_text": event.user_text, "interrupted": event.interrupted, "care": None}
    if isinstance(event, Notice):
        return {"type": "notice", "code": event.code, "message": event.message}
    return None


class VoiceChannel:
    """One socket's spoken conversation: a queue of microphone frames and the task running the pipeline."""

    def __init__(self, kit: VoiceKit, session: Session, send: Send, send_bytes: SendBytes,
                 replying: Callable[[bool], None]) -> None:
        self.session = session
        self.send = send
        self.send_bytes = send_bytes
        self.replying = replying  # told when a reply starts and ends (background work waits meanwhile)
        self.frames: asyncio.Queue[AudioChunk | None] = asyncio.Queue()
        self.rate: int | None = None
        self.pipeline = VoicePipeline(session.words, kit.stt, kit.tts, kit.vad, timing=kit.timing,
                                      prepare=session.prepare, cut=session.cut_short,
                                      pace=worth_pausing(session.deps.model))
        self.task = asyncio.get_running_loop().create_task(self._run())

    @property
    def running(self) -> bool:
        return not self.task.done()

    def feed(self, pcm: bytes) -> bool:
        """Queue a frame of microphone audio; False when too much is queued (the frame is dropped)."""
        if self.frames.qsize() >= MAX_QUEUED_FRAMES:
            return False
        self.frames.put_nowait(AudioChunk(pcm[: len(pcm) - len(pcm) % 2], RATE))
        return True

    async def hush(self) -> None:
        """Stop: the reply being said is cut (kept, interrupted) and its audio stops; listening goes on."""
        async with asyncio.timeout(STOP_TIMEOUT_S):
            await self.pipeline.hush()

    def end(self) -> None:
        """The microphone stream is over: the turn in progress is finished, then the channel ends."""
        self.frames.put_nowait(None)

    async def _mic(self) -> AsyncIterator[AudioChunk]:
        while (chunk := await self.frames.get()) is not None:
            yield chunk

    async def _run(self) -> None:
        speaking = False
        try:
            async with aclosing(self.pipeline.converse(self._mic())) as events:
                async for event in events:
                    if isinstance(event, ReplyText | ReplyAudio) and not speaking:
                        speaking = True
                        self.replying(True)
                    elif isinstance(event, TurnEnded) and speaking:
                        speaking = False
                        self.replying(False)
                    await self._forward(event)
        except Os1Error as exc:  # the stages failed (a model, a voice): said, and the socket stays open
            with contextlib.suppress(Exception):
                await self.send({"type": "error", "code": exc.code, "message": exc.message})
        finally:
            if speaking:
                self.replying(False)

    async def _forward(self, event: VoiceEvent) -> None:
        if isinstance(event, ReplyAudio):
            if event.chunk.rate != self.rate:
                self.rate = event.chunk.rate
                await self.send({"type": "audio_format", "rate": self.rate, "encoding": "pcm16le", "channels": 1})
            await self.send_bytes(event.chunk.pcm)
            return
        message = message_for(event, self.session)
        if message is not None:
            await self.send(message)

    async def close(self) -> None:
        self.end()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await self.task
