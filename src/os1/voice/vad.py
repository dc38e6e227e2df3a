"""Voice activity and turn-taking.

``SileroVAD`` runs the Silero VAD model that faster-whisper ships (an ONNX file) on ONNX Runtime, without torch,
32 ms at a time with its recurrent state carried between calls. ``Endpointer`` turns the per-chunk decisions
into speech segments, and decides when the user's turn is over from how long they have been silent *and* what
they said: after a finished sentence a short pause ends the turn; after "and", "um" or a comma it waits longer,
so a user who is still thinking is not cut off. ``is_backchannel`` tells "mm-hm" and "yeah" (and a cough, which
transcribes as nothing) from a real interruption."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from os1.voice.audio import QUIET, RATE, AudioChunk, VoiceError

if TYPE_CHECKING:
    import numpy as np

FRAME = 512  # Silero's window at 16 kHz: 32 ms
CONTEXT = 64  # samples of the previous window the model sees with each one


@dataclass(frozen=True, slots=True)
class VadState:
    """After a chunk: whether the user is speaking (with hysteresis) and the latest window's probability."""

    speech: bool
    probability: float = 0.0


class VAD(Protocol):
    def process(self, chunk: AudioChunk) -> VadState: ...


def silero_path() -> Path:
    """The Silero VAD model shipped inside faster-whisper."""
    import importlib.util

    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.submodule_search_locations:
        raise VoiceError("voice.not_installed", "faster-whisper is not installed (it ships the Silero VAD model)",
                         hint="pip install faster-whisper")
    for folder in spec.submodule_search_locations:
        found = sorted((Path(folder) / "assets").glob("silero_vad*.onnx"))
        if found:
            return found[-1]
    raise VoiceError("voice.not_installed", "faster-whisper has no Silero VAD model", hint="upgrade faster-whisper")


_SESSIONS: dict[Path, Any] = {}
_LOCK = threading.Lock()


def _session(path: Path) -> Any:
    """One ONNX session per model file, shared (a session is safe to run from several threads)."""
    with _LOCK:
        if path not in _SESSIONS:
            import onnxruntime

            opts = onnxruntime.SessionOptions()
            opts.inter_op_num_threads = 1
            opts.intra_op_num_threads = 1
            opts.log_severity_level = 4
            _SESSIONS[path] = onnxruntime.InferenceSession(str(path), sess_options=opts,
                                                           providers=["CPUExecutionProvider"])
        return _SESSIONS[path]


class SileroVAD:
    """Streaming Silero VAD over 16 kHz chunks of any length. Speech starts at ``threshold`` and ends below
    ``threshold - 0.15`` (Silero's own hysteresis). One instance per audio stream: it keeps that stream's state."""

    def __init__(self, threshold: float = 0.5, path: Path | None = None) -> None:
        import numpy as np

        self.threshold = threshold
        self.session = _session(path or silero_path())
        self._np = np
        self.reset()

    def reset(self) -> None:
        np = self._np
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self.state = VadState(False, 0.0)

    def process(self, chunk: AudioChunk) -> VadState:
        if chunk.rate != RATE:
            raise VoiceError("voice.bad_rate", f"the VAD takes {RATE} Hz audio, not {chunk.rate} Hz",
                             hint="convert with os1.voice.audio.Resampler")
        np = self._np
        self._pending = np.concatenate([self._pending, chunk.array()])
        while self._pending.size >= FRAME:
            window, self._pending = self._pending[:FRAME], self._pending[FRAME:]
            self.state = self._step(self.probability(window))
        return self.state

    def probability(self, window: np.ndarray) -> float:
        np = self._np
        x = np.concatenate([self._context, window])[None, :]
        out, self._h, self._c = self.session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = window[-CONTEXT:]
        return float(np.asarray(out).reshape(-1)[0])

    def _step(self, p: float) -> VadState:
        speaking = p >= self.threshold or (self.state.speech and p >= self.threshold - 0.15)
        return VadState(speaking, p)


# Words after which a speaker is rarely done: a pause there is thinking, not the end of the turn.
TRAILING = frozenset(
    "and but so or because um uh er erm hmm like the a an to of with my your i if that then when which is was "
    "about for in on at it's i'm just".split()
)
BACKCHANNELS = frozenset(
    "mm mhm mm-hm mm-hmm hmm hm uh-huh uh huh yeah yep yes right okay ok oh ah aha sure i see".split()
)
_WORDS = re.compile(r"[a-z']+(?:-[a-z']+)*")


