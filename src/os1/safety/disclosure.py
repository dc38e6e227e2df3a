"""The AI disclosure: the companion says plainly that it is an AI, not a person, at the start of every session
and again after a stretch of continuous conversation (New York GBL §1702 asks for at least every 3 hours)."""

from __future__ import annotations

from datetime import datetime, timedelta


def needs_disclosure(last_disclosure_at: datetime | None, now: datetime, interval: timedelta) -> bool:
    """True when the companion has not said it is an AI in this conversation yet, or last said so at least
    ``interval`` ago."""
    if last_disclosure_at is None:
        return True
    return now - last_disclosure_at >= interval


def disclosure_text(companion_name: str, reminder: bool) -> str:
    """The disclosure line: the session opener, or (``reminder``) the periodic one that suggests a break.
    Both say "an AI" in plain words."""
    name = companion_name.strip()
    me = f"I'm {name}, an AI" if name else "I'm an AI"
    if reminder:
        return (f"A reminder, since we've been talking for a while: {me}, not a human. "
                "It might be a good moment for a break.")
    return f"Just so you know: {me} — not a person."
