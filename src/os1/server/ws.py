"""``/ws``: a conversation over a WebSocket. Authenticated by the session cookie (same origin only) or by
``?token=`` (a session token or an API key). JSON messages:

client → server   {"type": "say", "text": …}   {"type": "stop"}   {"type": "ping"}
server → client   {"type": "ready", "conversation_id", "companion"}   {"type": "opening", "text", "turn_id"}
                  {"type": "delta", "text"}   {"type": "done", "turn_id", "user_turn_id", "text", "interrupted",
                  "care"}   {"type": "error", "code", "message"}   {"type": "pong"}
                  {"type": "elsewhere", "conversation_id", "user_turn_id", "turn_id", "user_text", "text"}

``stop`` while a reply streams cancels it (barge-in): the part already said is kept, marked interrupted, and a
``done`` with ``"interrupted": true`` follows. ``elsewhere``: a reply finished in another of the user's sockets,
on this server or another (the event bus, events_bus.py); a tab shows it, or reloads the history. Per connection
the server holds one ``Session`` and at most one reply task or voice channel (binary frames: see ws_voice);
everything else is in the store."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Coroutine
from contextlib import aclosing
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from os1.companion.turn import ReplyDelta, ReplyDone, Session
from os1.errors import Os1Error
from os1.server.auth import Principal, authenticate
from os1.server.events_bus import BusEvent
from os1.server.services import Services, services_of
from os1.server.ws_voice import VoiceChannel

log = logging.getLogger(__name__)
router = APIRouter()
SETUP_TIMEOUT_S = 60.0
SEND_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 10.0
CANCEL_RETRY_S = 0.2
MAX_MESSAGE_CHARS = 64_000


def origin_allowed(ws: WebSocket, allowed: tuple[str, ...]) -> bool:
    """A browser's WebSocket carries its page's Origin: a cookie is honoured only from this server's own origin
    (or one configured). Clients that send no Origin are not browsers, and cannot be made to send the cookie."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    if origin in allowed:
        return True
    return urlsplit(origin).netloc.lower() == ws.headers.get("host", "").lower()


