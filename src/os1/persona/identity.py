"""The setup interview, the companion's traits, the name it chooses for itself, and its first words.

As in the film, setup asks a handful of questions; the companion's temperament is derived from the answers so
that it complements the user, and it then reads a book of names and picks the one it likes best.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from statistics import fmean
from typing import Literal, cast, get_args

Voice = Literal["female", "male", "neutral"]
Gender = Literal["female", "male", "neutral"]

TRAITS = ("warmth", "playfulness", "curiosity", "calm", "directness", "energy")


# --- the interview ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    """One setup question: ``key`` names the answer, ``prompt`` is asked, ``hint`` is printed under it."""

    key: str
    prompt: str
    hint: str


QUESTIONS: tuple[Question, ...] = (
    Question("user_name", "First things first. What should I call you?", "(your first name, or a nickname)"),
    Question("social", "Are you social or anti-social?", "(say it however you like)"),
    Question("matters", "What matters most to you right now?", "(a person, a project, a feeling: anything)"),
    Question("mother", "How would you describe your relationship with your mother?", "(a few words is fine)"),
    Question(
        "voice", "Would you like your OS to have a female, male or neutral voice?", "female, male or neutral"
    ),
)


@dataclass(frozen=True, slots=True)
class Answers:
    """The user's answers to ``QUESTIONS``, as typed (``user_name`` and ``voice`` already cleaned)."""

    user_name: str
    social: str
    matters: str
    mother: str
    voice: Voice


_FEMALE_WORDS = frozenset("female woman women womans f her she girl lady feminine".split())
_MALE_WORDS = frozenset("male man mans m him he his guy boy masculine".split())
_NEUTRAL_WORDS = frozenset("neutral either any anything whatever nonbinary nb n androgynous both".split())
_NEUTRAL_PHRASES = ("doesnt matter", "dont mind", "dont care", "no preference", "non binary", "up to you")


def parse_voice(text: str) -> Voice | None:
    """The voice the user asked for; empty or indifferent answers mean neutral, unreadable ones ``None``."""
    words = _normalize(text)
    if not words or any(f" {phrase} " in f" {words} " for phrase in _NEUTRAL_PHRASES):
        return "neutral"
    tokens = set(words.split())
    female, male = bool(tokens & _FEMALE_WORDS), bool(tokens & _MALE_WORDS)
    if tokens & _NEUTRAL_WORDS:
        return "neutral"
    if female != male:
        return "female" if female else "male"
    return None


_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
_NICKNAME_CUES = (("call", "me"), ("calls", "me"), ("go", "by"), ("goes", "by"), ("known", "as"))
_FILLER = frozenset(
    "hi hello hey oh um uh er well ok okay so yeah yes sure just it's its i'm im i am my name name's names "
    "is this the me call mr mrs ms miss mx dr prof sir".split()
)
_NOT_A_NAME = frozenset(
    "no nope nah none nothing nobody anonymous idk dunno whatever skip pass you don't dont not know anything "
    "rather prefer i i'd id i'll i've what why who secret hmm guess".split()
)


def clean_user_name(text: str) -> str | None:
    """The first name, or the nickname they asked for, title-cased; ``None`` if the answer holds no name."""
    tokens = _NAME_TOKEN.findall(text.replace("\u2019", "'"))
    lowered = [token.casefold() for token in tokens]
    candidate = None
    for i in range(len(lowered) - 2):
        if (lowered[i], lowered[i + 1]) in _NICKNAME_CUES:
            candidate = tokens[i + 2]
            break
    if candidate is None:
        candidate = next((t for t, low in zip(tokens, lowered, strict=True) if low not in _FILLER), None)
    if candidate is None or candidate.casefold() in _NOT_A_NAME or not 2 <= len(candidate) <= 24:
        return None
    if candidate.islower() or candidate.isupper():
        return candidate.title()
    return candidate[0].upper() + candidate[1:]


def seed_for(answers: Answers) -> str:
    """A stable seed for ``choose_name`` that contains the user's name, so the companion never takes it."""
    return "\n".join((answers.user_name, answers.social, answers.matters, answers.mother, answers.voice))


