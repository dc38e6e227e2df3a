"""The spoken conversation: microphone audio in, events out (transcripts, reply text, reply audio).

    mic ─AudioChunk→ VAD → Endpointer ─segments→ STT ─text→ respond(text) ─deltas→ sentences → TTS → ReplyAudio

``VoicePipeline.converse(mic)`` is the whole loop; ``speak(text)`` is its second half alone. Both are async
iterators of small frozen events, so a terminal, a speaker or a WebSocket can drive them the same way: play each
``ReplyAudio``, and drop whatever is still queued for playback on ``PlaybackStopped``.

Overlap: each stretch of speech (a segment) is transcribed while it is spoken (partial ``Heard`` events) and in
full as soon as it ends, during the silence that decides whether the turn is over; the words heard so far are
handed to ``prepare`` (the model pre-reads them); once all of it is transcribed and it does not trail off, the
reply itself is begun (``prepare(words, True)``), and the turn takes it over if the silence does end it (see
``os1.llm.ahead``). The reply's first clause goes to TTS as soon as it is written, then each sentence, while the
model writes the next.

Barge-in: speech that starts while the companion speaks stops playback at once (``PlaybackStopped``) and the
reply's audio is held. If it turns out to be a backchannel ("mm-hm", a cough) playback resumes; if it is longer
than ``confirm_ms`` or says more, the reply is cancelled (``Interrupted``: the responder keeps what it had said)
and the speech starts the next turn. The pipeline does not cancel an echo of its own voice: use headphones."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from os1.errors import Os1Error
from os1.voice.audio import AudioChunk, Resampler
from os1.voice.events import (
    Heard,
    Interrupted,
    Notice,
    ReplyAudio,
    ReplySentence,
    ReplyText,
    SpeechStarted,
    TurnEnded,
    VoiceEvent,
)
from os1.voice.playback import Player
from os1.voice.stt import STT, Transcript
from os1.voice.tts import TTS
from os1.voice.vad import VAD, Endpointer, Endpointing, finishedness, is_backchannel

MERGE_MAX_S = 20.0  # segments are joined while the whole stays well inside Whisper's 30-second window
# The user's words → the reply's text, streamed. With ``pace``, called as ``respond(text, go)``: the writer stops
# while ``go`` is clear (see ``os1.llm.pace``).
Responder = Callable[..., AsyncIterator[str]]
# Pre-read the words heard so far (optional); with True they are all there is: begin the reply to them.
Preparer = Callable[[str, bool], Awaitable[object]]


_END_MARK = re.compile(r"[.!?…][\"')\]]*\s")
_CLAUSE_MARK = re.compile(r"[,;:—][\"')\]]*\s")
_TITLES = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.")
_GOES_ON = re.compile(r"\.(?=\s+[a-z])")  # a full stop before a word Whisper did not capitalise
# Words a spoken phrase often begins with: "It sounds like a lovely morning | for a walk."
PHRASE_STARTS = frozenset("to for with and but because when while if about after before at in on of that which "
                          "who where than or".split())


class SentenceSplitter:
    """Cuts streamed text into pieces for TTS. The first piece is short, so the first audio comes soon: it ends
    at a sentence end, at a clause mark once it has ``first_words`` words, before a word that starts a phrase
    ("to", "with", "because"…) once it has ``first_phrase`` words, or after ``first_max`` words whatever comes;
    the rest are whole sentences (the first one plays while they are made)."""

    def __init__(self, first_words: int = 3, first_max: int = 6, first_phrase: int = 4) -> None:
        self.first_words = first_words
        self.first_max = first_max
        self.first_phrase = first_phrase
        self.buffer = ""
        self.pieces = 0

    def feed(self, text: str) -> list[str]:
        self.buffer += text
        out = []
        while piece := self._cut():
            out.append(piece)
        return out

    def _cut(self) -> str:
        for match in _END_MARK.finditer(self.buffer):
            if not self.buffer[: match.end()].rstrip().endswith(_TITLES):
                return self._take(match.end())
        if self.pieces == 0:
            for match in _CLAUSE_MARK.finditer(self.buffer):
                if len(self.buffer[: match.end()].split()) >= self.first_words:
                    return self._take(match.end())
            spaces = [m.end() for m in re.finditer(r"\S\s+", self.buffer)]
            words = self.buffer.split()
            for n in range(self.first_phrase, min(len(spaces), self.first_max)):
                if words[n].lower().strip("\"'(") in PHRASE_STARTS:
                    return self._take(spaces[n - 1])
            if len(spaces) >= self.first_max:
                return self._take(spaces[self.first_max - 1])
        return ""

    def _take(self, end: int) -> str:
        piece, self.buffer = self.buffer[:end].strip(), self.buffer[end:]
        self.pieces += 1
        return piece

    def flush(self) -> str:
        piece, self.buffer = self.buffer.strip(), ""
        return piece


class _End:
    pass


_END = _End()


@dataclass
class _Segment:
    """One stretch of speech: its audio goes to STT as it comes."""

    audio: asyncio.Queue[AudioChunk | None] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    final: Transcript | None = None
    partial: str = ""
    settled: bool = False  # the partial heard all of the speech so far
    chunks: list[AudioChunk] = field(default_factory=list)
    during_reply: bool = False  # started while the companion spoke: a barge-in or a backchannel
    onset_s: float = 0.0  # when it began, in seconds of audio heard


class VoicePipeline:
    """Stages wired for a spoken conversation. ``vad`` makes a fresh VAD for each conversation."""

    def __init__(self, respond: Responder, stt: STT, tts: TTS, vad: Callable[[], VAD],
                 timing: Endpointing | None = None, prepare: Preparer | None = None,
                 first_words: int = 3, clock: Callable[[], float] = time.monotonic,
                 cut: Callable[[], Awaitable[object]] | None = None, pace: bool = False) -> None:
        self.respond = respond
        # Hold the writer while the first piece is voiced: on a machine where the model and TTS share the
        # cores (an embedded model), the first audio comes sooner. A model served elsewhere gains nothing.
        self.pace = pace
        self._talking: list[_Conversation] = []  # the conversations running now
        self.cut = cut  # told when a reply is interrupted, even one whose text was complete but not yet all heard
        self.stt = stt
        self.tts = tts
        self.vad = vad
        self.timing = timing or Endpointing()
        self.prepare = prepare
        self.first_words = first_words
        self.clock = clock

    async def speak(self, text: str) -> AsyncGenerator[VoiceEvent, None]:
        """Reply to ``text``: reply text as it streams, each piece handed to TTS, its audio, then ``TurnEnded``."""
        out: asyncio.Queue[Any] = asyncio.Queue()
        written: list[str] = []
        pieces: asyncio.Queue[str | None] = asyncio.Queue()
        go = asyncio.Event()
        go.set()
        tasks = [asyncio.create_task(self._write(text, out, pieces, written, go)),
                 asyncio.create_task(self._voice(pieces, out, go))]
        interrupted = True
        try:
            while (event := await out.get()) is not _END:
                if isinstance(event, BaseException):
                    raise event
                yield event
            interrupted = False
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        yield TurnEnded(text, "".join(written).strip(), interrupted)

    async def _write(self, text: str, out: asyncio.Queue[Any], pieces: asyncio.Queue[str | None],
                     written: list[str], go: asyncio.Event) -> None:
        splitter = SentenceSplitter(self.first_words)
        held = not self.pace
        try:
            async for delta in self.respond(text, go) if self.pace else self.respond(text):
                written.append(delta)
                out.put_nowait(ReplyText(delta))
                for piece in splitter.feed(delta):
                    if not held:
                        held = True
                        go.clear()  # the first piece is voiced alone, then the writer goes on
                    out.put_nowait(ReplySentence(piece))
                    pieces.put_nowait(piece)
            if rest := splitter.flush():
                out.put_nowait(ReplySentence(rest))
                pieces.put_nowait(rest)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the reader, which raises it
            out.put_nowait(exc)
        finally:
            pieces.put_nowait(None)

    async def _voice(self, pieces: asyncio.Queue[str | None], out: asyncio.Queue[Any], go: asyncio.Event) -> None:
        try:
            while (piece := await pieces.get()) is not None:
                async for chunk in self.tts.synthesize(piece):
                    out.put_nowait(ReplyAudio(chunk))
                    go.set()
            out.put_nowait(_END)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            out.put_nowait(exc)
        finally:
            go.set()

    async def converse(self, mic: AsyncIterable[AudioChunk], realtime: bool = True
                       ) -> AsyncGenerator[VoiceEvent, None]:
        """The spoken conversation over ``mic`` (any rate), until it ends. Each turn ends with ``TurnEnded``;
        a stream with no speech in it ends with ``Notice("audio.no_speech")``. With ``realtime`` (a microphone,
        a WebSocket) reply audio is sent at the pace it plays; without (a file), as soon as it is made."""
        conversation = _Conversation(self, realtime)
        self._talking.append(conversation)
        listener = asyncio.create_task(conversation.listen(mic))
        try:
            while True:
                event = await conversation.out.get()
                if event is _END:
                    break
                if isinstance(event, BaseException):
                    raise event
                yield event
            await listener
        finally:
            self._talking.remove(conversation)
            await conversation.close(listener)

    async def hush(self) -> None:
        """The user asked it to stop talking (a button, a key): the reply being said is cut as by barge-in
        (``PlaybackStopped``, ``Interrupted``, kept as written) and no new turn begins."""
        for conversation in list(self._talking):
            await conversation.cut_reply()


class _Conversation:
    """The state of one ``converse`` run: the segments of the user's turn, the reply, and playback."""

    def __init__(self, pipeline: VoicePipeline, realtime: bool) -> None:
        self.p = pipeline
        self.realtime = realtime
        self.out: asyncio.Queue[Any] = asyncio.Queue()
        self.vad = pipeline.vad()
        self.ends = Endpointer(pipeline.timing)
        self.resampler = Resampler()
        self.preroll: deque[AudioChunk] = deque(maxlen=15)  # 300 ms before the VAD said "speech"
        self.segments: list[_Segment] = []
        self.gap: list[AudioChunk] = []  # since the last segment ended
        self.current: _Segment | None = None
        self.reply: asyncio.Task[None] | None = None
        self.cutting = asyncio.Lock()
        self.preparing: asyncio.Task[object] | None = None
        self.prepared: tuple[str, bool] = ("", False)  # the words last handed to prepare, and whether in full
        self.turns = 0
        self.player = Player(pipeline.clock, self.out, realtime)
        self.heard_s = 0.0  # audio heard so far: the clock for what the user does
        self.answered: tuple[list[_Segment], float] = ([], -1.0)  # the last turn's segments, when its reply began

    @property
    def speaking(self) -> bool:
        return (self.reply is not None and not self.reply.done()) or self.player.busy

    async def listen(self, mic: AsyncIterable[AudioChunk]) -> None:
        try:
            async for raw in mic:
                chunk = self.resampler.convert(raw)
                if chunk.samples:
                    self._hear(chunk)
                    await self._decide()
            await self._finish()
            self.out.put_nowait(_END)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self.out.put_nowait(exc)

    def _hear(self, chunk: AudioChunk) -> None:
        self.heard_s += chunk.duration_s
        edge = self.ends.step(self.vad.process(chunk), chunk.duration_s * 1000, chunk.level())
        self.preroll.append(chunk)
        if self.current is None:
            self.gap.append(chunk)
        if edge == "start":
            self._open()
        elif self.current is not None:
            self.current.chunks.append(chunk)
            self.current.audio.put_nowait(chunk)
        if edge == "end" and self.current is not None:
            self.current.audio.put_nowait(None)  # transcribed in full now, while the silence goes on
            self.current = None
            self.gap = []

    def _open(self) -> None:
        """Speech began. If it follows a segment of the same turn after a pause, the two become one segment,
        transcribed again as a whole: Whisper hears the sentence, not pieces of it."""
        during_reply = self.speaking
        if self.prepared[1] and self.preparing is not None:
            self.preparing.cancel()  # they went on: the reply begun to their words so far is dropped
            self.prepared = ("", False)
        last = self.segments[-1] if self.segments else None
        audio = list(self.preroll)
        if last is not None and last.during_reply == during_reply and (
                sum(c.duration_s for c in last.chunks + self.gap) < MERGE_MAX_S):
            audio = last.chunks + self.gap
            if last.task is not None:
                last.task.cancel()
            self.segments.remove(last)
        onset = self.heard_s - sum(c.duration_s for c in audio)
        self.current = _Segment(during_reply=during_reply, chunks=audio, onset_s=onset)
        for piece in audio:
            self.current.audio.put_nowait(piece)
        self.current.task = asyncio.create_task(self._transcribe(self.current))
        self.segments.append(self.current)
        self.out.put_nowait(SpeechStarted())
        if during_reply and not self.player.paused:
            self.player.pause()

    async def _transcribe(self, segment: _Segment) -> None:
        async def audio() -> AsyncIterator[AudioChunk]:
            while (chunk := await segment.audio.get()) is not None:
                yield chunk

        async for transcript in self.p.stt.transcribe(audio()):
            if transcript.final:
                segment.final = transcript
            elif transcript.text:
                segment.partial, segment.settled = transcript.text, transcript.whole
                if not segment.during_reply:
                    self.out.put_nowait(Heard(f"{self._words(upto=segment)} {transcript.text}".strip()))

    def _words(self, upto: _Segment | None = None, partial: bool = False) -> str:
        """The words of this turn's segments (before ``upto``; with ``partial``, unfinished ones too)."""
        words = []
        for segment in self.segments:
            if segment is upto:
                break
            text = segment.final.text if segment.final is not None else segment.partial if partial else ""
            words.append(text)
        joined = " ".join(w for w in words if w).strip()
        return _GOES_ON.sub(",", joined)  # "changing jobs. but I'm not sure": one sentence, paused at a comma

    async def _decide(self) -> None:
        """After each chunk: barge-in, backchannel, or the end of the user's turn."""
        await asyncio.sleep(0)  # let finished transcriptions report
        if self.player.paused and self.segments:
            segment = self.segments[-1]
            if self.ends.in_segment and self.ends.segment_ms >= self.p.timing.confirm_ms:
                await self._barge_in()
            elif segment.final is not None:
                if is_backchannel(segment.final.text):
                    self.segments.remove(segment)
                    self.player.resume()
                else:
                    await self._barge_in()
            return
        if self.speaking:
            return
        if all(s.final is not None for s in self.segments):
            self.segments = [s for s in self.segments if s.final is not None and s.final.text]
            if not self.segments:
                self.ends.reset()
            elif self.ends.turn_over(self._words()):
                self._start_reply(self._words())
                return
        heard = self._words(partial=True)
        whole = bool(self.segments) and self.ends.quiet_ms > 0 and finishedness(heard) != "trailing" and all(
            s.final is not None or s.settled for s in self.segments)
        if heard and (heard, whole) != self.prepared and self.p.prepare is not None and (
                self.preparing is None or self.preparing.done()):
            self.prepared = (heard, whole)
            self.preparing = asyncio.create_task(self._prepare(heard, whole))

    async def _prepare(self, text: str, whole: bool) -> object:
        assert self.p.prepare is not None
        try:
            return await self.p.prepare(text, whole)
        except Exception:  # an optimisation only: the turn itself reports real failures
            return None

    async def _barge_in(self) -> None:
        for segment in self.segments:  # the speech so far becomes the next turn
            segment.during_reply = False
        before, began = self.answered
        if self.segments and self.segments[0].onset_s - began <= self.p.timing.continue_ms / 1000:
            self.segments = before + self.segments  # they had not finished: what they said before comes first
        await self.cut_reply()

    async def cut_reply(self) -> None:
        """Cancel the reply and stop its playback; it is kept as written, marked interrupted."""
        async with self.cutting:
            cut = self.reply is not None and not self.reply.done()
            if not cut and not self.player.busy:
                return  # nothing is being said
            if cut:
                assert self.reply is not None
                self.reply.cancel()
                await asyncio.wait({self.reply})
            # Written (and voiced) in full, as a reply usually is, but not all heard: cut all the same.
            if (self.player.stop() or cut) and self.p.cut is not None:
                await self.p.cut()

    def _start_reply(self, text: str) -> None:
        self.answered = (self.segments, self.heard_s)
        self.segments = []
        self.ends.reset()
        self.turns += 1
        if self.preparing is not None and not self.preparing.done() and self.prepared != (text, True):
            self.preparing.cancel()  # the turn queues behind a prefill on the model's thread; no need to wait
        self.prepared = ("", False)  # a reply begun for these words is left to run: the turn takes it over
        self.out.put_nowait(Heard(text, final=True))
        self.reply = asyncio.create_task(self._run_reply(text))

    async def _run_reply(self, text: str) -> None:
        written: list[str] = []
        try:
            async with contextlib.aclosing(self.p.speak(text)) as events:
                async for event in events:
                    if isinstance(event, ReplyText):
                        written.append(event.text)
                    self.player.put(event)
        except asyncio.CancelledError:
            self.out.put_nowait(Interrupted("".join(written).strip()))
            self.out.put_nowait(TurnEnded(text, "".join(written).strip(), interrupted=True))
            raise
        except Os1Error as exc:
            self.out.put_nowait(Notice(exc.code, exc.message))

    async def _finish(self) -> None:
        """The microphone stream ended: finish what was said, and wait for the reply to be played."""
        if self.current is not None:
            self.current.audio.put_nowait(None)
            self.current = None
        for segment in list(self.segments):
            if segment.task is not None:
                await segment.task
        if self.player.paused:
            self.player.resume()
        if self.reply is not None:
            await asyncio.wait({self.reply})
        text = self._words()
        if text:
            self._start_reply(text)
            assert self.reply is not None
            await asyncio.wait({self.reply})
        elif self.turns == 0:
            self.out.put_nowait(Notice("audio.no_speech", "no speech was heard"))
        await self.player.drain()

    async def close(self, listener: asyncio.Task[None]) -> None:
        tasks = [t for t in (listener, self.reply, self.preparing, *(s.task for s in self.segments)) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.player.close()
