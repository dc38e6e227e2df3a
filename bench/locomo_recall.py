"""Evidence recall of OS1's memory on LoCoMo, with plain BM25 and plain dense baselines in the same run.

Each conversation is ingested through OS1's own path: a user, one conversation per session at the session's
date, every turn stored with its speaker, then the background worker learns, indexes and embeds them. Only the
dialog, speakers, image captions and dates are read, never the dataset's annotations. For every question of
categories 1-4 the top k turns are retrieved and recall@k is the share of its evidence dialog ids among them.

    .venv/bin/python bench/locomo_recall.py [--data PATH] [--limit-conversations N] [--store DIR]

Last line: RESULT os1_recall@10=… bm25_recall@10=… dense_recall@10=… os1_recall@5=…"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from os1.cli.main import apply_privacy_env  # noqa: E402

apply_privacy_env()

from os1.companion.worker import Worker  # noqa: E402
from os1.memory.embed import MiniLM  # noqa: E402
from os1.memory.index import VectorIndex  # noqa: E402
from os1.memory.ingest import EMBED, LEARN, embed_handler, learn_handler  # noqa: E402
from os1.memory.recall import STOP, HybridRecall  # noqa: E402
from os1.store import open_store  # noqa: E402
from os1.store.base import Store  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo10_conv0-6.json"
KS = (1, 5, 10, 20)
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}


def session_date(text: str) -> datetime:
    """'1:56 pm on 8 May, 2023' → an aware datetime."""
    return datetime.strptime(text.replace(",", ""), "%I:%M %p on %d %B %Y").replace(tzinfo=UTC)


def dialog(conversation: dict) -> list[tuple[datetime, list[dict]]]:
    sessions, n = [], 1
    while f"session_{n}" in conversation:
        sessions.append((session_date(conversation[f"session_{n}_date_time"]), conversation[f"session_{n}"]))
        n += 1
    return sessions


def turn_text(line: dict) -> str:
    text = line["text"]
    return text + f" [shares a photo: {line['blip_caption']}]" if line.get("blip_caption") else text


async def ingest(store: Store, worker: Worker, sample: dict) -> tuple[int, dict[int, str], datetime]:
    """Store one LoCoMo conversation as a user's history; returns the user id, turn id → dia_id, last date."""
    conv = sample["conversation"]
    user = await store.users.ensure(f"locomo-{sample['sample_id']}")
    companion = await store.users.create_companion(user.id, "Bench", "female", {}, {}, datetime.now(UTC))
    dia: dict[int, str] = {}
    last = datetime.now(UTC)
    for when, lines in dialog(conv):
        conversation = await store.turns.start_conversation(user.id, companion.id, when)
        for line in lines:
            role = "user" if line["speaker"] == conv["speaker_a"] else "assistant"
            turn = await store.turns.add(user.id, conversation.id, role, turn_text(line), when,
                                         speaker=line["speaker"], meta={"dia_id": line["dia_id"]})
            dia[turn.id] = line["dia_id"]
            await store.jobs.enqueue(user.id, LEARN, {"turn_id": turn.id}, when)
        last = when
    await store.jobs.enqueue(user.id, EMBED, {}, last)
    await worker.drain(timeout_s=3600)
    return user.id, dia, last


async def open_memory(path: Path, embedder: MiniLM) -> tuple[Store, VectorIndex, Worker, HybridRecall]:
    """OS1's memory as a conversation uses it: a store, its vector index, the learning worker and recall."""
    store = await open_store(path)
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    worker = Worker(store, {LEARN: learn_handler(store, lambda: datetime.now(UTC)),
                            EMBED: embed_handler(store, embedder, index)}, job_timeout_s=3600)
    return store, index, worker, HybridRecall(store, embedder, index)


async def ingested(store: Store, sample: dict) -> tuple[int, dict[int, str], datetime] | None:
    """A conversation a kept store already holds (``--store``), or None."""
    user = await store.users.ensure(f"locomo-{sample['sample_id']}")
    if await store.users.active_companion(user.id) is None:
        return None
    last = dialog(sample["conversation"])[-1][0]
    dia: dict[int, str] = {}
    conversation = await store.turns.previous_conversation(user.id, 1 << 62)
    while conversation is not None:
        for turn in await store.turns.recent(user.id, conversation.id, 10_000):
            dia[turn.id] = turn.meta["dia_id"]
        conversation = await store.turns.previous_conversation(user.id, conversation.id)
    return user.id, dia, last


