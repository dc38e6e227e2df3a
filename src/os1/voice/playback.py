"""Playback pacing for a spoken reply."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from typing import Any

from os1.voice.audio import AudioChunk
from os1.voice.events import (
    Interrupted,
    PlaybackResumed,
    PlaybackStopped,
    ReplyAudio,
    ReplySentence,
    ReplyText,
    TurnEnded,
)


class Player:
    """Sends reply audio out at the pace it is played (``LEAD_S`` ahead), so that playback can pause and resume
    without losing words, and stop at once. Without ``realtime`` (a file) it sends everything at once."""

    LEAD_S = 0.25
    PIECE_S = 0.1

    def __init__(self, clock: Callable[[], float], out: asyncio.Queue[Any], realtime: bool) -> None:
        self.clock = clock
        self.out = out
        self.realtime = realtime
        self.queue: deque[Any] = deque()  # ReplyAudio pieces and the events that follow them
        self.sent: deque[tuple[float, ReplyAudio]] = deque()  # sent, with when they will have been played
        self.until = 0.0  # when what was sent will have been played
        self.paused = False
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()
        self.idle.set()
        self.task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        return self.paused or bool(self.queue) or self.clock() < self.until

    def put(self, event: Any) -> None:
        if isinstance(event, ReplyAudio):
            chunk = event.chunk
            step = max(2, int(chunk.rate * self.PIECE_S) * 2)
            self.queue.extend(ReplyAudio(AudioChunk(chunk.pcm[i : i + step], chunk.rate))
                              for i in range(0, len(chunk.pcm), step))
        else:
            self.queue.append(event)
        self.idle.clear()
        if self.task is None:
            self.task = asyncio.create_task(self._run())
        self.wake.set()

    async def _run(self) -> None:
        while True:
            if self.paused or not self.queue:
                if not self.queue:
                    self.idle.set()
                self.wake.clear()
                await self.wake.wait()
                continue
            ahead = self.until - self.clock()
            if self.realtime and ahead > self.LEAD_S:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), ahead - self.LEAD_S)
                self.wake.clear()
                continue
            item = self.queue.popleft()
            if isinstance(item, ReplyAudio):
                self.until = max(self.until, self.clock()) + item.chunk.duration_s
                self.sent.append((self.until, item))
                while len(self.sent) > 1 and self.sent[0][0] < self.clock():
                    self.sent.popleft()
            self.out.put_nowait(item)

    def pause(self) -> None:
        """Stop now; what was sent but not yet played goes back in front of the queue."""
        self.paused = True
        now = self.clock()
        unplayed = [item for end, item in self.sent if end > now]
        self.queue.extendleft(reversed(unplayed))
        self.sent.clear()
        self.until = now
        self.out.put_nowait(PlaybackStopped())

    def resume(self) -> None:
        self.paused = False
        self.out.put_nowait(PlaybackResumed())
        self.wake.set()

    def stop(self) -> bool:
        """The reply was interrupted: its audio, and the text that waited to be heard with it, are dropped; the
        events after them go out. A reply written in full but not yet all heard ends interrupted (its
        ``TurnEnded`` says so, after an ``Interrupted``). True if any of its audio was still to be heard."""
        was_paused, self.paused = self.paused, False
        if not was_paused:
            self.out.put_nowait(PlaybackStopped())
        unheard = any(isinstance(item, ReplyAudio) for item in self.queue) or any(
            end > self.clock() for end, _ in self.sent)
        kept: deque[Any] = deque()
        for item in self.queue:
            if isinstance(item, ReplyAudio | ReplyText | ReplySentence):
                continue
            if isinstance(item, TurnEnded) and unheard and not item.interrupted:
                kept += [Interrupted(item.reply_text), TurnEnded(item.user_text, item.reply_text, interrupted=True)]
            else:
                kept.append(item)
        self.queue = kept
        self.sent.clear()
        self.until = self.clock()
        self.wake.set()
        return unheard

    async def drain(self) -> None:
        if self.task is not None:
            await self.idle.wait()
        if self.realtime:
            await asyncio.sleep(max(0.0, self.until - self.clock()))

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
