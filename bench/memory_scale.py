"""Memory at scale: one user with 10k / 100k / 1M memory items; recall latency and ingestion rate.

Items are synthetic but shaped like real ones ("You went hiking with Amy in Lisbon (3 May 2021)."): a few
thousand distinct texts are embedded with the real MiniLM, and each item takes one of them with its own
details and a slightly moved vector, so the text index and the vector index both see a million different
items. Ingestion goes through the store's own path (``memories.add_many``, ``vectors.put``); search is
``HybridRecall.rank`` with the query embedded by MiniLM each time, as in a conversation.

    .venv/bin/python bench/memory_scale.py [--sizes 10000,100000,1000000] [--queries 200] [--dir PATH]

Last line: RESULT p95_ms_10k=… p95_ms_100k=… p95_ms_1m=… ingest_per_s=…"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from os1.cli.main import apply_privacy_env  # noqa: E402

apply_privacy_env()

from os1.memory.embed import MiniLM  # noqa: E402
from os1.memory.index import VectorIndex, to_blob  # noqa: E402
from os1.memory.recall import HybridRecall  # noqa: E402
from os1.store import open_store  # noqa: E402
from os1.types import NewMemory  # noqa: E402

PEOPLE = "Amy Paul Catherine Theo Lina Marcus Rosa Jonah Priya Kenji Olga Sam Nadia Felix Ines Omar".split()
DOINGS = [
    "went hiking with {p} in {c}", "had dinner with {p} at a {f} place in {c}", "argued with {p} about {t}",
    "started {h} lessons with {p}", "helped {p} move to {c}", "watched a film about {t} with {p}",
    "called {p} about {t}", "visited {p} in the hospital in {c}", "went to {p}'s wedding in {c}",
    "planned a trip to {c} with {p}", "cooked {f} food for {p}", "read a book about {t} that {p} gave you",
]
CITIES = "Lisbon Seattle Boston Oslo Kyoto Lima Cairo Austin Dublin Prague Denver Nairobi Hanoi Porto".split()
FOODS = "Thai Italian Ethiopian Mexican Korean Greek Lebanese Peruvian Japanese Indian".split()
TOPICS = "money politics the garden their father climate music school work the divorce a new job".split(" ")
HOBBIES = "violin piano pottery swimming climbing painting dance guitar chess Spanish".split()
QUERIES = [
    "when did I go hiking with Amy?", "what did Paul and I argue about?", "who did I cook for?",
    "tell me about the trip to Kyoto", "did I visit anyone in the hospital?", "what lessons did I start?",
    "which wedding did I go to?", "what book did someone give me?", "who moved recently?",
    "what food did we have in Lisbon?", "what film did I watch with Rosa?", "how is Lina doing?",
]


def base_texts(n: int, rng: random.Random) -> list[str]:
    texts = set()
    while len(texts) < n:
        doing = rng.choice(DOINGS).format(p=rng.choice(PEOPLE), c=rng.choice(CITIES), f=rng.choice(FOODS),
                                          t=rng.choice(TOPICS), h=rng.choice(HOBBIES))
        texts.add(f"You {doing}.")
    return sorted(texts)


async def run_size(size: int, work: Path, bases: list[str], vectors: np.ndarray, queries: int,
                   embedder: MiniLM) -> dict[str, float]:
    rng = np.random.default_rng(size)
    store = await open_store(work / f"scale-{size}.db")
    user = await store.users.ensure("scale")
    start = datetime(2015, 1, 1, tzinfo=UTC)
    batch = 10_000
    t0 = time.perf_counter()
    for first in range(0, size, batch):
        n = min(batch, size - first)
        picks = rng.integers(0, len(bases), n)
        days = rng.integers(0, 365 * 10, n)
        items = [
            NewMemory("event", f"{bases[b][:-1]} ({(start + timedelta(days=int(d))):%-d %B %Y}, #{first + i}).",
                      importance=0.5, valid_from=start + timedelta(days=int(d)))
            for i, (b, d) in enumerate(zip(picks, days, strict=True))
        ]
        await store.memories.add_many(user.id, items, datetime.now(UTC))
        moved = vectors[picks] + rng.normal(0, 0.02, (n, vectors.shape[1])).astype(np.float32)
        moved /= np.linalg.norm(moved, axis=1, keepdims=True)
        ids = await store.vectors.missing_memories(user.id, n)
        await store.vectors.put(user.id, "memory", list(zip(ids, [0] * n, to_blob(moved), strict=True)),
                                embedder.model_id)
        done = first + n
        print(f"\r  {size:>9,}: stored {done:>9,} ({done / (time.perf_counter() - t0):,.0f}/s)", end="", flush=True)
    ingest_s = time.perf_counter() - t0
    index = VectorIndex(store, embedder.model_id, embedder.dim, work / "index")
    recall = HybridRecall(store, embedder, index)
    t1 = time.perf_counter()
    await recall.rank(user.id, "warm up", 10)  # loads the user's vectors (and builds HNSW past 200k)
    build_s = time.perf_counter() - t1
    timings = []
    for q in range(queries):
        t = time.perf_counter()
        hits = await recall.rank(user.id, QUERIES[q % len(QUERIES)], 10)
        timings.append(time.perf_counter() - t)
        assert hits, "no hits"
    await index.close()
    await store.close()
    p50, p95 = np.percentile(timings, 50) * 1000, np.percentile(timings, 95) * 1000
    print(f"\r  {size:>9,} items: ingest {size / ingest_s:,.0f} items/s ({ingest_s:.1f} s), index load "
          f"{build_s:.1f} s, search p50 {p50:.1f} ms p95 {p95:.1f} ms")
    return {"p50": p50, "p95": p95, "ingest_per_s": size / ingest_s}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated item counts")
    parser.add_argument("--queries", type=int, default=200, help="searches timed per size")
    parser.add_argument("--distinct", type=int, default=3000, help="distinct texts embedded with MiniLM")
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temp dir)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    embedder = MiniLM(threads=2)
    bases = base_texts(args.distinct, random.Random(7))
    t = time.perf_counter()
    vectors = embedder.embed_sync(bases)
    embed_rate = len(bases) / (time.perf_counter() - t)
    print(f"embedded {len(bases)} distinct texts with MiniLM: {embed_rate:.0f} texts/s")
    with tempfile.TemporaryDirectory(dir=args.dir) as work:
        results = {size: await run_size(size, Path(work), bases, vectors, args.queries, embedder) for size in sizes}
    names = {10_000: "10k", 100_000: "100k", 1_000_000: "1m"}
    figures = " ".join(f"p95_ms_{names.get(s, s)}={r['p95']:.1f}" for s, r in results.items())
    rate = min(r["ingest_per_s"] for r in results.values())
    print(f"RESULT {figures} ingest_per_s={rate:.0f} embed_per_s={embed_rate:.0f}")


if __name__ == "__main__":
    asyncio.run(main())
