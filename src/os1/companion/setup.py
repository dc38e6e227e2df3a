"""Setup: from the interview's answers the companion gets its traits, chooses its own name, and is stored."""

from __future__ import annotations

from os1.persona.identity import Answers, choose_name, derive_traits, introduction, seed_for
from os1.store.base import Store
from os1.types import Clock, Companion, NewMemory, utc_now


async def create_companion(
    store: Store, handle: str, answers: Answers, clock: Clock = utc_now
) -> tuple[Companion, str]:
    """Create (or replace — the old one is kept, retired) the user's companion; returns it and its introduction."""
    user = await store.users.ensure(handle)
    traits = derive_traits(answers)
    choice = choose_name(traits, answers.voice, seed_for(answers))  # the seed also rules out names they used
    profile = {
        "answers": {"social": answers.social, "matters": answers.matters, "mother": answers.mother},
        "name_reason": choice.reason,
        "names_considered": list(choice.considered),
        "traits_at_start": traits,  # who it was when you met: it grows from here, and you can see how
    }
    companion = await store.users.create_companion(user.id, choice.name, answers.voice, traits, profile, clock())
    await store.users.set_display_name(user.id, answers.user_name)
    name = answers.user_name
    await store.memories.add(
        user.id, NewMemory("fact", f"Your name is {name}.", "name", name, confidence=1.0, source="setup"), clock()
    )
    if answers.matters.strip():
        matters = answers.matters.strip().rstrip(".")
        text = f"What matters to you right now: {matters}."
        item = NewMemory("fact", text, "what matters", matters, importance=0.8, confidence=1.0, source="setup")
        await store.memories.add(user.id, item, clock())
    return companion, introduction(choice.name, answers.user_name, traits, choice.reason)
