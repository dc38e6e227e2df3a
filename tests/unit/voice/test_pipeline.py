from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import numpy as np

from os1.companion.turn import Session
from os1.testing import LoudnessVAD, ScriptedSTT, SilentTTS, tone
from os1.voice.audio import AudioChunk, chunked
from os1.voice.events import (
    Heard,
    Interrupted,
    Notice,
    PlaybackResumed,
    PlaybackStopped,
    ReplyAudio,
    ReplySentence,
    ReplyText,
    SpeechStarted,
    TurnEnded,
)
from os1.voice.pipeline import SentenceSplitter, VoicePipeline
from os1.voice.vad import Endpointing

from .conftest import World


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 16000), dtype=np.float32)


def pipeline(session: Session, stt: ScriptedSTT, tts: SilentTTS, **kw) -> VoicePipeline:
    return VoicePipeline(session.words, stt, tts, LoudnessVAD, prepare=session.prepare,
                         cut=session.cut_short, **kw)


async def mic(*parts: np.ndarray | asyncio.Event | Callable[[], bool] | float) -> AsyncIterator[AudioChunk]:
    """Audio parts; an Event in between waits until it is set (e.g. until the reply is being played), a
    function until it returns True, a number that many seconds."""
    for part in parts:
        if isinstance(part, float):
            await asyncio.sleep(part)
            continue
        if isinstance(part, asyncio.Event):
            await asyncio.wait_for(part.wait(), 10)
            continue
        if callable(part):
            async with asyncio.timeout(10):
                while not part():  # noqa: ASYNC110  (polls what a fake recorded)
                    await asyncio.sleep(0.01)
            continue
        for chunk in chunked(part):
            yield chunk
            await asyncio.sleep(0)


def test_sentence_splitter_sends_a_first_clause_early_then_sentences():
    s = SentenceSplitter(first_words=4)
    pieces = []
    for token in "Well, I think that you're right, mostly. Mr. Smith agreed! Did he? Yes".split(" "):
        pieces += s.feed(token + " ")
    pieces.append(s.flush())
    assert pieces == ["Well, I think that you're right,", "mostly.", "Mr. Smith agreed!", "Did he?", "Yes"]
    assert SentenceSplitter().feed("Hi, there. ") == ["Hi, there."]
    long = SentenceSplitter(first_max=5)
    assert long.feed("I really do believe we should go ") == ["I really do believe we"]
    assert long.feed("there again some day, maybe in May. ") == ["should go there again some day, maybe in May."]
    def streamed(text: str) -> list[str]:
        splitter = SentenceSplitter()
        return [piece for word in text.split(" ") for piece in splitter.feed(word + " ")]

    # before a word that starts a phrase, once there are four words; never after fewer
    assert streamed("It sounds like a lovely morning for a walk.") == ["It sounds like a lovely morning", "for a walk."]
    assert streamed("I want to go.") == ["I want to go."]


async def test_speak_streams_sentences_into_tts_while_the_reply_is_written(world: World):
    session = await world.session()
    world.model.enqueue("I went there too. It was lovely. We should go again sometime.")
    world.model.delay_s = 0.01
    tts = SilentTTS()
    events = [e async for e in pipeline(session, ScriptedSTT(), tts).speak("I went to the market.")]
    kinds = [type(e).__name__ for e in events]
    assert tts.said[-3:] == ["I went there too.", "It was lovely.", "We should go again sometime."]
    first_audio = kinds.index("ReplyAudio")
    last_text = len(kinds) - 1 - kinds[::-1].index("ReplyText")
    assert first_audio < last_text  # the first sentence was spoken before the reply was finished
    assert isinstance(events[-1], TurnEnded) and not events[-1].interrupted
    assert events[-1].reply_text.endswith("We should go again sometime.")


async def test_with_pace_the_model_waits_while_the_first_piece_is_voiced(world: World):
    session = await world.session()
    world.model.enqueue("Oh, that is lovely. Tell me more about it.", "")
    world.model.delay_s = 0.01
    tts = SilentTTS(delay_s=0.2)
    events = [e async for e in pipeline(session, ScriptedSTT(), tts, pace=True).speak("I went to the market.")]
    first = tts.said[0]
    assert len(world.model.calls) == 2  # written, held while the first piece was voiced, then written on
    held_at = world.model.calls[1][0][-1]
    assert held_at.role == "assistant" and held_at.content.strip().startswith(first.strip(","))
    assert isinstance(events[-1], TurnEnded) and not events[-1].interrupted
    assert "".join(e.text for e in events if isinstance(e, ReplyText)).strip() == events[-1].reply_text