class Connection:
    """One socket's conversation: its session and the reply being streamed, if any."""

    def __init__(self, ws: WebSocket, services: Services, session: Session) -> None:
        self.ws = ws
        self.services = services
        self.session = session
        self.reply: asyncio.Task[None] | None = None
        self.voice: VoiceChannel | None = None
        self.id = secrets.token_hex(8)  # the origin of the events it publishes
        self._pushes: set[asyncio.Task[None]] = set()  # events being published, or sent from elsewhere

    async def send(self, data: dict[str, Any]) -> None:
        async with asyncio.timeout(SEND_TIMEOUT_S):  # not wait_for: on 3.11 it can swallow a cancellation
            await self.ws.send_json(data)

    async def error(self, code: str, message: str) -> None:
        await self.send({"type": "error", "code": code, "message": message})

    async def opening(self) -> None:
        text, turn_id = "", None
        async with aclosing(self.session.opening()) as events:
            async for event in events:
                if isinstance(event, ReplyDone):
                    text, turn_id = event.text, event.reply_turn_id
        await self.send({"type": "opening", "text": text, "turn_id": turn_id})

    async def handle(self, raw: str) -> None:
        try:
            message = json.loads(raw) if len(raw) <= MAX_MESSAGE_CHARS else None
        except ValueError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "say" and isinstance(message, dict) and isinstance(message.get("text"), str):
            if self.reply is not None and not self.reply.done():
                await self.error("turn.busy", "a reply is still streaming; send stop first")
                return
            if self.voice is not None and self.voice.running:
                await self.error("turn.busy", "a voice conversation is running; send voice_end first")
                return
            self.reply = asyncio.get_running_loop().create_task(self._reply(message["text"]))
        elif kind == "stop":
            await self.stop()
            if self.voice is not None and self.voice.running:
                await self.voice.hush()
        elif kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "voice_end":
            if self.voice is not None:
                self.voice.end()
        else:
            await self.error("bad_message", 'send {"type": "say", "text": …}, {"type": "stop"} or {"type": "ping"}')

    async def audio(self, pcm: bytes) -> None:
        """A frame of microphone audio: the first one starts the voice conversation."""
        kit = self.services.voice
        if kit is None:
            await self.error("voice.unavailable", "this server does not take audio (os1 serve --voice); send text")
            return
        if self.reply is not None and not self.reply.done():
            await self.error("turn.busy", "a text reply is still streaming; send stop first")
            return
        if self.voice is None or not self.voice.running:
            self.voice = VoiceChannel(kit, self.session, self.send, self.send_bytes, self._replying)
        if not self.voice.feed(pcm):
            await self.error("voice.overflow", "audio is arriving faster than it is heard; a frame was dropped")

    async def send_bytes(self, data: bytes) -> None:
        async with asyncio.timeout(SEND_TIMEOUT_S):
            await self.ws.send_bytes(data)

    def _replying(self, on: bool) -> None:
        if on:
            self.services.activity.start()
        else:
            self.services.activity.end()

    async def stop(self) -> None:
        """Barge-in: cancel the reply; its task says ``done`` (interrupted) once the partial turn is stored."""
        reply = self.reply
        deadline = asyncio.get_running_loop().time() + CLOSE_TIMEOUT_S
        while reply is not None and not reply.done() and asyncio.get_running_loop().time() < deadline:
            reply.cancel()  # again if a cancellation was lost (asyncio.wait_for on 3.11 can swallow one)
            await asyncio.wait({reply}, timeout=CANCEL_RETRY_S)

    async def _reply(self, text: str) -> None:
        activity = self.services.activity
        activity.start()
        try:
            async with asyncio.timeout(self.services.config.turn_timeout_s):
                await self._stream(text)
        except asyncio.CancelledError:
            await self._interrupted()
        except TimeoutError:
            await self._interrupted()
        except Os1Error as exc:
            await self.error(exc.code, exc.message)
        except Exception:  # a bug must not end the conversation: the user's words are stored already
            log.exception("a turn failed")
            await self.error("internal", "something went wrong; your message is saved")
        finally:
            activity.end()

    async def _stream(self, text: str) -> None:
        async with aclosing(self.session.turn(text)) as events:
            async for event in events:
                if isinstance(event, ReplyDelta):
                    await self.send({"type": "delta", "text": event.text})
                elif isinstance(event, ReplyDone):
                    await self.send({"type": "done", "turn_id": event.reply_turn_id, "user_turn_id":
                                     event.user_turn_id, "text": event.text, "interrupted": False, "care": event.care})
                    self._track(self._publish(text, event))  # off the reply: a "stop" now cuts nothing

    async def _publish(self, text: str, done: ReplyDone) -> None:
        """Tell the user's other sockets, on any server, that a reply finished here."""
        data = {"conversation_id": self.session.conversation.id, "user_turn_id": done.user_turn_id,
                "turn_id": done.reply_turn_id, "user_text": text, "text": done.text}
        try:
            await self.services.bus.publish(BusEvent(self.session.user.id, "turn.done", data, self.id))
        except Os1Error as exc:  # the reply is stored: the other tab finds it in the history
            log.warning("publishing a finished reply failed: %s", exc)

    def elsewhere(self, event: BusEvent) -> None:
        """An event for this user from another socket (the bus calls this on the event loop)."""
        if event.origin == self.id or event.type != "turn.done":
            return
        self._track(self._push({"type": "elsewhere", **event.data}))

    def _track(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._pushes.add(task)
        task.add_done_callback(self._pushes.discard)

    async def _push(self, data: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):  # the socket may be closing: the history has it
            await self.send(data)

    async def _interrupted(self) -> None:
        """Say what was kept of a cut reply. The socket may be gone (that is what stopped it): nothing to say."""
        turn_id = self.session.last_reply_id
        store, uid = self.services.deps.store, self.session.user.id
        with contextlib.suppress(Exception):
            turn = (await store.turns.many(uid, [turn_id])).get(turn_id) if turn_id is not None else None
            await self.send({"type": "done", "turn_id": turn_id, "user_turn_id": None,
                             "text": turn.content if turn else "", "interrupted": True, "care": None})

    async def close(self) -> None:
        """The socket is gone: stop what runs, and hand the conversation to reflection (summary, diary)."""
        for push in list(self._pushes):
            push.cancel()
        await self.stop()
        if self.voice is not None:
            await self.voice.close()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await self.session.end()
        except (Os1Error, TimeoutError) as exc:
            log.warning("ending a conversation failed: %s", exc)


async def _start(ws: WebSocket, services: Services, principal: Principal) -> Session | None:
    try:
        async with asyncio.timeout(SETUP_TIMEOUT_S):
            return await Session.begin(services.deps, principal.username)
    except Os1Error as exc:
        await ws.send_json({"type": "error", "code": exc.code, "message": exc.message})
        await ws.close(code=4409 if exc.code == "companion.not_set_up" else 1011)
        return None


@router.websocket("/ws")
async def websocket(ws: WebSocket, token: str | None = None, opening: bool = True) -> None:
    services = services_of(ws)
    principal = await authenticate(ws, services, token=token)
    await ws.accept()
    if principal is None or (principal.via == "cookie" and not origin_allowed(ws, services.config.allowed_origins)):
        code, reason = ("auth.required", "sign in first") if principal is None else ("auth.origin", "wrong origin")
        await ws.send_json({"type": "error", "code": code, "message": reason})
        await ws.close(code=4401 if principal is None else 4403)
        return
    session = await _start(ws, services, principal)
    if session is None:
        return
    conn = Connection(ws, services, session)
    unsubscribe = services.bus.subscribe(session.user.id, conn.elsewhere)
    try:
        await _bus_open(services)
        await conn.send({"type": "ready", "conversation_id": session.conversation.id,
                         "companion": session.companion.name})
        if opening:
            await conn.opening()
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            if message.get("text") is not None:
                await conn.handle(message["text"])
            elif message.get("bytes") is not None:
                await conn.audio(message["bytes"])
    except (WebSocketDisconnect, OSError):  # the client left (uvicorn's ClientDisconnected is an OSError)
        pass
    finally:
        unsubscribe()
        await conn.close()


async def _bus_open(services: Services) -> None:
    """Listen for other servers' events (once per process; a bus that cannot is logged, not fatal)."""
    try:
        await services.bus.open()
    except Os1Error as exc:
        log.warning("the event bus is not listening: %s", exc)
