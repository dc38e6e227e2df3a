"""Evidence recall of OS1's memory on LongMemEval, with plain BM25 and plain dense baselines in the same run.

Each instance gets a fresh OS1 user; every haystack session is ingested through OS1's own path as one
conversation at its ``haystack_dates`` date (user and assistant turns, no speaker names, the session id and
turn index in each turn's meta), then the background worker learns, indexes and embeds them. Only the
sessions, roles, contents and dates are read, never the annotations. Then ``HybridRecall.rank(question, 40,
now=question_date)`` runs, and the baselines rank the same turns: BM25 (sqlite FTS5, default tokenizer) and
MiniLM over "role: content", each keeping its top 40 turns, the same budget as OS1's 40 hits.

- turn recall@k: the share of the instance's evidence turns (``has_answer``) among the top k distinct turns
  (a memory hit stands for its source turns); instances with no marked turn are left out of it.
- session recall@k: sessions are ranked by their best-ranked turn (first appearance in that turn list), and
  recall@k is the share of ``answer_session_ids`` among the top k sessions.
Abstention questions (``*_abs``) have no evidence: they are counted, not ingested nor scored.

With the oracle file (the default) the haystack holds only evidence sessions (1-5 per instance), so session
recall is trivially near 1 there and only turn recall says something. Use the ``_s`` file (about 48 sessions,
500 turns and 115k tokens per instance) for a realistic session figure; it is slow, see ``--limit``.

    .venv/bin/python bench/longmemeval_recall.py [--data PATH] [--limit N] [--store DIR]

Last line: RESULT os1_session_recall@5=… bm25_session_recall@5=… dense_session_recall@5=…
os1_turn_recall@10=… bm25_turn_recall@10=… dense_turn_recall@10=…"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

# locomo_recall puts src/ on the path and applies the privacy environment before anything from os1 loads
from locomo_recall import bm25_rank, distinct_turns, open_memory, plain_bm25, recall_at  # noqa: E402
from os1.companion.worker import Worker  # noqa: E402
from os1.memory.embed import MiniLM  # noqa: E402
from os1.memory.ingest import EMBED, LEARN  # noqa: E402
from os1.memory.recall import HybridRecall  # noqa: E402
from os1.store.base import Store  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "longmemeval"
DEFAULT = DATA / "longmemeval_oracle_sample100.json"
KS = (1, 5, 10)
DEPTH = 40  # hits from OS1, turns from each baseline
METHODS = ("os1", "bm25", "dense")


def lme_date(text: str) -> datetime:
    """'2023/05/20 (Sat) 02:21' → an aware datetime."""
    return datetime.strptime(text, "%Y/%m/%d (%a) %H:%M").replace(tzinfo=UTC)


def turn_key(session_id: str, index: int) -> str:
    return f"{session_id}#{index}"


def session_of(key: str) -> str:
    return key.rsplit("#", 1)[0]


def sessions_by_first_turn(keys: list[str]) -> list[str]:
    """Sessions in the order their best-ranked turn appears."""
    return list(dict.fromkeys(session_of(k) for k in keys))


async def ingest(store: Store, worker: Worker, inst: dict) -> tuple[int, dict[int, str]]:
    """Store one instance's haystack as a user's history; returns the user id and turn id → turn key."""
    user = await store.users.ensure(f"lme-{inst['question_id']}")
    companion = await store.users.create_companion(user.id, "Bench", "female", {}, {}, datetime.now(UTC))
    keys: dict[int, str] = {}
    dates = [lme_date(d) for d in inst["haystack_dates"]]
    for session_id, when, lines in zip(inst["haystack_session_ids"], dates, inst["haystack_sessions"], strict=True):
        conversation = await store.turns.start_conversation(user.id, companion.id, when)
        for i, line in enumerate(lines):
            turn = await store.turns.add(user.id, conversation.id, line["role"], line["content"], when,
                                         meta={"session_id": session_id, "turn_index": i})
            keys[turn.id] = turn_key(session_id, i)
            if line["role"] == "user":
                await store.jobs.enqueue(user.id, LEARN, {"turn_id": turn.id}, when)
    await store.jobs.enqueue(user.id, EMBED, {}, max(dates))
    await worker.drain(timeout_s=3600)
    return user.id, keys


async def ingested(store: Store, inst: dict) -> tuple[int, dict[int, str]] | None:
    """An instance a kept store already holds (``--store``), or None."""
    user = await store.users.ensure(f"lme-{inst['question_id']}")
    if await store.users.active_companion(user.id) is None:
        return None
    keys: dict[int, str] = {}
    conversation = await store.turns.previous_conversation(user.id, 1 << 62)
    while conversation is not None:
        for turn in await store.turns.recent(user.id, conversation.id, 10_000):
            keys[turn.id] = turn_key(turn.meta["session_id"], turn.meta["turn_index"])
        conversation = await store.turns.previous_conversation(user.id, conversation.id)
    return user.id, keys


def evidence_turns(inst: dict) -> list[str]:
    sessions = zip(inst["haystack_session_ids"], inst["haystack_sessions"], strict=True)
    return [turn_key(sid, i) for sid, lines in sessions for i, line in enumerate(lines) if line.get("has_answer")]


async def ranked_turns(
    store: Store, recall: HybridRecall, embedder: MiniLM, user_id: int, keys: dict[int, str], inst: dict
) -> tuple[dict[str, list[str]], float]:
    """Each method's distinct turn keys, best first, and OS1's query time in seconds."""
    turn_ids = sorted(keys)
    turns = await store.turns.many(user_id, turn_ids)
    question = inst["question"]
    t0 = time.perf_counter()
    hits = await recall.rank(user_id, question, DEPTH, now=lme_date(inst["question_date"]))
    took = time.perf_counter() - t0
    lexical = plain_bm25([turns[i].content for i in turn_ids])
    by_bm25 = bm25_rank(lexical, question, DEPTH)
    lexical.close()
    plain = embedder.embed_sync([f"{turns[i].role}: {turns[i].content}" for i in turn_ids])
    qv = embedder.embed_sync([question])[0]
    return {
        "os1": distinct_turns(hits, keys),
        "bm25": [keys[turn_ids[i]] for i in by_bm25],
        "dense": [keys[turn_ids[i]] for i in np.argsort(-(plain @ qv))[:DEPTH]],
    }, took


class Scores:
    """Recall lists per method, level ("session", "turn") and k, plus OS1's by question type."""

    def __init__(self) -> None:
        self.at: dict[tuple[str, str, int], list[float]] = defaultdict(list)
        self.by_type: dict[tuple[str, str], list[float]] = defaultdict(list)

    def add(self, inst: dict, ranked: dict[str, list[str]], evidence: list[str]) -> None:
        answer_sessions = inst["answer_session_ids"]
        for method, keys in ranked.items():
            sessions = sessions_by_first_turn(keys)
            for k in KS:
                self.at[method, "session", k].append(recall_at(sessions, answer_sessions, k))
                if evidence:
                    self.at[method, "turn", k].append(recall_at(keys, evidence, k))
        self.by_type[inst["question_type"], "session"].append(self.at["os1", "session", 5][-1])
        if evidence:
            self.by_type[inst["question_type"], "turn"].append(self.at["os1", "turn", 10][-1])

    def mean(self, method: str, level: str, k: int) -> float:
        values = self.at[method, level, k]
        return float(np.mean(values)) if values else float("nan")


