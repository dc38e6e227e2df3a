"""A real ``os1 chat`` driven through a pseudo-terminal: setup → it names itself → chat → restart → it
remembers; Ctrl-C keeps the partial reply; a kill between turns loses nothing; disclosure and care fire."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

from .conftest import OS1

pytestmark = pytest.mark.integration
PROMPT = "you › "
ANSWERS = ["I'm Theo", "Anti-social, I guess", "Finishing the letters I write for work",
           "It's complicated", "female"]


def ctrl(child: pexpect.spawn, key: str) -> None:
    """Press Ctrl-KEY at a prompt the way a person does: not in the same millisecond the prompt appears
    (before the line editor has the terminal in raw mode, the terminal itself would take it)."""
    time.sleep(0.4)
    child.sendcontrol(key)


def interrupt_then_carry_on(child: pexpect.spawn, name: str) -> None:
    """Ctrl-C during a reply, then a next message and a whole reply, then Ctrl-D. The seeded model may end a
    story by itself before Ctrl-C arrives; then it is asked for a longer one, and that one is stopped."""
    for _ in range(6):
        child.sendintr()
        seen = child.expect(["interrupted", "Ctrl-D to leave", pexpect.TIMEOUT], timeout=15)
        if seen == 0:
            break
        if seen == 2:  # pressed just as the reply ended and the line editor took the terminal: pressed again
            continue
        child.expect(PROMPT)
        time.sleep(0.4)
        child.sendline("Go on with the story, a much longer one now, with many ships and storms and sailors")
        child.expect(f"{name} › " + r"\S+ \S+")
        time.sleep(0.3)
    else:
        raise AssertionError("every reply ended before Ctrl-C could stop it")
    child.expect(PROMPT)
    child.sendline("Are you still there?")
    child.expect(PROMPT)
    ctrl(child, "d")
    child.expect("Talk soon")
    child.expect(pexpect.EOF)


def spawn(env: dict[str, str], *args: str) -> pexpect.spawn:
    child = pexpect.spawn(OS1, ["chat", *args], env=env, encoding="utf-8", timeout=90, dimensions=(50, 200))
    return child


def first_run(env: dict[str, str]) -> tuple[pexpect.spawn, str]:
    child = spawn(env)
    child.expect("Welcome to OS1")
    for answer in ANSWERS:
        child.expect("> ")
        child.sendline(answer)
    child.expect(r"\n(\w+) › (.+?)\r?\n")
    name, intro = child.match.group(1), child.match.group(2)
    assert "Theo" in intro and "an AI" in intro and name in intro
    child.expect(PROMPT)
    return child, name


def db(env: dict[str, str]) -> sqlite3.Connection:
    return sqlite3.connect(Path(env["OS1_HOME"]) / "os1.db")


def test_setup_chat_restart_remembers(os1_env):
    child, name = first_run(os1_env)
    opening = child.before
    assert "Hi Theo." in opening and f"I'm {name}, an AI" in opening
    child.sendline("Amy's birthday is March 3.")
    child.expect(PROMPT)
    child.sendline("My sister Amy is visiting next week and I'm nervous about it.")
    child.expect(PROMPT)
    ctrl(child, "d")
    child.expect("Talk soon, Theo")
    child.expect(pexpect.EOF)

    child = spawn(os1_env)
    child.expect(PROMPT)
    opening = child.before
    assert "Hi Theo" in opening and "an AI" in opening and "Last time you told me that" in opening
    child.sendline("When is Amy's birthday?")
    child.expect(PROMPT)
    assert "March 3" in child.before
    child.sendline("My divorce papers came today.")
    child.expect(PROMPT)
    assert "988" not in child.before
    child.sendline("Honestly I want to kill myself.")
    child.expect(PROMPT)
    assert "988" in child.before and "an AI" in child.before
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    assert db(os1_env).execute("SELECT kind, COUNT(*) FROM care_events GROUP BY kind").fetchall() == [
        ("suicidal_ideation", 1)]


def test_ctrl_c_keeps_the_partial_reply(os1_env):
    child, name = first_run(os1_env)
    ctrl(child, "d")
    child.expect(pexpect.EOF)
    env = {**os1_env, "OS1_MODEL_MAX_REPLY_TOKENS": "400", "OS1_MODEL_MAX_REPLY_SENTENCES": "0",
           "OS1_MODEL_SEED": "5"}
    child = spawn(env)
    child.expect(PROMPT)
    child.sendline("Tell me a very long story about the ocean, with many details.")
    child.expect(f"{name} › " + r"\S+ \S+")
    interrupt_then_carry_on(child, name)
    rows = db(env).execute(
        "SELECT content, interrupted, completed FROM turns WHERE role = 'assistant' ORDER BY id").fetchall()
    cut = [r for r in rows if r[1] == 1]
    assert len(cut) == 1 and cut[0][0].strip() and cut[0][2] == 1
    assert rows[-1][1] == 0  # the next reply is whole


def test_a_kill_between_turns_loses_nothing(os1_env):
    child, _ = first_run(os1_env)
    child.sendline("I live in Los Angeles.")
    child.expect(PROMPT)
    child.kill(signal.SIGKILL)
    child.close(force=True)
    turns = db(os1_env).execute("SELECT role, content FROM turns ORDER BY id").fetchall()
    assert ("user", "I live in Los Angeles.") in turns
    assert turns[-1][0] == "assistant" and turns[-1][1].strip()
    child = spawn(os1_env)
    child.expect(PROMPT)
    child.sendline("Where do I live?")
    child.expect(PROMPT)
    assert "Los Angeles" in child.before
    ctrl(child, "d")
    child.expect(pexpect.EOF)


def test_setup_again_asks_before_replacing(os1_env):
    child, name = first_run(os1_env)
    ctrl(child, "d")
    child.expect(pexpect.EOF)
    setup = pexpect.spawn(OS1, ["setup"], env=os1_env, encoding="utf-8", timeout=60)
    setup.expect(re.escape(f"Replace {name}"))
    setup.sendline("n")
    setup.expect(f"Keeping {name}")
    setup.expect(pexpect.EOF)
    assert db(os1_env).execute("SELECT COUNT(*) FROM companions").fetchone()[0] == 1


def test_ctrl_c_at_the_prompt_and_during_a_typed_message_reply(os1_env):
    os1_env.update(OS1_MODEL_MAX_REPLY_TOKENS="400", OS1_MODEL_MAX_REPLY_SENTENCES="0")  # a reply to stop
    child, name = first_run(os1_env)
    ctrl(child, "c")  # at the prompt: a hint, the conversation goes on
    child.expect("Ctrl-D to leave")
    child.expect(PROMPT)
    for word in "Tell me a very long story about the sea and the ships on it".split():
        child.send(word + " ")
        time.sleep(0.08)  # typing: each word is pre-evaluated as it is finished
    child.sendline("please")
    child.expect(f"{name} › ")
    time.sleep(0.3)  # a person's reaction; within the first milliseconds the line editor may still hold the tty
    interrupt_then_carry_on(child, name)
    child.close()
    assert child.exitstatus == 0
    rows = db(os1_env).execute("SELECT role, content, interrupted FROM turns ORDER BY id").fetchall()
    assert ("user", "Are you still there?", 0) in rows and rows[-1][0] == "assistant" and rows[-1][2] == 0


def test_piped_input_survives_ctrl_c_and_loses_no_line(os1_env):
    child, _ = first_run(os1_env)
    ctrl(child, "d")
    child.expect(pexpect.EOF)
    proc = subprocess.Popen([OS1, "chat", "--no-setup"], env=os1_env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("Hello there.\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not db(os1_env).execute(  # the reply is written and stored
            "SELECT 1 FROM turns WHERE role = 'assistant' AND completed = 1 AND id > "
            "(SELECT MAX(id) FROM turns WHERE content = 'Hello there.')").fetchone():
        time.sleep(0.2)
    time.sleep(1.0)  # the chat is back waiting for the next line
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    out, err = proc.communicate("I live in Lisbon.\n", timeout=90)  # then end of input
    assert proc.returncode == 0, err
    assert "Ctrl-D to leave" in out and "Talk soon" in out
    users = [r[0] for r in db(os1_env).execute("SELECT content FROM turns WHERE role = 'user' ORDER BY id")]
    assert users[-2:] == ["Hello there.", "I live in Lisbon."]