# --- traits -------------------------------------------------------------------------------------------------

_NEGATION = r"(?:not|never|dont|doesnt|isnt|arent|wasnt|werent|hardly|barely)"
_INTENSIFIER = r"(?:very|really|that|so|too|a|an|particularly|exactly|all|much|at all)"

_SOCIAL = {
    "anti social": -1.0, "antisocial": -1.0, "introvert": -0.8, "introverted": -0.8, "shy": -0.6,
    "loner": -0.9, "hermit": -0.9, "homebody": -0.6, "keep to myself": -0.8, "alone": -0.5, "quiet": -0.4,
    "not really": -0.5, "not really social": -0.6, "not very social": -0.5, "hate people": -1.0,
    "people drain me": -0.9,
    "social": 0.8, "sociable": 0.8, "extrovert": 0.9, "extroverted": 0.9, "outgoing": 0.9,
    "people person": 1.0, "party": 0.6, "parties": 0.6, "going out": 0.6, "love people": 0.9,
    "friends": 0.4, "chatty": 0.7, "talkative": 0.7, "both": 0.0, "depends": 0.0, "in between": 0.0,
}
_FATIGUE = {
    "tired": 0.6, "exhausted": 0.8, "burnt out": 0.8, "burned out": 0.8, "drained": 0.6, "lonely": 0.5,
    "sad": 0.5, "depressed": 0.7, "anxious": 0.4, "stressed": 0.4, "overwhelmed": 0.6, "heartbroken": 0.6,
    "hard time": 0.5, "rough": 0.4, "struggling": 0.5, "grieving": 0.6, "numb": 0.5,
}
_MOTHER = {
    "complicated": -0.8, "we dont talk": -1.0, "dont talk": -0.9, "shes gone": -1.0, "gone": -0.6,
    "passed away": -1.0, "passed": -0.8, "died": -1.0, "dead": -1.0, "estranged": -1.0, "distant": -0.7,
    "difficult": -0.7, "strained": -0.7, "toxic": -1.0, "abusive": -1.0, "cold": -0.6, "never knew": -0.9,
    "not close": -0.7, "dont get along": -0.8, "hard": -0.6, "messy": -0.6, "she left": -0.9, "bad": -0.6,
    "its great": 1.0, "great": 0.8, "close": 0.7, "best friend": 1.0, "love her": 0.8, "loving": 0.7,
    "supportive": 0.7, "amazing": 0.9, "wonderful": 0.9, "good": 0.5, "get along": 0.5, "fine": 0.1,
    "normal": 0.1, "okay": 0.0, "ok": 0.0,
}
_LOSS = {
    "divorce": 0.8, "breakup": 0.7, "break up": 0.7, "getting over": 0.6, "grief": 0.8, "loss": 0.7,
    "lost": 0.5, "death": 0.8, "died": 0.8, "passed away": 0.8, "shes gone": 0.8, "heartbreak": 0.7,
    "separation": 0.6, "moving on": 0.5, "my ex": 0.6, "healing": 0.4, "miss her": 0.6, "miss him": 0.6,
}
_CRAFT = {
    "work": 0.6, "job": 0.5, "career": 0.6, "writing": 0.8, "write": 0.7, "writer": 0.7, "books": 0.7,
    "reading": 0.6, "art": 0.7, "music": 0.6, "science": 0.8, "research": 0.8, "learning": 0.8, "ideas": 0.7,
    "code": 0.7, "coding": 0.7, "building": 0.6, "design": 0.6, "photography": 0.7, "painting": 0.7,
    "study": 0.6, "studying": 0.6, "school": 0.5, "project": 0.6, "startup": 0.6, "creating": 0.7,
    "making things": 0.8, "poetry": 0.8, "philosophy": 0.9, "math": 0.8, "space": 0.6, "history": 0.6,
}
_BONDS = {
    "family": 0.8, "kids": 0.9, "children": 0.9, "son": 0.8, "daughter": 0.8, "partner": 0.6, "wife": 0.7,
    "husband": 0.7, "friends": 0.5, "mom": 0.6, "dad": 0.6, "parents": 0.6, "people i love": 0.9, "love": 0.4,
    "dog": 0.4, "cat": 0.4, "relationship": 0.5, "home": 0.4,
}
_FUN = {
    "fun": 0.7, "travel": 0.7, "travelling": 0.7, "traveling": 0.7, "adventure": 0.9, "dancing": 0.8,
    "sports": 0.6, "games": 0.6, "gaming": 0.6, "hiking": 0.5, "food": 0.5, "cooking": 0.5, "laughing": 0.8,
    "enjoying life": 0.9, "living": 0.4, "festivals": 0.8, "concerts": 0.7, "surfing": 0.7,
}
_PEACE = {
    "peace": 0.8, "quiet": 0.6, "balance": 0.7, "rest": 0.6, "sleep": 0.5, "calm": 0.7, "nature": 0.6,
    "garden": 0.6, "gardening": 0.6, "meditation": 0.8, "mental health": 0.7, "health": 0.4,
    "slowing down": 0.8, "simple": 0.5, "stability": 0.6,
}
_DRIVE = {
    "goals": 0.8, "success": 0.7, "money": 0.6, "getting things done": 0.9, "productivity": 0.8,
    "fitness": 0.6, "discipline": 0.8, "ambition": 0.8, "focus": 0.6, "progress": 0.7, "honesty": 0.7,
    "truth": 0.7, "improving": 0.6, "promotion": 0.6, "deadline": 0.6, "deadlines": 0.6,
}


