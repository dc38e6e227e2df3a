"""Errors as the API shows them: ``{"error": {"code", "message", "hint"}}`` with a fitting status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from os1.errors import ModelError, NotSetUpError, Os1Error

log = logging.getLogger(__name__)

STATUS_BY_CODE = {
    "store.not_found": 404, "store.bad_value": 422, "turn.empty": 422, "turn.too_long": 413,
    "companion.not_set_up": 409, "store.timeout": 503, "store.conflict": 409,
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    hint: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


MEANINGS = {400: "bad request", 401: "not signed in, or the credentials are not valid",
            403: "a cookie session without its CSRF token", 404: "no such object (or another user's)",
            409: "conflicts with the current state", 413: "the message is too long",
            422: "the request is not valid", 429: "too many attempts (see Retry-After)",
            503: "the model or the store is unavailable"}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each with the error body."""
    return {status: {"model": ErrorOut, "description": MEANINGS[status]} for status in statuses}


SIGNED_IN = documented(400, 401, 403, 422, 503)  # every route that needs a user


class ApiError(Os1Error):
    """An error with an HTTP status; ``headers`` go on the response (Retry-After, WWW-Authenticate)."""

    def __init__(self, status: int, code: str, message: str, hint: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(code, message, hint)
        self.status = status
        self.headers = headers or {}


def body(exc: Os1Error) -> dict[str, dict[str, str | None]]:
    return {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}


def status_of(exc: Os1Error) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    if isinstance(exc, NotSetUpError):
        return 409
    if isinstance(exc, ModelError):
        return 503
    return STATUS_BY_CODE.get(exc.code, 400)


def not_found(what: str, ref: int | str) -> ApiError:
    """The one answer for a missing object and for another user's: they are indistinguishable."""
    return ApiError(404, "not_found", f"no {what} {ref}")


def install_error_handlers(app: FastAPI) -> None:
    async def on_os1_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Os1Error)
        status = status_of(exc)
        if status >= 500:
            log.warning("request failed: %s", exc.code)
        headers = exc.headers if isinstance(exc, ApiError) else None
        return JSONResponse(body(exc), status_code=status, headers=headers)

    app.add_exception_handler(Os1Error, on_os1_error)
