from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from os1.companion.turn import Deps
from os1.companion.worker import Worker
from os1.config import Settings
from os1.memory.index import VectorIndex
from os1.memory.ingest import EMBED, LEARN, embed_handler, learn_handler
from os1.memory.recall import HybridRecall
from os1.server.app import create_app
from os1.server.services import ServerConfig, Services, build_services
from os1.server.ws_voice import VoiceKit
from os1.store import SqliteStore
from os1.testing import FakeModel, HashEmbedder, ManualClock

PASSWORD = "correct horse battery staple"
SETUP = {"user_name": "I'm Theo", "social": "Anti-social, mostly", "matters": "finishing my letters",
         "mother": "It's complicated", "voice": "female"}
# argon2id at its cheapest: the tests check behaviour, not the hash's cost
CHEAP = ServerConfig(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


Clock = ManualClock  # the tests move time by hand


@dataclass
class Server:
    client: TestClient
    app: FastAPI
    services: Services
    model: FakeModel
    clock: Clock
    store: SqliteStore

    def run(self, fn: Any, *args: Any) -> Any:
        """Run an async store call on the app's own event loop."""
        return self.client.portal.call(fn, *args)  # type: ignore[union-attr]


@dataclass
class User:
    name: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def build_server(tmp_path: Path, config: ServerConfig = CHEAP, voice: VoiceKit | None = None
                 ) -> tuple[FastAPI, Services, FakeModel, Clock, SqliteStore]:
    store = SqliteStore(tmp_path / "os1.db")
    asyncio.run(store.open())
    clock, model, embedder = Clock(), FakeModel(), HashEmbedder()
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    recall = HybridRecall(store, embedder, index, clock)
    deps = Deps(store=store, model=model, recall=recall, settings=Settings(home=tmp_path), clock=clock)
    worker = Worker(store, {LEARN: learn_handler(store, clock), EMBED: embed_handler(store, embedder, index)}, clock)
    services = build_services(deps, config, worker, voice)
    return create_app(services), services, model, clock, store


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    app, services, model, clock, store = build_server(tmp_path)
    with TestClient(app) as client:
        yield Server(client, app, services, model, clock, store)
    asyncio.run(store.close())


def signup(client: TestClient, name: str, setup: bool = True, answers: dict[str, str] | None = None) -> User:
    """A new account signed in with a bearer token, its companion set up."""
    r = client.post("/api/signup", json={"username": name, "password": PASSWORD, "mode": "bearer"})
    assert r.status_code == 201, r.text
    user = User(name, r.json()["token"])
    if setup:
        r = client.post("/api/setup", json=answers or SETUP, headers=user.auth)
        assert r.status_code == 201, r.text
    return user


def chat(client: TestClient, user: User, *texts: str) -> list[dict[str, Any]]:
    """Say each text over the WebSocket; the ``done`` message of each reply."""
    dones = []
    with client.websocket_connect(f"/ws?token={user.token}") as ws:
        assert ws.receive_json()["type"] == "ready"
        assert ws.receive_json()["type"] == "opening"
        for text in texts:
            ws.send_json({"type": "say", "text": text})
            while (message := ws.receive_json())["type"] != "done":
                assert message["type"] == "delta", message
            dones.append(message)
    return dones
