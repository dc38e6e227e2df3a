"""Turn latency on the embedded model, with a realistic context.

    .venv/bin/python bench/turn_latency.py [LOCOMO_JSON] [--turns 24] [--cold 5] [--conversation 0]

The conversation comes from a LoCoMo file (default ../shared/data/locomo/locomo10_conv0-6.json): speaker A is
the user. Session 1 is stored as an earlier conversation (so recall finds memories in it), 20 turns of session
2 are stored as the current conversation's earlier turns, and the following lines of speaker A are sent as new
turns through the real ``Session.turn`` (persona + pinned profile + 20 earlier turns + up to 5 recalled
memories). Time to first token is measured from calling the turn to the first token of the model's reply;
"cold" turns run on a freshly loaded model. Warm turns are typed: as in ``os1 chat``, each word is
pre-evaluated (``Session.prepare``) when the space after it is typed, and the clock starts at Enter; "pasted"
turns arrive whole. Last line: RESULT ..."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from os1.cli.main import apply_privacy_env
from os1.companion.setup import create_companion
from os1.companion.turn import Deps, ReplyDelta, Session
from os1.companion.worker import Worker
from os1.config import ModelSettings, Settings
from os1.llm.llamacpp import LlamaCppModel
from os1.memory.embed import MiniLM
from os1.memory.index import VectorIndex
from os1.memory.ingest import EMBED, LEARN, embed_handler, learn_handler
from os1.memory.recall import HybridRecall
from os1.persona.identity import Answers
from os1.store import open_store
from os1.types import NewMemory

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared/data/locomo/locomo10_conv0-6.json"


class Recording:
    """Passes the model through and keeps the last reply's llama.cpp timings."""

    def __init__(self, model: LlamaCppModel) -> None:
        self.model = model  # replaced by a fresh one for each cold turn
        self.name = model.name
        self.usage: dict = {}

    async def prefill(self, messages):
        await self.model.prefill(messages)

    async def stream(self, messages, **opts):
        self.first_token_at = None
        self.usage = {}
        # llama.cpp's timings on every chunk: a reply cut at its third sentence never sends the final ones
        async for chunk in self.model.stream(messages, timings_per_token=True, **opts):
            if chunk.text and self.first_token_at is None:
                self.first_token_at = time.perf_counter()
                self.usage = chunk.usage or {}
            yield chunk


async def import_history(store, data: dict, user_id: int, now: datetime, stop: asyncio.Event) -> None:
    """Keep adding turns of another conversation (an imported chat) for the worker to learn: 4 a second."""
    companion = await store.users.active_companion(user_id)
    conversation = await store.turns.start_conversation(user_id, companion.id, now - timedelta(days=30))
    lines = [line for n in range(3, 40) for line in data.get(f"session_{n}", [])]
    for line in lines:
        if stop.is_set():
            return
        turn = await store.turns.add(user_id, conversation.id, "user", line["text"], now - timedelta(days=30),
                                     speaker=line["speaker"])
        await store.jobs.enqueue(user_id, LEARN, {"turn_id": turn.id}, now)
        await store.jobs.enqueue(user_id, EMBED, {}, now)
        await asyncio.sleep(0.25)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def seed(store, data: dict, now: datetime) -> tuple[str, list[str]]:
    conv = data["conversation"]
    user_speaker = conv["speaker_a"]
    answers = Answers(user_name=user_speaker, social="social", matters="my friends and my work",
                      mother="we're close", voice="female")
    companion, _ = await create_companion(store, "bench", answers, lambda: now)
    user = await store.users.ensure("bench")
    earlier = await store.turns.start_conversation(user.id, companion.id, now - timedelta(days=7))
    for line in conv["session_1"]:
        role = "user" if line["speaker"] == user_speaker else "assistant"
        await store.turns.add(user.id, earlier.id, role, line["text"], now - timedelta(days=7))
    for key, value in (("home", "Boston"), ("my job", "a counselor"), ("my dog", "Oscar")):
        await store.memories.add(user.id, NewMemory("fact", f"Your {key} is {value}.", key, value), now)
    lines = [line for n in range(2, 30) for line in conv.get(f"session_{n}", [])]
    return user_speaker, lines


