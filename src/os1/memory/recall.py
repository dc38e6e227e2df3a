"""Recall: what the companion remembers that bears on what the user just said.

``Recall`` is the protocol. ``HybridRecall`` ranks turns and memory items by fusing stemmed BM25 (SQLite FTS5
for turns; for items an in-memory index, ``lexical.py``) with dense MiniLM vectors, then boosts by the people
the query names, the time it names ("last May" → that month), "when" questions, the conversation a turn
belongs to, and an item's importance; a turn comes back with the turn it answers or that answers it. Without
an embedder it still works, on BM25 alone."""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from os1.memory.embed import Embedder
from os1.memory.index import VectorIndex
from os1.memory.lexical import LexicalIndex
from os1.memory.when import Span, resolve
from os1.store.base import Store
from os1.types import Clock, Memory, Recalled, Turn, utc_now

if TYPE_CHECKING:
    import numpy as np

STOP = frozenset(
    "a an the and or but if of to in on at for with by from as is are was were be been being do does did have has "
    "had i you he she it we they me him her them my your his its our their this that these those what which who "
    "whom when where why how not no can could would should will shall may might must about into over than then so "
    "just also very up down out any some all more most other such own same too now there here after before while "
    "during again once both each few only off am tell remember know think".split()
)
_WORD = re.compile(r"[A-Za-z0-9']+")
SPEAKERS_TTL_S = 60.0  # a speaker new to a history (an imported chat) is known to recall within a minute


@dataclass(frozen=True, slots=True)
class Weights:
    """The fusion, measured on LoCoMo (bench/locomo_recall.py; each part's share is in docs/memory.md)."""

    pool: int = 300  # candidates from each retriever
    speaker: float = 1.0  # BM25 × (1 + speaker) for turns by the person the query names
    speaker_dense: float = 0.1
    v_turn: float = 0.5  # dense = v_turn·(cos(turn) + v_context·cos(turn in context)) + v_sentence·max cos(sentence)
    v_context: float = 0.5
    v_sentence: float = 1.0
    dense: float = 0.7  # fused = bm25 / max(bm25) + dense · z(dense) / 3
    when: float = 0.3  # a "when" question favours turns that say a time
    date: float = 0.6  # turns from the time the query names ("last May", "on 3 June 2023")
    date_half_life_days: float = 7.0
    session: float = 0.1  # + session · z(best score in the turn's conversation)
    memory: float = 1.0  # items are fused on the same scale as turns
    importance: float = 0.1
    items_read: int = 60  # items ranked by words and meaning, of which this many are read for the last boosts
    near_cosine: float = 0.3  # MiniLM: related sentences ~0.35-0.45, unrelated ~0.1-0.2


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked result: a turn or an item, with the turns it stands for (its provenance)."""

    owner: str
    ref_id: int
    score: float
    turn_ids: tuple[int, ...]
    matched: bool = True  # shares words with the query, or is near it in meaning
    near: bool = False  # near in meaning (a cosine of about 0.3 or more)
    record: Turn | Memory | None = None  # the row, as ranking read it


class Recall(Protocol):
    async def search(
        self, user_id: int, query: str, limit: int = 5, exclude_conversation: int | None = None
    ) -> list[Recalled]: ...


_WHEN = re.compile(r"^(?:when|how long|what (?:year|month|date|day|time)|which (?:year|month|day))\b|\bwhen\b", re.I)
_TEMPORAL = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|last|next|ago|weeks?|weekend|months?|years?|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|recently|since|\d{4}|morning|evening|night|earlier|soon|just|days?|few|couple|past|this)\b",
    re.I,
)


def query_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text.replace("\u2019", "'")) if w.lower() not in STOP and len(w) > 1]


_PUNCT = '?!.,;:"()[]'


def _names(word: str, first: str) -> bool:
    """Whether a word of a question names the person: the name ("Melanie", "Melanie's", "James'"), or a
    capitalised start of it ("Mel")."""
    w = word.strip(_PUNCT).replace("\u2019", "'").removesuffix("'s").removesuffix("'")
    return w.lower() == first.lower() or (len(w) >= 2 and w[0].isupper() and w[1:].islower() and first.startswith(w))


def named_speakers(query: str, speakers: Iterable[str]) -> set[str]:
    """Speakers the query names: the whole name, or a capitalised start of it ("Mel" for Melanie)."""
    words = query.split()
    return {name for name in speakers if any(_names(w, name.split()[0]) for w in words)}


def without_names(query: str, speakers: Iterable[str]) -> str:
    """The query as the dense retriever reads it: without the people it names (the speaker prior finds their
    turns; in the vectors a name matches every turn that says it, "Thanks, Mel!" among them)."""
    firsts = [name.split()[0] for name in speakers]
    kept = [w for w in query.split() if not any(_names(w, f) for f in firsts)]
    return " ".join(kept) if kept and firsts else query


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-9) if len(values) else values


@dataclass(frozen=True, slots=True)
class Dense:
    """Dense scores of every turn (or item) of a user: sorted ref ids, their scores, and the scores' spread."""

    refs: np.ndarray
    scores: np.ndarray
    mean: float = 0.0
    std: float = 1.0

    @classmethod
    def of(cls, refs: np.ndarray, scores: np.ndarray, mean: float | None = None, std: float | None = None) -> Dense:
        """``mean``/``std``: the spread over all vectors, when ``scores`` are only the nearest ones."""
        import numpy as np

        if not len(refs):
            return cls.empty()
        if len(refs) > 1 and not bool((refs[1:] >= refs[:-1]).all()):  # the index keeps them in order, mostly
            order = np.argsort(refs, kind="stable")
            refs, scores = refs[order], scores[order]
        spread = (float(scores.mean()), float(scores.std())) if mean is None or std is None else (mean, std)
        return cls(refs, scores, *spread)

    @classmethod
    def empty(cls) -> Dense:
        import numpy as np

        return cls(np.zeros(0, np.int64), np.zeros(0))

    def top(self, n: int) -> list[int]:
        import numpy as np

        if len(self.refs) <= n:
            return self.refs.tolist()
        return self.refs[np.argpartition(-self.scores, n)[:n]].tolist()

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """The scores of ``ids``; the mean for ids it has no score for."""
        import numpy as np

        if not len(self.refs):
            return np.full(len(ids), self.mean)
        at = np.clip(np.searchsorted(self.refs, ids), 0, len(self.refs) - 1)
        return np.where(self.refs[at] == ids, self.scores[at], self.mean)


