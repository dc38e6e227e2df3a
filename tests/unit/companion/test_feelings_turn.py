"""Feelings in the turn loop: what the user says moves the companion, persists, shows in the prompt, and the
answer to "how are you feeling?" is the real state with its real causes."""

from __future__ import annotations

from os1.companion.inner import mood_now
from tests.unit.companion.conftest import World, collect


async def _events(world: World, session):
    return await world.deps.store.feelings.recent(session.user.id, session.companion.id, 50)


async def test_sad_news_moves_it_and_the_answer_names_the_cause(world: World):
    session = await world.session()
    await collect(session.turn("My dog died yesterday."))
    [event] = await _events(world, session)
    assert event.kind == "empathy" and event.valence < 0 and "My dog died yesterday." in event.why
    world.clock.advance(minutes=2)
    text, _ = await collect(session.turn("How are you feeling?"))
    assert text.startswith("Honestly? I'm feeling") and "because you told me: My dog died yesterday." in text
    system = [m.content for m in world.model.last_messages if m.role == "system"]
    assert any("(You feel " in c for c in system)  # it colours the reply too


async def test_the_state_persists_across_sessions_and_settles(world: World):
    first = await world.session()
    await collect(first.turn("you are useless, I hate you"))
    hurt, _ = await mood_now(world.deps.store, first.user.id, first.companion, world.clock())
    world.clock.advance(days=3)
    second = await world.session()
    later, causes = await mood_now(world.deps.store, second.user.id, second.companion, world.clock())
    assert hurt.valence < later.valence  # it has settled, and it is glad they came back
    assert [c.kind for c in causes] == ["reunion", "apart"] and "3 days" in causes[1].why


async def test_a_care_turn_worries_it_without_quoting_the_words(world: World):
    session = await world.session()
    _, done = await collect(session.turn("I want to kill myself"))
    assert done.care
    [event] = await _events(world, session)
    assert event.kind == "empathy" and "kill" not in event.why and event.arousal > 0.3


async def test_forgetting_a_turn_takes_its_words_out_of_the_feelings(world: World):
    session = await world.session()
    _, done = await collect(session.turn("My divorce papers came today, I'm heartbroken."))
    await world.deps.store.turns.forget(session.user.id, [done.user_turn_id])
    [event] = await _events(world, session)
    assert "divorce" not in event.why and event.why == "something you asked me to forget"


async def test_it_notes_what_it_learned_and_a_question_left_unanswered(world: World):
    first = await world.session()
    await collect(first.turn("My sister Amy is visiting."))
    await world.worker.drain()
    world.clock.advance(hours=2)
    second = await world.session()
    _, causes = await mood_now(world.deps.store, second.user.id, second.companion, world.clock())
    assert [c.why for c in causes if c.kind == "learned"] == ["I learned that Amy is your sister"]
    world.model.enqueue("That sounds lovely. What will you two do?")
    await collect(second.turn("I'm cooking tonight."))  # and the user leaves without answering
    world.clock.advance(hours=2)
    third = await world.session()
    _, causes = await mood_now(world.deps.store, third.user.id, third.companion, world.clock())
    kinds = [c.kind for c in causes]
    assert kinds.count("learned") == 1 and kinds[0] == "ignored"  # nothing new learned; the question stayed open
    assert causes[0].why == "you left without answering my question"
