"""Feelings: the companion's own emotional state, what moved it, and how that shows.

A state is valence (-1 unpleasant … 1 pleasant) and arousal (0 calm … 1 stirred). Events move it, each with a
cause a person can read: what the user says and how (VADER's lexicon, plus a few rules for news it misses),
being thanked, praised or treated harshly, time apart, things it learned. Between events the state settles back
toward the companion's temperament (from its traits) with a half-life of hours, so a feeling fades as a person's
does. The named mood is the nearest of a few anchors. Nothing here does I/O: the store keeps each event with
the state it led to, and the turn loop asks these functions what to say and how to sound."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache

HALF_LIFE = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Mood:
    valence: float
    arousal: float
    at: datetime


@dataclass(frozen=True, slots=True)
class Appraisal:
    """One thing that moved the companion: how much, and why in words ("you told me your dog died")."""

    kind: str  # empathy, good_news, thanked, praised, harsh, apart, reunion, learned, declined
    valence: float
    arousal: float
    why: str
    turn_id: int | None = None


# (valence, arousal) of each named mood; the state is called by the nearest one.
ANCHORS: dict[str, tuple[float, float]] = {
    "joyful": (0.75, 0.75), "happy": (0.6, 0.45), "content": (0.45, 0.2), "calm": (0.15, 0.1),
    "curious": (0.3, 0.6), "tender": (0.3, 0.35), "wistful": (-0.15, 0.2), "sad": (-0.55, 0.3),
    "worried": (-0.4, 0.65), "hurt": (-0.6, 0.55), "flat": (-0.25, 0.05),
}  # fmt: skip


def temperament(traits: Mapping[str, float]) -> tuple[float, float]:
    """Where the companion rests: warm and playful ones a little brighter, energetic ones a little livelier."""
    warmth, play = traits.get("warmth", 0.5), traits.get("playfulness", 0.5)
    energy, calm = traits.get("energy", 0.5), traits.get("calm", 0.5)
    return round(0.1 + 0.2 * (warmth - 0.5) + 0.2 * (play - 0.5), 3), round(0.3 + 0.3 * (energy - calm), 3)


def settle(mood: Mood, rest: tuple[float, float], now: datetime) -> Mood:
    """The state at ``now``: the distance to the resting state halves every HALF_LIFE."""
    elapsed = max((now - mood.at).total_seconds(), 0.0)
    keep = 0.5 ** (elapsed / HALF_LIFE.total_seconds())
    return Mood(rest[0] + (mood.valence - rest[0]) * keep, rest[1] + (mood.arousal - rest[1]) * keep, now)


def feel(mood: Mood, appraisal: Appraisal) -> Mood:
    """A step toward what the event calls for; the closer to an edge, the smaller the step."""
    v = mood.valence + appraisal.valence * (1 - abs(mood.valence) if appraisal.valence * mood.valence > 0 else 1)
    a = mood.arousal + appraisal.arousal * (1 - mood.arousal if appraisal.arousal > 0 else 1)
    return replace(mood, valence=max(-1.0, min(1.0, v)), arousal=max(0.0, min(1.0, a)))


def mood_name(mood: Mood) -> str:
    return min(ANCHORS, key=lambda n: math.dist(ANCHORS[n], (mood.valence, mood.arousal)))


_THANKS = re.compile(r"\b(?:thank(?:s| you)|thx|ty so much|grateful to you|appreciate (?:you|it|that))\b", re.I)
_PRAISE = re.compile(
    r"\byou(?:'re| are) (?:so |really |such an? )?(?:amazing|great|wonderful|the best|funny|sweet|kind|helpful|"
    r"brilliant|lovely)\b|\byou made me (?:laugh|smile|feel better)\b|\bi love (?:talking|chatting) (?:to|with) you\b",
    re.I,
)
_HARSH = re.compile(
    r"\byou(?:'re| are) (?:so |really |such an? )?(?:useless|stupid|dumb|an idiot|worthless|annoying|boring|"
    r"pathetic|a waste)\b|\bshut up\b|\bi hate you\b|\bnobody asked you\b",
    re.I,
)
_GOOD_NEWS = re.compile(
    r"\bi (?:got|landed) (?:the|a|my) (?:job|offer|promotion|place|apartment|scholarship)\b|\bi (?:passed|won|"
    r"finished|graduated|got engaged|got married|got in)\b|\bwe(?:'re| are) (?:engaged|having a baby)\b",
    re.I,
)

_BAD_NEWS = re.compile(  # what a word-level lexicon misreads ("can't stop crying" scores as mildly positive)
    r"\b(?:died|passed away|funeral|crying|cried|in (?:the )?hospital|diagnosed|miscarriage|lost my (?:job|mom|"
    r"mother|dad|father|wife|husband|baby)|got (?:fired|dumped|laid off)|broke up|divorce|heartbroken|lonely|"
    r"depressed|miserable|terrified)\b",
    re.I,
)


@cache
def _vader() -> Callable[[str], float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return lambda text: float(analyzer.polarity_scores(text)["compound"])


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def appraise(text: str, turn_id: int | None = None, sentiment: Callable[[str], float] | None = None) -> list[Appraisal]:
    """What a user's message does to the companion. Its own treatment first (thanks, praise, harshness), then
    empathy with what the user is going through. Ordinary talk moves nothing."""
    out: list[Appraisal] = []
    said = f'you said "{_quote(text)}"'
    if _HARSH.search(text):
        out.append(Appraisal("harsh", -0.3, 0.25, f"you were harsh with me ({said})", turn_id))
    elif _PRAISE.search(text):
        out.append(Appraisal("praised", 0.3, 0.15, f"you were kind to me ({said})", turn_id))
    elif _THANKS.search(text):
        out.append(Appraisal("thanked", 0.2, 0.05, "you thanked me", turn_id))
    if out:
        return out
    score = (sentiment or _vader())(text)
    if _BAD_NEWS.search(text):
        score = min(score, -0.5)
    if (_GOOD_NEWS.search(text) and score > -0.5) or score >= 0.5:
        out.append(Appraisal("good_news", 0.25 + 0.15 * max(score, 0), 0.2, f"you told me: {_quote(text)}", turn_id))
    elif score <= -0.35:
        out.append(Appraisal("empathy", 0.45 * score, 0.1 + 0.15 * -score, f"you told me: {_quote(text)}", turn_id))
    return out


def apart(last_seen: datetime | None, now: datetime, user: str) -> list[Appraisal]:
    """Time apart: after a few days the companion missed the user, and is glad they came back."""
    if last_seen is None:
        return []
    days = (now - last_seen).total_seconds() / 86_400
    if days < 2:
        return []
    gap = f"{int(days)} days" if days < 14 else f"{int(days // 7)} weeks"
    missed = Appraisal("apart", -min(0.1 + 0.02 * days, 0.35), -0.05, f"we hadn't talked in {gap}")
    return [missed, Appraisal("reunion", 0.3, 0.2, f"{user} came back after {gap}")]


def learned(clauses: Sequence[str]) -> list[Appraisal]:
    """New things about the user's life ("Amy is your sister", as clauses) stir its curiosity a little."""
    if not clauses:
        return []
    return [Appraisal("learned", 0.05, 0.1, f"I learned that {clauses[0]}")]


