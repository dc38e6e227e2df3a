"""OS1 makes no network connection the user did not configure. A full setup and turn on the real embedded
model runs under strace, which sees every connect()/sendto() of every thread and child, C++ included."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import OS1

pytestmark = pytest.mark.integration
INET = re.compile(r"sa_family=AF_INET6?, .*?(?:inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6, \"([^\"]+)\")")


def outbound(trace: str) -> list[str]:
    """Addresses of inet connects/sends that are not loopback."""
    found = []
    for line in trace.splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg)\(", line):
            continue
        m = INET.search(line)
        if m:
            address = m.group(1) or m.group(2)
            if not (address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1")):
                found.append(line.strip())
    return found


def test_the_trace_sees_a_real_outbound_connect(tmp_path: Path):
    """The detector must be able to fail: a UDP connect() to a documentation address (RFC 5737) makes the
    syscall without sending a packet, and strace must report it."""
    assert shutil.which("strace"), "strace is installed by `make test` (Makefile: sysdeps)"
    log = tmp_path / "probe.txt"
    code = "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('192.0.2.1', 9))"
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(log), sys.executable, "-c", code],
                   check=True, timeout=60)
    assert any("192.0.2.1" in line for line in outbound(log.read_text()))
    local = '1 connect(5, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = 0'
    assert outbound(local) == []


def test_a_full_turn_makes_no_outbound_connection(os1_env, tmp_path: Path):
    assert shutil.which("strace"), "strace is installed by `make test` (Makefile: sysdeps)"
    log = tmp_path / "trace.txt"
    setup = [OS1, "setup", "--yes", "--name", "Theo", "--social", "social", "--matters", "my work",
             "--mother", "fine", "--voice", "neutral"]
    subprocess.run(setup, env=os1_env, check=True, capture_output=True, timeout=120)
    run = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(log), OS1, "chat", "--no-setup"],
        input="Hi! I live in Lisbon.\nWhere do I live?\n", env=os1_env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Lisbon" in run.stdout
    trace = log.read_text()
    assert outbound(trace) == []
