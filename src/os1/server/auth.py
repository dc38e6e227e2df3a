"""Who is asking: a session cookie (browsers; state-changing requests also carry ``X-CSRF-Token``), a bearer
session token (API clients, from ``POST /api/login`` with ``mode: bearer``) or a per-user API key (``os1k_…``).

Tokens are 32 random bytes behind a recognisable prefix, so a log filter can redact them; the store keeps only
their SHA-256. Passwords are hashed with argon2id, off the event loop."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from fastapi import Request, Security
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from os1.server.errors import ApiError
from os1.server.services import ServerConfig, Services, services_of

COOKIE = "os1_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_PREFIX = "os1s_"
KEY_PREFIX = "os1k_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HASH_TIMEOUT_S = 10.0

Via = Literal["cookie", "bearer", "key"]

bearer_scheme = HTTPBearer(auto_error=False, description="a session token (os1s_…) or an API key (os1k_…)")
cookie_scheme = APIKeyCookie(name=COOKIE, auto_error=False, description="the session cookie set by /api/login")
csrf_scheme = APIKeyHeader(name=CSRF_HEADER, auto_error=False,
                           description="the session's CSRF token; required with the cookie on POST/PATCH/DELETE")


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user of a request, and how they proved it."""

    user_id: int
    username: str
    via: Via
    token_hash: str | None = None  # the session's, for logout
    csrf: str | None = None  # the session's CSRF token (cookie sessions)


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; a missing value never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


class Passwords:
    """argon2id hashing and checking on a worker thread (each takes tens of milliseconds of CPU by design)."""

    def __init__(self, config: ServerConfig) -> None:
        from argon2 import PasswordHasher

        self.hasher = PasswordHasher(time_cost=config.argon2_time_cost, memory_cost=config.argon2_memory_kib,
                                     parallelism=config.argon2_parallelism)
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.wait_for(asyncio.to_thread(self.hasher.hash, password), HASH_TIMEOUT_S)

    async def check(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored``; with no account, a dummy hash is checked all the same so
        an unknown username takes as long as a wrong password."""
        from argon2.exceptions import InvalidHashError, VerificationError

        if stored is None and self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        against = stored or self._dummy or ""
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.hasher.verify, against, password),
                                          HASH_TIMEOUT_S) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return bool(self.hasher.check_needs_rehash(stored))


def passwords_of(conn: HTTPConnection) -> Passwords:
    passwords: Passwords = conn.app.state.passwords
    return passwords


async def principal_for_token(services: Services, token: str) -> Principal | None:
    """The principal behind a bearer token: a session token (``os1s_…``) or an API key (``os1k_…``)."""
    digest = token_hash(token)
    if token.startswith(KEY_PREFIX):
        owner = await services.accounts.key_owner(digest)
        return Principal(owner[0], owner[1], "key") if owner else None
    if token.startswith(SESSION_PREFIX):
        row = await services.accounts.session(digest, services.deps.clock())
        return Principal(row.user_id, row.username, "bearer", digest) if row else None
    return None


def bearer_of(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header ("" for another scheme; None without a header)."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


async def authenticate(conn: HTTPConnection, services: Services, token: str | None = None) -> Principal | None:
    """The principal behind a request's bearer token, its session cookie, or ``token`` (a WebSocket's
    ``?token=``); None when there is none or it is not valid."""
    token = token if token is not None else bearer_of(conn.headers.get("authorization"))
    if token is not None:
        return await principal_for_token(services, token)
    cookie = conn.cookies.get(COOKIE)
    if not cookie or not cookie.startswith(SESSION_PREFIX):
        return None
    digest = token_hash(cookie)
    row = await services.accounts.session(digest, services.deps.clock())
    return Principal(row.user_id, row.username, "cookie", digest, row.csrf) if row else None


UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


async def require_user(
    request: Request,
    _bearer: HTTPAuthorizationCredentials | None = Security(bearer_scheme),  # noqa: B008 (FastAPI's idiom)
    _cookie: str | None = Security(cookie_scheme),  # noqa: B008
    csrf: str | None = Security(csrf_scheme),  # noqa: B008
) -> Principal:
    """The request's user (401 without one). A cookie-authenticated request that changes anything must carry
    the session's CSRF token (403 without it); bearer tokens and API keys need none."""
    principal = await authenticate(request, services_of(request))
    if principal is None:
        raise ApiError(401, "auth.required", "sign in first", hint="POST /api/login, or send a bearer token",
                       headers=UNAUTHORIZED)
    if principal.via == "cookie" and request.method not in SAFE_METHODS and not same_secret(csrf, principal.csrf):
        raise ApiError(403, "auth.csrf", "missing or wrong CSRF token",
                       hint=f"send the token from /api/login or /api/me in the {CSRF_HEADER} header")
    return principal
