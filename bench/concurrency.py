"""OS1 at scale: thousands of concurrent WebSocket conversations against one ``os1 serve``.

    .venv/bin/python bench/concurrency.py [--sessions 8316] [--turns-per-second 30] [--duration 60]

Starts a fake OpenAI-compatible model (bench/fake_llm_server.py: a fixed reply, a known first-token delay) and
``os1 serve`` on loopback with a fresh OS1_HOME whose ``[model]`` points at it. **Setup, not measured**: the
accounts, companions and session tokens of ``--sessions`` users are written straight through the store and the
accounts repository (signing up 8,316 accounts over the API would spend minutes on argon2 hashing). Then it
opens one WebSocket per user (``/ws?token=…&opening=false``, in batches, from this one asyncio process), keeps
them all open, and for ``--duration`` seconds sends text turns at ``--turns-per-second`` to random idle ones.

Per turn, the server's own overhead = (client: ``say`` sent → first delta carrying the model's words) − (the
model's own time: request received → first chunk written, which the fake model reports by the nonce each turn's
text carries). Errors: a failed connect, a socket closed, an ``error`` message, a missing ``done``, a turn the
model never saw. Sessions held: sockets that still answer a ping at the end. Memory: the server's RSS before the
sockets open and with all of them open and idle → KiB per idle session. Progress goes to stderr; the last line
is ``RESULT sessions=… errors=… overhead_p50_ms=… overhead_p99_ms=… kib_per_idle_session=…``. ``bench/server_ws.py``
is the small version against the embedded model."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_llm_server import MARKER  # noqa: E402
from server_ws import free_port, rss_kib  # noqa: E402  (bench/ is not a package)

OS1 = str(Path(sys.executable).parent / "os1")
FAKE = str(Path(__file__).resolve().parent / "fake_llm_server.py")
TEXTS = ("I went for a walk by the river today", "Work was long but I finished the report",
         "My sister called me this evening", "I cooked pasta for dinner and it was good",
         "I read a few pages of my book before bed", "The bus was late again this morning")
OPEN_TIMEOUT_S = 120.0
TURN_TIMEOUT_S = 60.0
PING_TIMEOUT_S = 60.0


def raise_nofile() -> None:
    """Lift this process's open-file limit to its hard limit (each socket is a file)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Tally:
    """What the run saw: per-turn client times by nonce, and every error by kind."""

    client_ms: dict[str, float] = field(default_factory=dict)
    sent_at: dict[str, float] = field(default_factory=dict)  # wall-clock time each turn was sent
    done_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


async def seed(home: Path, n: int) -> list[str]:
    """``n`` users with an account, a companion and a bearer session token, written through the store (the
    setup phase: not measured). Returns the tokens."""
    from datetime import timedelta

    from os1.companion.setup import create_companion
    from os1.persona.identity import Answers
    from os1.server.accounts import SqliteAccounts
    from os1.server.auth import SESSION_PREFIX, new_token, token_hash
    from os1.store import open_store
    from os1.types import utc_now

    store = await open_store(home / "os1.db")
    accounts = SqliteAccounts(store.runner)  # type: ignore[attr-defined]
    tokens, now = [], utc_now()
    try:
        for i in range(n):
            name = f"user{i:05d}"
            account = await accounts.create(name, "seeded: no password login", now)
            assert account is not None
            answers = Answers(user_name=f"Sam{i}", social="social", matters="my garden", mother="fine",
                              voice="female")
            await create_companion(store, name, answers)
            token = new_token(SESSION_PREFIX)
            await accounts.add_session(account.user_id, token_hash(token), secrets.token_urlsafe(16), now,
                                       now + timedelta(days=1))
            tokens.append(token)
            if (i + 1) % 1000 == 0:
                say(f"seeded {i + 1} users")
    finally:
        await store.close()
    return tokens


def start_fake(first_token_ms: float, token_ms: float) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, FAKE, "--first-token-ms", str(first_token_ms), "--token-ms",
                             str(token_ms)], stdout=subprocess.PIPE, text=True, preexec_fn=raise_nofile)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("LISTENING "):
        proc.kill()
        raise SystemExit("the fake model server did not start")
    return proc, int(line.split()[1])


