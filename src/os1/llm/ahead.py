"""A reply begun before it is asked for.

A spoken sentence is usually heard in full while the silence that must pass before the companion may answer is
still going on. ``Lookahead.start`` begins the reply to those words then: the model writes its first few tokens
into a guess. If the turn does end with the same prompt, the reply's ``stream`` (same messages, same sampling)
takes the guess over — the tokens already written at once, the rest as they come — and goes on from there as a
continuation of what it wrote (llama.cpp finds all of it in its cache). Any other request first stops the guess,
at its next token: the model writes one thing at a time, and a guess must never make a real request wait. What a
guess wrote is seen only if its reply is asked for; a guess that was not is simply dropped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from os1.llm.pace import continued
from os1.types import Chunk, Message

Generate = Callable[..., AsyncGenerator[Chunk, None]]  # (messages, **opts), as Model.stream


def _key(messages: Sequence[Message], opts: dict[str, Any]) -> tuple[object, ...]:
    """What makes two requests the same reply: the prompt and every sampling option but the length."""
    options = tuple(sorted((k, repr(v)) for k, v in opts.items() if k != "max_tokens" and v is not None))
    return tuple((m.role, m.content) for m in messages), options


@dataclass(eq=False)
class _Guess:
    key: tuple[object, ...]
    chunks: list[Chunk] = field(default_factory=list)
    grew: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


class Lookahead:
    """Wraps a model's raw ``generate`` (its ``stream``); the owner streams through ``stream`` instead."""

    def __init__(self, generate: Generate) -> None:
        self._generate = generate
        self._guess: _Guess | None = None

    def covers(self, messages: Sequence[Message]) -> bool:
        """A guess at the reply to this prompt is kept (being written, or written): the prompt is evaluated."""
        return self._guess is not None and self._guess.key[0] == _key(messages, {})[0]

    async def start(self, messages: Sequence[Message], tokens: int, **opts: Any) -> None:
        """Begin the reply to ``messages`` (its first ``tokens`` tokens) and wait until they are written.
        Cancelling the wait stops the guess (the words went on), unless a reply has taken it over."""
        key = _key(messages, opts)
        guess = self._guess
        if guess is None or guess.key != key:
            await self.drop()
            guess = self._guess = _Guess(key)
            guess.task = asyncio.create_task(self._write(guess, messages, {**opts, "max_tokens": tokens}))
        assert guess.task is not None
        try:
            await asyncio.shield(guess.task)
        except asyncio.CancelledError:
            if self._guess is guess:
                await self.drop()
            raise

    async def _write(self, guess: _Guess, messages: Sequence[Message], opts: dict[str, Any]) -> None:
        try:
            async with aclosing(self._generate(messages, **opts)) as chunks:
                async for chunk in chunks:
                    guess.chunks.append(chunk)
                    guess.grew.set()
        finally:
            guess.grew.set()

    async def drop(self) -> None:
        guess, self._guess = self._guess, None
        if guess is not None:
            await guess.stop()

    async def stream(self, messages: Sequence[Message], **opts: Any) -> AsyncGenerator[Chunk, None]:
        """``generate(messages, **opts)``, starting from the guess when there is one for this request."""
        guess, self._guess = self._guess, None
        if guess is None or guess.key != _key(messages, opts):
            if guess is not None:
                await guess.stop()
            async with aclosing(self._generate(messages, **opts)) as chunks:
                async for chunk in chunks:
                    yield chunk
            return
        left: int | None = opts.get("max_tokens")
        written = ""
        try:
            async for found in _follow(guess):
                # A guess ends at its own length: not the reply's end, which the continuation finds.
                chunk = Chunk(text=found.text) if found.finish_reason == "length" else found
                written += chunk.text
                left = None if left is None else left - (1 if chunk.text else 0)
                if chunk.text or chunk.finish_reason:
                    yield chunk
                if chunk.finish_reason or (left is not None and left <= 0):
                    return
        finally:
            await guess.stop()  # the reader stopped (or paused) early: so does the guess
        rest = {**opts, "max_tokens": left} if left is not None else opts
        async with aclosing(self._generate(continued(messages, written), **rest)) as chunks:
            async for chunk in chunks:
                yield chunk


async def _follow(guess: _Guess) -> AsyncGenerator[Chunk, None]:
    """The guess's chunks, those written and those still coming, until it ends (an error ends it too: the
    continuation then asks the model again, and meets the error itself if it persists)."""
    seen = 0
    while True:
        while seen < len(guess.chunks):
            seen += 1
            yield guess.chunks[seen - 1]
        if not guess.running:
            return
        guess.grew.clear()  # nothing can be added between the check above and here: no await between them
        await guess.grew.wait()
