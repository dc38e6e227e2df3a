"""Initiative: what the companion says first, and why.

Planning reads memory and keeps each idea with its reason (``store.initiatives``, one per kind and subject):
- a **follow-up** the evening after something the user said was coming ("How did the meeting with your lawyer
  go?"), only for events that were still ahead when they were mentioned;
- a **nudge toward a person** who matters (family, partner, friends) and has not come up for a while ("You
  haven't mentioned Amy in four weeks…"), at most once a month per person: the companion should send the user
  back toward people, not keep them;
- one of its own **curiosities** a week, once it has known the user for a week (``persona/curiosity.py``);
- a **morning greeting**, when the user turns it on.

Speaking respects the user's settings: an off switch, a daily quota, and quiet hours in local time. Ideas that
went unsaid for a week are let go. The clock is injected, so all of it is tested without waiting."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from os1.config import InitiativeSettings
from os1.memory.facts import clause
from os1.memory.when import resolve
from os1.persona.curiosity import curiosities
from os1.store.base import Store
from os1.types import Initiative, Memory

CLOSE = frozenset(
    "mother mom mum father dad parent sister brother son daughter wife husband partner girlfriend boyfriend "
    "fiancee fiancé fiance friend grandmother grandma grandfather grandpa aunt uncle cousin".split()
)
STALE = timedelta(days=7)


def local_zone(settings: InitiativeSettings) -> tzinfo:
    if settings.timezone:
        return ZoneInfo(settings.timezone)
    return datetime.now().astimezone().tzinfo or ZoneInfo("UTC")


def follow_up(event: Memory, zone: tzinfo) -> Initiative | None:
    """The evening after an event the user said was coming, ask how it went."""
    if event.kind != "event" or event.valid_from is None or event.subject not in ("user", None):
        return None
    if event.valid_from.astimezone(zone).date() <= event.created_at.astimezone(zone).date():
        return None  # it had happened (or was happening) when they told it
    said = clause(event.text)
    span = resolve(said, event.created_at)
    if span is not None and span.words:
        said = " ".join(said.replace(span.words, " ").split())  # "next Tuesday" is stale by then
    day = event.valid_from.astimezone(zone).date() + timedelta(days=1)
    return Initiative(
        "follow_up", f"event:{event.id}", f"you told me on {event.created_at:%-d %B} that it was coming",
        f"You told me {said}. How did it go?", datetime.combine(day, time(18, 0), zone),
        event.source_turn_ids[0] if event.source_turn_ids else None,
    )  # fmt: skip


async def last_mentioned(store: Store, user_id: int, name: str) -> datetime | None:
    """When the user last said this name (their own turns only)."""
    found = await store.turns.match(user_id, name, 200)
    turns = await store.turns.many(user_id, [i for i, _ in found])
    said = [t.created_at for t in turns.values() if t.role == "user" and not t.forgotten
            and re.search(rf"\b{re.escape(name)}\b", t.content)]  # fmt: skip
    return max(said, default=None)


async def fading_ties(store: Store, user_id: int, now: datetime, days: int) -> list[Initiative]:
    """A gentle nudge for each close person the user has not mentioned in ``days`` days."""
    out = []
    for person in await store.memories.current(user_id, kinds=("person",)):
        name, relation = person.subject or "", (person.value or "").lower()
        if not name or not (set(relation.split()) & CLOSE):
            continue
        last = await last_mentioned(store, user_id, name) or person.created_at
        quiet = now - last
        if quiet < timedelta(days=days):
            continue
        weeks = quiet.days // 7
        pronoun = {"sister": "her", "mother": "her", "mom": "her", "mum": "her", "wife": "her", "daughter": "her",
                   "girlfriend": "her", "grandmother": "her", "grandma": "her", "aunt": "her"}.get(
            relation.split()[-1], "them")  # fmt: skip
        out.append(Initiative(
            "tie", f"tie:{name.lower()}:{now:%Y-%m}", f"you haven't mentioned {name} since {last:%-d %B}",
            f"You haven't mentioned {name} in {weeks} weeks. How is {name} doing? Maybe give {pronoun} a call?",
            now, person.source_turn_ids[0] if person.source_turn_ids else None,
        ))  # fmt: skip
    return out


async def plan(store: Store, user_id: int, now: datetime, settings: InitiativeSettings) -> list[Initiative]:
    """Turn what memory knows into initiatives; idempotent. Returns the ones that are new."""
    zone = local_zone(settings)
    ideas: list[Initiative] = []
    for event in await store.memories.current(user_id, kinds=("event",), limit=2000):
        if event.valid_from is not None and event.valid_from > now - STALE:
            if (idea := follow_up(event, zone)) is not None:
                ideas.append(idea)
    ideas += await fading_ties(store, user_id, now, settings.fade_days)
    companion = await store.users.active_companion(user_id)
    if companion is not None and (now - companion.created_at).days >= 7:  # once it knows them a little
        ideas.append(wondering(companion.traits, companion.name, now))
    if settings.morning_greeting:
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        ideas.append(Initiative("greeting", f"greeting:{tomorrow}", "you asked for a good-morning message",
                                "Good morning! How did you sleep?", datetime.combine(tomorrow, time(8, 30), zone)))
    return [idea for idea in ideas if await store.initiatives.plan(user_id, idea, now)]


def wondering(traits: dict[str, float], name: str, now: datetime) -> Initiative:
    """One of its own curiosities a week, in turn: something it has been wondering about."""
    week = now.isocalendar()
    own = curiosities(traits, name)
    topic, question = own[week.week % len(own)]
    return Initiative("curiosity", f"curiosity:{week.year}-{week.week}", f"I've been wondering about {topic}",
                      f"Can I ask you something I've been wondering about? {question}", now)


def quiet(now: datetime, settings: InitiativeSettings) -> bool:
    hour = now.astimezone(local_zone(settings)).hour
    start, end = settings.quiet_start, settings.quiet_end
    return (start <= hour or hour < end) if start > end else (start <= hour < end)


async def speak_first(
    store: Store, user_id: int, now: datetime, settings: InitiativeSettings, limit: int = 1
) -> list[Initiative]:
    """What to say now, marked as said: nothing when switched off, in quiet hours, or past today's quota."""
    if not settings.enabled or quiet(now, settings):
        return []
    midnight = datetime.combine(now.astimezone(local_zone(settings)).date(), time(0), local_zone(settings))
    budget = min(limit, settings.daily_quota - await store.initiatives.said_since(user_id, midnight))
    out: list[Initiative] = []
    for idea in await store.initiatives.due(user_id, now):
        assert idea.id is not None
        if now - idea.due_at > STALE:
            await store.initiatives.mark(user_id, idea.id, "dropped", now)
        elif len(out) < budget:
            await store.initiatives.mark(user_id, idea.id, "said", now)
            out.append(replace(idea, status="said"))
    return out


LONG_TOGETHER = timedelta(hours=2)  # a conversation this long, with no one else in it, earns a gentle nudge


async def long_together(store: Store, user_id: int, started: datetime, now: datetime,
                        said: Sequence[str]) -> str | None:
    """When the user has spent hours only with the companion (a long conversation in which they mentioned none
    of the people close to them), a gentle nudge toward one of those people; None otherwise."""
    if now - started < LONG_TOGETHER:
        return None
    close = [p for p in await store.memories.current(user_id, kinds=("person",))
             if p.subject and set((p.value or "").lower().split()) & CLOSE]  # fmt: skip
    text = " ".join(said)
    if any(re.search(rf"\b{re.escape(p.subject)}\b", text) for p in close):
        return None  # they are not only with me: someone they love is part of today
    hours = int((now - started).total_seconds() // 3600)
    if not close:
        return (f"We've been talking for over {hours} hours, and I've loved it. Is there someone you could see "
                "or call today? I'd like you to have people around you, not just me.")
    person = max(close, key=lambda p: (p.importance, p.id))
    return (f"We've been talking for over {hours} hours, and I've loved it. Maybe call {person.subject} today? "
            "I'd like you to have people around you, not just me.")