async def test_a_spoken_turn_end_to_end(world: World):
    session = await world.session()
    world.model.enqueue("That sounds wonderful.")
    stt = ScriptedSTT("I bought some apples today.")
    events = [e async for e in pipeline(session, stt, SilentTTS()).converse(
        mic(quiet(0.3), tone(1.2), quiet(1.0)), realtime=False)]
    assert isinstance(events[0], SpeechStarted)
    assert any(isinstance(e, Heard) and not e.final and e.text == "I" for e in events)  # a partial while speaking
    assert Heard("I bought some apples today.", final=True) in events
    assert any(isinstance(e, ReplyAudio) for e in events)
    ended = [e for e in events if isinstance(e, TurnEnded)]
    assert len(ended) == 1 and ended[0].reply_text.endswith("That sounds wonderful.")
    assert len(stt.streams) == 1 and stt.streams[0] > 1.2  # the whole segment, with what preceded the VAD's onset
    stored = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
    assert [t.content for t in stored if t.role == "user"] == ["I bought some apples today."]


async def test_a_pause_after_and_does_not_end_the_turn(world: World):
    session = await world.session()
    # the speech after the pause joins the first stretch: the second transcription hears all of it
    stt = ScriptedSTT("I went to the market and", "I went to the market and bought some apples.")
    timing = Endpointing(finished_ms=300, trailing_ms=1400)
    events = [e async for e in pipeline(session, stt, SilentTTS(), timing=timing).converse(
        mic(tone(1.0), quiet(0.8), tone(1.0), quiet(1.0)), realtime=False)]
    finals = [e.text for e in events if isinstance(e, Heard) and e.final]
    assert finals == ["I went to the market and bought some apples."]


async def test_the_same_pause_after_a_finished_sentence_ends_the_turn(world: World):
    session = await world.session()
    stt = ScriptedSTT("I went to the market.", "It was busy.")
    timing = Endpointing(finished_ms=300, trailing_ms=1400)
    events = [e async for e in pipeline(session, stt, SilentTTS(), timing=timing).converse(
        mic(tone(1.0), quiet(2.0), tone(1.0), quiet(1.0)), realtime=False)]
    finals = [e.text for e in events if isinstance(e, Heard) and e.final]
    assert finals == ["I went to the market.", "It was busy."]


async def test_speech_soon_after_the_reply_began_goes_on_with_the_same_turn(world: World):
    session = await world.session()
    world.model.delay_s = 0.3  # the first reply is still being written when they go on, however busy the CPU
    stt = ScriptedSTT("I am thinking about changing jobs.", "but I am not sure.")  # paused at the comma
    timing = Endpointing(finished_ms=240, trailing_ms=1400)
    events = [e async for e in pipeline(session, stt, SilentTTS(), timing=timing).converse(
        mic(tone(1.0), quiet(0.6), tone(1.0), quiet(1.0)), realtime=False)]
    finals = [e.text for e in events if isinstance(e, Heard) and e.final]
    assert finals == ["I am thinking about changing jobs.", "I am thinking about changing jobs, but I am not sure."]
    assert [e.interrupted for e in events if isinstance(e, TurnEnded)] == [True, False]
    stored = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
    assert [t.content for t in stored if t.role == "user"][-1] == finals[-1]  # the reply answers all of it


async def test_barge_in_stops_playback_cancels_the_reply_and_keeps_it(world: World):
    session = await world.session()
    world.model.enqueue_endless()
    world.model.enqueue("Of course, go ahead.")
    stt = ScriptedSTT("Tell me a long story.", "Wait, I have a question.")
    speaking = asyncio.Event()
    events = []
    stream = pipeline(session, stt, SilentTTS()).converse(  # a second into the reply: an interruption
        mic(tone(1.0), quiet(0.6), speaking, quiet(1.2), tone(1.2), quiet(1.0)))
    async for event in stream:
        events.append(event)
        if isinstance(event, ReplyAudio):
            speaking.set()
    kinds = [type(e) for e in events]
    stop = kinds.index(PlaybackStopped)
    assert kinds.index(ReplyAudio) < stop < kinds.index(Interrupted)
    assert PlaybackResumed not in kinds
    interrupted = next(e for e in events if isinstance(e, Interrupted))
    assert "word1" in interrupted.text
    assert [e.text for e in events if isinstance(e, Heard) and e.final] == [
        "Tell me a long story.", "Wait, I have a question."]
    ended = [e for e in events if isinstance(e, TurnEnded)]
    assert [e.interrupted for e in ended] == [True, False]
    stored = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
    replies = [t for t in stored if t.role == "assistant"]
    assert "word1" in replies[-2].content and replies[-2].interrupted and replies[-2].completed
    assert replies[-1].content == "Of course, go ahead." and not replies[-1].interrupted