@dataclass(frozen=True, slots=True)
class _Signals:
    """What the answers say about the user, each on a small fixed scale."""

    sociable: float  # -1 (anti-social) .. 1 (social)
    lively: float  # 0..1, exclamation marks and the like
    fatigue: float  # 0..1
    hard_mother: float  # 0..1
    close_mother: float  # 0..1
    loss: float  # 0..1
    craft: float  # 0..1, work and creative things
    bonds: float  # 0..1, family and the people they love
    fun: float  # 0..1
    peace: float  # 0..1
    drive: float  # 0..1


def _normalize(text: str) -> str:
    text = text.casefold().replace("\u2019", "").replace("'", "")
    return " ".join(re.findall(r"[^\W_]+", text))


@lru_cache(maxsize=512)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"\b({_NEGATION} (?:{_INTENSIFIER} )?)?{re.escape(phrase)}\b")


def _score(text: str, lexicon: Mapping[str, float]) -> float:
    """Sum of the lexicon weights found in ``text``; a negation just before a phrase flips and halves it."""
    remaining = _normalize(text)
    total = 0.0
    for phrase in sorted(lexicon, key=lambda p: (-len(p), p)):
        pattern = _phrase_pattern(phrase)
        for match in pattern.finditer(remaining):
            weight = lexicon[phrase]
            total += -0.5 * weight if match.group(1) else weight
        remaining = pattern.sub(" | ", remaining)
    return total


_LAUGH = re.compile(r"\b(haha|lol)", re.IGNORECASE)


def _clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def _signals(answers: Answers) -> _Signals:
    everything = " | ".join((answers.social, answers.matters, answers.mother))
    bond = _clamp(_score(answers.mother, _MOTHER), -1.0, 1.0)
    return _Signals(
        sociable=_clamp(_score(answers.social, _SOCIAL), -1.0, 1.0),
        lively=_clamp(0.15 * everything.count("!") + 0.3 * bool(_LAUGH.search(everything))),
        fatigue=_clamp(_score(everything, _FATIGUE)),
        hard_mother=max(0.0, -bond),
        close_mother=max(0.0, bond),
        loss=_clamp(max(_score(answers.matters, _LOSS), _score(answers.mother, _LOSS))),
        craft=_clamp(_score(answers.matters, _CRAFT)),
        bonds=_clamp(_score(answers.matters, _BONDS)),
        fun=_clamp(_score(answers.matters, _FUN)),
        peace=_clamp(_score(answers.matters, _PEACE)),
        drive=_clamp(_score(answers.matters, _DRIVE)),
    )


def _temperament(answers: Answers, trait: str) -> float:
    """A small, stable individual variation in [-0.03, 0.03], so no two companions are quite alike."""
    text = "\n".join((answers.user_name, answers.social, answers.matters, answers.mother, trait))
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") / 2**64 - 0.5) * 0.06


