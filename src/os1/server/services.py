"""What the service is built from: the companion's dependencies, the accounts repository, the worker and the
service's own settings. Built at the edge (``os1 serve``, tests) and handed to ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from os1.companion.turn import Deps
from os1.companion.worker import Worker
from os1.server.accounts import SqliteAccounts
from os1.server.events_bus import EventBus, InProcessBus, bus_for
from os1.server.queries import SqliteServerQueries

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from os1.server.ws_voice import VoiceKit


@dataclass(frozen=True, slots=True)
class ServerConfig:
    session_days: float = 30.0
    login_failures: int = 5  # failed logins per username, and per address, within the window → 429
    login_window_s: float = 900.0
    signups_per_hour: int = 20  # per address (argon2 hashing is deliberately expensive)
    secure_cookies: bool = False  # set behind HTTPS
    allowed_origins: tuple[str, ...] = ()  # origins (besides the server's own) that may open /ws with a cookie
    api_idle_minutes: float = 30.0  # /v1/chat/completions continues a conversation idle for less than this
    turn_timeout_s: float = 300.0
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 2
    model_id: str = "os1-companion"  # what GET /v1/models lists
    mcp: bool = True  # serve the companion's tools to other agents at /mcp
    # "lexical": recall on a turn's path is BM25 only, no sentence embedding (a scale setting: docs/scaling.md)
    recall: Literal["hybrid", "lexical"] = "hybrid"


@dataclass
class Activity:
    """Replies running in this process (background learning waits while any is): a cache, not state."""

    replies: int = 0

    def start(self) -> None:
        self.replies += 1

    def end(self) -> None:
        self.replies = max(self.replies - 1, 0)


@dataclass(frozen=True, slots=True)
class Services:
    deps: Deps
    accounts: SqliteAccounts
    queries: SqliteServerQueries
    config: ServerConfig = field(default_factory=ServerConfig)
    worker: Worker | None = None
    activity: Activity = field(default_factory=Activity)
    voice: VoiceKit | None = None  # speech in and out over /ws (os1 serve --voice)
    bus: EventBus = field(default_factory=InProcessBus)  # events for a user's sockets on any server


def build_services(deps: Deps, config: ServerConfig | None = None, worker: Worker | None = None,
                   voice: VoiceKit | None = None) -> Services:
    """Services over ``deps.store`` (its connection runner carries the service's own SQL). The event bus is
    PostgreSQL's LISTEN/NOTIFY when the store is PostgreSQL, else in-process."""
    runner: Any = getattr(deps.store, "runner", None)
    if runner is None:
        from os1.errors import StoreError

        raise StoreError("store.unsupported", "the service needs a store with a connection runner (SQLite)")
    config = config or ServerConfig()
    if config.recall == "lexical":
        from os1.memory.recall import HybridRecall

        deps = replace(deps, recall=HybridRecall(deps.store, clock=deps.clock))  # BM25 alone: no embedder
    if deps.models is None:  # the backends users may choose among: one client each, opened on first use
        from os1.companion.prefs import OfferedModels

        deps = replace(deps, models=OfferedModels(deps.settings, deps.model))
    return Services(deps, SqliteAccounts(runner), SqliteServerQueries(runner), config, worker, voice=voice,
                    bus=bus_for(deps.settings.database_url))


def services_of(conn: HTTPConnection) -> Services:
    services: Services = conn.app.state.services
    return services
