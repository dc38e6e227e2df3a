"""Drafting a letter: gather what memory and the recipient's file know (with provenance), build a deterministic
scaffold in the user's style, and let the model add a sentence or two — kept only when it passes the checks (no
invented names or numbers, plain prose, not cut off); otherwise the scaffold stands alone."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from os1.errors import Os1Error
from os1.letters.base import ClientNote, Letter, Source
from os1.letters.style import Style, sentences
from os1.letters.weave import as_letter_sentence, note_sentence, occasion_line, since_line
from os1.llm.base import Model
from os1.types import Message, Recalled

MAX_DETAILS = 4
CALENDAR = frozenset("january february march april may june july august september october november december monday "
                     "tuesday wednesday thursday friday saturday sunday christmas easter".split())
META = re.compile(r"\b(?:letters?|sentences?|AI|assistant|language model|sincerely|regards|here is|here's|"
                  r"sure|certainly|as an)\b|^dear\b", re.I)
CAPITAL = re.compile(r"\b[A-Z][a-z'’]+\b")
COMMON = frozenset("i you your my me the a an of to and in on for it is am are was be so that this with all "
                   "think hope love every time always".split())


class Recall(Protocol):
    """What memory knows that bears on a query (``os1.memory.recall.HybridRecall`` is one)."""

    async def search(
        self, user_id: int, query: str, limit: int = 5, exclude_conversation: int | None = None
    ) -> list[Recalled]: ...


@dataclass(frozen=True, slots=True)
class Request:
    recipient: str
    occasion: str
    notes: tuple[str, ...] = ()
    author: str = ""  # the name to sign with (the style's signature when empty)


@dataclass(frozen=True, slots=True)
class Material:
    """What a draft may draw on: sentences ready for the letter, context for the model, the last letter."""

    names: tuple[str, ...]
    details: tuple[tuple[str, Source], ...] = ()
    context: tuple[Source, ...] = ()
    previous: Letter | None = None
    as_of: datetime | None = None  # when the letter is written (the last one was so long before)


@dataclass(frozen=True, slots=True)
class Draft:
    body: str
    sources: tuple[Source, ...]
    model_text: str | None  # the model's sentences, when they were kept
    model_note: str  # what happened to them


def recipient_names(recipient: str, notes: Sequence[ClientNote] = ()) -> tuple[str, ...]:
    """The full name, the first name, and the other names in the recipient's file."""
    full = " ".join(recipient.split())
    names = [full, full.split()[0]] if full else []
    names += [n.text for n in notes if n.kind == "name"]
    return tuple(dict.fromkeys(n for n in names if n))


def _mentions(text: str, names: Sequence[str]) -> bool:
    return any(re.search(rf"\b{re.escape(n)}\b", text, re.I) for n in names)


async def gather(
    recall: Recall | None, user_id: int, request: Request, notes: Sequence[ClientNote] = (),
    previous: Letter | None = None, limit: int = 12, now: datetime | None = None,
) -> Material:
    """What memory recalls about the recipient (only what names them) and their file's dates and details."""
    names = recipient_names(request.recipient, notes)
    details: list[tuple[str, Source]] = []
    context: list[Source] = []
    for note in notes:
        if note.kind == "name":
            continue
        sentence = as_letter_sentence(note.text, names)
        if sentence and len(details) < MAX_DETAILS:
            details.append((sentence, Source("client", note.id, note.text)))
        else:
            context.append(Source("client", note.id, note.text, "context"))
    found = await recall.search(user_id, " ".join((*names, request.occasion, *request.notes)), limit) if recall \
        else []
    for hit in found:
        if not _mentions(hit.text, names):
            continue
        kind = "turn" if hit.source == "turn" else "memory"
        sentence = as_letter_sentence(hit.text, names) if kind == "memory" else None
        if sentence and len(details) < MAX_DETAILS and sentence not in (d for d, _ in details):
            details.append((sentence, Source(kind, hit.ref_id, hit.text)))
        else:
            context.append(Source(kind, hit.ref_id, hit.text, "context"))
    return Material(names, tuple(details), tuple(context), previous, now)


def signature(request: Request, style: Style) -> str:
    return request.author or style.signature


def scaffold(request: Request, material: Material, style: Style) -> list[str]:
    """The paragraphs of the letter before the model adds anything: greeting, occasion, memories, notes."""
    first = request.recipient.split()[0] if request.recipient.split() else request.recipient
    opening = occasion_line(request.occasion)
    if material.previous is not None:
        last = material.previous
        opening += " " + since_line(request.occasion, last.occasion, last.written_on, material.as_of or last.created_at)
    paragraphs = [style.greet(first), opening]
    if material.details:
        paragraphs.append(" ".join(sentence for sentence, _ in material.details))
    notes = " ".join(note_sentence(n) for n in request.notes if n.strip())
    if notes:
        paragraphs.append(notes)
    return paragraphs


def closing(request: Request, style: Style) -> str:
    name = signature(request, style)
    return style.sign_off + (f"\n{name}" if name else "")


def allowed_words(request: Request, material: Material, style: Style) -> set[str]:
    """Every capitalised word and number the letter's material contains: what the model may repeat."""
    texts = [request.recipient, request.occasion, *request.notes, *material.names, signature(request, style),
             *(s.text for _, s in material.details), *(s.text for s in material.context)]
    if material.previous is not None:
        texts.append(material.previous.body)
    found = {w.lower() for t in texts for w in re.findall(r"[A-Za-z'’]+|\d+", t)}
    return found | CALENDAR | {"i"}


