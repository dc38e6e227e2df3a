"""An OpenAI-compatible endpoint, so existing chat apps can talk to a user's companion: ``POST
/v1/chat/completions`` (streaming as server-sent events, or not) and ``GET /v1/models``, authenticated by a
per-user API key (``Authorization: Bearer os1k_…``). The last user message is the turn; the companion answers it
with its memory and persona, in the user's latest conversation (the messages before it are the client's copy of
what the store already holds)."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from os1.companion.turn import ReplyDelta, ReplyDone, Session
from os1.errors import Os1Error
from os1.server.auth import Principal, require_user
from os1.server.errors import SIGNED_IN, ApiError, body, documented
from os1.server.services import Services, services_of

router = APIRouter(prefix="/v1", tags=["openai"], responses=SIGNED_IN)


class Part(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[Part] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # sampling options are the companion's own: accepted, not applied
    model: str = "os1-companion"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


class Reply(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: Reply
    finish_reason: str = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "os1"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


SSE_EVENT = {"type": "object", "required": ["data"], "properties": {"data": {
    "type": "string", "description": "a chat.completion.chunk as JSON, or [DONE] at the end"}}}


def last_user_text(messages: list[ChatMessage]) -> str:
    for message in reversed(messages):
        if message.role == "user":
            content = message.content
            if isinstance(content, list):
                return "\n".join(p.text for p in content if p.type == "text" and p.text)
            return content or ""
    return ""


def _chunk(ident: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    data = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(services: Services, session: Session, text: str) -> AsyncGenerator[ReplyDelta | ReplyDone, None]:
    services.activity.start()
    try:
        async with aclosing(session.turn(text)) as events:
            async for event in events:
                yield event
    finally:
        services.activity.end()


async def _sse(services: Services, session: Session, text: str, model: str) -> AsyncIterator[str]:
    ident, created = f"chatcmpl-{secrets.token_hex(12)}", int(services.deps.clock().timestamp())
    yield _chunk(ident, created, model, {"role": "assistant", "content": ""})
    try:
        async with aclosing(_events(services, session, text)) as events:
            async for event in events:
                if isinstance(event, ReplyDelta) and event.text:
                    yield _chunk(ident, created, model, {"content": event.text})
        yield _chunk(ident, created, model, {}, "stop")
    except Os1Error as exc:
        yield f"data: {json.dumps(body(exc))}\n\n"
    yield "data: [DONE]\n\n"


@router.post("/chat/completions", response_model=None, responses={
    200: {"model": ChatCompletion, "content": {"text/event-stream": {"schema": SSE_EVENT}},
          "description": "a chat.completion, or with stream: true, chat.completion.chunk events (text/event-stream)"},
    **documented(409, 413)})
async def chat_completions(
    req: ChatRequest, request: Request, who: Principal = Depends(require_user),  # noqa: B008
) -> JSONResponse | StreamingResponse:
    services = services_of(request)
    text = last_user_text(req.messages).strip()
    if not text:
        raise ApiError(422, "turn.empty", "no user message with text to reply to")
    idle = timedelta(minutes=services.config.api_idle_minutes)
    session = await Session.resume(services.deps, who.username, idle)
    model = services.config.model_id
    if req.stream:
        return StreamingResponse(_sse(services, session, text, model), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    reply, turn_id = "", 0
    async with asyncio.timeout(services.config.turn_timeout_s), aclosing(_events(services, session, text)) as events:
        async for event in events:
            if isinstance(event, ReplyDone):
                reply, turn_id = event.text, event.reply_turn_id
    done = ChatCompletion(id=f"chatcmpl-{turn_id}", created=int(services.deps.clock().timestamp()), model=model,
                          choices=[Choice(message=Reply(content=reply))])
    return JSONResponse(done.model_dump())


@router.get("/models", response_model=ModelList)
async def models(request: Request, who: Principal = Depends(require_user)) -> ModelList:  # noqa: B008
    """One model: the user's companion."""
    return ModelList(data=[ModelCard(id=services_of(request).config.model_id)])
