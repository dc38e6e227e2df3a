"""The PostgreSQL store at scale: one user with 100k memory items (among other users' items); recall latency.

Items and queries are memory_scale.py's (synthetic, shaped like real ones; a few thousand distinct texts embedded
with the real MiniLM, each item one of them with its own details and a slightly moved vector). Ingestion goes
through the store (``memories.add_many``, ``vectors.put``: every row into the GIN and HNSW indexes). Timed:

- ``recall``: ``HybridRecall.rank`` as a conversation runs it (the query embedded by MiniLM; the app's in-memory
  word and vector indexes, loaded from PostgreSQL once);
- ``pg``: what a stateless server asks PostgreSQL instead: ``memories.search`` (tsvector + GIN) and
  ``vectors.nearest`` (pgvector HNSW) at once, the query already embedded.

Without ``--url`` a throwaway server is started as the tests start theirs (tests/pgserver.py).

    .venv/bin/python bench/pg_store.py [--size 100000] [--others 20] [--queries 200] [--url postgresql://...]

Last line: RESULT recall_p95_ms=… pg_p95_ms=… lexical_p95_ms=… dense_p95_ms=… ingest_per_s=…"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]

from memory_scale import QUERIES, base_texts  # noqa: E402
from os1.memory.embed import MiniLM  # noqa: E402
from os1.memory.index import VectorIndex, to_blob  # noqa: E402
from os1.memory.recall import HybridRecall  # noqa: E402
from os1.store import open_store  # noqa: E402
from os1.types import NewMemory  # noqa: E402

START = datetime(2015, 1, 1, tzinfo=UTC)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def fill(store: Any, user_id: int, size: int, bases: list[str], vectors: np.ndarray, model: str,
               seed: int) -> float:
    """Store ``size`` items with their vectors for one user; returns items per second."""
    rng = np.random.default_rng(seed)
    batch, t0 = 5_000, time.perf_counter()
    for first in range(0, size, batch):
        n = min(batch, size - first)
        picks, days = rng.integers(0, len(bases), n), rng.integers(0, 365 * 10, n)
        items = [
            NewMemory("event", f"{bases[b][:-1]} ({(START + timedelta(days=int(d))):%-d %B %Y}, #{first + i}).",
                      valid_from=START + timedelta(days=int(d)))
            for i, (b, d) in enumerate(zip(picks, days, strict=True))
        ]  # fmt: skip
        await store.memories.add_many(user_id, items, datetime.now(UTC))
        moved = vectors[picks] + rng.normal(0, 0.02, (n, vectors.shape[1])).astype(np.float32)
        moved /= np.linalg.norm(moved, axis=1, keepdims=True)
        ids = await store.vectors.missing_memories(user_id, n)
        await store.vectors.put(user_id, "memory", list(zip(ids, [0] * n, to_blob(moved), strict=True)), model)
        if size >= 10_000:
            log(f"  user {user_id}: {first + n:,} items ({(first + n) / (time.perf_counter() - t0):,.0f}/s)")
    return size / (time.perf_counter() - t0)


async def timed(fn: Any, queries: int) -> list[float]:
    out = []
    for q in range(queries):
        t = time.perf_counter()
        await fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


async def run(url: str, args: argparse.Namespace) -> None:
    embedder = MiniLM(threads=2)
    bases = base_texts(args.distinct, random.Random(7))
    vectors = embedder.embed_sync(bases)
    query_vecs = [v.astype(np.float16).tobytes() for v in embedder.embed_sync(QUERIES)]
    log(f"embedded {len(bases)} distinct texts and {len(QUERIES)} queries")
    store = await open_store(url, timeout_s=600)
    try:
        user = await store.users.ensure("scale")
        rate = await fill(store, user.id, args.size, bases, vectors, embedder.model_id, 1)
        for n in range(args.others):
            other = await store.users.ensure(f"other{n}")
            await fill(store, other.id, args.other_size, bases, vectors, embedder.model_id, 100 + n)
        log(f"ingested {args.size:,} items for one user at {rate:,.0f}/s, and {args.others} other users")
        lexical = await timed(lambda q: store.memories.search(user.id, QUERIES[q % len(QUERIES)], 50), args.queries)
        dense = await timed(lambda q: store.vectors.nearest(user.id, embedder.model_id,
                                                            query_vecs[q % len(QUERIES)], 50), args.queries)
        both = await timed(lambda q: asyncio.gather(
            store.memories.search(user.id, QUERIES[q % len(QUERIES)], 50),
            store.vectors.nearest(user.id, embedder.model_id, query_vecs[q % len(QUERIES)], 50)), args.queries)
        index = VectorIndex(store, embedder.model_id, embedder.dim)
        recall = HybridRecall(store, embedder, index)
        t = time.perf_counter()
        await recall.rank(user.id, "warm up", 10)
        log(f"app indexes loaded from PostgreSQL in {time.perf_counter() - t:.1f} s")
        ranked = await timed(lambda q: recall.rank(user.id, QUERIES[q % len(QUERIES)], 10), args.queries)
        await index.close()
    finally:
        await store.close()
    for name, values in (("lexical", lexical), ("dense", dense), ("pg", both), ("recall", ranked)):
        log(f"{name:>8}: p50 {p(values, 50):.1f} ms  p95 {p(values, 95):.1f} ms")
    print(f"RESULT recall_p95_ms={p(ranked, 95):.1f} pg_p95_ms={p(both, 95):.1f} lexical_p95_ms={p(lexical, 95):.1f} "
          f"dense_p95_ms={p(dense, 95):.1f} ingest_per_s={rate:.0f} items={args.size}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000, help="the measured user's items")
    parser.add_argument("--others", type=int, default=20, help="other users in the same tables")
    parser.add_argument("--other-size", type=int, default=1_000, help="items per other user")
    parser.add_argument("--queries", type=int, default=200, help="searches timed per kind")
    parser.add_argument("--distinct", type=int, default=3000, help="distinct texts embedded with MiniLM")
    parser.add_argument("--url", default="", help="a PostgreSQL database (default: a throwaway server)")
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args))
        return
    from tests import pgserver

    reason = pgserver.missing()
    if reason:
        sys.exit(reason)
    server = pgserver.start()
    try:
        asyncio.run(run(server.fresh_database(), args))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
