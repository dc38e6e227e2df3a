"""Garbage collection for a server that holds thousands of idle sockets.

Each open WebSocket keeps a few hundred objects alive (the protocol, the ASGI task, a ``Session``). With 8,316 of
them CPython's full collection walks millions of objects and stops the event loop for 0.3-1.5 s, now and then, in
the middle of someone's reply (bench/concurrency.py saw it as the p99). ``keep_frozen`` moves what has been alive a
while into the permanent generation (``gc.freeze()``) every ``every_s`` seconds (10), so collections only walk what is
young. Reference counting still frees frozen objects; only cycles among them wait for ``full_every_s``, when the
heap is unfrozen and collected once (one pause an hour instead of several a minute)."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger(__name__)
FREEZE_EVERY_S = 10.0
FULL_EVERY_S = 3600.0


def collect_and_freeze() -> float:
    """One full collection, then freeze the survivors; returns the seconds it took."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started


async def keep_frozen(stop: asyncio.Event, every_s: float = FREEZE_EVERY_S, full_every_s: float = FULL_EVERY_S
                      ) -> None:
    """Until ``stop``: freeze the heap every ``every_s``, collect it whole every ``full_every_s``."""
    loop = asyncio.get_running_loop()
    collect_and_freeze()
    last_full = loop.time()
    while not stop.is_set():
        try:
            async with asyncio.timeout(every_s):
                await stop.wait()
        except TimeoutError:
            pass
        if loop.time() - last_full >= full_every_s:
            log.info("full garbage collection took %.2f s", collect_and_freeze())
            last_full = loop.time()
        else:
            gc.freeze()
    gc.unfreeze()
