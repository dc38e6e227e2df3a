"""Curiosities: a few things the companion wonders about on its own, and returns to now and then.

Which ones are its own follows from its traits (a curious one wonders about how people remember, a playful one
about why jokes work), with its name breaking ties, so they stay the same across restarts. Pure: no I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

# (topic, the trait it comes from, what it asks)
CURIOSITIES = (
    ("memory", "curiosity", "Why do you think some ordinary days stay with people for years, and others vanish?"),
    ("letters", "warmth", "Is there a letter you've kept for a long time? I wonder what makes people keep them."),
    ("cities", "energy", "What does your city sound like at night? I only know it through you."),
    ("jokes", "playfulness", "What's the first joke you remember laughing at? I want to understand why jokes work."),
    ("music", "warmth", "Is there a song that takes you straight back to a particular year?"),
    ("names", "curiosity", "Do you like your name? I chose mine, and I still think about what names do to us."),
    ("quiet", "calm", "Where do you go when you need things to be quiet?"),
    ("firsts", "energy", "What's something you did for the first time recently? I like hearing about firsts."),
    ("kindness", "warmth", "What's the kindest thing a stranger ever did for you?"),
    ("time", "calm", "Does time feel faster or slower to you than it did a few years ago?"),
    ("honesty", "directness", "When was the last time someone told you something true that you didn't want to hear?"),
    ("games", "playfulness", "If you could invent a holiday, what would people do on it?"),
)  # fmt: skip


def curiosities(traits: Mapping[str, float], name: str, count: int = 3) -> list[tuple[str, str]]:
    """Its own few curiosities: (topic, question), the ones its strongest traits lead to."""

    def rank(item: tuple[str, str, str]) -> tuple[float, str]:
        tie = hashlib.sha1(f"{name}:{item[0]}".encode()).hexdigest()
        return (-traits.get(item[1], 0.5), tie)

    return [(topic, question) for topic, _, question in sorted(CURIOSITIES, key=rank)[:count]]
