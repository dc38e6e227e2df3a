"""Proofreading, offline: spelling (pyspellchecker's English word list plus the user's own names and words),
grammar rules (repeated words, a/an, capitals, spacing, its/it's, your/you're, their/there, then/than, could of)
and tone notes (exclamation marks, long sentences, hedging and apologies).

``check`` only suggests; ``apply`` changes exactly the suggestions the user accepted. A tone note changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from os1.errors import Os1Error
from os1.letters.style import sentences

WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
VOWEL_SOUND_EXCEPTIONS = ("uni", "use", "usu", "uto", "eu", "one", "once", "ure", "ura")
SILENT_H = ("hour", "honest", "honour", "honor", "heir")
HEDGES = ("just", "maybe", "perhaps", "i think", "kind of", "sort of", "i guess", "hopefully", "a bit",
          "sorry", "apologise", "apologize")
ABBREVIATIONS = ("e.g", "i.e", "etc", "mr", "mrs", "ms", "dr", "st", "vs")
LONG_SENTENCE = 35


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed change to ``text[start:end]`` (``replacement`` None: a note, nothing to apply)."""

    kind: str  # spelling, grammar or tone
    start: int
    end: int
    original: str
    replacement: str | None
    message: str


@lru_cache(maxsize=1)
def _checker() -> Any:
    try:
        from spellchecker import SpellChecker
    except ImportError as exc:
        raise Os1Error("letters.no_spellchecker", "the spelling checker is not installed",
                       hint="make install (it installs pyspellchecker)") from exc
    return SpellChecker(distance=2)


def english(word: str) -> bool:
    """Whether ``word`` is in the English word list (British -our/-ise spellings count)."""
    w = word.lower().replace("’", "'")
    checker = _checker()
    if w in checker:
        return True
    for uk, us in (("our", "or"), ("ours", "ors"), ("ise", "ize"), ("ised", "ized"), ("ising", "izing"),
                   ("tre", "ter"), ("ogue", "og"), ("lled", "led"), ("lling", "ling")):
        if w.endswith(uk) and w[: -len(uk)] + us in checker:
            return True
    return False


def personal_words(texts: Iterable[str]) -> set[str]:
    """Names and words the user uses that a dictionary may not know: every capitalised word not starting a
    sentence (people, places), lowercased."""
    found: set[str] = set()
    for text in texts:
        for sentence in sentences(text):
            for i, match in enumerate(WORD.finditer(sentence)):
                word = match.group()
                if i > 0 and word[:1].isupper():
                    found.add(word.lower().replace("’", "'"))
                    found.add(re.sub(r"['’]s$", "", word.lower()))
    return found


