from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from os1.testing import tone
from os1.voice.audio import (
    RATE,
    AudioChunk,
    AudioError,
    Resampler,
    check_level,
    chunked,
    decode,
    encode,
    resample,
    write_audio,
)


def speechlike(seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".ogg", ".mp3"])
@pytest.mark.parametrize(("rate", "channels"), [(44100, 2), (8000, 1), (48000, 1)])
def test_any_format_rate_and_channels_become_16k_mono(tmp_path: Path, suffix: str, rate: int, channels: int):
    mono = speechlike(1.5, rate)
    path = tmp_path / f"in{suffix}"
    encode(path, np.stack([mono] * channels, axis=1), rate)
    samples = decode(path)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(len(samples) / RATE - 1.5) < 0.1  # codecs pad a few ms
    assert 0.15 < float(np.max(np.abs(samples))) < 0.5  # the level survives; stereo is averaged, not summed


def test_zero_length_inputs(tmp_path: Path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError) as err:
        decode(empty)
    assert err.value.code in ("audio.unreadable", "audio.empty")
    with pytest.raises(AudioError) as err:
        decode(b"")
    assert err.value.code == "audio.empty"
    no_samples = tmp_path / "none.wav"
    write_audio(no_samples, [])  # a valid WAV header with no samples
    with pytest.raises(AudioError) as err:
        decode(no_samples)
    assert err.value.code == "audio.empty"


def test_corrupt_and_missing_files_are_unreadable(tmp_path: Path):
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    text = tmp_path / "notes.mp3"
    text.write_text("this is not audio at all\n" * 50)
    for path in (garbage, text, tmp_path / "missing.wav"):
        with pytest.raises(AudioError) as err:
            decode(path)
        assert err.value.code == "audio.unreadable"
        assert err.value.hint


def test_truncated_file_decodes_what_is_there(tmp_path: Path):
    path = tmp_path / "cut.flac"
    encode(path, speechlike(2.0, 16000), 16000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    try:
        samples = decode(path)
    except AudioError as err:
        assert err.code == "audio.unreadable"
    else:
        assert 0 < len(samples) < 2.0 * RATE


def test_silence_is_refused_and_clipping_is_reported():
    with pytest.raises(AudioError) as err:
        check_level(np.zeros(RATE, dtype=np.float32))
    assert err.value.code == "audio.silent"
    assert check_level(tone(1.0)) is None
    clipped = np.clip(tone(1.0, level=3.0), -1.0, 1.0)
    warning = check_level(clipped)
    assert warning is not None and "clipped" in warning


def test_resampler_streams_without_losing_time():
    resampler = Resampler(16000)
    chunks = chunked(speechlike(2.0, 44100), 44100)
    out = [resampler.convert(c) for c in chunks]
    assert all(c.rate == 16000 for c in out)
    assert abs(sum(c.samples for c in out) - 32000) < 400  # the resampler holds back a few samples
    assert abs(len(resample(speechlike(2.0, 22050), 22050)) - 32000) < 10


def test_chunks_and_wav_round_trip(tmp_path: Path):
    samples = speechlike(1.0, 22050)
    chunks = chunked(samples, 22050)
    assert chunks[0].rate == 22050 and abs(chunks[0].duration_s - 0.02) < 0.001
    path = tmp_path / "out.wav"
    assert abs(write_audio(path, chunks) - 1.0) < 0.01
    back = decode(path, rate=22050)
    assert np.max(np.abs(back - samples[: len(back)])) < 1e-3
    assert AudioChunk.from_array(np.array([2.0, -2.0], dtype=np.float32)).array().tolist() == pytest.approx(
        [32767 / 32768, -32767 / 32768])