def check(
    text: str, allowed: set[str], is_word: Callable[[str], bool], borrowed: Sequence[str] = ()
) -> tuple[str | None, str]:
    """The model's sentences if they are fit to go in the letter, else None and the reason. ``borrowed``: texts
    it must not copy from (the example letters, written to other people)."""
    text = " ".join(text.split()).strip("\"“”' ")
    if not text:
        return None, "the model wrote nothing"
    if re.search(r"[<>\[\]{}#*@_|\\/]|https?:", text):
        return None, "it was not plain prose"
    kept = [s for s in sentences(text) if s.rstrip("\"”’)").endswith((".", "!", "?"))][:2]
    kept = [s for s in kept if len(s.split()) >= 4]
    if not kept:
        return None, "it was cut off or too short"
    out = " ".join(kept)
    if len(out.split()) > 45:
        return None, "it ran too long"
    if META.search(out):
        return None, "it talked about the task instead of writing to the recipient"
    for sentence in kept:
        for match in CAPITAL.finditer(sentence):
            word = match.group().lower().replace("’", "'")
            at_start = match.start() == 0
            if word in allowed or word.removesuffix("'s") in allowed or word.startswith("i'") or (
                    at_start and is_word(word)):
                continue
            return None, f"it named someone or something the letter does not know ({match.group()!r})"
    numbers = set(re.findall(r"\d+", out)) - allowed
    if numbers:
        return None, f"it invented a number ({sorted(numbers)[0]})"
    grams = _trigrams(out)
    if len(grams) != len(set(grams)):
        return None, "it repeated itself"
    if not re.search(r"\b(?:you|your|yours)\b", out, re.I):
        return None, "it did not speak to the recipient"
    copied = set(grams) & {g for text in borrowed for g in _trigrams(text) if not set(g.split()) <= COMMON}
    if copied:
        return None, f"it copied another letter ({sorted(copied)[0]!r})"
    return out, "kept"


def _trigrams(text: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z']+", text.replace("’", "'"))]
    return [" ".join(words[i: i + 3]) for i in range(len(words) - 2)]


def prompt(request: Request, material: Material, style: Style) -> list[Message]:
    """A short prompt for a small model: the task, the user's own sentences as examples, the facts."""
    first = request.recipient.split()[0] if request.recipient.split() else request.recipient
    system = ("You help a person write a warm, personal letter in their own voice. Reply with one or two short "
              "sentences for the end of the letter, spoken to the recipient. No greeting, no sign-off, no names "
              "that are not given.")
    if style.phrases:
        system += " They often say: " + "; ".join(f'"{p}"' for p in style.phrases[:3]) + "."
    messages = [Message("system", system)]
    for _, example in style.examples[:2]:
        lines = [s for s in sentences(example) if 5 <= len(s.split()) <= 30]
        if lines:
            messages += [Message("user", "Write a warm closing sentence for a letter."),
                         Message("assistant", lines[-1])]
    facts = [s.text for _, s in material.details] + [s.text for s in material.context[:3]]
    about = (" What I know: " + " ".join(f.rstrip(".") + "." for f in facts)) if facts else ""
    notes = (" My notes: " + " ".join(note_sentence(n) for n in request.notes)) if request.notes else ""
    occasion = f" for {request.occasion}" if request.occasion else ""
    messages.append(Message("user", f"Write a warm closing sentence for a letter to {first}{occasion}.{about}{notes}"))
    return messages


async def polish(
    model: Model, messages: Sequence[Message], allowed: set[str], is_word: Callable[[str], bool],
    borrowed: Sequence[str] = (), timeout_s: float = 60.0, **opts: object,
) -> tuple[str | None, str]:
    """Ask the model for a sentence or two; (text, "kept") or (None, why it was not used)."""
    parts: list[str] = []
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in model.stream(messages, max_tokens=60, **opts):
                parts.append(chunk.text)
    except TimeoutError:
        return None, f"the model took longer than {timeout_s:.0f}s"
    except Os1Error as exc:
        return None, f"the model failed: {exc.message}"
    return check("".join(parts), allowed, is_word, borrowed)


async def draft_letter(
    request: Request, material: Material, style: Style, model: Model | None, is_word: Callable[[str], bool],
    timeout_s: float = 60.0, **opts: object,
) -> Draft:
    """The letter: the scaffold, the model's sentences when they pass ``check``, the sign-off; and its sources."""
    paragraphs = scaffold(request, material, style)
    text, note = None, "not asked (drafted without the model)"
    if model is not None:
        examples = [example for _, example in style.examples]
        text, note = await polish(model, prompt(request, material, style), allowed_words(request, material, style),
                                  is_word, examples, timeout_s, **opts)
        if text is None:
            note = f"not used: {note}"
    if text:
        paragraphs.append(text)
    body = "\n\n".join([*paragraphs, closing(request, style)]) + "\n"
    return Draft(body, sources(request, material, style, text), text, note)


def sources(request: Request, material: Material, style: Style, model_text: str | None) -> tuple[Source, ...]:
    out = [source for _, source in material.details]
    if material.previous is not None:
        last = material.previous
        out.append(Source("letter", last.id, f"{last.occasion or 'letter'}, {last.written_on:%Y-%m-%d}: "
                          f"{_first_line(last.body)}"))
    out += [Source("note", None, n) for n in request.notes if n.strip()]
    out += [replace(s, use="context") for s in material.context]
    out += [Source("style", i, "greeting, sign-off and examples learned from it", "style") for i in style.letter_ids]
    if model_text:
        out.append(Source("model", None, model_text))
    return tuple(out)


def _first_line(body: str) -> str:
    lines = [s for s in sentences(body.split("\n", 1)[-1]) if s]
    return (lines[0] if lines else body.strip())[:120]
