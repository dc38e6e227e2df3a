from __future__ import annotations

from datetime import UTC, datetime

from os1.companion.worker import Worker
from os1.memory.ingest import LEARN, learn_handler

T0 = datetime(2026, 11, 1, tzinfo=UTC)


async def test_worker_runs_jobs_and_records_failures(store):
    user = await store.users.ensure("local")
    ran = []

    async def ok(job):
        ran.append(job.payload["n"])

    async def bad(job):
        raise ValueError("nope")

    worker = Worker(store, {"ok": ok, "bad": bad}, lambda: T0)
    for n in range(3):
        await store.jobs.enqueue(user.id, "ok", {"n": n}, T0)
    await store.jobs.enqueue(user.id, "bad", {}, T0)
    await store.jobs.enqueue(user.id, "unknown", {}, T0)
    assert await worker.drain() == 3 + 3 + 3  # each ok job once; bad and unknown tried 3 times each
    assert ran == [0, 1, 2]
    assert await store.jobs.pending() == 0


async def test_learn_job_keeps_provenance(store):
    user = await store.users.ensure("local")
    companion = await store.users.create_companion(user.id, "Sam", "warm", {}, {}, T0)
    conversation = await store.turns.start_conversation(user.id, companion.id, T0)
    turn = await store.turns.add(user.id, conversation.id, "user", "My name is Theo. I live in LA.", T0)
    worker = Worker(store, {LEARN: learn_handler(store, lambda: T0)}, lambda: T0)
    await store.jobs.enqueue(user.id, LEARN, {"turn_id": turn.id}, T0)
    await worker.drain()
    facts = {f.key: f for f in await store.memories.current(user.id, kinds=("fact",))}
    assert facts["name"].value == "Theo" and facts["home"].value == "LA"
    assert facts["home"].source_turn_ids == (turn.id,)
    assert (await store.users.ensure("local")).display_name == "Theo"


async def test_the_worker_waits_while_a_reply_runs(store):
    import asyncio

    user = await store.users.ensure("local")
    ran = []

    async def job(j):
        ran.append(j.id)

    busy = [True]
    worker = Worker(store, {"k": job}, lambda: T0)
    await store.jobs.enqueue(user.id, "k", {}, T0)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop, idle_s=0.01, idle=lambda: not busy[0]))
    await asyncio.sleep(0.1)
    assert ran == []  # a reply is running: nothing competes with it
    busy[0] = False
    for _ in range(100):
        if ran:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    assert len(ran) == 1
