"""The PostgreSQL event bus against a real PostgreSQL: two app servers, one database; an event published on one
reaches the user's sockets on both, and nobody else's."""

from __future__ import annotations

import asyncio

import pytest

from os1.server.events_bus import BusEvent, PgBus

pytestmark = pytest.mark.integration


async def _until(check, timeout_s: float = 10.0) -> None:
    for _ in range(int(timeout_s / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {timeout_s} s")


async def _two_servers(url: str) -> None:
    one, two = PgBus(url, channel="os1_events_test"), PgBus(url, channel="os1_events_test")
    try:
        await one.open()
        await two.open()
        on_one: list[BusEvent] = []
        on_two: list[BusEvent] = []
        someone_else: list[BusEvent] = []
        one.subscribe(5, on_one.append)
        two.subscribe(5, on_two.append)
        two.subscribe(6, someone_else.append)
        event = BusEvent(5, "turn.done", {"turn_id": 12, "text": "The river sounds lovely."}, origin="tab-a")
        await one.publish(event)
        await _until(lambda: on_one and on_two)
        assert on_one == [event] and on_two == [event]
        long = BusEvent(5, "turn.done", {"turn_id": 13, "text": "word " * 4000}, origin="tab-a")
        await two.publish(long)  # over NOTIFY's 8000-byte limit: cut, flagged, still delivered
        await _until(lambda: len(on_one) == 2)
        assert on_one[1].data == {"turn_id": 13, "truncated": True}
        await asyncio.sleep(0.2)
        assert someone_else == []
    finally:
        await one.close()
        await two.close()


def test_an_event_published_on_one_server_reaches_the_users_sockets_on_every_server(pg_server):
    asyncio.run(_two_servers(pg_server.url("postgres")))


async def _reconnects(url: str, admin) -> None:
    bus = PgBus(url, channel="os1_events_test", timeout_s=5.0)
    try:
        await bus.open()
        seen: list[BusEvent] = []
        bus.subscribe(9, seen.append)
        await asyncio.to_thread(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")
        await _until(lambda: not bus._listening.is_set(), 10)
        await _until(bus._listening.is_set, 15)  # the listener came back on a new connection
        await bus.publish(BusEvent(9, "turn.done", {"turn_id": 1}))
        await _until(lambda: bool(seen))
        assert seen[0].data == {"turn_id": 1}
    finally:
        await bus.close()


def test_the_listener_reconnects_after_its_connection_is_lost(pg_server):
    asyncio.run(_reconnects(pg_server.url("postgres"), pg_server.admin))
