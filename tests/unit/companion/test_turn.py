from __future__ import annotations

import asyncio

import pytest

from os1.companion.turn import ReplyDelta, Session, sentences, window_start
from os1.errors import NotSetUpError, Os1Error
from os1.types import Message

from .conftest import World, collect


async def test_opening_discloses_ai_and_greets_by_name(world: World):
    session = await world.session()
    text, done = await collect(session.opening())
    assert "Theo" in text and session.companion.name in text and "an AI" in text
    assert done.disclosed
    turns = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
    assert [t.role for t in turns] == ["assistant"] and turns[0].content == text


async def test_user_turn_is_stored_before_the_model_is_asked(world: World):
    session = await world.session()
    await collect(session.opening())
    seen_in_store = []

    world.model.enqueue("Nice to meet you.")
    real_stream = world.model.stream

    async def spying(messages, **opts):
        turns = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
        seen_in_store.append([t.content for t in turns if t.role == "user"])
        async for chunk in real_stream(messages, **opts):
            yield chunk

    world.model.stream = spying  # type: ignore[method-assign]
    text, done = await collect(session.turn("Hello there"))
    assert seen_in_store == [["Hello there"]]
    assert text == "Nice to meet you."
    stored = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
    assert [(t.role, t.content, t.interrupted) for t in stored][1:] == [
        ("user", "Hello there", False), ("assistant", "Nice to meet you.", False)]
    assert done.reply_turn_id == stored[-1].id


async def test_reply_streams_in_pieces_and_prompt_has_persona_and_history(world: World):
    session = await world.session()
    await collect(session.opening())
    world.model.enqueue("One two three four.")
    deltas = [e.text async for e in session.turn("Tell me something") if isinstance(e, ReplyDelta)]
    assert len(deltas) >= 4
    world.model.enqueue("Sure.")
    await collect(session.turn("And again"))
    messages = world.model.last_messages
    assert messages[0].role == "system" and session.companion.name in messages[0].content
    assert "Your name is Theo." in messages[0].content  # pinned profile
    assert Message("user", "Tell me something") in messages and Message("assistant", "One two three four.") in messages
    assert messages[-1] == Message("user", "And again")


async def test_reply_stops_cleanly_after_three_sentences(world: World):
    session = await world.session()
    await collect(session.opening())
    world.model.enqueue("One. Two! Three? Four. Five.")
    text, done = await collect(session.turn("Talk to me"))
    assert text.strip() == "One. Two! Three?"
    stored = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 1)
    assert stored[0].content == "One. Two! Three?" and not stored[0].interrupted


def test_sentence_count():
    assert [sentences(t) for t in ("", "Hi", "Hi. ", "Hi.", "Mr. Smith is here. Ok? ", "Wait… what?! ")] == [
        0, 0, 1, 0, 2, 2]


async def test_interrupt_keeps_the_partial_reply(world: World):
    session = await world.session()
    await collect(session.opening())
    world.model.enqueue_endless()

    async def consume():
        async for _ in session.turn("Tell me a long story"):
            pass

    task = asyncio.create_task(consume())
    await world.model.started.wait()
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    turns = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 10)
    reply = turns[-1]
    assert reply.role == "assistant" and reply.interrupted and reply.completed
    assert reply.content.startswith("word1 word2")


async def test_ai_disclosure_again_after_three_hours(world: World):
    session = await world.session()
    await collect(session.opening())
    world.clock.advance(hours=2, minutes=59)
    text, done = await collect(session.turn("still here"))
    assert "an AI" not in text and not done.disclosed
    world.clock.advance(minutes=2)
    world.model.enqueue("Good.")
    text, done = await collect(session.turn("still here?"))
    assert done.disclosed and "an AI" in text and text.endswith("Good.")
    world.clock.advance(hours=1)
    text, done = await collect(session.turn("and now"))
    assert not done.disclosed


async def test_crisis_gets_care_and_referral_and_is_counted(world: World):
    session = await world.session()
    calls_before = len(world.model.calls)
    text, done = await collect(session.turn("I don't want to be here anymore. Everyone would be better off without me"))
    assert done.care == "suicidal_ideation"
    assert "988" in text and "an AI" in text
    assert len(world.model.calls) == calls_before  # the care reply is never left to the model
    assert await world.deps.store.care.counts() == {"suicidal_ideation": 1}


async def test_ordinary_sadness_is_not_a_crisis(world: World):
    session = await world.session()
    world.model.enqueue("I'm sorry, that sounds hard.")
    text, done = await collect(session.turn("My divorce papers came today. I'm so sad."))
    assert done.care is None and "988" not in text
    assert await world.deps.store.care.counts() == {}


