from __future__ import annotations

from os1.memory.reflect import REFLECT


async def test_the_session_queues_reflection_when_it_ends(world):
    session = await world.session()
    world.model.enqueue("Hi.", "Okay.")
    async for _ in session.turn("Hello there, I had a long day at work."):
        pass
    assert not await session.end()  # one message: nothing to reflect on
    async for _ in session.turn("My boss Marcus gave me a new project."):
        pass
    assert await session.end()
    jobs = await world.deps.store.jobs.claim(50)
    assert any(j.kind == REFLECT and j.payload == {"conversation_id": session.conversation.id} for j in jobs)