class HybridRecall:
    def __init__(
        self,
        store: Store,
        embedder: Embedder | None = None,
        index: VectorIndex | None = None,
        clock: Clock = utc_now,
        weights: Weights | None = None,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.index = index
        self.lexical = lexical or LexicalIndex(store)
        self.clock = clock
        self.w = weights or Weights()
        self._known: OrderedDict[int, tuple[float, list[str]]] = OrderedDict()  # user → (when read, speakers)

    async def _speakers(self, user_id: int) -> list[str]:
        """The named speakers of the user's turns, read at most once a minute: the query's vector is computed
        without the names it holds, so they are needed before it starts (a scan of the user's turns)."""
        now = time.monotonic()
        known = self._known.get(user_id)
        if known is None or now - known[0] > SPEAKERS_TTL_S:
            known = (now, await self.store.turns.speakers(user_id))
            self._known[user_id] = known
            if len(self._known) > 1024:
                self._known.popitem(last=False)
        self._known.move_to_end(user_id)
        return known[1]

    async def rank(
        self, user_id: int, query: str, k: int = 20, now: datetime | None = None,
        exclude_conversation: int | None = None,
    ) -> list[Hit]:  # fmt: skip
        """The top ``k`` turns and items for ``query``, best first."""
        import numpy as np

        everyone = await self._speakers(user_id)
        speakers = named_speakers(query, everyone)
        # Names leave the embedded question only when they single someone out (the speaker prior then finds
        # their turns); a question naming everyone keeps them, or little of it would be left to compare.
        singled = speakers if len(speakers) < len(everyone) else set()
        dense_task = asyncio.create_task(self._dense(user_id, without_names(query, singled)))  # the slowest part
        try:
            now = now or self.clock()
            span = resolve(query, now)
            if span is not None and (span.end - span.start).days > 100:
                span = None  # a bare year says too little to rank by
            lexical = query.replace(span.words, " ") if span else query
            names = {w.lower() for s in speakers for w in s.split()}
            text = " ".join(w for w in dict.fromkeys(query_words(lexical)) if w not in names)
            bm25, items = await asyncio.gather(
                self._turns_matching(user_id, text), self._items_matching(user_id, text)
            )
            dense_turns, dense_items = await dense_task
        finally:
            dense_task.cancel()  # a no-op once it has finished
        candidates = set(bm25) | set(dense_turns.top(self.w.pool))
        turns = {
            i: t
            for i, t in (await self.store.turns.many(user_id, list(candidates))).items()
            if not t.forgotten and t.conversation_id != exclude_conversation
        }
        if not turns and not items and not len(dense_items.refs):
            return []
        ids = np.array(sorted(turns), dtype=np.int64)
        mask = np.array([1.0 if turns[i].speaker in speakers else 0.0 for i in ids])
        lexical_scores = np.array([bm25.get(int(i), 0.0) for i in ids]) * (1 + self.w.speaker * mask)
        fused = lexical_scores / (lexical_scores.max() + 1e-9) if len(ids) else lexical_scores
        mean, std = dense_turns.mean, dense_turns.std
        dense = dense_turns.lookup(ids) + self.w.speaker_dense * mask
        z = (dense - mean) / (std + 1e-9)
        fused = fused + self.w.dense * z / 3
        near = dense >= self._dense_floor()
        matched = (lexical_scores > 0) | near
        if _WHEN.search(query):
            fused += self.w.when * np.array([1.0 if _TEMPORAL.search(turns[int(i)].content) else 0.0 for i in ids])
        if span is not None:
            fused += self.w.date * np.array([_affinity(turns[int(i)].created_at, span, self.w) for i in ids])
        fused = self._session_boost(fused, [turns[int(i)].conversation_id for i in ids])
        hits = [
            Hit("turn", int(i), float(f), (int(i),), bool(m), bool(n), turns[int(i)])
            for i, f, m, n in zip(ids, fused, matched, near, strict=True)
        ]
        hits += await self._items(user_id, items, dense_items, span)
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]

    async def _turns_matching(self, user_id: int, text: str) -> dict[int, float]:
        return dict(await self.store.turns.match(user_id, text, self.w.pool)) if text else {}

    async def _items_matching(self, user_id: int, text: str) -> dict[int, float]:
        return dict(await self.lexical.search(user_id, text, self.w.pool)) if text else {}

    async def _dense(self, user_id: int, query: str) -> tuple[Dense, Dense]:
        """Per turn the fused dense score, per item its cosine; each with the population's mean and std."""
        import numpy as np

        if self.embedder is None or self.index is None:
            return Dense.empty(), Dense.empty()
        vector = (await self.embedder.embed([query]))[0]
        near = await self.index.search(user_id, vector, self.w.pool, owner="memory")
        mean, std = await self.index.spread(user_id, vector, "memory")
        items = Dense.of(np.array([n.ref_id for n in near], np.int64), np.array([n.score for n in near]), mean, std)
        exact = await self.index.cosines(user_id, vector, "turn")
        if exact is None:  # a very long history: the nearest parts, and their spread as the population's
            found = await self.index.search(user_id, vector, self.w.pool * 4, owner="turn")
            t_refs = np.array([n.ref_id for n in found], dtype=np.int64)
            t_parts = np.array([n.part for n in found], dtype=np.int64)
            t_cos = np.array([n.score for n in found], dtype=np.float32)
        else:
            keys, t_cos = exact
            t_refs = (keys >> np.uint64(8)).astype(np.int64)
            t_parts = ((keys >> np.uint64(1)) & np.uint64(127)).astype(np.int64)
        if not len(t_refs):
            return Dense.empty(), items
        uniq, at = np.unique(t_refs, return_inverse=True)
        whole, context = np.zeros(len(uniq)), np.zeros(len(uniq))
        best = np.full(len(uniq), -1.0)
        whole[at[t_parts == 0]] = t_cos[t_parts == 0]
        context[at[t_parts == 1]] = t_cos[t_parts == 1]
        sentences = t_parts >= 2
        np.maximum.at(best, at[sentences], t_cos[sentences])
        best = np.where(best < -0.5, whole, best)  # a one-sentence turn: the turn is its sentence
        score = self.w.v_turn * (whole + self.w.v_context * context) + self.w.v_sentence * best
        return Dense.of(uniq, score), items

    def _dense_floor(self) -> float:
        """``near_cosine`` on the fused dense scale (a one-sentence turn scores v_turn·1.5 + v_sentence times
        its cosine)."""
        return self.w.near_cosine * (self.w.v_turn * (1 + self.w.v_context) + self.w.v_sentence)

    def _session_boost(self, fused: np.ndarray, conversations: list[int]) -> np.ndarray:
        import numpy as np

        if not len(fused):
            return fused
        conv = np.array(conversations)
        uniq, at = np.unique(conv, return_inverse=True)
        best = np.full(len(uniq), -np.inf)
        np.maximum.at(best, at, fused)
        return fused + self.w.session * _z(best)[at]

    async def _items(self, user_id: int, bm25: dict[int, float], dense: Dense, span: Span | None) -> list[Hit]:
        import numpy as np

        ids = np.array(sorted(set(bm25) | set(dense.top(self.w.pool))), dtype=np.int64)
        if not len(ids):
            return []
        lexical = np.array([bm25.get(int(i), 0.0) for i in ids])
        fused = lexical / (lexical.max() + 1e-9)
        cos = dense.lookup(ids)
        if len(dense.refs):
            fused = fused + self.w.dense * (cos - dense.mean) / (dense.std + 1e-9) / 3
        near = cos >= self.w.near_cosine if len(dense.refs) else np.zeros(len(ids), bool)
        matched = (lexical > 0) | near
        keep = np.argsort(-fused)[: self.w.items_read]  # only the best are read, for their importance and dates
        found = await self.store.memories.many(user_id, ids[keep].tolist())
        hits = []
        for i, f, m, n in zip(ids[keep].tolist(), fused[keep], matched[keep], near[keep], strict=True):
            if i not in found:
                continue
            item = found[i]
            score = self.w.memory * float(f) + self.w.importance * item.importance
            if span is not None and item.valid_from is not None and span.contains(item.valid_from):
                score += self.w.date
            hits.append(Hit("memory", i, score, item.source_turn_ids, bool(m), bool(n), item))
        return hits

    async def search(
        self, user_id: int, query: str, limit: int = 5, exclude_conversation: int | None = None
    ) -> list[Recalled]:
        """Readable lines for the prompt: items as they are, turns with the turn before and after them."""
        hits = await self.rank(user_id, query, limit * 3, exclude_conversation=exclude_conversation)
        stems = {w[:5] for w in query_words(query)}
        hits = [h for h in hits if h.matched and (not isinstance(h.record, Turn) or h.near or (  # its own words,
            stems & {w[:5] for w in query_words(h.record.content)}))]  # not a neighbour's
        out: list[Recalled] = []
        seen_turns: set[int] = set()
        for hit in hits:
            if isinstance(hit.record, Memory):
                item = hit.record
                out.append(Recalled(item.text, hit.score, item.kind, item.id))
                seen_turns.update(item.source_turn_ids)
            elif hit.owner == "turn" and hit.ref_id not in seen_turns:
                context = _pair(await self.store.turns.around(user_id, hit.ref_id, 1, 1), hit.ref_id)
                seen_turns.update(t.id for t in context)
                out.append(Recalled(_excerpt(context, hit.ref_id), hit.score, "turn", hit.ref_id))
            if len(out) >= limit:
                break
        return out


