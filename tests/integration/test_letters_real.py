"""Letters against the real components: a draft with the embedded model (SmolLM2-135M, seed and temperature
pinned) and real MiniLM recall, and the book rendered with the Debian handwriting font to a PNG page."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from os1.config import ModelSettings
from os1.letters.book import BookOptions
from os1.letters.draft import Request
from os1.letters.fonts import choose_font
from os1.letters.service import Desk, compile_book, new_letter
from os1.letters.store import letters_of
from os1.llm.llamacpp import LlamaCppModel
from os1.memory.embed import MiniLM
from os1.memory.index import VectorIndex
from os1.memory.ingest import embed_pending
from os1.memory.recall import HybridRecall
from os1.store import open_store
from os1.types import NewMemory

pytestmark = pytest.mark.integration
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


async def test_a_real_draft_keeps_the_remembered_details_and_the_model_invents_no_one(gguf: Path, tmp_path: Path):
    store = await open_store(tmp_path / "os1.db")
    embedder = MiniLM()
    index = VectorIndex(store, embedder.model_id, embedder.dim)
    model = LlamaCppModel(ModelSettings(seed=3, temperature=0.0, max_reply_tokens=60))
    try:
        user = await store.users.ensure("local")
        for text in ("Margaret loves tulips.", "Margaret and Tom married in Lisbon in 1984.", "Paul collects maps."):
            assert await store.memories.add(user.id, NewMemory("fact", text), T0)
        await embed_pending(store, embedder, index, user.id)
        desk = Desk(store, letters_of(store), user.id, "Theodore")
        letter, draft = await new_letter(desk, Request("Margaret", "anniversary", ("give my love to Tom",)),
                                         HybridRecall(store, embedder, index), model, T0, timeout_s=120)
    finally:
        await model.close()
        await index.close()
        await store.close()
    body = letter.body
    assert body.startswith("Dear Margaret,\n\nHappy anniversary!")
    assert "you love tulips" in body and "Lisbon in 1984" in body and "Give my love to Tom." in body
    assert "maps" not in body
    assert draft.model_note == "kept" or draft.model_note.startswith("not used: ")  # either way it said why
    if draft.model_text is not None:
        assert draft.model_text in body and any(s.kind == "model" for s in draft.sources)
    names = set(re.findall(r"\b[A-Z][a-z]+\b", body)) - {"Dear", "Happy", "I", "With", "Give", "May"}
    allowed = {"Margaret", "Tom", "Lisbon", "Theodore"}
    invented = {n for n in names - allowed if not re.search(rf"(?:^|[.!?]\s+){n}\b", body, re.M)}
    assert not invented, (invented, body)


def test_the_book_page_renders_legibly_in_the_handwriting_font(tmp_path: Path):
    from os1.letters.base import Letter, Version

    assert shutil.which("pdftoppm"), "poppler-utils is installed by `make sysdeps`"
    font = choose_font(None, tmp_path / "fonts")
    assert font.path is not None, "fonts-dancingscript is installed by `make sysdeps`"
    body = ("Dear Margaret,\n\nHappy anniversary! It hardly seems possible that a whole year has passed since my "
            "last anniversary letter to you.\n\nI know how much you love tulips. I still remember how you and Tom "
            "married in Lisbon in 1984.\n\nGive my love to Tom.\n\nWith all my love,\nTheodore\n")
    letter = Letter(1, 1, None, "Margaret", "anniversary", "drafted", True, T0, T0,
                    Version(1, 1, body, "drafted", None, (), T0))
    result = compile_book([letter], BookOptions("Letters to the People I Love", "Theodore"), font,
                          tmp_path / "book.pdf", None)
    subprocess.run(["pdftoppm", "-r", "90", "-png", str(result.path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == result.pages == 3
    text = subprocess.run(["pdftotext", "-f", "3", "-l", "3", str(result.path), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "I know how much you love tulips." in " ".join(text.split())  # the glyphs map back to the words
