"""Accounts: sign up, log in (a cookie for browsers, a bearer token for API clients), log out, who am I."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from os1.server.auth import COOKIE, SESSION_PREFIX, Principal, new_token, passwords_of, require_user, token_hash
from os1.server.errors import SIGNED_IN, ApiError, documented
from os1.server.ratelimit import Limiter
from os1.server.services import Services, services_of

router = APIRouter(prefix="/api", tags=["auth"])
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    mode: Literal["cookie", "bearer"] = Field(
        "cookie", description="cookie: sets an HttpOnly session cookie; bearer: returns a token instead")


class NewAccount(Credentials):
    username: str = Field(pattern=USERNAME.pattern, description="3-32 letters, digits, '_', '.', '-' (any case)")
    password: str = Field(min_length=8, max_length=1024)


class SignedIn(BaseModel):
    user_id: int
    username: str
    csrf_token: str | None = Field(None, description="send as X-CSRF-Token with the cookie on POST/PATCH/DELETE")
    token: str | None = Field(None, description="bearer mode: the session token (Authorization: Bearer …)")
    expires_at: str


class CompanionOut(BaseModel):
    id: int
    name: str
    voice: str


class Me(BaseModel):
    user_id: int
    username: str
    via: str
    csrf_token: str | None = None
    companion: CompanionOut | None = None


def normal_username(raw: str) -> str:
    return raw.strip().casefold()


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _sign_in(services: Services, response: Response, user_id: int, username: str, mode: str) -> SignedIn:
    now = services.deps.clock()
    token, csrf = new_token(SESSION_PREFIX), secrets.token_urlsafe(32)
    expires = now + timedelta(days=services.config.session_days)
    await services.accounts.add_session(user_id, token_hash(token), csrf, now, expires)
    if mode == "bearer":
        return SignedIn(user_id=user_id, username=username, csrf_token=None, token=token,
                        expires_at=expires.isoformat())
    response.set_cookie(COOKIE, token, max_age=int((expires - now).total_seconds()), httponly=True, samesite="lax",
                        secure=services.config.secure_cookies, path="/")
    return SignedIn(user_id=user_id, username=username, csrf_token=csrf, token=None, expires_at=expires.isoformat())


@router.post("/signup", status_code=201, response_model=SignedIn, responses=documented(400, 409, 422, 429))
async def signup(creds: NewAccount, request: Request, response: Response) -> SignedIn:
    """Create an account (and sign in). Usernames: 3-32 of a-z, 0-9, '_', '.', '-'; passwords: 8 or more."""
    services = services_of(request)
    username = normal_username(creds.username)
    await Limiter(services.accounts, services.config, services.deps.clock).signup(_address(request))
    password_hash = await passwords_of(request).hash(creds.password)
    account = await services.accounts.create(username, password_hash, services.deps.clock())
    if account is None:
        raise ApiError(409, "auth.taken", f"the username {username!r} is taken")
    return await _sign_in(services, response, account.user_id, username, creds.mode)


@router.post("/login", response_model=SignedIn,
             responses=documented(400, 401, 422, 429))
async def login(creds: Credentials, request: Request, response: Response) -> SignedIn:
    """Sign in. After 5 failures in 15 minutes for a username, or from an address: 429 with Retry-After."""
    services, passwords = services_of(request), passwords_of(request)
    username, address = normal_username(creds.username), _address(request)
    limiter = Limiter(services.accounts, services.config, services.deps.clock)
    await limiter.check_login(username, address)
    account = await services.accounts.by_username(username)
    if not await passwords.check(account.password_hash if account else None, creds.password) or account is None:
        await limiter.login_failed(username, address)
        raise ApiError(401, "auth.failed", "wrong username or password")
    await limiter.login_succeeded(username)
    if passwords.needs_rehash(account.password_hash):
        await services.accounts.set_password_hash(account.user_id, await passwords.hash(creds.password))
    return await _sign_in(services, response, account.user_id, account.username, creds.mode)


@router.post("/logout", status_code=204, responses=SIGNED_IN)
async def logout(request: Request, who: Principal = Depends(require_user)) -> Response:  # noqa: B008
    """End this session (the cookie's or the bearer token's). An API key is revoked under /api/keys instead."""
    if who.token_hash is not None:
        await services_of(request).accounts.drop_session(who.user_id, who.token_hash)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", response_model=Me, responses=SIGNED_IN)
async def me(request: Request, who: Principal = Depends(require_user)) -> Me:  # noqa: B008
    """The signed-in user, their companion, and (for a cookie session) the CSRF token."""
    companion = await services_of(request).deps.store.users.active_companion(who.user_id)
    out = CompanionOut(id=companion.id, name=companion.name, voice=companion.voice) if companion else None
    return Me(user_id=who.user_id, username=who.username, via=who.via, csrf_token=who.csrf, companion=out)