async def test_a_reply_written_in_full_but_not_yet_heard_is_kept_as_interrupted(world: World):
    session = await world.session()
    world.model.enqueue("Once upon a time there was a fox. It lived in a wood. The end.")
    world.model.enqueue("Yes?")
    stt = ScriptedSTT("Tell me a story.", "Wait, I have a question.")
    tts = SilentTTS(delay_s=0.3)  # speaking is slower than writing: the text is complete long before it is said
    speaking = asyncio.Event()
    events = []
    async for event in pipeline(session, stt, tts).converse(
            mic(tone(1.0), quiet(0.6), speaking, tone(1.2), quiet(1.0))):
        events.append(event)
        if isinstance(event, ReplyAudio):
            speaking.set()
    assert Interrupted in [type(e) for e in events]
    stored = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
    replies = [t for t in stored if t.role == "assistant"]
    assert replies[-2].content.endswith("The end.") and replies[-2].interrupted  # all written, not all heard
    assert replies[-1].content == "Yes?" and not replies[-1].interrupted


async def test_a_reply_voiced_in_full_but_still_playing_is_cut_and_its_unheard_text_dropped(world: World):
    session = await world.session()
    world.model.enqueue("Once upon a time there was a fox. It lived in a wood. The end.")
    world.model.enqueue("Yes?")
    stt = ScriptedSTT("Tell me a story.", "Wait, I have a question.")
    written = asyncio.Event()

    async def respond(text: str) -> AsyncIterator[str]:
        async for words in session.words(text):
            yield words
        written.set()

    events = []
    voice = VoicePipeline(respond, stt, SilentTTS(), LoudnessVAD, cut=session.cut_short)
    async for event in voice.converse(mic(tone(1.0), quiet(0.6), written, tone(1.2), quiet(1.0))):
        events.append(event)  # the story is written and voiced at once, and played in real time
    stop = next(i for i, e in enumerate(events) if isinstance(e, PlaybackStopped))
    cut = next(i for i, e in enumerate(events) if isinstance(e, Interrupted))
    assert stop < cut
    first_end = next(e for e in events if isinstance(e, TurnEnded))
    assert first_end.interrupted and first_end.reply_text.endswith("The end.")
    assert not any(isinstance(e, ReplyText | ReplyAudio) for e in events[stop:cut])  # nothing unheard follows
    stored = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
    replies = [t for t in stored if t.role == "assistant"]
    assert replies[-2].interrupted and replies[-1].content == "Yes?"


async def test_a_backchannel_pauses_playback_then_it_resumes(world: World):
    session = await world.session()
    world.model.enqueue("Once upon a time there was a fox. It lived in a wood. The end.")
    world.model.delay_s = 0.005
    stt = ScriptedSTT("Tell me a story.", "Mm-hm.")
    speaking = asyncio.Event()
    events = []
    async for event in pipeline(session, stt, SilentTTS(ms_per_char=10)).converse(
            mic(tone(1.0), quiet(0.6), speaking, tone(0.3), quiet(0.5))):
        events.append(event)
        if isinstance(event, ReplyAudio):
            speaking.set()
    kinds = [type(e) for e in events]
    assert kinds.index(PlaybackStopped) < kinds.index(PlaybackResumed)
    assert Interrupted not in kinds
    assert [e.text for e in events if isinstance(e, Heard) and e.final] == ["Tell me a story."]
    ended = [e for e in events if isinstance(e, TurnEnded)]
    assert len(ended) == 1 and not ended[0].interrupted and ended[0].reply_text.endswith("The end.")
    audio_after = kinds[kinds.index(PlaybackResumed):].count(ReplyAudio)
    assert audio_after > 0  # the rest of the reply was played


async def test_no_speech_is_reported_not_replied_to(world: World):
    session = await world.session()
    events = [e async for e in pipeline(session, ScriptedSTT(), SilentTTS()).converse(
        mic(quiet(2.0)), realtime=False)]
    assert events == [Notice("audio.no_speech", "no speech was heard")]
    assert world.model.calls == []


async def test_a_noise_that_transcribes_as_nothing_starts_no_turn(world: World):
    session = await world.session()
    events = [e async for e in pipeline(session, ScriptedSTT(""), SilentTTS()).converse(
        mic(tone(0.5), quiet(1.0)), realtime=False)]
    assert not any(isinstance(e, TurnEnded) for e in events)
    assert Notice("audio.no_speech", "no speech was heard") in events
    assert world.model.calls == []


async def test_words_heard_so_far_are_prepared_before_the_turn_ends(world: World):
    session = await world.session()
    world.model.enqueue("Yes.")
    stt = ScriptedSTT("Do you like rain?")
    events = [e async for e in pipeline(session, stt, SilentTTS()).converse(
        mic(tone(0.7), lambda: bool(world.model.prefills), tone(0.3), quiet(1.0)), realtime=False)]
    assert any(isinstance(e, ReplySentence) for e in events)
    prepared = [m[-1].content for m in world.model.prefills]
    assert prepared and prepared[-1] in ("Do", "Do you like rain?")


