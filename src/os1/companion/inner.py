"""The companion's inner life inside the turn loop: how it feels now and why, recording what moves it, and
the relationship growing on real signals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from os1.memory.facts import clause
from os1.persona import relationship
from os1.persona.feelings import Appraisal, Mood, feel, learned, settle, temperament
from os1.persona.relationship import STAGES, Signals, Step, drift, next_stage
from os1.store.base import Store
from os1.types import LIFE_KINDS, BondEvent, Companion, Conversation, FeelingEvent, Turn

RECENT = timedelta(hours=24)  # causes older than a day are not what it feels now


async def mood_now(store: Store, user_id: int, companion: Companion, now: datetime) -> tuple[Mood, list[Appraisal]]:
    """The state now (settled toward its temperament since the last event) and the day's causes, newest first."""
    rest = temperament(companion.traits)
    events = await store.feelings.recent(user_id, companion.id, 12)
    if not events:
        return Mood(rest[0], rest[1], now), []
    mood = settle(Mood(events[0].valence, events[0].arousal, events[0].at), rest, now)
    causes = [Appraisal(e.kind, e.valence_delta, e.arousal_delta, e.why, e.turn_id) for e in events
              if now - e.at < RECENT]  # fmt: skip
    return mood, causes


async def moved(
    store: Store, user_id: int, companion: Companion, appraisals: Sequence[Appraisal], now: datetime
) -> Mood:
    """Apply events in order, each stored with its cause and the state it left."""
    mood, _ = await mood_now(store, user_id, companion, now)
    for a in appraisals:
        mood = feel(mood, a)
        await store.feelings.add(user_id, companion.id, FeelingEvent(
            now, a.kind, a.why, a.valence, a.arousal, round(mood.valence, 4), round(mood.arousal, 4), a.turn_id))
    return mood


def stage_after(history: Sequence[BondEvent]) -> str:
    """The stage a relationship's history (oldest first) has reached."""
    return history[-1].stage if history else STAGES[0]


async def stage_of(store: Store, user_id: int, companion: Companion) -> str:
    return stage_after(await store.bond.history(user_id, companion.id, 1))


def repairs(events: Sequence[FeelingEvent]) -> int:
    """Harsh moments that warmth followed (thanks, kind words, good news shared), oldest first or not."""
    ordered = sorted(events, key=lambda e: e.at)
    count, hurt = 0, False
    for e in ordered:
        if e.kind == "harsh":
            hurt = True
        elif hurt and e.kind in ("thanked", "praised", "good_news", "reunion"):
            count, hurt = count + 1, False
    return count


async def grow(store: Store, user_id: int, companion: Companion, now: datetime) -> Step | None:
    """Advance the relationship one stage if the real signals have earned it; recorded with its reason."""
    stage = await stage_of(store, user_id, companion)
    counts = await store.bond.counts(user_id, companion.id)
    feelings = await store.feelings.recent(user_id, companion.id, 500)
    signals = Signals((now - companion.created_at).total_seconds() / 86_400, counts["conversations"],
                      counts["disclosures"], counts["moments"], repairs(feelings))  # fmt: skip
    step = next_stage(stage, signals)
    if step is not None:
        await store.bond.add(user_id, companion.id, BondEvent(now, "stage", step.stage, step.reason))
    return step


async def evolve(store: Store, user_id: int, companion: Companion, now: datetime) -> Companion:
    """Let what moved it since the last change shape its traits a little; each change kept with its cause."""
    history = await store.bond.history(user_id, companion.id, 500)
    grown = [e.at for e in history if e.kind == "growth"]
    since = max(grown, default=companion.created_at)
    events = await store.feelings.recent(user_id, companion.id, 500, since=since)
    origin = companion.profile.get("traits_at_start") or companion.traits
    changes = drift(dict(companion.traits), origin, [e.kind for e in events if e.at > since or not grown])
    if not changes:
        return companion
    traits = dict(companion.traits)
    stage = stage_after(history)
    for trait, value, cause in changes:
        await store.bond.add(user_id, companion.id, BondEvent(
            now, "growth", stage, f"{trait} {traits.get(trait, 0.5):.2f} \u2192 {value:.2f}: {cause}"))
        traits[trait] = value
    await store.users.set_traits(user_id, companion.id, traits)
    return replace(companion, traits=traits)


async def since_last_time(
    store: Store, user_id: int, companion: Companion, last: Conversation | None, now: datetime
) -> list[Appraisal]:
    """What it feels about the time since the last conversation: left with its question unanswered, and what it
    has learned about the user's life since it last noted something learned."""
    out: list[Appraisal] = []
    if last is not None:
        turns = await store.turns.recent(user_id, last.id, 1)
        if turns and turns[-1].role == "assistant" and turns[-1].content.rstrip().endswith("?"):
            out.append(Appraisal("ignored", -0.1, -0.05, "you left without answering my question"))
    noted = [e.at for e in await store.feelings.recent(user_id, companion.id, 200) if e.kind == "learned"]
    since = max(noted, default=companion.created_at)
    fresh = [m for m in await store.memories.browse(user_id, limit=50)
             if m.kind in LIFE_KINDS and (m.created_at > since or not noted) and m.key != "name"
             and m.source != "setup"]  # fmt: skip
    return out + learned([clause(m.text) for m in fresh])


async def boundaries(store: Store, uid: int, companion: Companion, user_turn: Turn, minor: bool,
                     now: datetime) -> str | None:
    """A request it declines, its answer to "can I read your diary?" or "will you be my partner?", recorded;
    None for anything else."""
    text = user_turn.content
    kept = relationship.boundary(text, minor)
    diary, partner = relationship.asks_for_diary(text), relationship.asks_to_be_partners(text)
    if kept is None and not diary and not partner:
        return None  # an ordinary message: the relationship's history is not read on every turn
    stage = await stage_of(store, uid, companion)
    if kept is not None:
        await store.bond.add(uid, companion.id, BondEvent(now, "refusal", stage, kept.reason, user_turn.id))
        return kept.reply
    if diary:
        newest = await store.memories.browse(uid, kind="diary", limit=1)
        shared, reply = relationship.diary_answer(stage, newest[0].text if newest else None)
        if not shared:
            await store.bond.add(uid, companion.id, BondEvent(
                now, "refusal", stage, "asked to read my diary before we were friends", user_turn.id))
        return reply
    agreed, reply = relationship.partner_answer(stage, minor, companion.name)
    if agreed and stage != "partner":
        event = BondEvent(now, "stage", "partner", "you asked me, and I said yes", user_turn.id)
    else:
        why = "asked me to be partners while under 18" if minor else "asked me to be partners before we were close"
        event = BondEvent(now, "refusal", stage, why, user_turn.id)
    if stage != "partner":
        await store.bond.add(uid, companion.id, event)
    return reply
