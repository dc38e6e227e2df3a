"""Humour inside the turn loop: a joke when asked (never the same one twice), a callback to a shared moment
offered to the model when the user laughs (at most once a month per moment). What was told is recorded."""

from __future__ import annotations

import random
import re
from datetime import datetime

from os1.persona import humour
from os1.store.base import Store
from os1.types import Companion

_WORD = re.compile(r"[a-z]{4,}")


async def joke_reply(store: Store, user_id: int, companion: Companion, text: str, now: datetime,
                     turn_id: int | None) -> str | None:
    """The reply to "tell me a joke": a fresh one, fitting what the user cares about; None if not asked."""
    if not humour.asked_for_joke(text):
        return None
    told = await store.humour.told(user_id, companion.id)
    interests = [m.text for m in await store.memories.current(user_id, kinds=("preference", "fact"), limit=200)]
    joke = humour.pick_joke(told, interests, random.Random(f"{user_id}:{len(told)}"))
    if joke is None:
        return humour.out_of_jokes()
    await store.humour.record(user_id, companion.id, joke.key, joke.kind, now, turn_id)
    return joke.text


async def callback_line(store: Store, user_id: int, companion: Companion, text: str, now: datetime,
                        turn_id: int | None) -> str:
    """When the user laughs: a line offering one callback to a shared moment (most related to what they said,
    else the most important), recorded as offered; "" otherwise."""
    if not humour.laughed(text):
        return ""
    moments = await store.memories.current(user_id, kinds=("moment",), limit=200)
    if not moments:
        return ""
    words = set(_WORD.findall(text.lower()))
    ranked = sorted(moments, key=lambda m: (-len(words & set(_WORD.findall(m.text.lower()))), -m.importance, -m.id))
    told = await store.humour.told(user_id, companion.id)
    joke = humour.callback([(m.id, m.text) for m in ranked], told, now)
    if joke is None:
        return ""
    await store.humour.record(user_id, companion.id, joke.key, joke.kind, now, turn_id)
    return humour.callback_line(joke)