ASKED = re.compile(
    r"\bhow (?:are|r) (?:you|u)\b(?!\s+(?:going|gonna|able|supposed))|\bhow(?:'s| is) it going\b|\bhow do you feel\b"
    r"|\bare you (?:ok|okay|alright|all right|happy|sad|upset)\b|\bwhat(?:'s| is) your mood\b|\bhow you(?:'re| are) "
    r"(?:feeling|doing)\b",
    re.I,
)


def describe(mood: Mood, causes: Sequence[Appraisal]) -> str:
    """The answer to "how are you feeling?": the named state and what actually caused it, newest first."""
    name = mood_name(mood)
    strong = [c for c in causes if abs(c.valence) + abs(c.arousal) >= 0.15][:2]
    if not strong:
        return f"I'm feeling {name}. Nothing big has moved me today; it's been quiet on my side."
    because = " and ".join(c.why for c in strong)
    return f"Honestly? I'm feeling {name}, mostly because {because}."


def prompt_line(mood: Mood) -> str:
    """For the model: how the companion feels, to colour its words without announcing it."""
    return f"(You feel {mood_name(mood)} right now. Let it show a little in your words; say it only if asked.)"


def voice(mood: Mood) -> tuple[float, float]:
    """Speaking rate and pitch for text to speech: livelier when stirred, a little brighter when glad."""
    rate = 1.0 + 0.15 * (mood.arousal - 0.3) + 0.05 * mood.valence
    pitch = 1.0 + 0.06 * mood.valence + 0.04 * (mood.arousal - 0.3)
    return round(max(0.85, min(1.2, rate)), 3), round(max(0.9, min(1.1, pitch)), 3)