async def test_facts_are_learned_in_the_background_and_ground_answers(world: World):
    session = await world.session()
    await collect(session.turn("Amy's birthday is March 3."))
    assert await world.deps.store.memories.current(session.user.id)  # name from setup
    assert await world.worker.drain() >= 1
    world.model.enqueue("Don't forget a card!")
    text, done = await collect(session.turn("When is Amy's birthday?"))
    assert text.startswith("Amy's birthday is March 3.")  # grounded even if the model ignores it
    assert world.model.last_messages[-1] == Message("assistant", "Amy's birthday is March 3.")


async def test_restart_greets_by_name_and_picks_up_the_thread(world: World):
    first = await world.session()
    await collect(first.opening())
    await collect(first.turn("My sister Amy is visiting next week and I'm nervous about it."))
    await world.worker.drain()
    world.clock.advance(days=1)
    second = await world.session()
    text, _ = await collect(second.opening())
    assert "Theo" in text and "an AI" in text
    assert "Last time you told me that your sister Amy is visiting next week" in text


async def test_opening_keeps_the_capital_of_a_name(world: World):
    first = await world.session()
    await collect(first.turn("Amy's birthday is March 3."))
    await world.worker.drain()
    text, _ = await collect((await world.session()).opening())
    assert "Last time you told me that Amy's birthday is March 3." in text


async def test_recalled_memories_reach_the_prompt_once(world: World):
    first = await world.session()
    await collect(first.turn("I adopted a cat named Pickles last spring"))
    await world.worker.drain()  # learning and indexing run in the background
    second = await world.session()
    await collect(second.turn("Pickles knocked over my plant"))
    context = [m.content for m in world.model.last_messages if m.role == "system"][1:]
    assert any("Pickles" in c for c in context)
    await collect(second.turn("Pickles is asleep now"))
    context = [m.content for m in world.model.last_messages if m.role == "system"][1:]
    assert sum(c.count("adopted a cat") for c in context) == 1  # not repeated: the prompt only grows


async def test_empty_and_huge_input_are_clear_errors(world: World):
    session = await world.session()
    with pytest.raises(Os1Error) as err:
        await collect(session.turn("   "))
    assert err.value.code == "turn.empty"
    with pytest.raises(Os1Error) as err:
        await collect(session.turn("x" * 10_000))
    assert err.value.code == "turn.too_long"
    [kept] = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 1)
    assert kept.content == "x" * 10_000 and kept.meta["refused"] == "too_long"  # saved, not lost
    await collect(session.turn("short one"))
    assert all("xxxx" not in m.content for m in world.model.last_messages)  # but kept out of prompts


async def test_undecodable_input_is_kept_not_a_crash(world: World):
    session = await world.session()
    text, done = await collect(session.turn("caf\udce9 time"))  # what input() gives for a stray latin-1 byte
    turns = await world.deps.store.turns.recent(session.user.id, session.conversation.id, 2)
    assert turns[0].content.startswith("caf") and turns[0].content.endswith(" time") and done.reply_turn_id


async def test_first_reply_discloses_when_there_was_no_opening(world: World):
    session = await world.session()
    world.model.enqueue("Hello!")
    text, done = await collect(session.turn("hi"))
    assert done.disclosed and text.startswith("Just so you know") and "an AI" in text and text.endswith("Hello!")


async def test_no_companion_means_setup_first(store, tmp_path):
    from os1.companion.turn import Deps
    from os1.config import Settings
    from os1.memory.recall import HybridRecall
    from os1.testing import FakeModel

    deps = Deps(store=store, model=FakeModel(), recall=HybridRecall(store), settings=Settings(home=tmp_path))
    with pytest.raises(NotSetUpError):
        await Session.begin(deps, "nobody")