async def run(args: argparse.Namespace) -> None:
    data = json.loads(await asyncio.to_thread(Path(args.data).read_text))[args.conversation]
    home = Path(tempfile.mkdtemp(prefix="os1-bench-"))
    settings = Settings(home=home, model=ModelSettings(seed=42, max_reply_tokens=args.max_tokens))
    store = await open_store(settings.db_path)
    now = datetime.now(UTC)
    user_speaker, lines = await seed(store, data, now)
    t0 = time.perf_counter()
    model = LlamaCppModel(settings.model)
    await model.load()
    load_s = time.perf_counter() - t0
    recording = Recording(model)
    embedder = MiniLM()
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    clock = lambda: datetime.now(UTC)  # noqa: E731
    worker = Worker(store, {LEARN: learn_handler(store, clock), EMBED: embed_handler(store, embedder, index)})
    deps = Deps(store=store, model=recording, recall=HybridRecall(store, embedder, index), settings=settings)
    session = await Session.begin(deps, "bench")
    await store.jobs.enqueue(session.user.id, EMBED, {}, now)
    await worker.drain(600)  # the earlier conversation is learned, indexed and embedded, as after a real one
    async for _ in session.opening():
        pass
    prior, pending = lines[:20], [x["text"] for x in lines[20:] if x["speaker"] == user_speaker]
    for line in prior:
        role = "user" if line["speaker"] == user_speaker else "assistant"
        await store.turns.add(session.user.id, session.conversation.id, role, line["text"], now)
    needed = args.cold + args.pasted + args.turns
    if len(pending) < needed:
        sys.exit(f"the conversation has {len(pending)} user lines after the first 20; {needed} are needed")

    async def one_turn(text: str, typed: bool = True) -> tuple[float, float, int, float]:
        if typed:  # as os1 chat does while the user types: each word is pre-evaluated at the space after it
            words = text.split(" ")
            for k in range(1, len(words)):
                assert await session.prepare(" ".join(words[:k]) + " ")
        start = time.perf_counter()  # the user presses Enter
        first = last = None
        n = 0
        async for event in session.turn(text):
            if isinstance(event, ReplyDelta):
                last = time.perf_counter()
                first = first or last
                n += 1
        assert first is not None and last is not None and recording.first_token_at is not None
        rate = (n - 1) / (last - first) if n > 1 and last > first else 0.0
        # to the model's own first token: a grounded or disclosure prefix shows earlier, and is not counted
        return (recording.first_token_at - start) * 1000, rate, int(recording.usage.get("prompt_n", 0)), float(
            recording.usage.get("prompt_ms", 0.0))

    cold, warm, pasted, rates, evaluated, recalled, per_token = [], [], [], [], [], [], []
    queue = iter(pending)
    for _ in range(args.cold):  # cold: a freshly loaded model, nothing cached (as at the start of a session)
        await recording.model.close()
        recording.model = LlamaCppModel(settings.model)
        await recording.model.load()
        ttft, rate, _, _ = await one_turn(next(queue), typed=False)
        cold.append(ttft)
        rates.append(rate)
    for _ in range(args.pasted):  # pasted: no typing to pre-evaluate, the whole message is new
        pasted.append((await one_turn(next(queue), typed=False))[0])
    replying = [False]  # read by the worker's idle check while the turn runs
    stop = asyncio.Event()
    tasks: list[asyncio.Task] = []
    ingesting: list[float] = []
    for i in range(args.turns):
        if i == args.turns - args.ingesting:  # the last turns run while another history is being learned
            tasks = [asyncio.create_task(worker.run_forever(stop, idle_s=0.05, idle=lambda: not replying[0])),
                     asyncio.create_task(import_history(store, data, session.user.id, now, stop))]
        replying[0] = True
        ttft, rate, prompt_n, prompt_ms = await one_turn(next(queue))
        replying[0] = False
        await asyncio.sleep(1.0)  # the user reads the reply (the worker, when running, learns meanwhile)
        if tasks:
            ingesting.append(ttft)
            continue
        warm.append(ttft)
        rates.append(rate)
        evaluated.append(prompt_n)
        per_token.append(prompt_ms / max(prompt_n, 1))
        turns = await store.turns.recent(session.user.id, session.conversation.id, 2)
        context = turns[0].meta.get("context", "")
        recalled.append(sum(1 for line in context.splitlines() if line.startswith("- ")))
        print(f"  warm turn {i + 1:2d}: ttft {ttft:6.1f} ms, new prompt tokens {prompt_n:4d} "
              f"(llama.cpp: {prompt_ms:5.0f} ms), {rate:5.1f} tok/s", file=sys.stderr)
    stop.set()
    await asyncio.gather(*tasks)
    learned = await store.vectors.count(session.user.id)
    await store.close()
    print(f"model {recording.name}, loaded in {load_s:.2f}s; {args.turns} warm + {args.cold} cold turns; "
          f"context: persona + pinned profile + up to {len(prior)} earlier turns + up to 5 recalled memories "
          f"(mean {statistics.mean(recalled):.1f} new this turn)")
    print(f"warm TTFT  p50 {pct(warm, .5):7.1f} ms   p95 {pct(warm, .95):7.1f} ms   (typed: words pre-evaluated)")
    print(f"pasted     p50 {pct(pasted, .5):7.1f} ms   p95 {pct(pasted, .95):7.1f} ms   "
          "(warm cache, the whole message new)")
    print(f"cold TTFT  p50 {pct(cold, .5):7.1f} ms   p95 {pct(cold, .95):7.1f} ms")
    print(f"generation {statistics.median(rates):.1f} tokens/s (median); new prompt tokens per warm turn: median "
          f"{statistics.median(evaluated):.0f}, {statistics.median(per_token):.1f} ms each")
    slowdown = (pct(ingesting, .5) / pct(warm, .5) - 1) * 100 if ingesting else 0.0
    print(f"while learning in the background: warm p50 {pct(ingesting, .5):7.1f} ms ({slowdown:+.1f} %), "
          f"{learned} vectors stored by the end (the worker runs between replies)")
    print(f"RESULT warm_ttft_p50_ms={pct(warm, .5):.1f} warm_ttft_p95_ms={pct(warm, .95):.1f} "
          f"ingesting_ttft_p50_ms={pct(ingesting, .5):.1f} ingest_slowdown_pct={slowdown:.1f} "
          f"cold_ttft_p50_ms={pct(cold, .5):.1f} tokens_per_s={statistics.median(rates):.1f} "
          f"pasted_ttft_p50_ms={pct(pasted, .5):.1f} "
          f"new_tokens_p50={statistics.median(evaluated):.0f} ms_per_new_token={statistics.median(per_token):.1f}")


def main() -> None:
    apply_privacy_env()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", default=str(DEFAULT_DATA), help="a LoCoMo JSON file")
    parser.add_argument("--conversation", type=int, default=0, help="which conversation in the file")
    parser.add_argument("--turns", type=int, default=24, help="warm turns to measure (at least 20)")
    parser.add_argument("--cold", type=int, default=5, help="cold turns to measure")
    parser.add_argument("--pasted", type=int, default=8, help="warm turns sent whole, without typing")
    parser.add_argument("--max-tokens", type=int, default=48, help="reply length cap")
    parser.add_argument("--ingesting", type=int, default=8, help="of the warm turns, how many run while an "
                        "imported history is learned in the background")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
