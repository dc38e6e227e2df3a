"""``os1 serve``: OS1 as a service — the HTTP API, WebSocket conversations and an OpenAI-compatible endpoint
(see docs/api.md). Everything is built here, once, and handed to the app."""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import replace
from typing import Any


def add_serve_parser(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run OS1 as a service: HTTP API, WebSocket, OpenAI-compatible endpoint",
                           description="Accounts sign up at POST /api/signup; each has their own companion and "
                           "memory. The OpenAPI document is at /openapi.json, the docs at /docs.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--secure-cookies", action="store_true", help="mark cookies Secure (behind HTTPS)")
    serve.add_argument("--allowed-origin", action="append", default=[], metavar="ORIGIN",
                       help="another origin whose pages may open /ws with the cookie (repeatable)")
    serve.add_argument("--voice", action="store_true",
                       help="also take speech over /ws (loads Whisper, Silero VAD and the [voice] voice)")
    serve.add_argument("--recall", default="hybrid", choices=("hybrid", "lexical"),
                       help="lexical: recall on a turn's path by BM25 alone, no embedding (scale: docs/scaling.md)")
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))


async def voice_kit(settings: Any) -> Any:
    """Speech recognition and synthesis for /ws, from the ``[voice]`` settings, loaded before serving."""
    import os

    from os1.cli.talk import build_voice
    from os1.server.ws_voice import VoiceKit
    from os1.voice.settings import load_voice_settings
    from os1.voice.vad import SileroVAD

    voiced = build_voice(load_voice_settings(settings.home, os.environ), settings.home)
    await voiced.load()
    return VoiceKit(voiced.stt, voiced.tts, SileroVAD)


async def serve(args: Any) -> int:
    import uvicorn

    from os1.cli.wiring import open_app, settings_from
    from os1.server import logs
    from os1.server.app import create_app
    from os1.server.services import ServerConfig, build_services

    # Many users share a server: one IMAP password from the environment belongs to nobody's mailbox here.
    settings = replace(settings_from(args), imap_password="")
    app = await open_app(settings)
    try:
        assert app.deps is not None
        start = getattr(app.deps.model, "start_loading", None)
        if start is not None:
            start()  # the model loads on its own thread while the server starts
        config = ServerConfig(secure_cookies=args.secure_cookies, allowed_origins=tuple(args.allowed_origin),
                              recall=args.recall)
        voice = await voice_kit(settings) if args.voice else None
        # before the app: the MCP package configures logging of its own when nothing has been
        logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s")
        services = build_services(app.deps, config, app.worker, voice)
        api = create_app(services)
        server = uvicorn.Server(uvicorn.Config(api, host=args.host, port=args.port, log_level=args.log_level,
                                               ws="websockets-sansio", lifespan="on"))
        logs.install()  # after uvicorn configured its handlers
        shown = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host  # where this machine reaches it
        print(f"Open http://{shown}:{args.port} in your browser (OS1's web app; the API docs are at /docs)",
              file=sys.stderr)
        await _serving(server, services)
        return 0
    finally:
        await app.close()


async def _serving(server: Any, services: Any) -> None:
    """Serve; meanwhile the heap is kept frozen between collections (server/heap.py); then the bus closes."""
    from os1.server.heap import keep_frozen

    stop = asyncio.Event()
    heap = asyncio.create_task(keep_frozen(stop))
    try:
        await server.serve()
    finally:
        stop.set()
        if not (await asyncio.wait({heap}, timeout=5))[0]:
            heap.cancel()
        await services.bus.close()


def run_serve(args: Any) -> int:
    return asyncio.run(serve(args))
