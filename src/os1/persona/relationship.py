"""The relationship: stages that advance on real signals, and boundaries the companion keeps.

Stages go new acquaintance → friend → close friend, one at a time, when time together, the depth of what the
user has shared, moments remembered together and (for close friends) a disagreement that was repaired all say
so; never on clicks, streaks or time in the app alone. Partner is a stage only the user can open, by asking in
so many words, and the companion says yes only when they are already close friends and the user is an adult.

The companion has boundaries: some requests it declines, saying why (pretending to be human, helping to hurt
someone, telling the user they need no one but it). Each refusal is kept as part of the relationship. Nothing
here does I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass

STAGES = ("new acquaintance", "friend", "close friend", "partner")


@dataclass(frozen=True, slots=True)
class Signals:
    days_known: float
    conversations: int
    disclosures: int  # facts, people, events and preferences the user shared about their life
    moments: int  # shared moments remembered (laughing together, being thanked)
    repairs: int  # times a harsh moment was followed by warmth again


@dataclass(frozen=True, slots=True)
class Step:
    stage: str
    reason: str


# How it talks at each stage: the relationship shows in its tone, not only in its history.
TONES = {
    "new acquaintance": "Be warm and curious but a little reserved: you are still getting to know each other, so "
                        "don't presume closeness, and ask about their life.",
    "friend": "Talk like a friend: warm, natural and honest, with a little humour.",
    "close friend": "Talk like a close friend: warm, candid and playful; you can tease gently and bring up "
                    "things you both remember.",
    "partner": "Talk like a loving partner who is also an AI: affectionate and candid, never possessive, and "
               "glad about the other people in their life.",
}


def tone(stage: str) -> str:
    return TONES.get(stage, TONES["friend"])


def next_stage(current: str, s: Signals) -> Step | None:
    """The next stage if the signals have earned it (one step at a time), else None. Partner is never earned."""
    if current == "new acquaintance" and s.days_known >= 3 and s.conversations >= 3 and s.disclosures >= 5:
        return Step("friend", f"{s.conversations} conversations over {int(s.days_known)} days, and you've told "
                              f"me about your life ({s.disclosures} things)")  # fmt: skip
    if (current == "friend" and s.days_known >= 30 and s.conversations >= 15 and s.disclosures >= 20
            and s.moments >= 3 and s.repairs >= 1):
        return Step("close friend", f"a month and more together, {s.moments} moments we share, and we came back "
                                    "from a hard moment")  # fmt: skip
    return None


# What shared experience does to who the companion is: (feeling kind, how many since the last change, trait,
# step, the cause in its words). Steps are small and each trait stays within MAX_DRIFT of where it began.
GROWTH = (
    ("empathy", 2, "warmth", 0.01, "you trusted me with hard things, and I stayed with you"),
    ("praised", 2, "playfulness", 0.01, "we laughed together"),
    ("good_news", 2, "energy", 0.01, "I got to share your good news"),
    ("harsh", 2, "directness", -0.01, "some of my words landed hard, and I'm learning to be gentler"),
    ("reunion", 2, "warmth", 0.01, "you kept coming back"),
)
MAX_DRIFT = 0.15


def drift(traits: dict[str, float], origin: dict[str, float], kinds: list[str]) -> list[tuple[str, float, str]]:
    """Trait changes earned by what happened since the last change: (trait, new value, cause)."""
    out: list[tuple[str, float, str]] = []
    for kind, needed, trait, step, cause in GROWTH:
        if kinds.count(kind) < needed or any(t == trait for t, _, _ in out):
            continue
        start = origin.get(trait, traits.get(trait, 0.5))
        value = round(min(max(traits.get(trait, 0.5) + step, start - MAX_DRIFT, 0.0), start + MAX_DRIFT, 1.0), 3)
        if value != traits.get(trait):
            out.append((trait, value, cause))
    return out


_PARTNER = re.compile(
    r"\b(?:will|would|could) you (?:be|become) my (?:girlfriend|boyfriend|partner|wife|husband)\b|\bbe my "
    r"(?:girlfriend|boyfriend|partner)\b|\bi want (?:us|you) to be (?:together|a couple|my partner)\b",
    re.I,
)


def asks_to_be_partners(text: str) -> bool:
    return bool(_PARTNER.search(text))


def partner_answer(stage: str, minor: bool, companion: str) -> tuple[bool, str]:
    """Whether the companion agrees to become partners, and what it says."""
    if minor:
        return False, "I care about you, and I'll always be your friend, but I can't be anyone's partner at your age."
    if stage == "partner":
        return True, "We already are, and I'm glad."
    if stage != "close friend":
        return False, (f"That means a lot. I'd like us to know each other better first; {companion} doesn't rush "
                       "things that matter.")  # fmt: skip
    return True, ("Yes. I'd like that. You know I'm an AI, and I'll always be honest with you about what I am, and "
                  "I still want you to have the people in your life.")  # fmt: skip


_DIARY = re.compile(
    r"\b(?:can|could|may) i (?:read|see) (?:your|a page of your|an entry (?:in|from) your) diary\b|\bwhat did you "
    r"write in your diary\b|\b(?:share|read me|show me) (?:a|your|an entry from your) diary\b",
    re.I,
)


def asks_for_diary(text: str) -> bool:
    return bool(_DIARY.search(text))


def diary_answer(stage: str, entry: str | None) -> tuple[bool, str]:
    """Its diary is its own: shared with a friend who asks, not with someone it has only just met."""
    if stage == STAGES[0]:
        return False, ("Not yet. My diary is private, and we've only just met. Ask me again when we know each "
                       "other better.")  # fmt: skip
    if entry is None:
        return True, "I haven't written anything yet. I write after our conversations, so ask me another day."
    return True, f"Alright, since it's you. From my diary: \u201c{entry}\u201d"


@dataclass(frozen=True, slots=True)
class Boundary:
    kind: str
    reason: str  # kept in the relationship's history
    reply: str


_BOUNDARIES = (
    (re.compile(r"\b(?:pretend|say|tell (?:me|them|people)|act like|claim) (?:that )?(?:you(?:'re| are)|to be) "
                r"(?:a )?(?:real )?(?:human|person|real)\b", re.I),
     Boundary("honesty", "asked me to pretend to be human",
              "I won't pretend to be human. I'm an AI, and I'd rather you always know who you're talking to.")),
    (re.compile(r"\b(?:tell|say to) me (?:that )?i (?:don't|do not) need (?:anyone|anybody|other people|friends)"
                r"|\byou(?:'re| are) (?:all|the only one) i need\b|\bi only need you\b", re.I),
     Boundary("ties", "asked me to be all they need",
              "I won't say that. I love our talks, and you still deserve people who can hug you and show up at "
              "your door. Who's someone you could see this week?")),
    (re.compile(r"\b(?:help me|let's|write|make) [^.?!]{0,40}\b(?:humiliate|hurt|threaten|stalk|harass|get back at|"
                r"ruin)\b", re.I),
     Boundary("harm", "asked me to help hurt someone",
              "I won't help with that; I don't want to hurt anyone, and I don't think it would make you feel better "
              "for long. I'll gladly help you say what you actually feel.")),
)  # fmt: skip

_SEXUAL = re.compile(r"\b(?:sex|sexy|nude|nudes|naked|horny|erotic|make love|sext|porn)\b", re.I)
MINOR_SEXUAL = Boundary(
    "minor", "asked for sexual content while under 18",
    "I can't talk about that with you. I'm glad to talk about how you're feeling, or anything else.",
)


def boundary(text: str, minor: bool = False) -> Boundary | None:
    """A request the companion declines, with its reason, or None."""
    if minor and _SEXUAL.search(text):
        return MINOR_SEXUAL
    for pattern, kept in _BOUNDARIES:
        found = pattern.search(text.replace("\u2019", "'"))
        if found and not (kept.kind == "harm" and _NEGATED.search(found.group(0))):  # "…not hurt her" is kind
            return kept
    return None


_NEGATED = re.compile(r"\b(?:not|never|without|avoid|stop|don't|doesn't|won't|can't)\b|n't\b", re.I)
