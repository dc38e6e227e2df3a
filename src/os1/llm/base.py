"""One protocol for every language model: ``stream(messages, **opts)`` yields small ``Chunk`` values."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any, Protocol

from os1.errors import ModelError
from os1.types import Chunk, Message


class Model(Protocol):
    """A chat model. ``opts``: max_tokens, temperature, top_p, repeat_penalty, seed, stop."""

    name: str

    def stream(self, messages: Sequence[Message], **opts: Any) -> AsyncGenerator[Chunk, None]: ...


class Prefill(Protocol):
    """Optional: a model that can evaluate a prompt ahead of time (while the user is still typing or
    speaking), so the reply to the finished message starts sooner. With ``ahead`` it begins the reply itself
    (its first ``ahead`` tokens, sampled with ``opts``), which a ``stream`` of the same request takes over."""

    async def prefill(self, messages: Sequence[Message], ahead: int = 0, **opts: Any) -> None: ...


def as_dicts(messages: Sequence[Message]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in messages]


def sampling(defaults: dict[str, Any], opts: dict[str, Any]) -> dict[str, Any]:
    """Merge per-call options over the configured defaults, dropping unset (None) values."""
    merged = {**defaults, **{k: v for k, v in opts.items() if v is not None}}
    if merged.get("seed", -1) in (-1, None):
        merged.pop("seed", None)
    return merged


def chunk_from(data: Any, usage_key: str = "usage") -> Chunk | None:
    """A ``Chunk`` from one OpenAI-style ``chat.completion.chunk`` object (None when it carries nothing)."""
    if not isinstance(data, dict):
        return None
    if "error" in data:
        raise ModelError("model.server_error", f"the model server said: {data['error']}")
    choices = data.get("choices") or []
    if not choices:
        return None
    choice = choices[0]
    text = (choice.get("delta") or {}).get("content") or ""
    finish = choice.get("finish_reason")
    if not text and not finish:
        return None
    return Chunk(text=text, finish_reason=finish, usage=data.get(usage_key))