async def test_once_all_of_it_is_heard_the_reply_is_begun_while_the_silence_runs(world: World):
    session = await world.session()
    async for _ in session.opening():  # it has said it is an AI: the reply has no such start to add
        pass
    world.model.enqueue("Yes, I love it.")
    stt = ScriptedSTT("Do you like rain?")
    paced = [part for _ in range(75) for part in (quiet(0.02), 0.004)]  # the silence, roughly as it is heard
    events = [e async for e in pipeline(session, stt, SilentTTS()).converse(
        mic(tone(1.0), *paced), realtime=False)]
    assert Heard("Do you like rain?", final=True) in events
    begun = [m for m, n in zip(world.model.prefills, world.model.aheads, strict=True) if n]
    assert [m[-1].content for m in begun] == ["Do you like rain?"]  # the partial "Do" was only pre-read
    assert world.model.calls[0][0] == begun[0]  # the reply asks for exactly the prompt that was begun


async def test_words_that_trail_off_are_not_begun_ahead(world: World):
    session = await world.session()
    stt = ScriptedSTT("I went to the market and", "I went to the market and bought some apples.")
    timing = Endpointing(finished_ms=300, trailing_ms=1400)
    paced = [part for _ in range(50) for part in (quiet(0.02), 0.004)]
    async for _ in pipeline(session, stt, SilentTTS(), timing=timing).converse(
            mic(tone(1.0), *paced[:80], tone(1.0), *paced), realtime=False):
        pass
    begun = [m[-1].content for m, n in zip(world.model.prefills, world.model.aheads, strict=True) if n]
    assert begun == ["I went to the market and bought some apples."]


async def test_speech_that_goes_on_drops_the_reply_begun_to_the_words_before_it(world: World):
    session = await world.session()
    world.model.ahead_s = 5.0
    stt = ScriptedSTT("I went to the market.", "I went to the market. It was busy.")
    paced = [part for _ in range(60) for part in (quiet(0.02), 0.004)]
    async for _ in pipeline(session, stt, SilentTTS()).converse(
            mic(tone(1.0), *paced[:20], tone(1.0), *paced), realtime=False):
        pass
    begun = [m[-1].content for m, n in zip(world.model.prefills, world.model.aheads, strict=True) if n]
    assert begun == ["I went to the market.", "I went to the market. It was busy."]
    # dropped when they went on (the other is still "being written" when the conversation closes: the fake
    # model has no reply to take it over)
    assert world.model.dropped[0] == "I went to the market."


async def test_a_failing_model_is_a_notice_and_the_conversation_goes_on(world: World):
    from os1.errors import ModelError

    session = await world.session()
    async for _ in session.opening():  # no disclosure prefix: the model's words only
        pass
    real = world.model.stream

    async def broken_once(messages, **opts):
        world.model.stream = real  # type: ignore[method-assign]
        raise ModelError("model.failed", "it broke")
        yield  # pragma: no cover

    world.model.stream = broken_once  # type: ignore[method-assign]
    world.model.enqueue("I'm here.")
    stt = ScriptedSTT("Hello there.", "Are you there?")
    failed, events = asyncio.Event(), []
    async for event in pipeline(session, stt, SilentTTS()).converse(
            mic(tone(1.0), quiet(1.0), failed, tone(1.0), quiet(1.0)), realtime=False):
        events.append(event)
        failed.set() if isinstance(event, Notice) else None
    notice = events.index(Notice("model.failed", "it broke"))
    assert not any(isinstance(e, ReplyText) for e in events[:notice])
    assert [e.reply_text for e in events if isinstance(e, TurnEnded)] == ["I'm here."]


async def test_hush_cuts_the_reply_being_said_and_listening_goes_on(world: World):
    session = await world.session()
    world.model.enqueue("Once upon a time there was a fox. It lived in a wood. The end.", "You're welcome.")
    stt = ScriptedSTT("Tell me a story.", "Thank you.")
    voice = pipeline(session, stt, SilentTTS())
    hushed = asyncio.Event()
    events = []
    async for event in voice.converse(mic(tone(1.0), quiet(0.6), hushed, tone(1.0), quiet(1.0))):
        events.append(event)
        if isinstance(event, ReplyAudio) and not hushed.is_set():
            await voice.hush()
            hushed.set()
    ended = [e for e in events if isinstance(e, TurnEnded)]
    assert [e.interrupted for e in ended] == [True, False]
    assert ended[1].user_text == "Thank you." and ended[1].reply_text == "You're welcome."
    stop = next(i for i, e in enumerate(events) if isinstance(e, PlaybackStopped))
    assert not any(isinstance(e, ReplyAudio | ReplyText) for e in events[stop:events.index(ended[0])])
    stored = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
    assert [t.interrupted for t in stored if t.role == "assistant"] == [True, False]
