"""Events between app servers: what happens on one server that a user's sockets on another must hear about (a
reply finished in another tab, later a reminder falling due). App servers keep no state between requests, so a
user's two tabs may be on two servers; the bus carries small per-user events between them.

``InProcessBus`` serves one process (SQLite, tests). ``PgBus`` uses PostgreSQL ``LISTEN``/``NOTIFY`` on one
channel: ``publish`` is a ``pg_notify``; every server ``LISTEN``s on its own connection and hands each event to
the sockets it holds for that user. Delivery is at most once and only to sockets open at the time; what must not
be lost lives in the store. An event carries its ``origin`` (the publishing socket) so that socket can skip it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from os1.errors import Os1Error

log = logging.getLogger(__name__)
CHANNEL = "os1_events"
MAX_PAYLOAD = 7500  # PostgreSQL's NOTIFY payload limit is 8000 bytes
RECONNECT_S = 1.0


class BusError(Os1Error):
    pass


@dataclass(frozen=True, slots=True)
class BusEvent:
    user_id: int
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # the publishing socket's id, so it does not hear its own event


Deliver = Callable[[BusEvent], None]


class EventBus(Protocol):
    async def publish(self, event: BusEvent) -> None: ...

    async def open(self) -> None: ...

    def subscribe(self, user_id: int, deliver: Deliver) -> Callable[[], None]: ...

    async def close(self) -> None: ...


def encode(event: BusEvent) -> str:
    """The event as a NOTIFY payload; a text too long for one is cut (``"truncated": true``: read the store)."""
    payload = json.dumps({"u": event.user_id, "t": event.type, "d": event.data, "o": event.origin})
    if len(payload.encode()) <= MAX_PAYLOAD:
        return payload
    data = {k: v for k, v in event.data.items() if not isinstance(v, str) or len(v) < 200}
    payload = json.dumps({"u": event.user_id, "t": event.type, "d": {**data, "truncated": True}, "o": event.origin})
    if len(payload.encode()) > MAX_PAYLOAD:
        raise BusError("bus.too_large", f"a {event.type} event does not fit in a notification")
    return payload


def decode(payload: str) -> BusEvent | None:
    try:
        raw = json.loads(payload)
        return BusEvent(int(raw["u"]), str(raw["t"]), dict(raw.get("d") or {}), str(raw.get("o") or ""))
    except (ValueError, KeyError, TypeError):
        return None


class LocalFanout:
    """The sockets of this process, by user: what every bus delivers to."""

    def __init__(self) -> None:
        self._subscribers: dict[int, dict[int, Deliver]] = {}
        self._next = 0

    def subscribe(self, user_id: int, deliver: Deliver) -> Callable[[], None]:
        """Hand ``user_id``'s events to ``deliver`` (called on the event loop; it must not block) until the
        returned function is called."""
        self._next += 1
        key, mine = self._next, self._subscribers.setdefault(user_id, {})
        mine[key] = deliver

        def unsubscribe() -> None:
            subs = self._subscribers.get(user_id)
            if subs is not None:
                subs.pop(key, None)
                if not subs:
                    del self._subscribers[user_id]

        return unsubscribe

    def deliver(self, event: BusEvent) -> int:
        """Give ``event`` to its user's subscribers here; returns how many took it."""
        subs = list(self._subscribers.get(event.user_id, {}).values())
        for deliver in subs:
            try:
                deliver(event)
            except Exception:  # one socket's failure is not another's
                log.exception("delivering a %s event failed", event.type)
        return len(subs)


class InProcessBus(LocalFanout):
    """One process is the whole deployment: publishing is delivering."""

    async def publish(self, event: BusEvent) -> None:
        self.deliver(event)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None


class PgBus(LocalFanout):
    """PostgreSQL ``LISTEN``/``NOTIFY``: events reach this user's sockets on every server listening."""

    def __init__(self, url: str, channel: str = CHANNEL, timeout_s: float = 10.0) -> None:
        super().__init__()
        self.url, self.channel, self.timeout_s = url, channel, timeout_s
        self._publisher: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Connect and start listening (once; later calls return at once). Raises BusError if it cannot."""
        if self._listener is not None and self._publisher is not None:
            return
        async with self._lock:
            if self._publisher is None:
                self._publisher = await self._connect()
            if self._listener is None:
                self._listener = asyncio.get_running_loop().create_task(self._listen())
        try:
            async with asyncio.timeout(self.timeout_s):
                await self._listening.wait()
        except TimeoutError as exc:
            raise BusError("bus.unreachable", "the event bus is not listening yet",
                           hint="is PostgreSQL reachable at database_url?") from exc

    async def _connect(self) -> Any:
        import psycopg

        try:
            async with asyncio.timeout(self.timeout_s):
                return await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        except (psycopg.Error, OSError, TimeoutError) as exc:
            raise BusError("bus.unreachable", f"cannot reach PostgreSQL for events: {exc}",
                           hint="check database_url") from exc

    async def publish(self, event: BusEvent) -> None:
        import psycopg

        await self.open()
        payload = encode(event)
        try:
            async with asyncio.timeout(self.timeout_s), self._lock:
                await self._publisher.execute("SELECT pg_notify(%s, %s)", (self.channel, payload))
        except (psycopg.Error, OSError, TimeoutError) as exc:
            with contextlib.suppress(Exception):
                await self._publisher.close()
            self._publisher = None  # the next publish reconnects
            raise BusError("bus.publish_failed", f"an event was not sent: {exc}") from exc

    async def _listen(self) -> None:
        """LISTEN on a connection of its own; reconnects after a failure, for as long as the bus is open."""
        while True:
            conn = None
            try:
                conn = await self._connect()
                async with asyncio.timeout(self.timeout_s):
                    await conn.execute(f'LISTEN "{self.channel}"')
                self._listening.set()
                while True:  # wakes up every timeout_s even with nothing said: notifies() has no other timeout
                    async for note in conn.notifies(timeout=self.timeout_s):
                        event = decode(note.payload)
                        if event is not None:
                            self.deliver(event)
            except Exception as exc:  # noqa: BLE001 - a lost connection, a bad notification: listening goes on
                self._listening.clear()
                log.warning("the event bus lost its listener (%s); reconnecting", exc)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), self.timeout_s)
            await asyncio.sleep(RECONNECT_S)

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(listener, self.timeout_s)
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(publisher.close(), self.timeout_s)


def bus_for(database_url: str) -> EventBus:
    """The bus a deployment needs: PostgreSQL's when its store is PostgreSQL (several servers may share it),
    else in-process (a SQLite store has one server)."""
    if database_url.startswith(("postgresql://", "postgres://")):
        return PgBus(database_url)
    return InProcessBus()
