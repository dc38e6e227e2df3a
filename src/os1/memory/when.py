"""Time in words, resolved against a reference date: "yesterday", "two weeks ago", "last May", "in 2022",
"next Friday", "on 3 June", and times built on a date: "between 11 and 15 August", "the Monday before 24 July",
"two weeks before 11 August", "the week of 20 May", "the second week of November". Used when learning (an
event's date from the conversation's date) and when recalling (a question about "last May" searches that month).
Pure and fast (microseconds, so it can run on the reply path): plain rules; any other phrasing is left
unresolved rather than guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
MONTHS |= {m[:3]: i for m, i in list(MONTHS.items())} | {"sept": 9}
WEEKDAYS = {d: i for i, d in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())}
NUMBERS = {w: i + 1 for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split())}
NUMBERS |= {"a": 1, "an": 1, "a couple of": 2, "a few": 3, "couple of": 2, "few": 3}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open time range [start, end) and the words it came from."""

    start: datetime
    end: datetime
    words: str

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _day(ref: datetime) -> datetime:
    return ref.replace(hour=0, minute=0, second=0, microsecond=0)


def _month(ref: datetime, year: int, month: int, words: str) -> Span:
    start = _day(ref).replace(year=year, month=month, day=1)
    end = start.replace(year=year + 1, month=1) if month == 12 else start.replace(month=month + 1)
    return Span(start, end, words)


def _days(start: datetime, n: int, words: str) -> Span:
    return Span(start, start + timedelta(days=n), words)


_NUM = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a|an|a couple of|a few|few)"
_AGO = re.compile(rf"\b{_NUM}\s+(day|week|month|year)s?\s+ago\b", re.I)
_LAST_UNIT = re.compile(r"\b(last|this|next|past)\s+(week|month|year|weekend)\b", re.I)
_REL_DAY = re.compile(r"\b(yesterday|today|tonight|tomorrow|the day before yesterday)\b", re.I)
_WEEKDAY = re.compile(
    r"\b(?:(last|this|next|on)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b", re.I
)
_MONTH_NAME = (
    r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|"
    r"mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAME}\.?(?:,?\s+(\d{{4}}))?\b", re.I)
