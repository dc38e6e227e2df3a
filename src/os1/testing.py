"""Fakes shipped with the package, for fast tests of everything above the model (like llm's MockModel)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any

from os1.types import Chunk, Message

if TYPE_CHECKING:
    import numpy as np


class FakeModel:
    """A ``Model`` that replays queued replies word by word and records what it was asked.

    ``enqueue("text")`` queues a reply; ``enqueue_endless()`` queues one that streams until cancelled (for
    interrupt tests). With nothing queued it answers ``default``."""

    name = "fake"

    def __init__(self, default: str = "I hear you.", delay_s: float = 0.0) -> None:
        self.default = default
        self.delay_s = delay_s
        self.replies: list[str | None] = []
        self.calls: list[tuple[list[Message], dict[str, Any]]] = []
        self.prefills: list[list[Message]] = []
        self.started = asyncio.Event()

    def enqueue(self, *replies: str) -> FakeModel:
        self.replies.extend(replies)
        return self

    def enqueue_endless(self) -> FakeModel:
        self.replies.append(None)
        return self

    async def stream(self, messages: Sequence[Message], **opts: Any) -> AsyncGenerator[Chunk, None]:
        self.calls.append((list(messages), dict(opts)))
        reply = self.replies.pop(0) if self.replies else self.default
        self.started.set()
        if reply is None:
            n = 0
            while True:
                n += 1
                yield Chunk(text=f"word{n} ")
                await asyncio.sleep(max(self.delay_s, 0.01))
        words = reply.split(" ")
        for i, word in enumerate(words):
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            yield Chunk(text=word if i == len(words) - 1 else word + " ")
        yield Chunk(finish_reason="stop")

    async def prefill(self, messages: Sequence[Message]) -> None:
        self.prefills.append(list(messages))

    @property
    def last_messages(self) -> list[Message]:
        return self.calls[-1][0] if self.calls else []


class HashEmbedder:
    """A fast, deterministic stand-in for MiniLM: words hashed into signed buckets, normalised. Texts that share
    words are near; it knows no synonyms. The real model is tested in tests/integration."""

    model_id = "hash-384"
    dim = 384

    def __init__(self) -> None:
        self.calls = 0

    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        import re
        import zlib

        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                h = zlib.crc32(word.encode())
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else out[row]
        return out

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        return self.embed_sync(texts)