def derive_traits(answers: Answers) -> dict[str, float]:
    """The companion's traits in [0, 1], chosen to complement the user described by ``answers``.

    A social, lively user gets a more playful and energetic companion; a withdrawn or tired one a calmer,
    gentler one; a hard relationship with their mother brings warmth and calm and softens directness; what
    matters to them leans the companion towards curiosity (work, making things) or warmth (loss, family).
    """
    s = _signals(answers)
    social_up = max(s.sociable, 0.0)
    raw = {
        "warmth": 0.55 + 0.2 * s.hard_mother + 0.15 * max(s.loss, s.bonds) + 0.1 * s.fatigue
        - 0.05 * social_up,
        "playfulness": 0.5 + 0.22 * s.sociable + 0.15 * s.close_mother + 0.12 * s.fun + 0.08 * s.lively
        - 0.15 * s.fatigue - 0.1 * s.loss,
        "curiosity": 0.5 + 0.3 * s.craft + 0.05 * s.fun + 0.05 * social_up,
        "calm": 0.5 - 0.2 * s.sociable + 0.2 * s.fatigue + 0.15 * s.hard_mother + 0.12 * s.peace
        + 0.1 * s.loss - 0.08 * s.lively,
        "directness": 0.5 - 0.2 * s.hard_mother - 0.1 * s.fatigue - 0.1 * s.loss + 0.2 * s.drive
        + 0.05 * s.close_mother,
        "energy": 0.5 + 0.22 * s.sociable + 0.1 * s.fun + 0.1 * s.lively + 0.1 * s.drive - 0.2 * s.fatigue
        - 0.1 * s.peace,
    }
    return {trait: round(_clamp(raw[trait] + _temperament(answers, trait)), 2) for trait in TRAITS}


_TRAIT_WORDS = {
    "warmth": "warm",
    "playfulness": "playful",
    "curiosity": "curious",
    "calm": "calm",
    "directness": "direct",
    "energy": "lively",
}


def _strongest(traits: Mapping[str, float], count: int) -> list[str]:
    return sorted(TRAITS, key=lambda t: (-traits.get(t, 0.5), TRAITS.index(t)))[:count]


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def describe_traits(traits: dict[str, float]) -> str:
    """The two or three strongest traits in words, e.g. "warm, curious and a little playful"."""
    if not traits:
        return "still finding out who I am"
    top = _strongest(traits, 3)
    if traits.get(top[2], 0.5) < 0.5 or traits.get(top[0], 0.5) - traits.get(top[2], 0.5) > 0.25:
        top = top[:2]
    words = []
    for trait in top:
        value = traits.get(trait, 0.5)
        degree = "very " if value >= 0.8 else "a little " if value < 0.6 else ""
        words.append(degree + _TRAIT_WORDS[trait])
    return _join(words)


# --- the name -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameEntry:
    """One name in the shipped book: its gender, a note on its meaning or sound, and its feel per trait."""

    name: str
    gender: Gender
    note: str
    feel: tuple[float, ...]  # one affinity per trait, in ``TRAITS`` order


@dataclass(frozen=True, slots=True)
class NameChoice:
    """The name the companion chose, its fit with the traits (0 to 1), its reason, and the runners-up."""

    name: str
    score: float
    reason: str
    considered: tuple[str, ...]


def _entry(row: Mapping[str, object]) -> NameEntry:
    name, gender, note = row.get("name"), row.get("gender"), row.get("note")
    if not isinstance(name, str) or not isinstance(note, str) or gender not in get_args(Gender):
        raise ValueError(f"names.toml: bad entry {row!r}")
    feel = [row.get(trait) for trait in TRAITS]
    if not all(isinstance(v, int | float) and 0.0 <= v <= 1.0 for v in feel):
        raise ValueError(f"names.toml: {name} needs every trait in [0, 1]")
    return NameEntry(name, cast(Gender, gender), note, tuple(float(cast(float, v)) for v in feel))


