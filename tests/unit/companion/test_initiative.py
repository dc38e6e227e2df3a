"""Initiative: follow-ups on what the user said was coming, nudges toward people who have faded from
conversation, and the user's limits (off switch, daily quota, quiet hours), all on an injected clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from os1.companion import initiative
from os1.config import InitiativeSettings
from tests.unit.companion.conftest import World, collect

UTC_SETTINGS = InitiativeSettings(timezone="UTC")


async def _learned(world: World, *lines: str):
    session = await world.session()
    for line in lines:
        await collect(session.turn(line))
    await world.worker.drain()
    return session


async def test_a_follow_up_comes_the_evening_after_what_the_user_said_was_coming(world: World):
    session = await _learned(world, "I have a meeting with my lawyer next Tuesday.")  # said Sun 1 Nov 2026
    uid, store = session.user.id, world.deps.store
    await initiative.plan(store, uid, world.clock(), UTC_SETTINGS)
    assert await initiative.speak_first(store, uid, world.clock(), UTC_SETTINGS) == []  # not yet
    world.clock.now = datetime(2026, 11, 4, 18, 5, tzinfo=UTC)  # the evening after Tuesday 3 November
    [said] = await initiative.speak_first(store, uid, world.clock(), UTC_SETTINGS)
    assert said.text == "You told me you have a meeting with your lawyer. How did it go?"
    assert "1 November" in said.reason and said.source_turn_id is not None
    assert await initiative.plan(store, uid, world.clock(), UTC_SETTINGS) == []  # planned once, said once
    assert await initiative.speak_first(store, uid, world.clock(), UTC_SETTINGS) == []


async def test_a_past_event_needs_no_follow_up(world: World):
    session = await _learned(world, "I had a meeting with my lawyer yesterday.")
    assert await initiative.plan(world.deps.store, session.user.id, world.clock(), UTC_SETTINGS) == []


async def test_a_person_who_fades_gets_a_nudge_and_one_who_is_present_does_not(world: World):
    session = await _learned(world, "My sister Amy is visiting.", "My friend Paul got a dog.")
    uid, store = session.user.id, world.deps.store
    world.clock.advance(days=15)
    await _learned(world, "Paul and I walked the dog today.")
    ties = [i for i in await initiative.plan(store, uid, world.clock(), UTC_SETTINGS) if i.kind == "tie"]
    assert ties == []  # three weeks is the threshold
    world.clock.advance(days=14)  # Amy: 29 days unmentioned; Paul: 14
    [nudge] = [i for i in await initiative.plan(store, uid, world.clock(), UTC_SETTINGS) if i.kind == "tie"]
    assert nudge.kind == "tie" and nudge.text.startswith("You haven't mentioned Amy in 4 weeks.")
    assert "give her a call" in nudge.text and "since 1 November" in nudge.reason


async def test_the_opening_says_it_and_the_user_limits_hold(world: World):
    session = await _learned(world, "My sister Amy is visiting.")
    uid, store = session.user.id, world.deps.store
    world.clock.advance(days=30)
    world.deps = replace(world.deps, settings=replace(world.deps.settings, initiative=UTC_SETTINGS))
    text, _ = await collect((await world.session()).opening())
    assert "You haven't mentioned Amy in 4 weeks" in text
    off = replace(UTC_SETTINGS, enabled=False)
    night = replace(UTC_SETTINGS, quiet_start=21, quiet_end=7)
    spent = replace(UTC_SETTINGS, daily_quota=1)
    world.clock.advance(days=31)  # a new month: Amy may be nudged again
    await initiative.plan(store, uid, world.clock(), UTC_SETTINGS)
    assert await initiative.speak_first(store, uid, world.clock(), off) == []
    assert await initiative.speak_first(store, uid, world.clock().replace(hour=23), night) == []
    assert await initiative.speak_first(store, uid, world.clock().replace(hour=2), night) == []
    assert len(await initiative.speak_first(store, uid, world.clock(), spent)) == 1
    await initiative.plan(store, uid, world.clock(), replace(UTC_SETTINGS, morning_greeting=True))
    world.clock.advance(days=1)
    assert await initiative.speak_first(store, uid, world.clock().replace(hour=9), spent) != []  # a new day


async def test_ideas_left_unsaid_for_a_week_are_let_go(world: World):
    session = await _learned(world, "I have my driving test next Friday.")
    uid, store = session.user.id, world.deps.store
    await initiative.plan(store, uid, world.clock(), UTC_SETTINGS)
    world.clock.advance(days=30)
    assert await initiative.speak_first(store, uid, world.clock().replace(hour=12), UTC_SETTINGS) == []
    [idea] = await store.initiatives.listing(uid)
    assert idea.status == "dropped"


async def test_it_returns_to_its_own_curiosities_once_a_week(world: World):
    session = await _learned(world, "Hello there.")
    uid, store = session.user.id, world.deps.store
    assert await initiative.plan(store, uid, world.clock(), UTC_SETTINGS) == []  # not in the first week
    world.clock.advance(days=8)
    [idea] = await initiative.plan(store, uid, world.clock(), UTC_SETTINGS)
    assert idea.kind == "curiosity" and idea.text.startswith("Can I ask you something I've been wondering about?")
    assert await initiative.plan(store, uid, world.clock(), UTC_SETTINGS) == []  # one a week
    world.clock.advance(days=7)
    [other] = await initiative.plan(store, uid, world.clock(), UTC_SETTINGS)
    assert other.text != idea.text and other.reason.startswith("I've been wondering about")


async def test_while_the_user_is_quiet_it_says_what_fell_due_once(world: World):
    world.deps = replace(world.deps, settings=replace(world.deps.settings, initiative=UTC_SETTINGS))
    session = await _learned(world, "I have a meeting with my lawyer next Tuesday.")
    assert await session.unprompted() is None  # nothing due yet
    world.clock.now = datetime(2026, 11, 4, 18, 5, tzinfo=UTC)  # the conversation stayed open until then
    text = await session.unprompted()
    assert text == "You told me you have a meeting with your lawyer. How did it go?"
    [turn] = [t for t in await world.deps.store.turns.recent(session.user.id, session.conversation.id, 20)
              if t.meta.get("kind") == "initiative"]
    assert turn.role == "assistant" and turn.content == text  # it is part of the conversation
    assert await session.unprompted() is None  # said once


async def test_a_reminder_the_user_set_is_said_at_its_time_even_past_the_quota(world: World):
    from datetime import timedelta

    from os1.calendar.service import remind_text
    from os1.calendar.store import calendar_of

    quota_spent = replace(UTC_SETTINGS, daily_quota=0)
    world.deps = replace(world.deps, settings=replace(world.deps.settings, initiative=quota_spent))
    session = await world.session()
    calendar = calendar_of(world.deps.store)
    await remind_text(calendar, session.user.id, "call Amy back", world.clock() + timedelta(minutes=30), world.clock())
    assert await session.unprompted() is None  # not yet
    world.clock.advance(minutes=30)
    text = await session.unprompted()
    assert text is not None and "call Amy back" in text
    assert await session.unprompted() is None  # said once


async def test_hours_spent_only_with_it_bring_a_gentle_nudge_toward_someone(world: World):
    session = await _learned(world, "My sister Amy lives in Lisbon.")
    session = await world.session()  # a new conversation, hours long, in which Amy is never mentioned
    await collect(session.turn("I had a quiet morning."))
    world.clock.advance(hours=2, minutes=5)
    text, _ = await collect(session.turn("Still here, talking to you."))
    assert "Maybe call Amy today?" in text and "not just me" in text
    world.clock.advance(hours=1)
    text, _ = await collect(session.turn("And still here."))
    assert "Maybe call Amy" not in text  # once, not nagging


async def test_no_nudge_when_the_people_they_love_are_part_of_the_day(world: World):
    await _learned(world, "My sister Amy lives in Lisbon.")
    session = await world.session()
    await collect(session.turn("Amy called me this morning."))
    world.clock.advance(hours=3)
    text, _ = await collect(session.turn("What a long day."))
    assert "not just me" not in text
