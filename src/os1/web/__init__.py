"""The web app: plain HTML, CSS and JavaScript modules in ``static/`` (no build step, nothing from a CDN: OS1
runs offline), served by ``os1 serve`` at ``/`` with its assets under ``/web/``. Every response carries a strict
Content-Security-Policy (``default-src 'self'``: no inline script, no other origin) and ``Cache-Control:
no-cache`` (revalidated by ETag, so a new release is picked up at once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC = Path(__file__).resolve().parent / "static"
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin", "Permissions-Policy": "microphone=(self), camera=(), geolocation=()"}


class WebFiles(StaticFiles):
    """``StaticFiles`` with the app's headers on every answer (404s included)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      *((k.lower().encode(), v.encode()) for k, v in HEADERS.items())]
            await send(message)

        await super().__call__(scope, receive, with_headers)

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:  # answered here, so it carries the headers too
            return PlainTextResponse(exc.detail, status_code=exc.status_code)


async def index(request: Request) -> Response:
    """The app's one page; screens are switched in the page (``#/chat``, ``#/memories``…)."""
    return FileResponse(STATIC / "index.html", headers=HEADERS)


def web_routes() -> list[BaseRoute]:
    """``/`` and ``/web/…``, outside the OpenAPI document (they are the app, not the API)."""
    return [Route("/", index, methods=["GET", "HEAD"], include_in_schema=False),
            Mount("/web", app=WebFiles(directory=STATIC), name="web")]
