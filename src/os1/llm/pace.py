"""Generation that pauses while the reader asks it to.

On two cores, a spoken reply's first piece is synthesised while the model writes the next ones, and the two
halve each other's speed: the first audio comes later. ``paced`` streams from any ``Model`` while ``go`` is
set; when the reader clears it, the generation stops at its next token (llama.cpp, an HTTP stream: both stop
when their stream is closed), and when ``go`` is set again it goes on from where it was, as a continuation of
the reply written so far (an assistant message the model continues; llama.cpp finds the prompt and the words
already written in its cache, so only the continuation's few new tokens are evaluated)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import Any

from os1.llm.base import Model
from os1.types import Chunk, Message


def worth_pausing(model: object) -> bool:
    """Whether a spoken reply should pause ``model`` while its first piece is voiced: only a model that runs on
    this machine's cores (it says so with ``shares_cpu``); a server elsewhere gains nothing from it."""
    return bool(getattr(model, "shares_cpu", False))


def continued(messages: Sequence[Message], written: str) -> list[Message]:
    """``messages`` with ``written`` as the start of the assistant's reply (extending one already there)."""
    if not written:
        return list(messages)
    if messages and messages[-1].role == "assistant":
        return [*messages[:-1], Message("assistant", messages[-1].content + written)]
    return [*messages, Message("assistant", written)]


async def paced(model: Model, messages: Sequence[Message], go: asyncio.Event, max_tokens: int | None = None,
                **opts: Any) -> AsyncGenerator[Chunk, None]:
    """``model.stream(messages)``, paused whenever ``go`` is clear. ``max_tokens`` bounds the whole reply
    (counted in chunks, one token each on the local backends), not each part."""
    written = ""
    left = max_tokens
    while True:
        paused = False
        part = {**opts, "max_tokens": left} if left is not None else opts
        async with aclosing(model.stream(continued(messages, written), **part)) as chunks:
            async for chunk in chunks:
                if chunk.text:
                    written += chunk.text
                    left = None if left is None else left - 1
                yield chunk
                if chunk.finish_reason:
                    return
                if not go.is_set():
                    paused = True
                    break
        if not paused or (left is not None and left <= 0):
            return
        await go.wait()
