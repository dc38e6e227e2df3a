"""Nearest-neighbour search over a user's stored vectors.

The store's ``vectors`` table is the truth; this is a per-user index built from it: an exact float32 matrix
while the user has up to BRUTE_MAX vectors (numpy: 8 ms at 100k on 2 cores), then a usearch HNSW index over
int8 (under a millisecond at 1M). An HNSW index is saved under ``cache_dir`` with the last vector rowid it
holds, so the next start reads only what was added since. Results are hints: callers
re-read the rows from the store, so an item forgotten by another process is never returned."""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.store.base import Store

if TYPE_CHECKING:
    import numpy as np

# Up to these many vectors a search is exact (numpy). Past them, HNSW. Turns stay exact longer: their recall
# fuses every part of every turn (see recall.py); items only need the nearest ones and the spread.
BRUTE_MAX = {"turn": 200_000, "memory": 20_000}
SAMPLE = 2048  # vectors kept to estimate the spread of cosines once on HNSW
PAGE = 50_000


@dataclass(frozen=True, slots=True)
class Neighbour:
    owner: str  # "turn" or "memory"
    ref_id: int
    part: int
    score: float  # cosine similarity


def key_of(owner: str, ref_id: int, part: int = 0) -> int:
    return (ref_id << 8) | (min(part, 127) << 1) | (1 if owner == "memory" else 0)


def owner_of(key: int) -> tuple[str, int, int]:
    return ("memory" if key & 1 else "turn"), key >> 8, (key >> 1) & 127


def to_blob(vectors: np.ndarray) -> list[bytes]:
    import numpy as np

    return [row.tobytes() for row in vectors.astype(np.float16)]


@dataclass
class _UserIndex:
    """One user's vectors of one owner. Exact while small: one float32 matrix. Past BRUTE_MAX: usearch HNSW
    (int8) plus a sample of the vectors for the spread of scores."""

    keys: Any  # np.ndarray[uint64]
    matrix: Any  # np.ndarray[float32] (n, dim), or None once on HNSW
    alive: Any  # np.ndarray[bool]
    hnsw: Any = None
    sample: Any = None  # np.ndarray[float32] (≤ SAMPLE, dim), once on HNSW
    last_rowid: int = 0
    dirty: bool = False

    def __len__(self) -> int:
        return len(self.hnsw) if self.hnsw is not None else int(self.alive.sum())