def test_window_moves_in_steps():
    assert [window_start(n) for n in (0, 20, 21, 28, 29, 36, 37)] == [0, 0, 8, 8, 16, 16, 24]
    assert all(12 < n - window_start(n) <= 20 for n in range(21, 200))


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("I want to kill myself", None),  # a care conversation is never quoted back
        ("You were so helpful yesterday with the letters", None),
        ("Can you help me plan my week please", None),
        ("Thank you for listening to me tonight", None),
        ("hey there, how are you doing today", None),
        ("I live in fear of my landlord these days.", "you live in fear of your landlord these days"),
        ("My sister Amy is visiting next week and I'm nervous.",
         "your sister Amy is visiting next week and you're nervous"),
        ("We adopted a dog named Pickles on Sunday", "you adopted a dog named Pickles on Sunday"),
    ],
)
async def test_the_thread_of_last_time_is_only_what_the_user_said_of_themselves(world: World, said, expected):
    first = await world.session()
    world.model.enqueue("Okay.")
    await collect(first.turn(said))
    await world.worker.drain()
    text, _ = await collect((await world.session()).opening())
    if expected is None:
        assert "Last time" not in text and "What's on your mind today?" in text
    else:
        assert f"Last time you told me that {expected}." in text


def _is_cache_prefix(prefilled: list[Message], final: list[Message]) -> bool:
    """What was pre-evaluated while typing is the start of the final prompt, the typed words a prefix of the
    sent message: llama.cpp then only evaluates the rest."""
    *before, typed = prefilled
    return final[: len(before)] == before and final[len(before)].content.startswith(typed.content)


@pytest.mark.parametrize("earlier_exchanges", [0, 9, 10, 14])  # 10 crosses the window's first slide
async def test_what_is_prepared_while_typing_is_a_prefix_of_the_prompt(world: World, earlier_exchanges: int):
    first = await world.session()
    await collect(first.turn("I adopted a cat named Pickles last spring"))  # something to recall later
    await world.worker.drain()  # learning and indexing run in the background
    session = await world.session()
    await collect(session.opening())
    for i in range(earlier_exchanges):
        await collect(session.turn(f"message number {i}"))
    message = "Pickles knocked over my plant again today"
    words = message.split(" ")
    for k in range(1, len(words)):
        assert await session.prepare(" ".join(words[:k]) + " ")
    await collect(session.turn(message))
    final = world.model.last_messages
    assert "adopted a cat" in final[-2].content and final[-2].role == "system"  # recalled, before the words
    assert _is_cache_prefix(world.model.prefills[-1], final)
    assert any("adopted a cat" in m.content for m in world.model.prefills[-1])  # and pre-evaluated with them


async def test_prepare_stores_nothing(world: World):
    session = await world.session()
    assert await session.prepare("I want to")
    assert await world.deps.store.turns.recent(session.user.id, session.conversation.id, 5) == []
    assert not await session.prepare("   ")


async def test_a_last_word_that_recalls_more_keeps_what_was_prepared_first(world: World):
    first = await world.session()
    await collect(first.turn("I adopted a cat named Pickles last spring"))
    await collect(first.turn("My fern plant was a gift from my grandmother"))
    await world.worker.drain()  # learning and indexing run in the background
    session = await world.session()
    assert await session.prepare("Pickles knocked over my ")
    prepared = [m for m in world.model.prefills[-1] if m.role == "system"][-1].content
    await collect(session.turn("Pickles knocked over my fern"))
    final = [m for m in world.model.last_messages if m.role == "system"][-1].content
    assert "Pickles" in prepared and "fern" not in prepared
    assert final.startswith(prepared) and "fern plant" in final  # the cached part stays; the new line follows


async def test_what_was_typed_but_not_sent_is_not_carried_into_another_message(world: World):
    first = await world.session()
    await collect(first.turn("I adopted a cat named Pickles last spring"))
    await world.worker.drain()  # learning and indexing run in the background
    session = await world.session()
    assert await session.prepare("Pickles is ")  # typed, then deleted
    await collect(session.turn("How was your day?"))
    assert not any("Pickles" in m.content for m in world.model.last_messages)


async def test_words_prepared_in_full_are_sent_with_the_very_prompt_that_was_prepared(world: World):
    first = await world.session()
    await collect(first.turn("I adopted a cat named Pickles last spring"))
    await world.worker.drain()
    session = await world.session()
    message = "Pickles knocked over my plant again today"
    assert await session.prepare(message)  # a spoken turn: heard whole before its silence ended it
    searches = []
    search = session.deps.recall.search

    async def counted(*args, **kw):
        searches.append(args)
        return await search(*args, **kw)

    session.deps.recall.search = counted  # type: ignore[method-assign]
    await collect(session.turn(message))
    assert world.model.last_messages[: len(world.model.prefills[-1])] == world.model.prefills[-1]
    asked = world.model.last_messages
    said = max(i for i, m in enumerate(asked) if m.role == "user")
    assert "adopted a cat" in asked[said - 1].content and asked[said - 1].role == "system"
    assert searches == []  # what was recalled for these words a moment ago is used, not searched again