def report(scores: Scores, abstentions: int, ingest_s: float, timings: list[float], instances: int) -> None:
    n_session, n_turn = len(scores.at["os1", "session", 1]), len(scores.at["os1", "turn", 1])
    print(f"\n{n_session} questions scored ({abstentions} abstention questions skipped); "
          f"turn recall over the {n_turn} with marked evidence turns")
    for level in ("session", "turn"):
        print(f"  {level} recall@k")
        for method in METHODS:
            print(f"    {method:6s} " + "  ".join(f"@{k}={scores.mean(method, level, k):.3f}" for k in KS))
    print("  os1 by question type: session@5 / turn@10 (n)")
    for qtype in sorted({t for t, _ in scores.by_type}):
        s, t = scores.by_type[qtype, "session"], scores.by_type.get((qtype, "turn"), [])
        turn = f"{np.mean(t):.3f}" if t else "-"
        print(f"    {qtype:26s} {np.mean(s):.3f} / {turn} ({len(s)})")
    p50, p95 = (np.percentile(timings, q) * 1000 for q in (50, 95))
    print(f"  ingestion {ingest_s:.1f} s for {instances} instances ({ingest_s / max(instances, 1):.1f} s each); "
          f"query p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(" ".join(["RESULT"] + [f"{m}_session_recall@5={scores.mean(m, 'session', 5):.3f}" for m in METHODS]
                   + [f"{m}_turn_recall@10={scores.mean(m, 'turn', 10):.3f}" for m in METHODS]))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT, help="a LongMemEval-format JSON file")
    parser.add_argument("--limit", type=int, default=0, help="only the first N instances")
    parser.add_argument("--store", type=Path, default=None,
                        help="keep the ingested store in this folder; a later run with the same folder reuses it")
    args = parser.parse_args()
    instances = json.loads(args.data.read_text())
    if args.limit:
        instances = instances[: args.limit]
    embedder = MiniLM(threads=2)
    scores, timings, ingest_s, abstentions, done = Scores(), [], 0.0, 0, 0
    with tempfile.TemporaryDirectory() as scratch:
        home = args.store or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        store, index, worker, recall = await open_memory(Path(home) / "os1.db", embedder)
        for n, inst in enumerate(instances, 1):
            if inst["question_id"].endswith("_abs"):
                abstentions += 1
                print(f"[{n}/{len(instances)}] {inst['question_id']}: abstention, skipped", flush=True)
                continue
            started = time.perf_counter()
            user_id, keys = await ingested(store, inst) or await ingest(store, worker, inst)
            took = time.perf_counter() - started
            ingest_s, done = ingest_s + took, done + 1
            ranked, query_s = await ranked_turns(store, recall, embedder, user_id, keys, inst)
            timings.append(query_s)
            scores.add(inst, ranked, evidence_turns(inst))
            print(f"[{n}/{len(instances)}] {inst['question_id']} ({inst['question_type']}): "
                  f"{len(inst['haystack_sessions'])} sessions, {len(keys)} turns, ingested in {took:.1f} s", flush=True)
        await index.close()
        await store.close()
    report(scores, abstentions, ingest_s, timings, done)


if __name__ == "__main__":
    asyncio.run(main())