class VectorIndex:
    def __init__(self, store: Store, model_id: str, dim: int, cache_dir: Path | None = None, max_users: int = 64):
        self.store = store
        self.model_id = model_id
        self.dim = dim
        self.cache_dir = cache_dir
        self.max_users = max_users
        self._users: OrderedDict[tuple[int, str], _UserIndex] = OrderedDict()
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    def _empty(self) -> _UserIndex:
        import numpy as np

        return _UserIndex(np.zeros(0, np.uint64), np.zeros((0, self.dim), np.float32), np.zeros(0, bool))

    def _hnsw(self) -> Any:
        from usearch.index import Index

        return Index(ndim=self.dim, metric="cos", dtype="i8", connectivity=16, expansion_add=64, expansion_search=96)

    def _path(self, user_id: int, owner: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"user{user_id}-{owner}-{self.model_id}.usearch"

    async def _get(self, user_id: int, owner: str) -> _UserIndex:
        slot = (user_id, owner)
        lock = self._locks.setdefault(slot, asyncio.Lock())
        async with lock:
            entry = self._users.get(slot)
            if entry is None:
                entry = await asyncio.to_thread(self._restore, user_id, owner)
                await self._catch_up(user_id, owner, entry)
                if len(entry) != await self.store.vectors.count(user_id, self.model_id, owner):  # forgotten elsewhere
                    entry = self._empty()
                self._users[slot] = entry
                while len(self._users) > self.max_users * 2:
                    old_slot, old = self._users.popitem(last=False)
                    await asyncio.to_thread(self._save, *old_slot, old)
            self._users.move_to_end(slot)
            if await self.store.vectors.last_rowid() > entry.last_rowid:  # added since, here or elsewhere
                await self._catch_up(user_id, owner, entry)
            return entry

    def _restore(self, user_id: int, owner: str) -> _UserIndex:
        """Only large (HNSW) indexes are cached on disk; small ones rebuild from the store in milliseconds."""
        import numpy as np

        path = self._path(user_id, owner)
        if path is not None and path.exists() and path.with_suffix(".npy").exists():
            try:
                meta = json.loads(path.with_suffix(".json").read_text())
                hnsw = self._hnsw()
                hnsw.load(str(path))
                entry = self._empty()
                entry.hnsw, entry.matrix, entry.last_rowid = hnsw, None, int(meta["last_rowid"])
                entry.sample = np.load(path.with_suffix(".npy"))
                return entry
            except (OSError, ValueError, KeyError, RuntimeError):
                pass  # a damaged cache is rebuilt from the store
        return self._empty()

    async def _catch_up(self, user_id: int, owner: str, entry: _UserIndex) -> None:
        import numpy as np

        top = await self.store.vectors.last_rowid()  # read first: anything added later is read next time
        while True:
            rows = await self.store.vectors.load(user_id, self.model_id, entry.last_rowid, PAGE, owner)
            if not rows:
                break
            keys = np.array([key_of(r.owner, r.ref_id, r.part) for r in rows], dtype=np.uint64)
            vecs = np.frombuffer(b"".join(r.vec for r in rows), dtype=np.float16).reshape(len(rows), self.dim)
            await asyncio.to_thread(self._add, entry, owner, keys, vecs.astype(np.float32))
            entry.last_rowid = rows[-1].rowid
            entry.dirty = True
        entry.last_rowid = max(entry.last_rowid, top)

    def _add(self, entry: _UserIndex, owner: str, keys: np.ndarray, vecs: np.ndarray) -> None:
        import numpy as np

        if entry.hnsw is None:
            replaced = np.isin(entry.keys, keys)
            entry.alive[replaced] = False  # a re-embedded part replaces its old vector
            entry.keys = np.concatenate([entry.keys, keys])
            entry.matrix = np.concatenate([entry.matrix, vecs])
            entry.alive = np.concatenate([entry.alive, np.ones(len(keys), bool)])
            if len(entry) > BRUTE_MAX[owner]:
                live = entry.matrix[entry.alive]
                hnsw = self._hnsw()
                hnsw.add(entry.keys[entry.alive], live, threads=2)
                pick = np.random.default_rng(0).choice(len(live), min(SAMPLE, len(live)), replace=False)
                entry.hnsw, entry.matrix, entry.sample = hnsw, None, live[pick]
            return
        for key in keys:
            if entry.hnsw.contains(int(key)):
                entry.hnsw.remove(int(key))
        entry.hnsw.add(keys, vecs, threads=2)

    async def cosines(
        self, user_id: int, vector: np.ndarray, owner: str = "turn"
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Every vector's key and cosine with ``vector`` (exact), or None past the exact size."""
        entry = await self._get(user_id, owner)
        if entry.hnsw is not None:
            return None
        scores = entry.matrix @ vector.astype("float32")
        return entry.keys[entry.alive], scores[entry.alive]

    async def spread(self, user_id: int, vector: np.ndarray, owner: str) -> tuple[float, float]:
        """Mean and standard deviation of the cosines of all of this owner's vectors (estimated on HNSW)."""
        entry = await self._get(user_id, owner)
        if entry.hnsw is None:
            scores = (entry.matrix @ vector.astype("float32"))[entry.alive]
        else:
            scores = entry.sample @ vector.astype("float32")
        return (float(scores.mean()), float(scores.std())) if len(scores) else (0.0, 1.0)

    async def search(self, user_id: int, vector: np.ndarray, k: int, owner: str = "memory") -> list[Neighbour]:
        import numpy as np

        entry = await self._get(user_id, owner)
        if len(entry) == 0:
            return []
        if entry.hnsw is None:
            keys, scores = entry.keys[entry.alive], (entry.matrix @ vector.astype("float32"))[entry.alive]
            top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
            top = top[np.argsort(-scores[top])]
            found = list(zip(keys[top].tolist(), scores[top].tolist(), strict=True))
        else:
            matches = entry.hnsw.search(vector, min(k, len(entry.hnsw)))
            found = [(int(key), 1.0 - float(d)) for key, d in zip(matches.keys, matches.distances, strict=True)]
        return [Neighbour(*owner_of(int(key)), float(score)) for key, score in found]

    async def refresh(self, user_id: int) -> None:
        """Read vectors added to the store since the index was built (by this process or another)."""
        for owner in ("turn", "memory"):
            if (user_id, owner) in self._users:
                await self._get(user_id, owner)

    async def remove(self, user_id: int, owner: str, ref_ids: Sequence[int]) -> None:
        import numpy as np

        entry = self._users.get((user_id, owner))
        if entry is None:
            return
        for ref_id in ref_ids:
            keys = [key_of(owner, ref_id, part) for part in range(128)]
            if entry.hnsw is None:
                entry.alive[np.isin(entry.keys, np.array(keys, dtype=np.uint64))] = False
            else:
                for key in keys:
                    if entry.hnsw.contains(key):
                        entry.hnsw.remove(key)
            entry.dirty = True

    def _save(self, user_id: int, owner: str, entry: _UserIndex) -> None:
        import numpy as np

        path = self._path(user_id, owner)
        if path is None or not entry.dirty or entry.hnsw is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        entry.hnsw.save(str(tmp))
        tmp.replace(path)
        np.save(path.with_suffix(".npy"), entry.sample)
        path.with_suffix(".json").write_text(json.dumps({"last_rowid": entry.last_rowid, "size": len(entry.hnsw)}))
        entry.dirty = False

    async def close(self) -> None:
        for (user_id, owner), entry in list(self._users.items()):
            await asyncio.to_thread(self._save, user_id, owner, entry)
        self._users.clear()
