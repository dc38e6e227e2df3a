"""Humour: the companion's own jokes and playful callbacks to moments the two of them shared. No I/O: the
caller passes what was told before (``told`` keys), and records what it tells. A joke is never told twice to
the same user; a shared moment is called back at most once a month."""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

ASKED = re.compile(r"\b(?:tell|give|know|got|have)\b.{0,20}\bjokes?\b|\bmake me (?:laugh|smile)\b|"
                   r"\bsay something funny\b|\bcheer me up\b", re.IGNORECASE)
LAUGHED = re.compile(r"\b(?:ha(?:ha)+|he(?:he)+|lol|lmao|rofl)\b|😂|🤣|😆|\b(?:so )?funny\b", re.IGNORECASE)
CALLBACK_EVERY = timedelta(days=30)
_WORD = re.compile(r"[a-z]+")
_OUT_OF_JOKES = ("I've told you every joke I know, and I refuse to repeat myself — you'd notice. "
                 "Tell me one of yours instead?")


@dataclass(frozen=True, slots=True)
class Joke:
    key: str  # "joke:<id>" or "moment:<memory id>": what is recorded as told
    text: str
    kind: str  # joke, callback


@cache
def _jokes() -> tuple[tuple[str, str, frozenset[str]], ...]:
    data = tomllib.loads(resources.files("os1.persona").joinpath("jokes.toml").read_text("utf-8"))
    return tuple((j["id"], j["text"], frozenset(j.get("topics", ()))) for j in data["joke"])


def asked_for_joke(text: str) -> bool:
    return bool(ASKED.search(text))


def laughed(text: str) -> bool:
    return bool(LAUGHED.search(text))


def pick_joke(told: Iterable[str], interests: Iterable[str], rng: random.Random | None = None) -> Joke | None:
    """A joke not told before, preferring one about what the user cares about. None when all are told."""
    seen = set(told)
    words = {w for text in interests for w in _WORD.findall(text.lower())}
    fresh = [(jid, text, topics) for jid, text, topics in _jokes() if f"joke:{jid}" not in seen]
    if not fresh:
        return None
    fitting = [j for j in fresh if j[2] & words]
    jid, text, _ = (rng or random.Random()).choice(fitting or fresh)
    return Joke(f"joke:{jid}", text, "joke")


def out_of_jokes() -> str:
    return _OUT_OF_JOKES


def callback(moments: Sequence[tuple[int, str]], told: dict[str, datetime], now: datetime) -> Joke | None:
    """A playful callback to a shared moment (``(memory id, text)``, best first) not called back this month."""
    for memory_id, text in moments:
        key = f"moment:{memory_id}"
        last = told.get(key)
        if last is None or now - last >= CALLBACK_EVERY:
            return Joke(key, text, "callback")
    return None


def callback_line(joke: Joke) -> str:
    """The prompt line that offers the callback to the model (it may or may not take it)."""
    return ("If it fits, make one light, playful callback to something you two shared — at most one sentence, "
            f"never mocking: {joke.text}")
