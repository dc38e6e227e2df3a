"""The heap policy: what has lived a while is frozen (collections skip it); cycles are still collected, at the
full collection; stopping unfreezes."""

from __future__ import annotations

import asyncio
import gc
import weakref

from os1.server.heap import keep_frozen


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


async def _run() -> tuple[int, bool, bool, int]:
    stop = asyncio.Event()
    task = asyncio.create_task(keep_frozen(stop, every_s=0.05, full_every_s=0.3))
    await asyncio.sleep(0.02)
    node = Node()
    ref = weakref.ref(node)
    await asyncio.sleep(0.1)  # node has been frozen since
    frozen = gc.get_freeze_count()
    del node
    gc.collect()
    survived_young_collection = ref() is not None  # frozen: an ordinary collection does not see it
    await asyncio.sleep(0.4)  # the full collection came round
    freed_at_full = ref() is None
    stop.set()
    await asyncio.wait_for(task, 2)
    return frozen, survived_young_collection, freed_at_full, gc.get_freeze_count()


def test_the_heap_is_frozen_between_full_collections_and_unfrozen_at_the_end():
    frozen, survived, freed, after = asyncio.run(_run())
    assert frozen > 0
    assert survived and freed
    assert after == 0
