"""Humour: a joke when asked, fitting what the user cares about, never the same one twice; a callback to a
shared moment offered when the user laughs, not again the same month."""

from __future__ import annotations

from os1.persona import humour
from os1.types import NewMemory
from tests.unit.companion.conftest import World, collect


def test_jokes_are_chosen_by_interest_and_never_repeated():
    first = humour.pick_joke([], ["You have a cat called Mo."])
    assert first is not None and first.key == "joke:cat"
    told = {first.key}
    while (joke := humour.pick_joke(told, [])) is not None:
        assert joke.key not in told
        told.add(joke.key)
    assert len(told) >= 20  # every joke was told once, then none is left


def test_asking_and_laughing_are_recognised():
    assert humour.asked_for_joke("Tell me a joke?") and humour.asked_for_joke("make me laugh please")
    assert not humour.asked_for_joke("my boss is a joke") and not humour.asked_for_joke("I laughed at work")
    assert humour.laughed("hahaha you're ridiculous") and humour.laughed("lol") and humour.laughed("😂")
    assert not humour.laughed("I had a hard day")


async def test_asked_for_jokes_it_tells_fresh_ones_then_says_it_has_run_out(world: World):
    session = await world.session()
    uid, cid = session.user.id, session.companion.id
    texts = []
    for _ in range(40):
        text, done = await collect(session.turn("Tell me a joke"))
        texts.append(text.replace("Just so you know: I'm Samantha, an AI — not a person. ", ""))
    assert world.model.calls == []  # told by the companion itself, not improvised
    told = await world.deps.store.humour.told(uid, cid)
    assert len(told) == len(set(texts)) - 1  # every joke once, and the "I've run out" answer
    assert "refuse to repeat myself" in texts[-1]


def _context(world: World) -> str:
    """What was put before the user's latest words (recalled lines, mood, the callback offer)."""
    messages = world.model.last_messages
    last_user = max(i for i, m in enumerate(messages) if m.role == "user")
    return messages[last_user - 1].content


async def test_a_laugh_offers_one_callback_to_a_shared_moment_a_month(world: World):
    session = await world.session()
    uid = session.user.id
    await world.deps.store.memories.add(uid, NewMemory(
        kind="moment", text='You told me: "I fell into the pond at the picnic"', importance=0.6), world.clock())
    await collect(session.turn("haha the picnic was a disaster"))
    context = _context(world)
    assert "playful callback" in context and "pond at the picnic" in context
    await collect(session.turn("lol stop it"))
    assert "playful callback" not in _context(world)  # not again so soon
    world.clock.advance(days=31)
    await collect(session.turn("hahaha"))
    assert "pond at the picnic" in _context(world)
