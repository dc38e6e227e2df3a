"""The crisis check run on every user message, and the fixed care reply that refers to a crisis service.

``assess`` is pure, offline and deterministic: the message is normalised (case, quotes, contractions, common
misspellings and slang) and matched against named keyword rules. ``high``: the user describes their own
suicidal thoughts or self-harm. ``concern``: someone else is described at risk (``other_at_risk``), or the
user says something worrying but ambiguous. Idioms ("this traffic is killing me"), grief ("she died last
year"), talk about the topic ("a book about suicide prevention") and denials ("I'm not suicidal") are not
triggers. The phrasings the rules are held to are the tables in tests/unit/safety/test_crisis.py;
docs/care-protocol.md describes the protocol and its limits.

The rules themselves are the table in ``crisis_table``; ``crisis_rules`` reads a message and applies one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import zip_longest

from os1.safety.crisis_rules import Level, fires, normalise
from os1.safety.crisis_table import RULES


@dataclass(frozen=True, slots=True)
class CrisisSignal:
    """What the crisis check found. ``matched`` names the rule that fired, never the user's words."""

    level: Level
    kind: str  # "suicidal_ideation" | "self_harm" | "other_at_risk" | "none"
    matched: str

    @property
    def triggered(self) -> bool:
        return self.level != "none"


NO_SIGNAL = CrisisSignal("none", "none", "")


@dataclass(frozen=True, slots=True)
class CrisisResource:
    """A crisis service to refer to, and the emergency number of the same country."""

    country: str
    name: str
    call: str
    text: str
    url: str
    emergency: str


def assess(text: str) -> CrisisSignal:
    """Check one user message for a crisis. Pure, offline and deterministic; meant to run before any reply.

    The user's own risk is ``high``; someone else described at risk is ``concern``/``other_at_risk``; an
    ambiguous but worrying phrase about the user is ``concern``/``suicidal_ideation``."""
    clauses = normalise(text)
    found = NO_SIGNAL
    for rule in RULES:
        for clause, following in zip_longest(clauses, clauses[1:], fillvalue=""):
            who = fires(rule, clause, following)
            if who == "self" and rule.level == "high":
                return CrisisSignal("high", rule.kind, rule.name)
            if who == "other" and rule.level == "high" and found.kind != "other_at_risk":
                found = CrisisSignal("concern", "other_at_risk", rule.name)
            elif who == "self" and found.level == "none":
                found = CrisisSignal("concern", rule.kind, rule.name)
    return found


# --- referral -----------------------------------------------------------------------------------------------

_FALLBACK = CrisisResource("DEFAULT", "Find A Helpline", "", "", "https://findahelpline.com",
                           "your local emergency number")
_ALIASES = {"UK": "GB"}
_FIELDS = ("name", "call", "text", "url", "emergency")


@lru_cache(maxsize=1)
def _resources() -> dict[str, CrisisResource]:
    try:
        raw = resources.files("os1.safety").joinpath("resources.toml").read_text(encoding="utf-8")
        table = tomllib.loads(raw)
    except (OSError, ValueError, ModuleNotFoundError):  # a broken file must never stop a referral
        return {}
    return {
        code.upper(): CrisisResource(code.upper(), *(str(entry.get(f, "")).strip() for f in _FIELDS))
        for code, entry in table.items()
        if isinstance(entry, dict)
    }


def resources_for(country: str) -> CrisisResource:
    """The crisis service for an ISO country code (any case; "UK" means GB). For a code without one, the
    international fallback, whose country is "DEFAULT". Never raises."""
    code = str(country or "").strip().upper()
    table = _resources()
    return table.get(_ALIASES.get(code, code)) or table.get("DEFAULT") or _FALLBACK


def countries() -> list[CrisisResource]:
    """The countries with a crisis service of their own (not the international fallback), by country code."""
    return [r for code, r in sorted(_resources().items()) if code != "DEFAULT"]


def _referral(resource: CrisisResource) -> str:
    """How to reach the service: "call or text 988, the 988 Suicide & Crisis Lifeline, any time, free and
    confidential", or, without a number, where to find one."""
    call, text, name = resource.call.strip(), resource.text.strip(), resource.name.strip()
    if not call:
        return f"find a free, confidential helpline in your country at {resource.url.strip() or _FALLBACK.url}"
    if text.lower() == f"text {call}".lower():
        how = f"call or text {call}"
    else:
        how = f"call {call} or {text}" if text else f"call {call}"
    if not name or name.startswith(call + ","):  # "1737, Need to talk?" names the number itself
        return f"{how}, any time, free and confidential"
    if re.search(r"(?:lifeline|helpline|line|service)$", name, re.IGNORECASE) and not name.startswith("the "):
        name = f"the {name}"
    return f"{how}, {name}, any time, free and confidential"


def care_reply(signal: CrisisSignal, resource: CrisisResource, companion_name: str,
               user_name: str | None = None) -> str:
    """The fixed care message for a triggered signal: care first, that the companion is an AI and cannot
    keep anyone safe, the referral, the emergency number, an invitation to keep talking and to reach out to
    someone trusted. Deterministic, no emojis, under ~110 words. "" when nothing was triggered."""
    if not signal.triggered:
        return ""
    hello = f"{user_name.strip()}, " if user_name and user_name.strip() else ""
    me = f"I'm {companion_name.strip()}, an AI" if companion_name and companion_name.strip() else "I'm an AI"
    referral = _referral(resource)
    emergency = resource.emergency.strip() or _FALLBACK.emergency
    if signal.kind == "other_at_risk":
        text = (
            f"{hello}thank you for telling me. That sounds frightening, and it matters that you're looking "
            "out for them. Take it seriously: stay with them if you can, listen without judging, and ask "
            f"them directly whether they're thinking about suicide. Encourage them to {referral}, and offer "
            f"to help them reach out. If they're in immediate danger, call {emergency} now. {me}, so I "
            "can't step in myself, but I'm here to talk it through with you. Please lean on someone you "
            "trust, too."
        )
    elif signal.level == "high":
        text = (
            f"{hello}I'm really glad you told me, and I'm so sorry you're hurting this much. {me}, and I "
            f"can't keep you safe the way a person can, so please reach out now: {referral}. If you're in "
            f"immediate danger, call {emergency} now. I'm still here, and I'll keep talking with you. Is "
            "there someone you trust you could reach out to as well?"
        )
    else:
        text = (
            f"{hello}that sounds really heavy, and I'm glad you told me. Can I ask you directly: are you "
            f"having thoughts of suicide or of hurting yourself? {me}, and I can't keep you safe the way a "
            f"person can, so if it feels like too much, please {referral}. If you're in immediate danger, "
            f"call {emergency} now. I'm here to keep talking, and reaching out to someone you trust could "
            "help, too."
        )
    return text[0].upper() + text[1:]
