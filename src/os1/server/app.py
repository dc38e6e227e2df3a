"""The service's application: ``create_app(services)`` takes what the edge built (store, model, recall, worker,
settings) and serves it. One model, store and recall are shared by every user; each request and socket is
scoped to its signed-in user, and sessions, keys and rate limits live in the store, so servers are stateless."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from os1 import __version__
from os1.server import (
    openai_api,
    routes_auth,
    routes_desk,
    routes_history,
    routes_inner,
    routes_memories,
    routes_settings,
    routes_setup,
    ws,
)
from os1.server.auth import Passwords
from os1.server.errors import install_error_handlers
from os1.server.services import Services
from os1.web import web_routes

log = logging.getLogger(__name__)
WORKER_STOP_S = 10.0
DESCRIPTION = (
    "OS1 as a service: accounts, setup, conversations, memories, settings and API keys under /api; a WebSocket "
    "conversation at /ws; an OpenAI-compatible /v1/chat/completions. See docs/api.md."
)


class Health(BaseModel):
    ok: bool
    version: str


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Runs the background worker (learning, embeddings, reflection) while no reply is being written, and the
    MCP transport. Once per app: a second, nested start (a test client inside another) only yields."""
    services: Services | None = getattr(app.state, "services", None)
    if services is None or getattr(app.state, "started", False):
        yield
        return
    app.state.started = True
    stop, task = asyncio.Event(), None
    if services.worker is not None:
        activity = services.activity
        task = asyncio.create_task(services.worker.run_forever(stop, idle=lambda: activity.replies == 0))
    try:
        async with contextlib.AsyncExitStack() as stack:
            mcp_run = getattr(app.state, "mcp_run", None)
            if mcp_run is not None:
                await stack.enter_async_context(mcp_run())  # the MCP transport's task group
            yield
    finally:
        app.state.started = False
        stop.set()
        if task is not None:
            await _stopped(task)


async def _stopped(task: asyncio.Task[None]) -> None:
    try:
        await asyncio.wait_for(task, WORKER_STOP_S)
    except (TimeoutError, asyncio.CancelledError):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    except Exception:
        log.exception("the worker failed")


def build_app() -> FastAPI:
    """The routes, without services (what the OpenAPI document is made from)."""
    app = FastAPI(title="OS1", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    install_error_handlers(app)
    for module in (routes_auth, routes_setup, routes_history, routes_memories, routes_settings, openai_api, ws):
        app.include_router(module.router)
    for module in (routes_desk, routes_inner):  # her desk (mail, plans) and her inner life (mood, timeline)
        app.include_router(module.router)
    # routes_desk serves the mail briefing and every plan (mail cleanups, files tidy-ups), scoped like the others.

    @app.get("/api/health", response_model=Health, tags=["service"])
    async def health() -> Health:
        return Health(ok=True, version=__version__)

    app.router.routes.extend(web_routes())  # the web app at / (not in the OpenAPI document)
    return app


def create_app(services: Services) -> FastAPI:
    app = build_app()
    app.state.services = services
    app.state.passwords = Passwords(services.config)
    if services.config.mcp:
        from os1.server.mcp_server import mcp_routes

        routes, app.state.mcp_run = mcp_routes(services)
        app.router.routes.extend(routes)  # not in the OpenAPI document: MCP describes its own tools
    return app


def openapi_document() -> dict[str, Any]:
    return build_app().openapi()
