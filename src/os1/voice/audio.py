"""Audio as the voice stages pass it: ``AudioChunk`` (pcm16 mono, with its sample rate), decoding any common
file format to 16 kHz mono, resampling, checks for silent and clipped input, and WAV writing.

Decoding and resampling go through PyAV (FFmpeg), which faster-whisper already depends on: wav, flac, ogg,
mp3, m4a… at any rate and channel count. It is imported lazily."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import Os1Error

if TYPE_CHECKING:
    import numpy as np

RATE = 16000  # what VAD and STT take
FRAME_MS = 20  # the size of a microphone chunk
FRAME_SAMPLES = RATE * FRAME_MS // 1000
MAX_SECONDS = 600.0  # a spoken turn longer than ten minutes is refused, not decoded into memory
SILENT_PEAK = 0.003  # peak below -50 dBFS: nothing was recorded
QUIET = 0.02  # of the loudest speech heard: below this, no speech (breath, room noise at most)
CLIPPED_SHARE = 0.01  # more than 1 % of samples at full scale: the recording is distorted


class AudioError(Os1Error):
    """Input audio that cannot be used: ``audio.unreadable``, ``audio.empty``, ``audio.silent``,
    ``audio.no_speech``, ``audio.too_long``, ``audio.no_device``."""


class VoiceError(Os1Error):
    """A voice component failed or is missing: ``voice.not_installed``, ``voice.unknown``, ``voice.timeout``…"""


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """A piece of sound: signed 16-bit little-endian mono samples at ``rate`` Hz."""

    pcm: bytes
    rate: int = RATE

    @property
    def samples(self) -> int:
        return len(self.pcm) // 2

    @property
    def duration_s(self) -> float:
        return self.samples / self.rate

    def array(self) -> np.ndarray:
        """The samples as float32 in [-1, 1]."""
        import numpy as np

        return np.frombuffer(self.pcm, dtype="<i2").astype(np.float32) / 32768.0

    def level(self) -> float:
        """The loudest sample, in [0, 1]."""
        import numpy as np

        samples = np.frombuffer(self.pcm, dtype="<i2")
        return float(np.max(np.abs(samples.astype(np.int32)))) / 32768.0 if samples.size else 0.0

    @classmethod
    def from_array(cls, samples: np.ndarray, rate: int = RATE) -> AudioChunk:
        """From float samples in [-1, 1] (clipped) or int16 samples."""
        import numpy as np

        if samples.dtype != np.int16:
            samples = (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
        return cls(samples.astype("<i2").tobytes(), rate)


def chunked(samples: np.ndarray, rate: int = RATE, frame_ms: int = FRAME_MS) -> list[AudioChunk]:
    """Float samples cut into chunks of ``frame_ms`` (the last one may be shorter)."""
    step = max(1, rate * frame_ms // 1000)
    return [AudioChunk.from_array(samples[i : i + step], rate) for i in range(0, len(samples), step)]


async def stream_of(chunks: Iterable[AudioChunk]) -> AsyncIterator[AudioChunk]:
    """An async stream over chunks already in memory (a file, a test)."""
    for chunk in chunks:
        yield chunk


def _av_error_types() -> tuple[type[BaseException], ...]:
    import av

    return (av.error.FFmpegError, ValueError, OSError, EOFError, IndexError)


def decode(source: Path | bytes, rate: int = RATE) -> np.ndarray:
    """Any audio file (path or bytes) as float32 mono samples at ``rate``. Raises ``AudioError`` with
    ``audio.unreadable`` (missing, corrupt, not audio), ``audio.empty`` or ``audio.too_long``."""
    import av
    import numpy as np

    name = str(source) if isinstance(source, Path) else "the audio"
    if isinstance(source, Path) and not source.is_file():
        raise AudioError("audio.unreadable", f"no audio file at {source}", hint="check the path")
    if isinstance(source, bytes) and not source:
        raise AudioError("audio.empty", "the audio is empty (zero bytes)", hint="record something first")
    pieces: list[np.ndarray] = []
    total = 0
    try:
        with av.open(str(source) if isinstance(source, Path) else io.BytesIO(source), mode="r") as container:
            if not container.streams.audio:
                raise AudioError("audio.unreadable", f"{name} has no audio track", hint="use wav, flac, ogg or mp3")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            stream = container.streams.audio[0]
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    pieces.append(out.to_ndarray().reshape(-1))
                    total += pieces[-1].size
                if total > MAX_SECONDS * rate:
                    raise AudioError("audio.too_long", f"{name} is longer than {MAX_SECONDS:.0f} s",
                                     hint="send a shorter recording")
            for out in resampler.resample(None):
                pieces.append(out.to_ndarray().reshape(-1))
    except AudioError:
        raise
    except _av_error_types() as exc:
        raise AudioError("audio.unreadable", f"could not decode {name}: {exc}",
                         hint="is it a complete wav, flac, ogg or mp3 file?") from exc
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int16)
    if samples.size == 0:
        raise AudioError("audio.empty", f"{name} contains no audio samples", hint="record something first")
    return samples.astype(np.float32) / 32768.0


def peak(samples: np.ndarray) -> float:
    import numpy as np

    return float(np.max(np.abs(samples))) if samples.size else 0.0


def clipped_share(samples: np.ndarray) -> float:
    """The share of samples at (or within 0.1 % of) full scale."""
    import numpy as np

    return float(np.mean(np.abs(samples) >= 0.999)) if samples.size else 0.0


def check_level(samples: np.ndarray) -> str | None:
    """Raise ``audio.silent`` for a recording with nothing in it; a warning (text) for a clipped one."""
    if peak(samples) < SILENT_PEAK:
        raise AudioError("audio.silent", "the recording is silent", hint="check the microphone and its volume")
    share = clipped_share(samples)
    if share > CLIPPED_SHARE:
        return (f"the recording is clipped ({share:.0%} of it at full scale): it was too loud, and the "
                "words may be misheard")
    return None


class Resampler:
    """Streaming conversion of chunks at any rate to ``rate`` (state kept between chunks, so no clicks)."""

    def __init__(self, rate: int = RATE) -> None:
        self.rate = rate
        self._resampler: Any = None
        self._from = 0

    def convert(self, chunk: AudioChunk) -> AudioChunk:
        if chunk.rate == self.rate:
            return chunk
        import av
        import numpy as np

        if self._resampler is None or self._from != chunk.rate:
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=self.rate)
            self._from = chunk.rate
        frame = av.AudioFrame.from_ndarray(np.frombuffer(chunk.pcm, dtype="<i2").reshape(1, -1), format="s16",
                                           layout="mono")
        frame.sample_rate = chunk.rate
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        pcm = np.concatenate(out).astype("<i2").tobytes() if out else b""
        return AudioChunk(pcm, self.rate)


def resample(samples: np.ndarray, rate_in: int, rate_out: int = RATE) -> np.ndarray:
    """Float samples from ``rate_in`` to ``rate_out`` (whole buffers; see ``Resampler`` for streams)."""
    import numpy as np

    if rate_in == rate_out or samples.size == 0:
        return samples.astype(np.float32)
    resampler = Resampler(rate_out)
    head = resampler.convert(AudioChunk.from_array(samples, rate_in)).array()
    assert resampler._resampler is not None
    tail = [f.to_ndarray().reshape(-1).astype(np.float32) / 32768.0 for f in resampler._resampler.resample(None)]
    return np.concatenate([head, *tail]) if tail else head


def write_audio(path: Path, chunks: Iterable[AudioChunk]) -> float:
    """Write chunks (converted to the first chunk's rate) as mono audio in the format the suffix names (a pcm16
    WAV unless it is .flac, .ogg, .opus or .mp3); returns the duration in seconds. With no chunks, a valid
    file of zero length."""
    chunks = list(chunks)
    rate = chunks[0].rate if chunks else RATE
    resampler = Resampler(rate)
    pcm = b"".join(resampler.convert(chunk).pcm for chunk in chunks)
    if path.suffix.lower() in CODECS and path.suffix.lower() != ".wav" and pcm:
        encode(path, AudioChunk(pcm, rate).array(), rate)
    else:
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(pcm)
    return len(pcm) / 2 / rate


CODECS = {".flac": ("flac", "s16"), ".ogg": ("libopus", "flt"), ".opus": ("libopus", "flt"),
          ".mp3": ("libmp3lame", "fltp"), ".wav": ("pcm_s16le", "s16")}


def encode(path: Path, samples: np.ndarray, rate: int) -> None:
    """Write float samples (``(n,)`` mono or ``(n, channels)``) in the format the file's suffix names (wav,
    flac, ogg/opus, mp3)."""
    import av
    import numpy as np

    codec, fmt = CODECS.get(path.suffix.lower(), CODECS[".wav"])
    frames = samples.reshape(len(samples), -1).astype(np.float32)
    channels = frames.shape[1]
    layout = "mono" if channels == 1 else "stereo"
    out_rate = 48000 if codec == "libopus" else rate
    with av.open(str(path), mode="w") as container:
        stream: Any = container.add_stream(codec, rate=out_rate, layout=layout)  # type: ignore[call-overload]
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=out_rate)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(frames).reshape(1, -1), format="flt",
                                           layout=layout)
        frame.sample_rate = rate
        for piece in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(piece):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


async def collect(chunks: AsyncIterable[AudioChunk]) -> list[AudioChunk]:
    return [chunk async for chunk in chunks]
