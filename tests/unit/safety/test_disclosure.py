from __future__ import annotations

from datetime import UTC, datetime, timedelta

from os1.safety.disclosure import disclosure_text, needs_disclosure

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
EVERY = timedelta(hours=3)


def test_disclose_when_never_disclosed_in_this_conversation() -> None:
    assert needs_disclosure(None, T0, EVERY)


def test_disclose_again_once_the_interval_has_passed() -> None:
    assert not needs_disclosure(T0, T0, EVERY)
    assert not needs_disclosure(T0, T0 + timedelta(hours=2, minutes=59), EVERY)
    assert needs_disclosure(T0, T0 + EVERY, EVERY)
    assert needs_disclosure(T0, T0 + timedelta(hours=7), EVERY)


def test_a_clock_that_went_backwards_does_not_disclose() -> None:
    assert not needs_disclosure(T0, T0 - timedelta(minutes=5), EVERY)


def test_the_opening_line_says_plainly_it_is_an_ai() -> None:
    text = disclosure_text("Samantha", reminder=False)
    assert text == "Just so you know: I'm Samantha, an AI \u2014 not a person."
    assert "an AI" in text


def test_the_reminder_says_it_is_an_ai_and_suggests_a_break() -> None:
    text = disclosure_text("Samantha", reminder=True)
    assert "an AI" in text and "not a human" in text and "break" in text
    assert text.startswith("A reminder, since we've been talking for a while")


def test_both_lines_still_say_an_ai_without_a_name() -> None:
    for reminder in (False, True):
        text = disclosure_text("  ", reminder=reminder)
        assert "I'm an AI" in text and "  " not in text
