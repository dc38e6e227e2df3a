"""The event bus: a user's events reach that user's sockets only; a finished reply reaches their other tab."""

from __future__ import annotations

import asyncio
import json

import pytest

from os1.server.events_bus import (
    MAX_PAYLOAD,
    BusError,
    BusEvent,
    InProcessBus,
    PgBus,
    bus_for,
    decode,
    encode,
)
from os1.server.services import ServerConfig, build_services

from .conftest import CHEAP, build_server, signup


def test_in_process_bus_delivers_to_that_users_subscribers_only():
    bus = InProcessBus()
    got: dict[str, list[BusEvent]] = {"a1": [], "a2": [], "b": []}
    stop_a1 = bus.subscribe(1, got["a1"].append)
    bus.subscribe(1, got["a2"].append)
    bus.subscribe(2, got["b"].append)
    event = BusEvent(1, "turn.done", {"text": "hi"}, origin="x")
    asyncio.run(bus.publish(event))
    assert got["a1"] == [event] and got["a2"] == [event] and got["b"] == []
    stop_a1()
    asyncio.run(bus.publish(BusEvent(1, "turn.done", {"text": "again"})))
    assert len(got["a1"]) == 1 and len(got["a2"]) == 2 and got["b"] == []


def test_a_failing_subscriber_does_not_stop_the_others():
    bus = InProcessBus()
    seen: list[BusEvent] = []

    def broken(event: BusEvent) -> None:
        raise RuntimeError("socket gone")

    bus.subscribe(3, broken)
    bus.subscribe(3, seen.append)
    assert bus.deliver(BusEvent(3, "turn.done")) == 2 and len(seen) == 1


def test_payload_round_trip_and_a_long_text_is_cut_to_fit():
    event = BusEvent(7, "turn.done", {"turn_id": 4, "text": "short"}, origin="abc")
    assert decode(encode(event)) == event
    long = BusEvent(7, "turn.done", {"turn_id": 4, "text": "word " * 5000}, origin="abc")
    payload = encode(long)
    assert len(payload.encode()) <= MAX_PAYLOAD
    back = decode(payload)
    assert back is not None and back.data == {"turn_id": 4, "truncated": True}
    assert decode("not json") is None and decode(json.dumps({"t": "x"})) is None
    with pytest.raises(BusError):
        encode(BusEvent(7, "turn.done", {f"k{i}": i for i in range(2000)}))


def test_the_bus_follows_the_database():
    assert isinstance(bus_for("sqlite:////tmp/os1.db"), InProcessBus)
    assert isinstance(bus_for("postgresql://os1@db/os1"), PgBus)


def test_lexical_recall_is_a_scale_setting(tmp_path):
    _app, services, *_ = build_server(tmp_path)
    assert getattr(services.deps.recall, "embedder", None) is not None
    lexical = build_services(services.deps, ServerConfig(recall="lexical"))
    assert lexical.deps.recall is not services.deps.recall
    assert getattr(lexical.deps.recall, "embedder", "missing") is None
    assert lexical.deps.store is services.deps.store and CHEAP.recall == "hybrid"


def _say(ws, text: str) -> dict:
    ws.send_json({"type": "say", "text": text})
    while (message := ws.receive_json())["type"] == "delta":
        pass
    return message


def _until_pong(ws) -> list[dict]:
    heard = []
    while (message := ws.receive_json())["type"] != "pong":
        heard.append(message)
    return heard


def test_a_reply_finished_in_one_tab_reaches_the_users_other_tab_only(server):
    theo, ana = signup(server.client, "theo"), signup(server.client, "ana")
    server.model.enqueue("The river sounds lovely.")
    with server.client.websocket_connect(f"/ws?token={theo.token}&opening=false") as first, \
            server.client.websocket_connect(f"/ws?token={theo.token}&opening=false") as second, \
            server.client.websocket_connect(f"/ws?token={ana.token}&opening=false") as other:
        conversation = first.receive_json()["conversation_id"]
        second.receive_json(), other.receive_json()
        done = _say(first, "I walked by the river")
        assert done["type"] == "done"
        second.send_json({"type": "ping"})  # answered after the event (pushed first), and never hangs the test
        heard = _until_pong(second)
        assert [m["type"] for m in heard] == ["elsewhere"]
        echo = heard[0]
        assert echo["conversation_id"] == conversation
        assert echo["turn_id"] == done["turn_id"] and echo["text"] == done["text"]
        assert echo["user_text"] == "I walked by the river"
        first.send_json({"type": "ping"})
        assert _until_pong(first) == []  # the tab that spoke does not hear its own reply again
        other.send_json({"type": "ping"})
        assert _until_pong(other) == []  # another user hears nothing
