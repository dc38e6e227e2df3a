"""The letters capability's operations over the stores, for the CLI now and the API later: draft and keep a
letter, import the letters the user kept, learn their style, proofread with accepted suggestions only, and
compile the book. Each change to a letter adds a version."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from os1.errors import Os1Error
from os1.letters import proof
from os1.letters.base import Letter, Source, Version
from os1.letters.book import BookOptions, BookResult, render_pdf
from os1.letters.draft import Draft, Recall, Request, draft_letter, gather
from os1.letters.epub import render_epub
from os1.letters.fonts import FontChoice
from os1.letters.store import SqliteLetters
from os1.letters.style import Style, learn_style, split_letter
from os1.llm.base import Model
from os1.store.base import Store


@dataclass(frozen=True, slots=True)
class Desk:
    """What the letters capability works with: the store, the letters repository, one user (and their name)."""

    store: Store
    letters: SqliteLetters
    user_id: int
    author: str = ""


async def style_of(desk: Desk) -> Style:
    """The user's style, learned from every letter they imported (oldest first)."""
    kept = await desk.letters.browse(desk.user_id, origin="imported", limit=500)
    return learn_style([(letter.id, letter.body) for letter in kept])


async def new_letter(
    desk: Desk, request: Request, recall: Recall | None, model: Model | None, now: datetime,
    timeout_s: float = 60.0, **opts: object,
) -> tuple[Letter, Draft]:
    """Draft a letter to ``request.recipient`` from memory, their file and the user's style, and keep it."""
    client = await desk.letters.client(desk.user_id, request.recipient, now)
    assert client is not None
    notes = await desk.letters.notes(desk.user_id, client.id)
    past = await desk.letters.browse(desk.user_id, client_id=client.id)
    previous = past[-1] if past else None
    material = await gather(recall, desk.user_id, request, notes, previous, now=now)
    style = await style_of(desk)
    request = replace(request, author=request.author or style.signature or desk.author)
    draft = await draft_letter(request, material, style, model, proof.english, timeout_s, **opts)
    letter = await desk.letters.create(desk.user_id, client.name, request.occasion, "drafted", draft.body, now,
                                       draft.sources, client.id)
    return letter, draft


async def import_letter(
    desk: Desk, text: str, now: datetime, recipient: str | None = None, occasion: str = "",
    written_on: datetime | None = None,
) -> Letter:
    """Keep a letter the user wrote; its greeting names the recipient unless ``recipient`` is given."""
    if not text.strip():
        raise Os1Error("letters.empty", "the letter is empty")
    name = recipient or split_letter(text).recipient
    if not name:
        raise Os1Error("letters.no_recipient", "cannot tell who this letter is to (no 'Dear …,' line)",
                       hint="say who: --to NAME")
    client = await desk.letters.client(desk.user_id, name, now)
    assert client is not None
    return await desk.letters.create(desk.user_id, client.name, occasion, "imported", text.strip() + "\n", now,
                                     client_id=client.id, written_on=written_on)


async def dictionary(desk: Desk) -> set[str]:
    """The user's own words for the spelling check: names in memory, in clients' files and in their letters."""
    texts = [m.text for m in await desk.store.memories.current(desk.user_id, limit=2000)]
    words = set()
    for client in await desk.letters.clients(desk.user_id):
        words |= {w.lower() for w in client.name.split()}
        notes = await desk.letters.notes(desk.user_id, client.id)
        words |= {w.lower() for n in notes if n.kind == "name" for w in n.text.split()}
        texts += [n.text for n in notes]
    texts += [letter.body for letter in await desk.letters.browse(desk.user_id, limit=1000)]
    return words | proof.personal_words(texts)


async def proofread(desk: Desk, letter_id: int) -> tuple[Letter, list[proof.Suggestion]]:
    letter = await must_get(desk, letter_id)
    return letter, proof.check(letter.body, await dictionary(desk))


async def accept(
    desk: Desk, letter: Letter, suggestions: Sequence[proof.Suggestion], numbers: Collection[int], now: datetime
) -> tuple[Version | None, list[int]]:
    """Apply exactly the accepted suggestions, as a new version (None when nothing changed)."""
    text, applied = proof.apply(letter.body, suggestions, numbers)
    if not applied or text == letter.body:
        return None, applied
    change = "proofread: accepted " + ", ".join(f"#{n} ({suggestions[n - 1].kind})" for n in applied)
    return await desk.letters.revise(desk.user_id, letter.id, text, change, now), applied


async def must_get(desk: Desk, letter_id: int) -> Letter:
    letter = await desk.letters.get(desk.user_id, letter_id)
    if letter is None:
        raise Os1Error("letters.not_found", f"no letter #{letter_id}", hint="see `os1 letters list`")
    return letter


async def chosen_letters(desk: Desk, ids: Sequence[int]) -> list[Letter]:
    """The letters named (in that order), or the favourites (oldest first)."""
    if ids:
        found = await desk.letters.many(desk.user_id, ids)
        missing = sorted(set(ids) - {x.id for x in found})
        if missing:
            raise Os1Error("letters.not_found", f"no letter #{missing[0]}", hint="see `os1 letters list`")
        return found
    return await desk.letters.browse(desk.user_id, favourites=True, limit=1000)


def compile_book(
    letters: Sequence[Letter], options: BookOptions, font: FontChoice, pdf: Path, epub: Path | None,
) -> BookResult:
    """The PDF (and the EPUB when asked) of ``letters``."""
    result = render_pdf(letters, options, font, pdf)
    if epub is not None:
        render_epub(letters, options, epub, font.path)
    return result


def describe(source: Source) -> str:
    """One line of provenance for the user to check."""
    ref = f"#{source.ref_id}" if source.ref_id is not None else ""
    label = {"memory": f"memory {ref}", "turn": f"turn {ref}", "letter": f"past letter {ref}",
             "client": f"client file note {ref}", "note": "your note", "style": f"kept letter {ref}",
             "model": "the model"}.get(source.kind, source.kind)
    return f"{label}: {source.text}"