def _affinity(moment: datetime, span: Span, w: Weights) -> float:
    """1 inside the span, halving every ``date_half_life_days`` after it (twice as fast before it)."""
    if span.contains(moment):
        return 1.0
    if moment >= span.end:
        return float(2.0 ** (-(moment - span.end).days / w.date_half_life_days))
    return float(2.0 ** (-(span.start - moment).days / (w.date_half_life_days / 2)))


def _pair(turns: list[Turn], focus: int) -> list[Turn]:
    """The exchange a turn belongs to: a user's turn with the reply after it, a reply with the turn before it."""
    at = next((i for i, t in enumerate(turns) if t.id == focus), None)
    if at is None:
        return turns
    if turns[at].role == "user" and not turns[at].speaker:
        return turns[at : at + 2]
    return turns[max(at - 1, 0) : at + 1]


def _excerpt(turns: list[Turn], focus: int) -> str:
    day = next((t.created_at for t in turns if t.id == focus), turns[0].created_at if turns else None)
    lines = []
    for t in turns:
        who = t.speaker or ("they" if t.role == "user" else "you")
        text = _short(t.content, 160 if t.id == focus else 70)  # every character here is read on every turn
        lines.append(f'{who} said "{text}"')
    when = day.strftime("%-d %b %Y") if day else ""
    return f"On {when}: " + "; ".join(lines)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
