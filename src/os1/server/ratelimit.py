"""Limits on login and sign-up, counted in the store (so any number of stateless servers share them): at most
``login_failures`` failed logins per username and per address within the window, and ``signups_per_hour``
sign-ups per address. Over the limit: 429 with ``Retry-After``."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from os1.server.accounts import SqliteAccounts
from os1.server.errors import ApiError
from os1.server.services import ServerConfig
from os1.types import Clock

HOUR = timedelta(hours=1)


class Limiter:
    def __init__(self, accounts: SqliteAccounts, config: ServerConfig, clock: Clock) -> None:
        self.accounts = accounts
        self.config = config
        self.clock = clock
        self.window = timedelta(seconds=config.login_window_s)

    @staticmethod
    def login_scopes(username: str, address: str) -> tuple[str, str]:
        return f"login-user:{username}", f"login-ip:{address}"

    async def _check(self, scope: str, limit: int, window: timedelta, now: datetime) -> None:
        seen = await self.accounts.attempts(scope, now - window)
        if len(seen) >= limit:
            wait = max(1, math.ceil((seen[len(seen) - limit] + window - now).total_seconds()))
            raise ApiError(429, "auth.rate_limited", "too many attempts; wait before trying again",
                           hint=f"retry in {wait} s", headers={"Retry-After": str(wait)})

    async def check_login(self, username: str, address: str) -> None:
        now = self.clock()
        for scope in self.login_scopes(username, address):
            await self._check(scope, self.config.login_failures, self.window, now)

    async def login_failed(self, username: str, address: str) -> None:
        now = self.clock()
        await self.accounts.record(self.login_scopes(username, address), now, now - max(self.window, HOUR))

    async def login_succeeded(self, username: str) -> None:
        await self.accounts.clear(self.login_scopes(username, "")[0])

    async def signup(self, address: str) -> None:
        """Count a sign-up from ``address`` (429 when over the hourly limit)."""
        now, scope = self.clock(), f"signup-ip:{address}"
        await self._check(scope, self.config.signups_per_hour, HOUR, now)
        await self.accounts.record((scope,), now, now - max(self.window, HOUR))
