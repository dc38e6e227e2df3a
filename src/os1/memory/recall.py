"""Recall: what the companion remembers that bears on what the user just said.

``Recall`` is the protocol; ``KeywordRecall`` (full-text search over the transcript plus the profile facts)
is the simple default. The memory issue replaces it with hybrid retrieval behind the same protocol."""

from __future__ import annotations

from typing import Protocol

from os1.memory.facts import content_words
from os1.store.base import Store
from os1.types import Recalled


class Recall(Protocol):
    async def search(
        self, user_id: int, query: str, limit: int = 5, exclude_conversation: int | None = None
    ) -> list[Recalled]: ...


class KeywordRecall:
    """BM25 over earlier turns (other conversations) and word overlap with profile facts."""

    def __init__(self, store: Store, min_overlap: int = 1) -> None:
        self.store = store
        self.min_overlap = min_overlap

    async def search(
        self, user_id: int, query: str, limit: int = 5, exclude_conversation: int | None = None
    ) -> list[Recalled]:
        words = content_words(query)
        if not words:
            return []
        results: list[Recalled] = []
        for fact in await self.store.facts.current(user_id):
            overlap = len(words & content_words(f"{fact.key} {fact.value}"))
            if overlap >= self.min_overlap:
                results.append(Recalled(fact.statement, 10.0 + overlap, "fact", fact.id))
        for turn, score in await self.store.turns.search(user_id, " ".join(sorted(words)), limit * 3):
            if turn.conversation_id == exclude_conversation or turn.role != "user":
                continue
            day = turn.created_at.strftime("%b %d")
            results.append(Recalled(f'On {day} they said: "{_short(turn.content)}"', score, "turn", turn.id))
        results.sort(key=lambda r: r.score, reverse=True)
        seen: set[str] = set()
        unique = [r for r in results if not (r.text in seen or seen.add(r.text))]  # type: ignore[func-returns-value]
        return unique[:limit]


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
