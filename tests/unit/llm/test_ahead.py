from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Sequence
from typing import Any

from os1.llm.ahead import Lookahead
from os1.types import Chunk, Message

ASKED = [Message("system", "Be kind."), Message("user", "How was the market?")]


class Counting:
    """A model that writes "w1 w2 …" (continuing from the assistant start it is given), one word per token, and
    records each request, each word written, and each request that was closed before its end."""

    def __init__(self, words: int = 10, delay_s: float = 0.0) -> None:
        self.words = words
        self.delay_s = delay_s
        self.requests: list[tuple[list[Message], dict[str, Any]]] = []
        self.written = 0
        self.closed_early = 0

    async def generate(self, messages: Sequence[Message], **opts: Any) -> AsyncGenerator[Chunk, None]:
        self.requests.append((list(messages), dict(opts)))
        start = len(messages[-1].content.split()) if messages[-1].role == "assistant" else 0
        limit = opts.get("max_tokens") or 1000
        ended = False
        try:
            for n in range(start + 1, self.words + 1):
                if n - start > limit:
                    yield Chunk(finish_reason="length")
                    ended = True
                    return
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                self.written += 1
                yield Chunk(text=f"w{n} ")
            yield Chunk(finish_reason="stop")
            ended = True
        finally:
            self.closed_early += not ended


async def reply(ahead: Lookahead, messages: Sequence[Message] = ASKED, **opts: Any) -> str:
    return "".join([c.text async for c in ahead.stream(messages, **opts)])


async def test_a_reply_takes_over_the_guess_and_goes_on_where_it_stopped():
    model = Counting(words=8)
    ahead = Lookahead(model.generate)
    await ahead.start(ASKED, 3, temperature=0.7)
    assert model.written == 3  # the guess wrote its three tokens before anyone asked
    assert await reply(ahead, max_tokens=50, temperature=0.7) == "w1 w2 w3 w4 w5 w6 w7 w8 "
    continuation, opts = model.requests[-1]
    assert continuation[-1] == Message("assistant", "w1 w2 w3 ")  # the rest continues what the guess wrote
    assert opts["max_tokens"] == 47
    assert model.written == 8  # nothing was written twice


async def test_the_reply_limit_counts_the_tokens_of_the_guess():
    model = Counting(words=20)
    ahead = Lookahead(model.generate)
    await ahead.start(ASKED, 4)
    assert await reply(ahead, max_tokens=6) == "w1 w2 w3 w4 w5 w6 "
    assert await reply(ahead, max_tokens=2) == "w1 w2 "  # no guess any more: asked afresh


async def test_a_short_reply_finished_by_the_guess_asks_nothing_more():
    model = Counting(words=2)
    ahead = Lookahead(model.generate)
    await ahead.start(ASKED, 5)
    chunks = [c async for c in ahead.stream(ASKED)]
    assert "".join(c.text for c in chunks) == "w1 w2 "
    assert chunks[-1].finish_reason == "stop"
    assert len(model.requests) == 1


async def test_another_prompt_or_other_sampling_stops_the_guess_and_is_answered_afresh():
    model = Counting(words=50, delay_s=0.01)
    ahead = Lookahead(model.generate)
    waiting = asyncio.create_task(ahead.start(ASKED, 40, temperature=0.7))
    await asyncio.sleep(0.05)
    other = [*ASKED[:-1], Message("user", "How was the market today?")]
    assert await reply(ahead, other, max_tokens=2, temperature=0.7) == "w1 w2 "
    assert model.closed_early == 1 and model.written < 40  # the guess stopped at its next token
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    await ahead.start(ASKED, 2, temperature=0.7)
    assert await reply(ahead, max_tokens=3, temperature=1.2) == "w1 w2 w3 "  # other sampling: not taken over
    assert model.requests[-1][0] == ASKED


async def test_a_reader_that_stops_early_stops_a_running_guess():
    model = Counting(words=50, delay_s=0.01)
    ahead = Lookahead(model.generate)
    waiting = asyncio.create_task(ahead.start(ASKED, 40))
    await asyncio.sleep(0.03)
    async with contextlib.aclosing(ahead.stream(ASKED)) as chunks:
        async for chunk in chunks:
            if chunk.text == "w2 ":
                break  # a spoken reply pauses after its first piece
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    written = model.written
    await asyncio.sleep(0.05)
    assert model.written == written < 40
    assert model.closed_early == 1


async def test_cancelling_the_wait_stops_the_guess_unless_a_reply_took_it_over():
    model = Counting(words=50, delay_s=0.01)
    ahead = Lookahead(model.generate)
    waiting = asyncio.create_task(ahead.start(ASKED, 40))
    await asyncio.sleep(0.03)
    assert ahead.covers(ASKED) and not ahead.covers([Message("user", "Something else")])
    waiting.cancel()  # the user went on speaking
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    assert model.closed_early == 1 and not ahead.covers(ASKED)
    written = model.written
    await asyncio.sleep(0.03)
    assert model.written == written < 40

    taken = Counting(words=6, delay_s=0.01)
    ahead = Lookahead(taken.generate)
    waiting = asyncio.create_task(ahead.start(ASKED, 4))
    await asyncio.sleep(0.015)
    words = asyncio.create_task(reply(ahead))  # the turn ended: the reply takes the guess over
    await asyncio.sleep(0.005)
    waiting.cancel()
    assert await words == "w1 w2 w3 w4 w5 w6 "
    assert taken.closed_early == 0 and len(taken.requests) == 2
