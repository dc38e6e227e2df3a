"""Sessions for the service's clients. A WebSocket starts a conversation (``Session.begin``); an API client
(``/v1/chat/completions``) continues its latest one while it is recent, so a chat app's messages are one
conversation, as they are to the user. Nothing is kept in process memory: each request finds it in the store."""

from __future__ import annotations

from datetime import timedelta

from os1.companion.inner import stage_of
from os1.companion.turn import Deps, Session
from os1.errors import NotSetUpError
from os1.memory.profile import pinned_profile
from os1.persona.prompts import system_prompt

RECENT = 1 << 62


async def continue_session(deps: Deps, user_id: int, handle: str, idle: timedelta) -> Session:
    """The user's latest conversation with their companion if it was active within ``idle``, else a new one.

    Composes the system prompt as ``Session.begin`` does (persona, stage, pinned profile, the minor's rule); a
    ``Session.resume`` in the companion package would own this better."""
    store, now = deps.store, deps.clock()
    companion = await store.users.active_companion(user_id)
    if companion is None:
        raise NotSetUpError("companion.not_set_up", "no companion yet", hint="POST /api/setup first")
    last = await store.turns.previous_conversation(user_id, RECENT)
    if last is None or last.companion_id != companion.id or now - last.last_active_at > idle:
        return await Session.begin(deps, handle)
    user = await store.users.ensure(handle)
    system = system_prompt(companion, user.display_name or "the user", await pinned_profile(store, user_id),
                           stage=await stage_of(store, user_id, companion))
    if deps.settings.care.minor:
        system += "\nThe user is under 18: never say anything sexual or romantic."
    return Session(deps, user, companion, last, system)
