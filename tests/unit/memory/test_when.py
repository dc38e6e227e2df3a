"""Time in words, resolved against the conversation's date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from os1.memory.when import Span, resolve

REF = datetime(2026, 3, 11, 15, 30, tzinfo=UTC)  # a Wednesday afternoon
FRIDAY = 4


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def _span(text: str, ref: datetime = REF) -> tuple[datetime, datetime]:
    span = resolve(text, ref)
    assert span is not None, text
    return span.start, span.end


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("I saw her yesterday", day(2026, 3, 10)),
        ("today was long", day(2026, 3, 11)),
        ("tonight we eat out", day(2026, 3, 11)),
        ("I'll call her tomorrow", day(2026, 3, 12)),
        ("the day before yesterday", day(2026, 3, 9)),
        ("Yesterday, honestly", day(2026, 3, 10)),
    ],
)
def test_relative_days_are_whole_days(text, start):
    assert _span(text) == (start, start + timedelta(days=1))


def test_weeks_ago_is_a_week_around_that_day():
    start, end = _span("two weeks ago I quit")
    assert end - start == timedelta(days=7)
    assert start <= day(2026, 2, 25) < end  # 14 days before the 11th
    assert end <= day(2026, 3, 11)
    start, end = _span("3 days ago")
    assert (start, end) == (day(2026, 3, 8), day(2026, 3, 9))


def test_years_ago_is_that_calendar_year():
    assert _span("a year ago") == (day(2025, 1, 1), day(2026, 1, 1))
    assert _span("two years ago we met") == (day(2024, 1, 1), day(2025, 1, 1))


def test_last_this_next_units():
    assert _span("last week") == (day(2026, 3, 2), day(2026, 3, 9))  # Monday to Monday
    assert _span("this weekend") == (day(2026, 3, 14), day(2026, 3, 16))
    assert _span("next month") == (day(2026, 4, 1), day(2026, 5, 1))
    assert _span("last month", day(2026, 1, 15)) == (day(2025, 12, 1), day(2026, 1, 1))
    assert _span("next month", day(2026, 12, 15)) == (day(2027, 1, 1), day(2027, 2, 1))
    assert _span("last year") == (day(2025, 1, 1), day(2026, 1, 1))


def test_last_may_before_may_is_the_year_before():
    assert _span("I went there last May") == (day(2025, 5, 1), day(2025, 6, 1))


def test_last_may_after_may_is_this_year():
    assert _span("I went there last May", day(2026, 8, 20)) == (day(2026, 5, 1), day(2026, 6, 1))


def test_a_month_name_alone_follows_the_tense():
    assert _span("we met in June") == (day(2025, 6, 1), day(2025, 7, 1))  # past, and June is after March
    assert _span("we will meet in June") == (day(2026, 6, 1), day(2026, 7, 1))
    assert _span("we met in February") == (day(2026, 2, 1), day(2026, 3, 1))
    assert _span("next February") == (day(2027, 2, 1), day(2027, 3, 1))
    assert _span("in May 2019") == (day(2019, 5, 1), day(2019, 6, 1))


@pytest.mark.parametrize("text", ["in 2022", "back in 2022 I was lost", "since 2022", "2022 was hard"])
def test_a_year_is_the_whole_year(text):
    assert _span(text) == (day(2022, 1, 1), day(2023, 1, 1))


def test_weekdays():
    start, end = _span("next Friday")
    assert start.weekday() == FRIDAY and end - start == timedelta(days=1)
    assert REF < start <= REF + timedelta(days=14)
    start, _ = _span("next Friday", day(2026, 3, 13))  # said on a Friday: not today
    assert start.weekday() == FRIDAY and start > day(2026, 3, 13)
    assert _span("last Friday") == (day(2026, 3, 6), day(2026, 3, 7))
    assert _span("I saw her on Friday") == (day(2026, 3, 6), day(2026, 3, 7))  # past tense: the one before
    assert _span("I'll see her on Friday") == (day(2026, 3, 13), day(2026, 3, 14))
    assert _span("on Wednesday") == (day(2026, 3, 11), day(2026, 3, 12))  # today's weekday: today


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("on 3 June 2023", day(2023, 6, 3)),
        ("the 3rd of June, 2023", day(2023, 6, 3)),
        ("June 3rd, 2023", day(2023, 6, 3)),
        ("June 3rd", day(2026, 6, 3)),
        ("3 Jun", day(2026, 6, 3)),
        ("Sept 1", day(2026, 9, 1)),
        ("2023-06-03", day(2023, 6, 3)),
        ("it was 1999-12-31 and then", day(1999, 12, 31)),
    ],
)
def test_named_dates_are_that_day(text, start):
    assert _span(text) == (start, start + timedelta(days=1))


@pytest.mark.parametrize(
    "text",
    [
        "I may come by later",
        "You may be right.",
        "Maybe we should talk",
        "I love jazz",
        "nothing about time here at all",
        "",
        "2023-02-30",  # not a date
        "my 2nd cousin",
        "room 2022b",
    ],
)
def test_no_time_words_is_none(text):
    assert resolve(text, REF) is None


@pytest.mark.parametrize(
    ("text", "start"), [("I may have moved in 2022", day(2022, 1, 1)), ("I may visit in June", day(2026, 6, 1))]
)
def test_the_verb_may_does_not_hide_a_later_date(text, start):
    assert _span(text)[0] == start


def test_ref_time_of_day_does_not_leak_into_the_span():
    assert _span("yesterday", datetime(2026, 3, 11, 23, 59, tzinfo=UTC))[0] == day(2026, 3, 10)
    assert _span("in 2022", datetime(2026, 3, 11, 0, 1, tzinfo=UTC))[0] == day(2022, 1, 1)


def test_span_is_half_open():
    span = Span(day(2026, 3, 10), day(2026, 3, 11), "yesterday")
    assert span.contains(day(2026, 3, 10))
    assert span.contains(datetime(2026, 3, 10, 23, 59, tzinfo=UTC))
    assert not span.contains(day(2026, 3, 11))
    assert not span.contains(day(2026, 3, 9))


def test_curly_apostrophes_are_read():
    assert _span("I\u2019ll see her tomorrow")[0] == day(2026, 3, 12)


def test_a_coming_month_already_past_this_year_is_next_year():
    ref = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    span = resolve("She is getting married in June", ref)
    assert span is not None and (span.start.year, span.start.month) == (2027, 6)
    past = resolve("We went to Paris in June", ref)
    assert past is not None and (past.start.year, past.start.month) == (2026, 6)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Where was John between August 11 and August 15 2023?", day(2023, 8, 11), day(2023, 8, 16)),
        ("between 11 and 15 August 2023", day(2023, 8, 11), day(2023, 8, 16)),
        ("I was away from 3rd to 10th of June 2025", day(2025, 6, 3), day(2025, 6, 11)),
        ("what did I do between June 2022 and March 2023", day(2022, 6, 1), day(2023, 4, 1)),
    ],
)
def test_a_range_runs_from_its_first_date_to_the_end_of_its_last(text, start, end):
    span = resolve(text, REF)
    assert span is not None and (span.start, span.end) == (start, end)
    assert span.words.startswith(("between", "from")) and text.find(span.words) >= 0  # recall strips these words


def test_between_things_that_are_not_dates_is_no_range():
    assert resolve("How many weeks passed between adopting Coco and Shadow?", REF) is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("What did they do on the Monday before July 24, 2023?", day(2023, 7, 17), day(2023, 7, 18)),  # a Monday
        ("the Sunday before October 25, 2022", day(2022, 10, 23), day(2022, 10, 24)),
        ("the weekend before 4th October, 2023", day(2023, 9, 30), day(2023, 10, 2)),
        ("last weekend before April 10, 2023", day(2023, 4, 8), day(2023, 4, 10)),
        ("the Saturday after October 28, 2023", day(2023, 11, 4), day(2023, 11, 5)),  # the 28th is a Saturday
        ("the week before 16 November 2023", day(2023, 11, 9), day(2023, 11, 16)),
        ("the week after 16 November 2023", day(2023, 11, 17), day(2023, 11, 24)),
        ("the day after 3 June 2023", day(2023, 6, 4), day(2023, 6, 5)),
        ("the puppy she got two weeks before August 11, 2023", day(2023, 7, 25), day(2023, 8, 1)),
    ],
)
def test_a_time_counted_from_a_named_date(text, start, end):
    span = resolve(text, REF)
    assert span is not None and (span.start, span.end) == (start, end), span


def test_weeks_of_a_month_and_the_week_of_a_day():
    assert _span("in the second week of November 2023") == (day(2023, 11, 8), day(2023, 11, 15))
    assert _span("the last week of June 2023") == (day(2023, 6, 24), day(2023, 7, 1))
    assert _span("the week of 20 May 2023") == (day(2023, 5, 15), day(2023, 5, 22))  # Monday to Monday
    ref = datetime(2023, 12, 1, tzinfo=UTC)
    assert _span("Which country was Tim visiting in the second week of November?", ref)[0] == day(2023, 11, 8)


def test_hostile_text_is_read_in_one_pass():
    """A run of digits after "from" could once be split into date words in exponentially many ways (40 digits
    would never finish); many near-miss phrases are each read once."""
    assert resolve("from " + "1" * 40 + " xyz", REF) is None
    assert resolve("the Monday before 1 " * 2000 + "the Monday before July 24, 2023", REF) is not None
    assert resolve("between 1 and x " * 2000, REF) is None