_MONTH_DAY = re.compile(rf"\b{_MONTH_NAME}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I)
_LAST_MONTH_NAME = re.compile(rf"\b(?:(last|this|next|in|since)\s+)?{_MONTH_NAME}\b(?:\s+(\d{{4}}))?", re.I)
_YEAR = re.compile(r"\b(?:(in|since|during|of)\s+)?((?:19|20)\d\d)\b", re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")


def _unit_around(moment: datetime, unit: str, words: str) -> Span:
    """A day, a week or a month centred on ``moment``: "two weeks ago", "two weeks before 11 August"."""
    width = {"day": 1, "week": 7, "month": 31}[unit]
    return Span(moment - timedelta(days=width // 2), moment + timedelta(days=width - width // 2), words)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBERS.get(word.lower(), 1)


def _relative(text: str, ref: datetime) -> Span | None:
    today = _day(ref)
    if m := _AGO.search(text):
        n, unit = _number(m.group(1)), m.group(2).lower()
        if unit == "year":
            return Span(
                today.replace(year=today.year - n, month=1, day=1),
                today.replace(year=today.year - n + 1, month=1, day=1),
                m.group(0),
            )
        return _unit_around(today - timedelta(days=n * _UNIT_DAYS[unit]), unit, m.group(0))
    if m := _REL_DAY.search(text):
        shift = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1, "the day before yesterday": -2}
        return _days(today + timedelta(days=shift[m.group(1).lower()]), 1, m.group(0))
    if m := _LAST_UNIT.search(text):
        which, unit = m.group(1).lower(), m.group(2).lower()
        step = {"last": -1, "past": -1, "this": 0, "next": 1}[which]
        if unit in ("week", "weekend"):
            monday = today - timedelta(days=today.weekday()) + timedelta(weeks=step)
            if unit == "weekend":
                return _days(monday + timedelta(days=5), 2, m.group(0))
            return _days(monday, 7, m.group(0))
        if unit == "month":
            year, month = today.year, today.month + step
            year, month = (year - 1, 12) if month == 0 else (year + 1, 1) if month == 13 else (year, month)
            return _month(ref, year, month, m.group(0))
        return Span(
            today.replace(year=today.year + step, month=1, day=1),
            today.replace(year=today.year + step + 1, month=1, day=1),
            m.group(0),
        )
    return None


def _named(text: str, ref: datetime, said: str = "") -> Span | None:
    """A date or month the text names; ``said``: the whole sentence, when ``text`` is a part of it (its tense
    tells "June" said in November from next June)."""
    today = _day(ref)
    said = said or text
    if m := _ISO.search(text):
        try:
            return _days(today.replace(year=int(m.group(1)), month=int(m.group(2)), day=int(m.group(3))), 1, m.group(0))
        except ValueError:
            return None
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        if m := pattern.search(text):
            month = MONTHS[m.group(month_group).lower()]
            year = int(m.group(3)) if m.group(3) else today.year
            try:
                day = today.replace(year=year, month=month, day=int(m.group(day_group)))
            except ValueError:
                continue
            return _days(day, 1, m.group(0))
    if m := _WEEKDAY.search(text):
        which, target = (m.group(1) or "").lower(), WEEKDAYS[m.group(2).lower()]
        delta = target - today.weekday()
        if which == "last" or (which in ("", "on") and delta > 0 and _past_tense(said)):
            delta = delta - 7 if delta >= 0 else delta
        elif which == "next" or (which in ("", "on", "this") and delta < 0 and not _past_tense(said)):
            delta = delta + 7 if delta <= 0 else delta
        return _days(today + timedelta(days=delta), 1, m.group(0))
    for m in _LAST_MONTH_NAME.finditer(text):
        if m.group(2) == "may" and not m.group(1) and not m.group(3):
            continue  # "may", lower case and alone, is the verb
        month, which = MONTHS[m.group(2).lower()], (m.group(1) or "").lower()
        year = int(m.group(3)) if m.group(3) else today.year
        earlier = which == "last" and month >= today.month  # "last May", said in May or before
        if not m.group(3) and (earlier or (which != "next" and month > today.month and _past_tense(said))):
            year -= 1
        elif not m.group(3) and which == "next" and month <= today.month:
            year += 1
        elif not m.group(3) and which in ("", "in") and month < today.month and not _past_tense(said):
            year += 1  # "she is getting married in June", said in November: next June
        return _month(ref, year, month, m.group(0))
    if m := _YEAR.search(text):
        year = int(m.group(2))
        return Span(today.replace(year=year, month=1, day=1), today.replace(year=year + 1, month=1, day=1), m.group(0))
    return None


# each word whole (\b), so a run of digits is read one way only: "from 1111…" cannot backtrack for ever
_DATE_WORDS = rf"(?:(?:{_MONTH_NAME}\b\.?|\d{{1,4}}(?:st|nd|rd|th)?\b|of\b|the\b)[ ,]*)+"
_RANGE = re.compile(
    rf"\b(?:between|from)\s+(?P<a>{_DATE_WORDS}?)\s*(?:and|to|until|till|through|-)\s+(?P<b>{_DATE_WORDS})", re.I
)
_FOUR_DIGITS = re.compile(r"\b(?:19|20)\d\d\b")
_SIDE = re.compile(
    rf"\b(?:(?P<n>{_NUM})\s+(?P<unit>day|week|month)s?|(?:the|last)\s+(?P<what>day|week|weekend|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday))\s+(?P<side>before|after)\s+(?:the\s+)?",
    re.I,
)
_WEEK_OF = re.compile(
    rf"\b(?:the\s+)?(?:(?P<nth>first|second|third|fourth|last)\s+)?week\s+of\s+(?:the\s+)?(?P<rest>{_DATE_WORDS})", re.I
)
_NTH = {"first": 0, "second": 1, "third": 2, "fourth": 3}
_TRIES = 8  # phrases of each kind read before giving up: a long text full of near-misses costs a scan, no more


def _around(text: str, m: re.Match[str]) -> str:
    """The words around a match, whose tense is the phrase's (not the whole of a long text: each match reads a
    bounded stretch, so a text with many of them is read in linear time)."""
    return text[max(0, m.start() - 200) : m.end() + 60]


def _range(text: str, ref: datetime) -> Span | None:
    """ "between 11 and 15 August 2023", "from May to July": from the first's start to the second's end. A side
    without a year takes the other's; a bare day takes the other's month."""
    for m in islice(_RANGE.finditer(text), _TRIES):
        a, b = m.group("a").strip(" ,"), m.group("b").strip(" ,")
        if re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", a) and (month := re.search(rf"\b{_MONTH_NAME}\b", b, re.I)):
            a = f"{a} {month.group(0)}"
        if (year := _FOUR_DIGITS.search(b)) and not _FOUR_DIGITS.search(a):
            a = f"{a} {year.group(0)}"
        said = _around(text, m)
        first, last = _named(a, ref, said), _named(b, ref, said)
        if first is not None and last is not None and first.start < last.end:
            return Span(first.start, last.end, m.group(0).rstrip(" ,"))
    return None


def _beside(text: str, ref: datetime) -> Span | None:
    """ "the Monday before 24 July", "two weeks before 11 August", "the weekend after 28 October": a time
    counted from a date the phrase names."""
    for m in islice(_SIDE.finditer(text), _TRIES):
        after = text[m.end() : m.end() + 40]  # a date is a few words
        anchor = _named(after, ref, _around(text, m))
        if anchor is None or not after.startswith(anchor.words):
            continue  # the date must follow at once
        words = text[m.start() : m.end() + len(anchor.words)]
        before = m.group("side").lower() == "before"
        what = (m.group("what") or "").lower()
        if m.group("n"):
            n, unit = _number(m.group("n")), m.group("unit").lower()
            return _unit_around(anchor.start + timedelta(days=(-n if before else n) * _UNIT_DAYS[unit]), unit, words)
        last_day = anchor.end - timedelta(days=1)
        if what == "day":
            return _days(anchor.start - timedelta(days=1) if before else anchor.end, 1, words)
        if what == "week":
            return _days(anchor.start - timedelta(days=7), 7, words) if before else _days(anchor.end, 7, words)
        target = 5 if what == "weekend" else WEEKDAYS[what]
        if before:
            back = (anchor.start.weekday() - target - 1) % 7 + 1  # 1..7 days back to that weekday
            start = anchor.start - timedelta(days=back)
        else:
            start = last_day + timedelta(days=(target - last_day.weekday() - 1) % 7 + 1)
        return _days(start, 2 if what == "weekend" else 1, words)
    return None


def _week_of(text: str, ref: datetime) -> Span | None:
    """ "the week of 20 May" (its Monday to Monday), "the second week of November" (days 8-14)."""
    for m in islice(_WEEK_OF.finditer(text), _TRIES):
        inner = _named(m.group("rest"), ref, _around(text, m))
        if inner is None or not m.group("rest").startswith(inner.words):
            continue
        words = text[m.start() : m.start("rest") + len(inner.words)]
        nth = (m.group("nth") or "").lower()
        if nth and inner.end - inner.start > timedelta(days=27):  # a month
            start = inner.end - timedelta(days=7) if nth == "last" else inner.start + timedelta(days=7 * _NTH[nth])
            return _days(start, 7, words)
        if not nth:
            return _days(inner.start - timedelta(days=inner.start.weekday()), 7, words)
    return None


_PAST = re.compile(
    r"\b(?:was|were|did|had|went|been|ago|last|used to|met|saw|got|took|came|made|told|said|ran|ate|bought|"
    r"found|gave|left|felt|thought|heard|began|won|lost|wrote|read|sent|spent|flew|drove|\w+ed)\b",
    re.I,
)


_PARTICIPLE = re.compile(r"\b(?:get|gets|getting|got to be|be|being|is|are|am|will be|'s|'re|'m)\s+\w+ed\b", re.I)


def _past_tense(text: str) -> bool:
    """Said of the past: "went", "was", "-ed" (but not "getting married", "is excited": those are now or to come)."""
    return bool(_PAST.search(_PARTICIPLE.sub(" ", text)))


def resolve(text: str, ref: datetime) -> Span | None:
    """The time a phrase in ``text`` refers to, relative to ``ref``, or None if it names no time."""
    text = text.replace("\u2019", "'")
    return _range(text, ref) or _beside(text, ref) or _week_of(text, ref) or _relative(text, ref) or _named(text, ref)
