"""Builds the pieces from settings, once, at the edge."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from os1.companion.turn import Deps
from os1.companion.worker import Worker
from os1.config import Settings, load_settings
from os1.llm import build_model
from os1.memory.embed import MiniLM
from os1.memory.index import VectorIndex
from os1.memory.ingest import EMBED, LEARN, LEGACY_LEARN, embed_handler, learn_handler
from os1.memory.recall import HybridRecall
from os1.memory.reflect import REFLECT, reflect_handler
from os1.store import Store, open_store
from os1.types import utc_now


def settings_from(args: Any) -> Settings:
    home = Path(args.home).expanduser() if getattr(args, "home", None) else None
    return load_settings(os.environ, home=home)


@dataclass
class App:
    settings: Settings
    store: Store
    deps: Deps | None = None
    worker: Worker | None = None
    index: VectorIndex | None = None

    async def close(self) -> None:
        if self.index is not None:
            await self.index.close()
        await self.store.close()


async def open_app(settings: Settings, with_model: bool = True) -> App:
    store = await open_store(settings.database)  # database_url: the SQLite file in home, or PostgreSQL
    app = App(settings=settings, store=store)
    if with_model:
        clock = utc_now
        embedder = MiniLM()
        embedder.start_loading()
        index = VectorIndex(store, embedder.model_id, embedder.dim, settings.home / "index")
        recall = HybridRecall(store, embedder, index, clock)
        app.index = index
        model = build_model(settings.model)
        app.deps = Deps(store=store, model=model, recall=recall, settings=settings, clock=clock)
        learn = learn_handler(store, clock)
        handlers = {LEARN: learn, LEGACY_LEARN: learn, EMBED: embed_handler(store, embedder, index),
                    REFLECT: reflect_handler(store, model, clock)}
        app.worker = Worker(store, handlers, clock)
    return app
