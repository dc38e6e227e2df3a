"""Sessions for the service's clients. A WebSocket starts a conversation (``Session.begin``); an API client
(``/v1/chat/completions``) continues its latest one while it is recent, so a chat app's messages are one
conversation, as they are to the user. Nothing is kept in process memory: each request finds it in the store."""

from __future__ import annotations

from datetime import timedelta

from os1.companion.turn import Deps, Session


async def continue_session(deps: Deps, user_id: int, handle: str, idle: timedelta) -> Session:
    """The user's latest conversation with their companion if it was active within ``idle``, else a new one."""
    return await Session.resume(deps, handle, idle)
