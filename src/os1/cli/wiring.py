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
from os1.memory.profile import LEARN_FACTS, learn_facts_handler
from os1.memory.recall import KeywordRecall
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

    async def close(self) -> None:
        await self.store.close()


async def open_app(settings: Settings, with_model: bool = True) -> App:
    store = await open_store(settings.db_path)
    app = App(settings=settings, store=store)
    if with_model:
        clock = utc_now
        app.deps = Deps(store=store, model=build_model(settings.model), recall=KeywordRecall(store),
                        settings=settings, clock=clock)
        app.worker = Worker(store, {LEARN_FACTS: learn_facts_handler(store, clock)}, clock)
    return app
