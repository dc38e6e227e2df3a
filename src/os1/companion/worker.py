"""The background queue's worker: jobs run after the reply, off the turn's critical path, and survive restarts
(they live in the store until done)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from os1.store.base import Job, Store
from os1.types import Clock, utc_now

log = logging.getLogger(__name__)
Handler = Callable[[Job], Awaitable[Any]]


class Worker:
    def __init__(
        self, store: Store, handlers: Mapping[str, Handler], clock: Clock = utc_now, job_timeout_s: float = 60.0
    ) -> None:
        self.store = store
        self.handlers = dict(handlers)
        self.clock = clock
        self.job_timeout_s = job_timeout_s

    async def run_once(self, batch: int = 16) -> int:
        """Run up to ``batch`` pending jobs; returns how many ran."""
        jobs = await self.store.jobs.claim(batch)
        for job in jobs:
            handler = self.handlers.get(job.kind)
            error = None
            if handler is None:
                error = f"no handler for {job.kind}"
            else:
                try:
                    await asyncio.wait_for(handler(job), self.job_timeout_s)
                except Exception as exc:  # a failing job is recorded and retried, never crashes the app
                    log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
                    error = f"{type(exc).__name__}: {exc}"
            await self.store.jobs.finish(job.id, self.clock(), error)
        return len(jobs)

    async def drain(self, timeout_s: float = 10.0) -> int:
        """Run jobs until none are pending (or the timeout); returns how many ran."""
        total = 0

        async def _loop() -> None:
            nonlocal total
            while n := await self.run_once():
                total += n

        try:
            await asyncio.wait_for(_loop(), timeout_s)
        except TimeoutError:
            log.info("worker drain stopped after %ss with jobs left", timeout_s)
        return total

    async def run_forever(
        self, stop: asyncio.Event, idle_s: float = 0.5, idle: Callable[[], bool] | None = None
    ) -> None:
        """Run jobs until ``stop``. With ``idle``, one job at a time and only while ``idle()`` is true, so
        background learning never competes with a reply for the CPU."""
        while not stop.is_set():
            if idle is not None and not idle():
                await asyncio.sleep(0.02)
                continue
            if not await self.run_once(batch=1 if idle is not None else 16):
                try:
                    await asyncio.wait_for(stop.wait(), idle_s)
                except TimeoutError:
                    pass