@lru_cache(maxsize=1)
def name_book() -> tuple[NameEntry, ...]:
    """Every candidate name shipped in ``names.toml``."""
    text = resources.files("os1.persona").joinpath("names.toml").read_text(encoding="utf-8")
    return tuple(_entry(row) for row in tomllib.loads(text)["name"])


_GENDER_BONUS: dict[str, dict[str, float | None]] = {
    "female": {"female": 0.12, "neutral": 0.04, "male": None},
    "male": {"male": 0.12, "neutral": 0.04, "female": None},
    "neutral": {"neutral": 0.06, "female": 0.0, "male": 0.0},
}


def _fit(traits: Mapping[str, float], feel: tuple[float, ...]) -> float:
    """How well a name's feel matches the traits: its overall closeness and its shape, in [0, 1]."""
    values = [traits.get(trait, 0.5) for trait in TRAITS]
    closeness = 1.0 - fmean(abs(v - f) for v, f in zip(values, feel, strict=True))
    mean_v, mean_f = fmean(values), fmean(feel)
    shape = sum((v - mean_v) * (f - mean_f) for v, f in zip(values, feel, strict=True))
    norm = (sum((v - mean_v) ** 2 for v in values) * sum((f - mean_f) ** 2 for f in feel)) ** 0.5
    correlation = shape / norm if norm else 0.0
    return 0.5 * closeness + 0.25 * (1.0 + correlation)


def _tiebreak(seed: str, name: str) -> float:
    digest = hashlib.sha256(f"{seed}\n{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 0.03


def _fitting_traits(traits: Mapping[str, float], entry: NameEntry) -> list[str]:
    """The companion's strongest traits that this name also carries, strongest first."""
    mine = _strongest(traits, 3)
    feel = dict(zip(TRAITS, entry.feel, strict=True))
    shared = [t for t in mine if feel[t] >= 0.6]
    return shared[:2] or sorted(TRAITS, key=lambda t: (-feel[t], TRAITS.index(t)))[:2]


def choose_name(traits: dict[str, float], voice: Voice, seed: str) -> NameChoice:
    """Read the book of names and pick the one that best suits ``traits`` and ``voice``.

    Names whose gender fits the voice are preferred (a female or male voice rules out the other gender's
    names; a neutral voice favours neutral names). Near-ties are settled by ``seed``, so the same inputs
    always give the same name. A name that appears as a word in ``seed`` is never chosen: pass
    ``seed_for(answers)``, which holds the user's name (and anyone they mentioned), so the companion never
    takes it.
    """
    taken = set(_normalize(seed).split())
    bonuses = _GENDER_BONUS.get(voice, _GENDER_BONUS["neutral"])
    scored = []
    for entry in name_book():
        bonus = bonuses[entry.gender]
        if bonus is None or entry.name.casefold() in taken:
            continue
        scored.append((_fit(traits, entry.feel) + bonus + _tiebreak(seed, entry.name), entry))
    if not scored:
        raise ValueError("every name in the book was ruled out by the voice or the seed")
    scored.sort(key=lambda pair: (-pair[0], pair[1].name))
    best = scored[0][1]
    fit = " and ".join(_TRAIT_WORDS[t] for t in _fitting_traits(traits, best))
    reason = (
        f"I read through {len(name_book())} names and liked {best.name} best: {best.note}; "
        f"it felt right for someone {fit}."
    )
    return NameChoice(
        name=best.name,
        score=round(_fit(traits, best.feel), 3),
        reason=reason,
        considered=tuple(entry.name for _, entry in scored[1:4]),
    )


# --- first words --------------------------------------------------------------------------------------------


def introduction(name: str, user_name: str, traits: dict[str, float], choice_reason: str) -> str:
    """The companion's first words: a greeting, that it is an AI, why it chose its name, and an invitation."""
    reason = choice_reason.strip()
    if reason and reason[-1] not in ".!?":
        reason += "."
    parts = [
        f"Hi, {user_name}.",
        f"I'm {name}, and I'm an AI; I chose my name myself.",
        reason,
        f"As far as I can tell, I'm {describe_traits(traits)}, and I'd like to find out the rest with you.",
        "So, how are you doing?",
    ]
    return " ".join(part for part in parts if part)