def finishedness(text: str) -> Literal["finished", "unclear", "trailing"]:
    """How finished an utterance sounds, from its last words and punctuation (Whisper punctuates)."""
    text = text.strip().lower()
    if not text:
        return "trailing"
    words = _WORDS.findall(text)
    if text.endswith(("...", "…", ",", "-", "—", ";", ":")) or (words and words[-1] in TRAILING):
        return "trailing"
    return "finished" if text.endswith((".", "?", "!")) else "unclear"


def is_backchannel(text: str) -> bool:
    """Only listening noises ("mm-hm", "yeah", "okay") or nothing at all (a cough, a breath)."""
    words = _WORDS.findall(text.lower())
    return all(w in BACKCHANNELS for w in words) and len(words) <= 3


@dataclass(frozen=True, slots=True)
class Endpointing:
    """Times in milliseconds of audio."""

    start_ms: int = 64  # this much speech starts a segment (a click or a tap is shorter)
    # This much silence ends a segment: its audio is transcribed in full at once, so the transcript is ready
    # when the turn's silence is long enough. Speech after a pause joins the segment again (pipeline).
    hangover_ms: int = 64
    finished_ms: int = 240  # after a finished sentence, this much silence ends the turn (people leave ~200 ms)
    unclear_ms: int = 700  # no closing punctuation
    trailing_ms: int = 1400  # after "and", "um", a comma: the user is still thinking
    confirm_ms: int = 700  # during playback, speech this long is an interruption whatever it says
    continue_ms: int = 1000  # speech this soon after a reply began is the user going on: one turn, not two


VAD_LAG_MS = 128


class Endpointer:
    """Segments speech from per-chunk VAD decisions and times the silence after it. ``step`` returns
    "start" when a segment begins and "end" when it ends; ``turn_over(text)`` says whether the silence since
    the last segment is long enough to end a turn that said ``text``."""

    def __init__(self, timing: Endpointing | None = None) -> None:
        self.timing = timing or Endpointing()
        self.in_segment = False
        self.speech_ms = 0.0  # of the current run of speech
        self.silence_ms = 0.0  # since speech was last heard
        self.segment_ms = 0.0  # length of the current (or last) segment
        self.heard = False  # any segment since the last turn ended
        self.peak = 0.0  # the loudest sample heard
        self.quiet_ms = 0.0  # since the audio was last louder than QUIET of that

    def step(self, state: VadState, ms: float, level: float | None = None) -> Literal["start", "end"] | None:
        """One chunk: the VAD's decision, its length, and its loudest sample (``level``), when known."""
        if level is not None:
            self._hear_level(level, ms)
        if state.speech:
            self.speech_ms += ms
            self.silence_ms = 0.0
        else:
            self.speech_ms = 0.0
            self.silence_ms += ms
        if self.in_segment:
            self.segment_ms += ms
        if not self.in_segment and self.speech_ms >= self.timing.start_ms:
            self.in_segment, self.heard, self.segment_ms = True, True, self.speech_ms
            return "start"
        if self.in_segment and self.silence_ms >= self.timing.hangover_ms:
            self.in_segment = False
            self.segment_ms -= self.silence_ms
            return "end"
        return None

    def wait_ms(self, text: str) -> int:
        kind = finishedness(text)
        t = self.timing
        return t.finished_ms if kind == "finished" else t.unclear_ms if kind == "unclear" else t.trailing_ms

    def _hear_level(self, level: float, ms: float) -> None:
        self.peak = max(self.peak, level)
        self.quiet_ms = 0.0 if level > 0 and level >= QUIET * self.peak else self.quiet_ms + ms

    def turn_over(self, text: str) -> bool:
        """The VAD hears speech for some 60–120 ms after the sound stops; when the audio itself has been quiet
        since then (a quiet room), the silence is counted from where the sound stopped (at most ``VAD_LAG_MS``
        earlier: a soft voice the VAD heard is speech, however quiet)."""
        silence = max(self.silence_ms, min(self.quiet_ms, self.silence_ms + VAD_LAG_MS))
        return self.heard and not self.in_segment and silence >= self.wait_ms(text)

    def reset(self) -> None:
        self.heard = False
        self.segment_ms = 0.0
