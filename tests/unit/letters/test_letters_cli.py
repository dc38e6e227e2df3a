"""``os1 letters`` through ``main([...])`` on a temporary home: import, new (with provenance), proof one by one,
history and undo, favourites, the client's file, and the book with a prepared (unsent) email."""

from __future__ import annotations

import asyncio
import email
import shutil
from pathlib import Path

import pytest

import os1.cli.letters as cli_letters
import os1.memory.embed as embed
from os1.cli.main import main
from os1.memory.embed import EmbedError
from os1.store import open_store
from os1.testing import FakeModel
from os1.types import NewMemory
from tests.unit.letters.conftest import T0

PAUL = "My dearest Paul,\n\nHappy birthday, old friend. I hope this year brings you quiet mornings.\n\n" \
       "With all my love,\nTheodore\n"


async def _seed(home: Path) -> int:
    store = await open_store(home / "os1.db")
    try:
        user = await store.users.ensure("local")
        item = await store.memories.add(user.id, NewMemory("fact", "Margaret loves tulips."), T0)
        assert item is not None
        return item.id
    finally:
        await store.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    def missing() -> tuple[Path, Path]:
        raise EmbedError("embed.missing_model", "the embedding model is not installed")

    monkeypatch.delenv("OS1_USER", raising=False)
    monkeypatch.setattr(embed, "bundled_files", missing)  # keyword recall: fast, no ONNX in unit tests
    monkeypatch.setattr(cli_letters, "build_letter_model", lambda settings: FakeModel(
        "I hope the tulips are blooming for you this year."))
    return tmp_path / "home"


def run(capsys: pytest.CaptureFixture[str], home: Path, *argv: str) -> tuple[int, str]:
    code = main(["--home", str(home), "letters", *argv])
    out, err = capsys.readouterr()
    return code, out + err


def test_the_whole_desk(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    memory_id = asyncio.run(_seed(home))
    kept = tmp_path / "paul.txt"
    kept.write_text(PAUL)
    code, out = run(capsys, home, "import", str(kept), "--occasion", "birthday", "--date", "2024-06-01")
    assert code == 0 and "Kept #1: to Paul" in out

    code, out = run(capsys, home, "new", "--to", "Margaret", "--occasion", "anniversary", "--note", "say hi to Tom")
    assert code == 0 and "Letter #2 to Margaret" in out
    assert "My dearest Margaret," in out and "I know how much you love tulips." in out and "Say hi to Tom." in out
    assert f"+ memory #{memory_id}: Margaret loves tulips." in out  # provenance, with the id to check
    assert "* kept letter #1" in out and "With all my love,\nTheodore" in out
    assert "I hope the tulips are blooming for you this year." in out

    code, out = run(capsys, home, "edit", "2", "--text", "My dearest Margaret,\n\nHappy anniversery!! its been a "
                    "year.\n\nWith all my love,\nTheodore")
    assert code == 0 and "version 2" in out
    code, out = run(capsys, home, "proof", "2")  # not a terminal: lists, changes nothing
    assert code == 0 and "nothing was changed" in out and "anniversary" in out
    code, out = run(capsys, home, "history", "2")
    assert out.count("\nv") + out.startswith("v") == 2

    code, out = run(capsys, home, "proof", "2", "--accept", "1")
    assert code == 0 and "version 3" in out
    code, out = run(capsys, home, "show", "2", "--plain")
    assert "Happy anniversary!! its been" in out  # only the accepted suggestion was applied
    code, out = run(capsys, home, "proof", "2", "--accept", "99")
    assert code == 2 and "no suggestion 99" in out

    code, out = run(capsys, home, "undo", "2")
    assert code == 0 and "undo of v3" in out
    code, out = run(capsys, home, "show", "2", "--plain")
    assert "anniversery" in out

    assert run(capsys, home, "fav", "2")[0] == 0 and run(capsys, home, "fav", "1")[0] == 0
    code, out = run(capsys, home, "list", "--favourites")
    assert "#1" in out and "#2" in out

    code, out = run(capsys, home, "client", "Margaret", "--add-name", "Maggie", "--add-date",
                    "Margaret and Tom married 12 June 1984")
    assert code == 0 and "Maggie" in out and "12 June 1984" in out and "#2" in out and "tulips" in out

    assert shutil.which("pdftotext"), "poppler-utils is installed by `make sysdeps`"
    out_pdf = tmp_path / "book" / "letters.pdf"
    code, out = run(capsys, home, "book", "--out", str(out_pdf), "--title", "Kept", "--email-to", "ed@press.example")
    assert code == 0 and out_pdf.exists() and out_pdf.with_suffix(".epub").exists()
    assert "NOT sent" in out
    message = email.message_from_bytes(out_pdf.with_suffix(".eml").read_bytes())
    assert message["To"] == "ed@press.example" and any(p.get_filename() == "letters.pdf" for p in message.walk())


def test_proof_asks_one_by_one_in_a_terminal(home: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch):
    code, _ = run(capsys, home, "new", "--to", "Ana", "--occasion", "birthday", "--no-model")
    assert code == 0
    run(capsys, home, "edit", "1", "--text", "Dear Ana,\n\nthe the cake was lovley.\n\nWith love,\nTheo")
    answers = iter(["n", "y", "q"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, out = run(capsys, home, "proof", "1")
    assert code == 0 and "version 3" in out
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, out = run(capsys, home, "show", "1", "--plain")
    assert out.count("the the") + out.count("lovley") == 1  # one declined, one accepted, the rest not asked


def test_new_without_a_recipient_outside_a_terminal_is_a_clear_error(home: Path, capsys: pytest.CaptureFixture[str]):
    code, out = run(capsys, home, "new", "--occasion", "birthday")
    assert code == 2 and "letters.no_recipient" in out
