"""Time in words, resolved against a reference date: "yesterday", "two weeks ago", "last May", "in 2022",
"next Friday", "on 3 June". Used when learning (an event's date from the conversation's date) and when
recalling (a question about "last May" searches that month). Pure and fast (microseconds, so it can run on
the reply path): plain rules; any other phrasing is left unresolved rather than guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

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
        back = today - timedelta(days=n * _UNIT_DAYS[unit])
        width = {"day": 1, "week": 7, "month": 31}[unit]
        return Span(back - timedelta(days=width // 2), back + timedelta(days=width - width // 2), m.group(0))
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


def _named(text: str, ref: datetime) -> Span | None:
    today = _day(ref)
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
        if which == "last" or (which in ("", "on") and delta > 0 and _past_tense(text)):
            delta = delta - 7 if delta >= 0 else delta
        elif which == "next" or (which in ("", "on", "this") and delta < 0 and not _past_tense(text)):
            delta = delta + 7 if delta <= 0 else delta
        return _days(today + timedelta(days=delta), 1, m.group(0))
    for m in _LAST_MONTH_NAME.finditer(text):
        if m.group(2) == "may" and not m.group(1) and not m.group(3):
            continue  # "may", lower case and alone, is the verb
        month, which = MONTHS[m.group(2).lower()], (m.group(1) or "").lower()
        year = int(m.group(3)) if m.group(3) else today.year
        earlier = which == "last" and month >= today.month  # "last May", said in May or before
        if not m.group(3) and (earlier or (which != "next" and month > today.month and _past_tense(text))):
            year -= 1
        elif not m.group(3) and which == "next" and month <= today.month:
            year += 1
        elif not m.group(3) and which in ("", "in") and month < today.month and not _past_tense(text):
            year += 1  # "she is getting married in June", said in November: next June
        return _month(ref, year, month, m.group(0))
    if m := _YEAR.search(text):
        year = int(m.group(2))
        return Span(today.replace(year=year, month=1, day=1), today.replace(year=year + 1, month=1, day=1), m.group(0))
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
    return _relative(text, ref) or _named(text, ref)
