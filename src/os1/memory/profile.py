"""Background job: learn profile facts from a stored user turn, with provenance back to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from os1.memory.facts import extract_facts
from os1.store.base import Job, Store
from os1.types import Clock

LEARN_FACTS = "memory.learn_facts"


def learn_facts_handler(store: Store, clock: Clock) -> Callable[[Job], Awaitable[int]]:
    async def handle(job: Job) -> int:
        text = str(job.payload.get("text", ""))
        turn_id = job.payload.get("turn_id")
        facts = extract_facts(text)
        for fact in facts:
            await store.facts.remember(job.user_id, fact.key, fact.value, fact.statement, turn_id, clock())
            if fact.key == "name":
                await store.users.set_display_name(job.user_id, fact.value)
        return len(facts)

    return handle