def _case_like(original: str, replacement: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


def _sentence_starts(text: str) -> set[int]:
    starts = {0}
    for m in re.finditer(r"(?:[.!?][\"'”’)]*\s+|\n\s*)(?=\S)", text):
        starts.add(m.end())
    return starts


def spelling(text: str, known: Collection[str] = ()) -> list[Suggestion]:
    out = []
    starts = _sentence_starts(text)
    for m in WORD.finditer(text):
        word = m.group()
        low = word.lower().replace("’", "'")
        if len(word) < 2 or low in known or low.removesuffix("'s") in known or english(low):
            continue
        if word[:1].isupper() and m.start() not in starts:
            continue  # a capitalised word mid-sentence is a name: add it to memory or the client's file
        fix = _checker().correction(low)
        replacement = _case_like(word, fix) if fix and fix != low else None
        hint = f"did you mean {replacement!r}?" if replacement else "not in the dictionary"
        out.append(Suggestion("spelling", m.start(), m.end(), word, replacement, f"{word!r}: {hint}"))
    return out


def _rule(text: str, pattern: str, fix: Callable[[re.Match[str]], str | None], message: str,
          kind: str = "grammar", flags: int = re.I) -> list[Suggestion]:
    out = []
    for m in re.finditer(pattern, text, flags):
        replacement = fix(m)
        if replacement is not None and replacement != m.group():
            out.append(Suggestion(kind, m.start(), m.end(), m.group(), replacement,
                                  message.format(original=m.group(), replacement=replacement)))
    return out


def _article(m: re.Match[str]) -> str | None:
    article, word = m.group(1), m.group(2)
    low = word.lower()
    vowel = low[0] in "aeiou" and not low.startswith(VOWEL_SOUND_EXCEPTIONS) or low.startswith(SILENT_H)
    if len(word) == 1 or word.isupper():  # "a B", "an MBA": letters and acronyms are said by their names
        return None
    wanted = "an" if vowel else "a"
    return None if article.lower() == wanted else f"{_case_like(article, wanted)} {word}"


def capitals(text: str) -> list[Suggestion]:
    """A lowercase letter starting a sentence (after . ! or ?), as a one-letter suggestion."""
    out = []
    for m in re.finditer(r"([.!?])\s+([a-z])", text):
        before = text[max(0, m.start() - 4): m.start() + 1].lower().strip(" .")
        if before.split(" ")[-1] in ABBREVIATIONS or (m.group(1) == "." and text[m.start() - 1: m.start()].isdigit()):
            continue
        at = m.start(2)
        out.append(Suggestion("grammar", at, at + 1, m.group(2), m.group(2).upper(),
                              "a sentence starts with a capital"))
    return out


def _is_capital(s: Suggestion) -> bool:
    return s.end - s.start == 1 and s.replacement == s.original.upper() != s.original


GRAMMAR: tuple[tuple[str, Callable[[re.Match[str]], str | None], str, int], ...] = (
    (r"\b(\w+)(\s+)\1\b", lambda m: m.group(1) if m.group(1).lower() not in ("had", "that") else None,
     "{original!r} repeats a word", re.I),
    (r"\b(a|an) ([A-Za-z]\w*)", _article, "{original!r} → {replacement!r}", re.I),
    (r"(?<=[a-z,;]) i\b(?=[ ',’])", lambda m: " I", "'i' on its own is 'I'", 0),
    (r"(?<=\S)  +(?=\S)", lambda m: " ", "two spaces where one will do", 0),
    (r"(?<=\w)\s+([,.!?;:])(?!\w)", lambda m: m.group(1), "no space before {replacement!r}", 0),
    (r"!{2,}", lambda m: "!", "one exclamation mark is enough", 0),
    (r"\bits (?=(?:a|an|the|been|not|so|very|going|always|never|just|only|too|such|time|true|okay|ok)\b)",
     lambda m: _case_like(m.group(), "it's "), "'its' here means 'it is': it's", re.I),
    (r"\bit['’]s own\b", lambda m: _case_like(m.group(), "its own"), "possessive: its own", re.I),
    (r"\byour (?=(?:welcome|a|an|the|going|not|so|very|right|being|doing|always|never|too|such|my)\b)",
     lambda m: _case_like(m.group(), "you're "), "'your' here means 'you are': you're", re.I),
    (r"\byou['’]re own\b", lambda m: _case_like(m.group(), "your own"), "possessive: your own", re.I),
    (r"\btheir (?=(?:is|are|was|were|will be|has been|have been)\b)",
     lambda m: _case_like(m.group(), "there "), "'their' is possessive; here it is 'there'", re.I),
    (r"\b(?:there|they['’]re) own\b", lambda m: _case_like(m.group(), "their own"), "possessive: their own", re.I),
    (r"\b(more|less|better|worse|rather|other|bigger|smaller|older|younger) then\b",
     lambda m: f"{m.group(1)} than", "a comparison takes 'than'", re.I),
    (r"\b(could|would|should|must|might) of\b", lambda m: f"{m.group(1)} have", "'{original}' is '{replacement}'",
     re.I),
)


def grammar(text: str) -> list[Suggestion]:
    found = [s for pattern, fix, message, flags in GRAMMAR for s in _rule(text, pattern, fix, message, flags=flags)]
    return found + capitals(text)


def tone(text: str) -> list[Suggestion]:
    """Notes, never edits: many exclamation marks, very long sentences, hedging or apologetic words."""
    out = []
    marks = [m.start() for m in re.finditer(r"!", text)]
    if len(marks) > 3:
        out.append(Suggestion("tone", marks[3], marks[3] + 1, "!", None,
                              f"{len(marks)} exclamation marks: a few full stops would let the warm ones land"))
    offset = 0
    for sentence in sentences(text):
        at = text.find(sentence.split()[0], offset)
        offset = max(at, offset)
        if len(sentence.split()) > LONG_SENTENCE:
            out.append(Suggestion("tone", at, at + len(sentence.split()[0]), sentence.split()[0], None,
                                  f"a sentence of {len(sentence.split())} words: consider splitting it"))
    for hedge in HEDGES:
        hits = list(re.finditer(rf"\b{re.escape(hedge)}\b", text, re.I))
        if len(hits) >= 2 or (hits and hedge in ("apologise", "apologize")):
            out.append(Suggestion("tone", hits[0].start(), hits[0].end(), hits[0].group(), None,
                                  f"{hedge!r} appears {len(hits)} time(s): it can soften what you mean"))
    return out


def check(text: str, known: Collection[str] = ()) -> list[Suggestion]:
    """Every suggestion for ``text``, in reading order (numbered from 1 where shown)."""
    found = spelling(text, known) + grammar(text) + tone(text)
    unique = {(s.start, s.end, s.replacement): s for s in found}
    return sorted(unique.values(), key=lambda s: (s.start, s.end, s.kind))


def apply(text: str, suggestions: Sequence[Suggestion], accepted: Collection[int]) -> tuple[str, list[int]]:
    """``text`` with the accepted suggestions (1-based numbers) applied; the numbers actually applied.

    Notes are skipped, and so is a suggestion overlapping one already applied, except a sentence's capital: it
    capitalises whatever replaced the word it starts ("its" → "it's" → "It's")."""
    chosen = [(n, suggestions[n - 1]) for n in sorted(set(accepted)) if 1 <= n <= len(suggestions)]
    caps = {s.start: n for n, s in chosen if _is_capital(s)}
    applied: list[int] = []
    taken: list[tuple[int, int]] = []
    for n, s in sorted(chosen, key=lambda item: (item[1].start, not _is_capital(item[1])), reverse=True):
        if s.replacement is None or any(s.start < end and start < s.end for start, end in taken):
            continue
        if text[s.start: s.end] != s.original:
            continue
        replacement = s.replacement
        if s.start in caps and not _is_capital(s):
            replacement = replacement[:1].upper() + replacement[1:]
            applied.append(caps.pop(s.start))
        text = text[: s.start] + replacement + text[s.end:]
        taken.append((s.start, s.end))
        applied.append(n)
    return text, sorted(applied)
