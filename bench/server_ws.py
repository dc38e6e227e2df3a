"""``os1 serve`` under many idle WebSockets: what each connection costs, and what a turn costs meanwhile.

    .venv/bin/python bench/server_ws.py [--connections 300] [--turns 3]

Starts ``os1 serve`` (the embedded model, a fresh OS1_HOME) on a free port, signs up one account, then opens
``--connections`` WebSockets (each a ``Session.begin``: a new conversation), measuring the time to ``ready`` and
the server's resident memory before and after; then, with all of them open, sends ``--turns`` text turns on one
and measures the time to the first token and to ``done``. Last line: RESULT ..."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect

OS1 = str(Path(sys.executable).parent / "os1")
SETUP = {"user_name": "Theo", "social": "social", "matters": "my letters", "mother": "fine", "voice": "female"}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        for _ in range(400):
            if proc.poll() is not None:
                raise SystemExit("os1 serve exited")
            try:
                if (await http.get("/api/health")).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.3)
    raise SystemExit("os1 serve did not start")


async def account(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        r = await http.post("/api/signup", json={"username": "bench", "password": "bench password", "mode": "bearer"})
        token = str(r.json()["token"])
        await http.post("/api/setup", json=SETUP, headers={"Authorization": f"Bearer {token}"})
        return token


async def open_one(url: str) -> tuple[ClientConnection, float]:
    started = time.perf_counter()
    ws = await connect(url, open_timeout=120, ping_interval=None)
    assert json.loads(await ws.recv())["type"] == "ready"
    return ws, time.perf_counter() - started


async def turn(ws: ClientConnection, text: str) -> tuple[float, float]:
    started, first = time.perf_counter(), None
    await ws.send(json.dumps({"type": "say", "text": text}))
    while (message := json.loads(await ws.recv()))["type"] == "delta":
        first = first or time.perf_counter()
    assert message["type"] == "done", message
    return (first or time.perf_counter()) - started, time.perf_counter() - started


async def run(args: argparse.Namespace, base: str, pid: int) -> str:
    token = await account(base)
    url = base.replace("http", "ws") + f"/ws?token={token}&opening=false"
    sockets, ready = [], []
    before = rss_kib(pid)
    for n in range(args.connections):
        ws, seconds = await open_one(url)
        sockets.append(ws)
        ready.append(seconds)
        if (n + 1) % 50 == 0:
            print(f"{n + 1} sockets open, server RSS {rss_kib(pid) / 1024:.0f} MiB", file=sys.stderr)
    after = rss_kib(pid)
    firsts, totals = [], []
    for i in range(args.turns):
        first, total = await turn(sockets[0], f"Tell me something about letters, number {i + 1}.")
        firsts.append(first)
        totals.append(total)
        print(f"turn {i + 1}: first token {first:.2f} s, done {total:.2f} s", file=sys.stderr)
    for ws in sockets:
        await ws.close()
    per = (after - before) / max(args.connections, 1)
    return (f"RESULT connections={args.connections} rss_before_mib={before / 1024:.0f} "
            f"rss_after_mib={after / 1024:.0f} per_connection_kib={per:.0f} "
            f"ready_ms_p50={statistics.median(ready) * 1000:.0f} ready_ms_max={max(ready) * 1000:.0f} "
            f"first_token_s_median={statistics.median(firsts):.2f} turn_s_median={statistics.median(totals):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS1_")}
        env.update({"OS1_HOME": home, "OS1_MODEL_SEED": "42", "OS1_MODEL_MAX_REPLY_TOKENS": "40"})
        proc = subprocess.Popen([OS1, "serve", "--port", str(port), "--log-level", "warning"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(wait_up(base, proc))
            line = asyncio.run(run(args, base, proc.pid))
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
