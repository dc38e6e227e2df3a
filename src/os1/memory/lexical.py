"""BM25 over a user's memory items, in memory: the lexical half of recall at any size.

SQLite's FTS5 scores every row that holds any query word, about 1.5 µs a row: a million items with "Amy" and
"hiking" in a sixth of them cost 250 ms a query. This index keeps the same statistics (term frequencies,
document lengths, document frequencies) as numpy arrays, so a query adds up the postings of its few words
with vector operations and takes the top k with one partition: about a millisecond at 100k items.

The store stays the truth. An index is built per user from ``memories.texts`` on first use, catches up on
items added since (``memories.last_id``, as the vector index does with its rowid), and is never written to
disk, so nothing of a forgotten item outlives the process that saw it. Results are hints: recall re-reads
the rows, so an item forgotten since is never returned."""

from __future__ import annotations

import asyncio
import math
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from os1.store.base import Store

K1, B = 1.2, 0.75  # FTS5's bm25() constants
PAGE = 50_000
COMMON = 20_000  # a word in half the items or more is skipped once it is in this many
MERGE_RATIO = 8  # small segments are folded into the large one once they hold 1/8 as many postings
_TOKEN = re.compile(r"[^\W_]+|\x00")  # words, and the mark between documents in a page
END = "\x00"


class Terms(dict[str, int]):
    """Words to term ids: lower-case, accent-free, Porter-stemmed, as FTS5's ``porter unicode61`` reads them.
    One vocabulary per process, shared by every user's index (it holds words, never who said them)."""

    def __init__(self) -> None:
        super().__init__()
        import Stemmer  # PyStemmer: the Snowball stemmers in C

        self._stem = Stemmer.Stemmer("porter").stemWord
        self.stems: dict[str, int] = {END: 0}  # term 0 ends a document
        self[END] = 0

    def __missing__(self, word: str) -> int:
        stem = self._stem(word)
        term = self[word] = self.stems.setdefault(stem, len(self.stems))
        return term

    def ids(self, text: str) -> list[int]:
        """The term ids of one text (a query)."""
        return [t for t in map(self.__getitem__, _TOKEN.findall(_fold(text))) if t]

    def page(self, texts: list[str]) -> tuple[Any, Any]:
        """Term ids of many texts at once (one regex pass over them joined), and each text's length."""
        import numpy as np

        words = _TOKEN.findall(_fold(END.join(t.replace(END, " ") for t in texts) + END))
        flat = np.fromiter(map(self.__getitem__, words), np.int64, count=len(words))
        ends = np.flatnonzero(flat == 0)
        lengths = np.diff(ends, prepend=-1) - 1
        return flat[flat != 0], lengths


def _fold(text: str) -> str:
    """Lower case without accents: "Zoë" and "zoe" are one word, as in FTS5's unicode61."""
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.lower()


@dataclass
class _Segment:
    """Postings of a run of documents, term-major: for term t, ``docs[start[t]:start[t+1]]`` and ``tfs``."""

    ids: Any  # np.ndarray[int64]: item id of each local document
    lengths: Any  # np.ndarray[float32]: words in each document
    start: Any  # np.ndarray[int64] (terms + 1)
    docs: Any  # np.ndarray[int32]: local document index
    tfs: Any  # np.ndarray[float32]

    def postings(self, term: int) -> tuple[Any, Any]:
        if term + 1 >= len(self.start):
            return self.docs[:0], self.tfs[:0]
        a, b = self.start[term], self.start[term + 1]
        return self.docs[a:b], self.tfs[a:b]


@dataclass
class _UserLexicon:
    df: Any = None  # np.ndarray[int64] per term
    segments: list[_Segment] = field(default_factory=list)
    docs: int = 0
    words: float = 0.0
    last_id: int = 0

    def add(self, ids: list[int], terms: Any, lengths: Any, vocab: int) -> None:
        """Index a page of documents (their term ids end to end, and each one's length) as a new segment; fold
        segments together once the small ones have grown."""
        import numpy as np

        local = np.repeat(np.arange(len(ids)), lengths)
        segment = _build(np.array(ids, np.int64), lengths.astype(np.float32), terms, local, vocab)
        df = np.diff(segment.start)
        self.df = df if self.df is None else _pad(self.df, len(df)) + df
        self.docs += len(ids)
        self.words += float(lengths.sum())
        self.segments.append(segment)
        big = max(len(s.docs) for s in self.segments)
        if len(self.segments) > 1 and sum(len(s.docs) for s in self.segments) - big > big // MERGE_RATIO:
            self.segments = [_merge(self.segments, vocab)]

    def top(self, terms: list[int], k: int) -> list[tuple[int, float]]:
        import numpy as np

        terms = [t for t in dict.fromkeys(terms) if self.df is not None and t < len(self.df) and self.df[t]]
        if not terms or not self.docs:
            return []
        avgdl = self.words / self.docs
        found: list[tuple[Any, Any]] = []
        for segment in self.segments:
            docs, weights = [], []
            for term in terms:
                d, tf = segment.postings(term)
                if not len(d):
                    continue
                df = int(self.df[term])
                idf = max(math.log((self.docs - df + 0.5) / (df + 0.5)), 1e-6)
                if idf == 1e-6 and df > COMMON:  # in most of a large memory: worth nothing, costs the most
                    continue
                norm = K1 * (1 - B + B * segment.lengths[d] / avgdl)
                docs.append(d)
                weights.append(idf * tf * (K1 + 1) / (tf + norm))
            if not docs:
                continue
            scores = np.bincount(np.concatenate(docs), np.concatenate(weights), minlength=len(segment.ids))
            n = min(k, int(np.count_nonzero(scores)))
            best = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
            found.append((segment.ids[best], scores[best]))
        if not found:
            return []
        ids, scores = np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(ids[i]), float(scores[i])) for i in order if scores[i] > 0]


