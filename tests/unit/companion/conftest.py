from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from os1.companion.setup import create_companion
from os1.companion.turn import Deps, ReplyDelta, ReplyDone, Session
from os1.companion.worker import Worker
from os1.config import Settings
from os1.memory.index import VectorIndex
from os1.memory.ingest import EMBED, LEARN, embed_handler, learn_handler
from os1.memory.recall import HybridRecall
from os1.persona.identity import Answers
from os1.testing import FakeModel, HashEmbedder, ManualClock

Clock = ManualClock  # the tests move time by hand


@dataclass
class World:
    deps: Deps
    model: FakeModel
    clock: Clock
    worker: Worker

    async def session(self) -> Session:
        return await Session.begin(self.deps, "local")


async def collect(events: AsyncIterator) -> tuple[str, ReplyDone]:
    text, done = "", None
    async for event in events:
        if isinstance(event, ReplyDelta):
            text += event.text
        else:
            assert isinstance(event, ReplyDone)
            done = event
    assert done is not None
    return text, done


ANSWERS = Answers(user_name="Theo", social="Anti-social, mostly", matters="finishing my letters",
                  mother="It's complicated", voice="female")


@pytest.fixture
async def world(store, tmp_path: Path) -> World:
    return await make_world(store, tmp_path)


async def make_world(store, tmp_path: Path) -> World:
    clock = Clock()
    model = FakeModel()
    embedder = HashEmbedder()
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    recall = HybridRecall(store, embedder, index, clock)
    deps = Deps(store=store, model=model, recall=recall, settings=Settings(home=tmp_path), clock=clock)
    await create_companion(store, "local", ANSWERS, clock)
    handlers = {LEARN: learn_handler(store, clock), EMBED: embed_handler(store, embedder, index)}
    worker = Worker(store, handlers, clock)
    return World(deps, model, clock, worker)