def plain_bm25(texts: list[str]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    db.executemany("INSERT INTO t (rowid, body) VALUES (?, ?)", list(enumerate(texts)))
    return db


def bm25_rank(db: sqlite3.Connection, question: str, k: int) -> list[int]:
    words = {w.lower() for w in re.findall(r"\w+", question)} - STOP
    if not words:
        return []
    match = " OR ".join(f'"{w}"' for w in sorted(words))
    return [r[0] for r in db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?", (match, k))]


def recall_at(ranked: list[str], evidence: list[str], k: int) -> float:
    top = set(ranked[:k])
    return sum(e in top for e in evidence) / len(evidence)


def distinct_turns(hits: list, dia: dict[int, str]) -> list[str]:
    out: list[str] = []
    for hit in hits:
        for turn_id in hit.turn_ids:
            if turn_id in dia and dia[turn_id] not in out:
                out.append(dia[turn_id])
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT, help="a LoCoMo-format JSON file")
    parser.add_argument("--limit-conversations", type=int, default=0, help="only the first N conversations")
    parser.add_argument("--store", type=Path, default=None,
                        help="keep the ingested store in this folder; a later run with the same folder reuses it")
    args = parser.parse_args()
    samples = json.loads(args.data.read_text())
    if args.limit_conversations:
        samples = samples[: args.limit_conversations]
    embedder = MiniLM(threads=2)
    scores: dict[str, dict[int, list[float]]] = {m: defaultdict(list) for m in ("os1", "bm25", "dense")}
    by_category: dict[int, list[float]] = defaultdict(list)
    timings: list[float] = []
    ingest_s = 0.0
    with tempfile.TemporaryDirectory() as scratch:
        home = args.store or Path(scratch)
        store, index, worker, recall = await open_memory(Path(home) / "os1.db", embedder)
        for sample in samples:
            started = time.perf_counter()
            user_id, dia, last = await ingested(store, sample) or await ingest(store, worker, sample)
            ingest_s += time.perf_counter() - started
            turn_ids = sorted(dia)
            turns = await store.turns.many(user_id, turn_ids)
            lexical = plain_bm25([turns[i].content for i in turn_ids])
            plain = embedder.embed_sync([f"{turns[i].speaker}: {turns[i].content}" for i in turn_ids])
            known = set(dia.values())
            questions = [q for q in sample["qa"] if q.get("category") in CATEGORIES]
            qvecs = embedder.embed_sync([q["question"] for q in questions])
            for q, qv in zip(questions, qvecs, strict=True):
                evidence = [e for e in q.get("evidence", []) if e in known]
                if not evidence:
                    continue
                t0 = time.perf_counter()
                hits = await recall.rank(user_id, q["question"], 40, now=last)
                timings.append(time.perf_counter() - t0)
                ranked = {
                    "os1": distinct_turns(hits, dia),
                    "bm25": [dia[turn_ids[i]] for i in bm25_rank(lexical, q["question"], 20)],
                    "dense": [dia[turn_ids[i]] for i in np.argsort(-(plain @ qv))[:20]],
                }
                for method, ids in ranked.items():
                    for k in KS:
                        scores[method][k].append(recall_at(ids, evidence, k))
                by_category[q["category"]].append(recall_at(ranked["os1"], evidence, 10))
            print(f"{sample['sample_id']}: {len(dia)} turns, {len(questions)} questions", flush=True)
        await index.close()
        await store.close()
    n = len(scores["os1"][10])
    print(f"\n{n} questions (categories 1-4), evidence recall@k over distinct turns")
    for method in ("os1", "bm25", "dense"):
        print(f"  {method:6s} " + "  ".join(f"@{k}={np.mean(scores[method][k]):.3f}" for k in KS))
    print("  os1 @10 by category: " + "  ".join(
        f"{CATEGORIES[c]}={np.mean(v):.3f}" for c, v in sorted(by_category.items())))
    print(f"  ingestion {ingest_s:.1f} s; query p50 {np.percentile(timings, 50) * 1000:.1f} ms, "
          f"p95 {np.percentile(timings, 95) * 1000:.1f} ms")
    m = {f"{method}_recall@{k}": np.mean(scores[method][k]) for method in scores for k in KS}
    print(f"RESULT os1_recall@10={m['os1_recall@10']:.3f} bm25_recall@10={m['bm25_recall@10']:.3f} "
          f"dense_recall@10={m['dense_recall@10']:.3f} os1_recall@5={m['os1_recall@5']:.3f} "
          f"os1_recall@20={m['os1_recall@20']:.3f} query_p95_ms={np.percentile(timings, 95) * 1000:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
