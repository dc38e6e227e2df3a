"""One protocol for every language model: ``stream(messages, **opts)`` yields small ``Chunk`` values."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any, Protocol

from os1.types import Chunk, Message


class Model(Protocol):
    """A chat model. ``opts``: max_tokens, temperature, top_p, repeat_penalty, seed, stop."""

    name: str

    def stream(self, messages: Sequence[Message], **opts: Any) -> AsyncGenerator[Chunk, None]: ...


def as_dicts(messages: Sequence[Message]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in messages]


def sampling(defaults: dict[str, Any], opts: dict[str, Any]) -> dict[str, Any]:
    """Merge per-call options over the configured defaults, dropping unset (None) values."""
    merged = {**defaults, **{k: v for k, v in opts.items() if v is not None}}
    if merged.get("seed", -1) in (-1, None):
        merged.pop("seed", None)
    return merged