def start_server(home: Path, port: int, recall: str) -> subprocess.Popen[bytes]:
    """``os1 serve`` on loopback, its open-file limit raised before it starts (a preexec in the child)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("OS1_")}
    env["OS1_HOME"] = str(home)
    log = (home / "serve.log").open("wb")
    return subprocess.Popen([OS1, "serve", "--port", str(port), "--log-level", "warning", "--recall", recall],
                            env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=raise_nofile)


async def wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        for _ in range(600):
            if proc.poll() is not None:
                raise SystemExit("os1 serve exited (see serve.log)")
            try:
                if (await http.get("/api/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit("os1 serve did not start")


async def open_one(url: str, tally: Tally, compression: bool) -> ClientConnection | None:
    try:
        async with asyncio.timeout(OPEN_TIMEOUT_S):
            ws = await connect(url, ping_interval=None, close_timeout=5, max_queue=64,
                               compression="deflate" if compression else None)
            ready = json.loads(await ws.recv())
    except (OSError, TimeoutError, ValueError, Exception) as exc:  # noqa: BLE001 - any failure is one error
        tally.error(f"connect:{type(exc).__name__}")
        return None
    if ready.get("type") != "ready":
        tally.error(f"connect:{ready.get('code', ready.get('type'))}")
        await ws.close()
        return None
    return ws


async def open_all(base: str, tokens: list[str], batch: int, tally: Tally, pid: int,
                   compression: bool) -> list[ClientConnection | None]:
    url = base.replace("http", "ws") + "/ws?opening=false&token="
    sockets: list[ClientConnection | None] = []
    started = time.perf_counter()
    for at in range(0, len(tokens), batch):
        chunk = tokens[at:at + batch]
        sockets += await asyncio.gather(*(open_one(url + t, tally, compression) for t in chunk))
        if (at // batch) % 10 == 9 or at + batch >= len(tokens):
            held = sum(s is not None for s in sockets)
            say(f"{held}/{len(sockets)} sockets open in {time.perf_counter() - started:.0f} s, "
                f"server RSS {rss_kib(pid) / 1024:.0f} MiB")
    return sockets


async def turn(ws: ClientConnection, text: str, nonce: str, tally: Tally) -> bool:
    """One turn; records the client's time to the model's first words. False when the socket is unusable."""
    sent = time.perf_counter()
    tally.sent_at[nonce] = time.time()
    first: float | None = None
    try:
        async with asyncio.timeout(TURN_TIMEOUT_S):
            await ws.send(json.dumps({"type": "say", "text": f"{text} n{nonce}"}))
            while True:
                message = json.loads(await ws.recv())
                kind = message.get("type")
                if kind == "delta" and first is None and MARKER in message.get("text", ""):
                    first = time.perf_counter()
                elif kind == "done":
                    break
                elif kind != "delta":
                    tally.error(f"turn:{message.get('code', kind)}")
                    return True
    except TimeoutError:
        tally.error("turn:no_done")
        return False
    except Exception as exc:  # noqa: BLE001 - a closed socket, a bad frame: one error
        tally.error(f"turn:{type(exc).__name__}")
        return False
    tally.done_ms.append((time.perf_counter() - sent) * 1000)
    if first is None:
        tally.error("turn:no_model_words")
    else:
        tally.client_ms[nonce] = (first - sent) * 1000
    return True


async def drive(sockets: list[ClientConnection | None], rate: float, duration: float, tally: Tally) -> None:
    """Turns at a steady ``rate`` on random idle sockets, for ``duration`` seconds."""
    idle = [i for i, s in enumerate(sockets) if s is not None]
    busy: set[int] = set()
    tasks: set[asyncio.Task[None]] = set()
    rng = random.Random(7)

    async def one(i: int) -> None:
        ws = sockets[i]
        assert ws is not None
        if not await turn(ws, rng.choice(TEXTS), secrets.token_hex(6), tally):
            sockets[i] = None
        busy.discard(i)

    loop = asyncio.get_running_loop()
    start, sent, shown = loop.time(), 0, 0.0
    while (now := loop.time()) - start < duration:
        for _ in range(int((now - start) * rate) - sent):
            i = rng.choice(idle)
            if i in busy or sockets[i] is None:
                continue
            busy.add(i)
            task = asyncio.create_task(one(i))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        if now - start >= shown + 10:
            shown += 10
            say(f"{sent} turns sent, {len(tally.done_ms)} done, errors {tally.error_count}")
        await asyncio.sleep(0.01)
    if tasks:
        await asyncio.wait(tasks, timeout=TURN_TIMEOUT_S + 5)


async def held(sockets: list[ClientConnection | None], tally: Tally, batch: int) -> int:
    """Sockets that answer a ping now."""

    async def ping(ws: ClientConnection | None) -> bool:
        if ws is None:
            return False
        try:
            async with asyncio.timeout(PING_TIMEOUT_S):
                await ws.send(json.dumps({"type": "ping"}))
                return bool(json.loads(await ws.recv()).get("type") == "pong")
        except Exception:  # noqa: BLE001 - a socket that cannot answer is not held
            tally.error("held:lost")
            return False

    alive = 0
    for at in range(0, len(sockets), batch):
        alive += sum(await asyncio.gather(*(ping(s) for s in sockets[at:at + batch])))
    return alive


async def model_times(fake_port: int) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=30) as http:
        stats = (await http.get(f"http://127.0.0.1:{fake_port}/stats")).json()["requests"]
    return {str(s["nonce"]): float(s["model_ms"]) for s in stats if s.get("nonce")}


async def close_all(sockets: list[ClientConnection | None], batch: int) -> None:
    for at in range(0, len(sockets), batch):
        live = [s for s in sockets[at:at + batch] if s is not None]
        if live:
            await asyncio.wait([asyncio.create_task(s.close()) for s in live], timeout=30)


async def measure(args: argparse.Namespace, base: str, pid: int, tokens: list[str], fake_port: int) -> str:
    tally = Tally()
    await warm_up(base, tokens[0], tally)
    await asyncio.sleep(2)
    before = rss_kib(pid)
    sockets = await open_all(base, tokens, args.batch, tally, pid, not args.no_compression)
    gc.collect()
    gc.freeze()  # this process's own collections would otherwise pause it for up to a second mid-measurement
    await asyncio.sleep(3)  # settle: the last sessions' setup finishes
    after = rss_kib(pid)
    say(f"server RSS {before / 1024:.0f} MiB before, {after / 1024:.0f} MiB with the sockets open; driving "
        f"{args.turns_per_second} turns/s for {args.duration:.0f} s")
    await drive(sockets, args.turns_per_second, args.duration, tally)
    seen = await model_times(fake_port)
    by_nonce = {n: ms - seen[n] for n, ms in tally.client_ms.items() if n in seen}
    overhead = list(by_nonce.values())
    slowest = sorted(by_nonce, key=by_nonce.__getitem__)[-5:]
    say("slowest overheads: " + ", ".join(
        f"{by_nonce[n]:.0f} ms at {time.strftime('%H:%M:%S', time.localtime(tally.sent_at[n]))}" for n in slowest))
    for _ in range(sum(n not in seen for n in tally.client_ms)):
        tally.error("turn:model_never_saw")
    alive = await held(sockets, tally, args.batch)
    say(f"{alive} sessions held; errors {tally.errors}; turns {len(tally.done_ms)}, turn done p50 "
        f"{percentile(tally.done_ms, 50):.0f} ms; model first-token p50 "
        f"{percentile(list(seen.values()), 50):.1f} ms")
    await close_all(sockets, args.batch)
    per = (after - before) / max(len(tokens), 1)
    say(f"recall on the turn's path: {args.recall}")
    return (f"RESULT sessions={alive} errors={tally.error_count} turns={len(overhead)} "
            f"overhead_p50_ms={percentile(overhead, 50):.1f} overhead_p99_ms={percentile(overhead, 99):.1f} "
            f"kib_per_idle_session={per:.0f} rss_idle_mib={after / 1024:.0f}")


async def warm_up(base: str, token: str, tally: Tally) -> None:
    """One turn before measuring: the embedding model loads, the first connections open."""
    ws = await open_one(base.replace("http", "ws") + f"/ws?opening=false&token={token}", Tally(), False)
    if ws is None:
        raise SystemExit("the warm-up socket did not open (see serve.log)")
    for _ in range(3):
        await turn(ws, "Hello there, warming up", secrets.token_hex(6), Tally())
    await ws.close()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=8316)
    parser.add_argument("--turns-per-second", type=float, default=30.0)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of turns")
    parser.add_argument("--batch", type=int, default=200, help="sockets opened at once")
    parser.add_argument("--port", type=int, default=0, help="os1 serve's port (0 = a free one)")
    parser.add_argument("--first-token-ms", type=float, default=40.0, help="the fake model's own first-token time")
    parser.add_argument("--token-ms", type=float, default=15.0, help="the fake model's time per next token")
    parser.add_argument("--no-compression", action="store_true", help="do not offer permessage-deflate")
    parser.add_argument("--home-dir", default=None, help="where the temporary OS1_HOME (the SQLite file) is made; "
                        "/dev/shm takes the disk out of the measurement")
    parser.add_argument("--recall", default="hybrid", choices=("hybrid", "lexical"),
                        help="os1 serve --recall: lexical = BM25 alone on a turn's path (the scale setting)")
    return parser.parse_args()


def main() -> int:
    args = parse()
    raise_nofile()
    fake, fake_port = start_fake(args.first_token_ms, args.token_ms)
    port = args.port or free_port()
    server: subprocess.Popen[bytes] | None = None
    try:
        with tempfile.TemporaryDirectory(dir=args.home_dir) as tmp:
            home = Path(tmp)
            (home / "config.toml").write_text(
                f'[model]\nbackend = "openai"\nurl = "http://127.0.0.1:{fake_port}/v1"\nname = "bench"\n')
            started = time.perf_counter()
            tokens = asyncio.run(seed(home, args.sessions))
            say(f"setup (not measured): {len(tokens)} users, companions and session tokens written through the "
                f"store in {time.perf_counter() - started:.0f} s")
            server = start_server(home, port, args.recall)
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_up(base, server))
            try:
                line = asyncio.run(measure(args, base, server.pid, tokens, fake_port))
            finally:
                stop(server)
                server = None
                log_tail(home / "serve.log")
    finally:
        if server is not None:
            stop(server)
        stop(fake, timeout=5)
    print(line)
    return 0


def log_tail(path: Path, lines: int = 15) -> None:
    """The server's own warnings and errors, if it logged any (its log goes with the temporary home)."""
    text = path.read_text(errors="replace").strip() if path.exists() else ""
    if text:
        say(f"os1 serve logged {len(text.splitlines())} lines; the last ones:")
        print("\n".join(text.splitlines()[-lines:]), file=sys.stderr)


def stop(proc: subprocess.Popen[Any], timeout: float = 60) -> None:
    import signal

    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