def _pad(a: Any, n: int) -> Any:
    import numpy as np

    return a if len(a) >= n else np.concatenate([a, np.zeros(n - len(a), a.dtype)])


def _build(ids: Any, lengths: Any, terms: Any, local: Any, vocab: int) -> _Segment:
    """Term-major postings from (term, local doc) pairs: counted, sorted by term, indexed by a prefix sum."""
    import numpy as np

    pairs, tfs = np.unique(terms * len(ids) + local, return_counts=True)  # sorted by term, then document
    term, doc = pairs // max(len(ids), 1), pairs % max(len(ids), 1)
    return _Segment(ids, lengths, _starts(term, vocab), doc.astype(np.int32), tfs.astype(np.float32))


def _starts(term: Any, vocab: int) -> Any:
    """Where each term's postings begin, given every posting's term in term order: a prefix sum of counts."""
    import numpy as np

    start = np.zeros(vocab + 1, np.int64)
    np.cumsum(np.bincount(term, minlength=vocab), out=start[1:])
    return start


def _merge(segments: list[_Segment], vocab: int) -> _Segment:
    import numpy as np

    terms, local, tfs, offset = [], [], [], 0
    for s in segments:
        counts = np.diff(s.start)  # a segment built before later words were seen has fewer terms
        terms.append(np.repeat(np.arange(len(counts)), counts))
        local.append(s.docs.astype(np.int64) + offset)
        tfs.append(s.tfs)
        offset += len(s.ids)
    term, doc, tf = np.concatenate(terms), np.concatenate(local), np.concatenate(tfs)
    order = np.argsort(term, kind="stable")  # each segment's postings are in document order already
    return _Segment(
        np.concatenate([s.ids for s in segments]), np.concatenate([s.lengths for s in segments]), _starts(term, vocab),
        doc[order].astype(np.int32), tf[order],
    )  # fmt: skip


class LexicalIndex:
    """Per-user BM25 over memory items, built from the store and kept in memory (``max_users`` at a time)."""

    def __init__(self, store: Store, max_users: int = 64) -> None:
        self.store = store
        self.max_users = max_users
        self._terms: Terms | None = None
        self._users: OrderedDict[int, _UserLexicon] = OrderedDict()
        self._locks: dict[int, asyncio.Lock] = {}

    @property
    def terms(self) -> Terms:
        if self._terms is None:
            self._terms = Terms()
        return self._terms

    async def search(self, user_id: int, text: str, k: int) -> list[tuple[int, float]]:
        """Ids and BM25 scores of the ``k`` items that best match ``text``, best first."""
        terms = self.terms.ids(text)
        if not terms:
            return []
        entry = await self._get(user_id)
        return entry.top(terms, k)

    async def _get(self, user_id: int) -> _UserLexicon:
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        async with lock:
            entry = self._users.get(user_id)
            if entry is None:
                entry = self._users[user_id] = _UserLexicon()
                while len(self._users) > self.max_users:
                    self._users.popitem(last=False)
            self._users.move_to_end(user_id)
            top = await self.store.memories.last_id()  # read first: anything added later is read next time
            if top > entry.last_id:
                await self._catch_up(user_id, entry, top)
            return entry

    async def _catch_up(self, user_id: int, entry: _UserLexicon, top: int) -> None:
        while True:
            rows = await self.store.memories.texts(user_id, entry.last_id, PAGE)
            if not rows:
                break
            await asyncio.to_thread(self._add, entry, rows)
            entry.last_id = rows[-1][0]
        entry.last_id = max(entry.last_id, top)

    def _add(self, entry: _UserLexicon, rows: list[tuple[int, str]]) -> None:
        terms, lengths = self.terms.page([text for _, text in rows])
        entry.add([i for i, _ in rows], terms, lengths, len(self.terms.stems))
