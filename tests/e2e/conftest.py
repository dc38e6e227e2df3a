"""The web app in a real browser: Debian's Chromium driven by Playwright (never ``playwright install``: it would
download a browser), against a real ``os1 serve`` process with the embedded model, on a free port and a fresh
OS1_HOME. Screenshots go to tests/e2e/screenshots/ (ignored by git) to be looked at."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

OS1 = str(Path(sys.executable).parent / "os1")
CHROMIUM = os.environ.get("OS1_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parent / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
START_S = 120


@dataclass
class Served:
    base: str
    proc: subprocess.Popen[str]
    log: Path
    home: Path  # its OS1_HOME (the store is home/os1.db)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(home: Path, *args: str) -> Iterator[Served]:
    """``os1 serve`` on a free port with a fresh OS1_HOME under ``home``, until the block ends."""
    if os.environ.get("OS1_E2E_BASE"):  # while working on the app: a server you started (fresh usernames!)
        yield Served(os.environ["OS1_E2E_BASE"], subprocess.Popen(["true"]), Path(os.devnull),
                     Path(os.environ.get("OS1_E2E_HOME", "")))
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS1_")}
    env.update({"OS1_HOME": str(home / "home"), "OS1_MODEL_SEED": "42", "OS1_MODEL_MAX_REPLY_TOKENS": "40",
                "PYTHONUNBUFFERED": "1"})
    port, log = free_port(), home / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([OS1, "serve", "--port", str(port), *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"os1 serve did not answer within {START_S} s:\n{log.read_text()}"
            time.sleep(0.3)
        yield Served(base, proc, log, home / "home")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("e2e")) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make sysdeps` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:  # launch() runs Chromium on a fresh temporary profile, removed at close
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    SHOTS.mkdir(exist_ok=True)
    return SHOTS
