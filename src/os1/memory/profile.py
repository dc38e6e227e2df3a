"""The pinned profile ("core memory"): the few things always in the companion's context, size-bounded."""

from __future__ import annotations

from os1.store.base import Store
from os1.types import Memory

PROFILE_KINDS = ("fact", "person", "preference")
PROFILE_CHARS = 900  # ~225 tokens: the profile sits in every prompt, so it stays small


def choose_pinned(items: list[Memory], budget_chars: int = PROFILE_CHARS) -> list[Memory]:
    """The user's name first, then the most important and most recent items, until the budget is spent;
    returned in the order they were learned so the prompt reads naturally and stays stable."""
    ranked = sorted(items, key=lambda m: (m.key != "name", -m.importance, -m.id))
    chosen: list[Memory] = []
    used = 0
    for item in ranked:
        if used + len(item.text) + 3 > budget_chars:
            continue
        chosen.append(item)
        used += len(item.text) + 3
    return sorted(chosen, key=lambda m: m.id)


async def user_name(store: Store, user_id: int) -> str | None:
    """What the user asked to be called, from their name fact."""
    facts = await store.memories.current(user_id, kinds=("fact",))
    return next((m.value for m in facts if m.key == "name" and m.value), None)


async def pinned_profile(store: Store, user_id: int, budget_chars: int = PROFILE_CHARS) -> list[Memory]:
    items = await store.memories.current(user_id, kinds=PROFILE_KINDS, limit=2000)
    return choose_pinned([m for m in items if m.subject == "user" or m.kind == "person"], budget_chars)
