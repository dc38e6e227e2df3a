"""``os1 memory``: list, search, show, edit, forget and export through ``main([...])`` on a temporary home."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import os1.memory.embed as embed
from os1.cli.main import main
from os1.memory.embed import EmbedError
from os1.store import open_store
from os1.types import NewMemory

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=300)


@dataclass
class Seeded:
    home: Path
    la: int
    seattle: int
    pizza: int
    la_turn: int
    seattle_turn: int


async def _seed(home: Path) -> Seeded:
    store = await open_store(home / "os1.db")
    try:
        user = await store.users.ensure("local")
        companion = await store.users.create_companion(user.id, "Samantha", "female", {}, {}, T0)
        convo = await store.turns.start_conversation(user.id, companion.id, T0)
        la_turn = await store.turns.add(user.id, convo.id, "user", "I live in Los Angeles, near the beach.", T0)
        await store.turns.add(user.id, convo.id, "assistant", "The ocean must be lovely.", T0)
        moved = await store.turns.add(user.id, convo.id, "user", "We finally moved to Seattle last week!", T1)
        la = await store.memories.add(
            user.id, NewMemory("fact", "You live in Los Angeles.", "home", "Los Angeles", valid_from=T0,
                               source_turn_ids=(la_turn.id,)), T0)  # fmt: skip
        seattle = await store.memories.add(
            user.id, NewMemory("fact", "You live in Seattle.", "home", "Seattle", valid_from=T1,
                               source_turn_ids=(moved.id,)), T1)  # fmt: skip
        pizza = await store.memories.add(
            user.id, NewMemory("preference", "You love pineapple pizza.", importance=0.3), T1
        )
        assert la and seattle and pizza
        return Seeded(home, la.id, seattle.id, pizza.id, la_turn.id, moved.id)
    finally:
        await store.close()


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    monkeypatch.delenv("OS1_USER", raising=False)
    monkeypatch.setenv("COLUMNS", "160")
    return asyncio.run(_seed(tmp_path))


@pytest.fixture
def no_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> tuple[Path, Path]:
        raise EmbedError("embed.missing_model", "the embedding model is not installed")

    monkeypatch.setattr(embed, "bundled_files", missing)


def run(capsys: pytest.CaptureFixture[str], home: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--home", str(home), "memory", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_current_items_and_all_adds_the_ended_ones(seeded: Seeded, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, seeded.home, "list")
    assert code == 0
    assert "You live in Seattle." in out and "pineapple pizza" in out
    assert "Los Angeles" not in out and "--all" in out

    code, out, _ = run(capsys, seeded.home, "list", "--all")
    assert code == 0
    la_row = next(line for line in out.splitlines() if "Los Angeles" in line)
    assert "[ended]" in la_row and la_row.split()[0] == str(seeded.la)
    assert "[ended]" not in next(line for line in out.splitlines() if "Seattle" in line)

    code, out, _ = run(capsys, seeded.home, "list", "--kind", "preference", "--json")
    assert code == 0
    assert [m["text"] for m in json.loads(out)] == ["You love pineapple pizza."]


def test_show_prints_fields_provenance_and_history(seeded: Seeded, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, seeded.home, "show", str(seeded.seattle))
    assert code == 0
    assert "You live in Seattle." in out and "home" in out and "current" in out
    assert f"turn #{seeded.seattle_turn}" in out and "moved to Seattle" in out  # provenance: the turn's text
    assert "History of 'home'" in out
    history = out.split("History of 'home'")[1]
    assert history.index("Los Angeles") < history.index("Seattle")  # oldest first, with both versions

    code, out, _ = run(capsys, seeded.home, "show", str(seeded.la), "--json")
    data = json.loads(out)
    assert data["current"] is False and data["superseded_by"] == seeded.seattle
    assert data["valid_to"] is not None and data["provenance"][0]["text"].startswith("I live in Los Angeles")
    assert [m["id"] for m in data["history"]] == [seeded.la, seeded.seattle]


def test_edit_keeps_the_old_version(seeded: Seeded, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, seeded.home, "edit", str(seeded.seattle), "You live in Portland.")
    assert code == 0
    assert "You live in Seattle." in out and "You live in Portland." in out

    code, out, _ = run(capsys, seeded.home, "list", "--json")
    assert "You live in Portland." in [m["text"] for m in json.loads(out)]
    assert "You live in Seattle." not in out
    new_id = next(m["id"] for m in json.loads(out) if m["text"] == "You live in Portland.")
    code, out, _ = run(capsys, seeded.home, "show", str(new_id))
    assert "You live in Seattle." in out and "You live in Los Angeles." in out  # history kept

    code, _, err = run(capsys, seeded.home, "edit", str(seeded.la), "You lived in Venice.")
    assert code == 1 and "earlier version" in err  # an ended version is not edited (it would end the current one)


def test_forget_removes_the_item_from_search_and_export(
    seeded: Seeded, capsys: pytest.CaptureFixture[str], no_embedder: None
):
    code, out, _ = run(capsys, seeded.home, "search", "Seattle")
    assert f"item #{seeded.seattle}" in out

    code, out, _ = run(capsys, seeded.home, "forget", str(seeded.seattle), "--yes")
    assert code == 0 and "Forgot" in out and "You live in Seattle." in out

    code, out, _ = run(capsys, seeded.home, "search", "Seattle", "--json")
    assert code == 0 and json.loads(out) == []  # neither the item nor its source turn is recalled
    code, out, _ = run(capsys, seeded.home, "export", "--format", "json")
    exported = json.loads(out)
    assert seeded.seattle not in [m["id"] for m in exported["memories"]] and "Seattle" not in out
    code, _, err = run(capsys, seeded.home, "show", str(seeded.seattle))
    assert code == 1


def test_forget_asks_first_and_can_keep_the_source(
    seeded: Seeded, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_embedder: None
):
    monkeypatch.setattr("builtins.input", lambda _: "n")
    code, out, _ = run(capsys, seeded.home, "forget", str(seeded.pizza))
    assert code == 0 and "Kept." in out
    assert "pineapple" in run(capsys, seeded.home, "list")[1]

    monkeypatch.setattr("builtins.input", lambda _: "y")
    code, out, _ = run(capsys, seeded.home, "forget", str(seeded.la), "--keep-source")
    assert code == 0 and "Forgot" in out
    code, out, _ = run(capsys, seeded.home, "search", "beach")
    assert f"turn #{seeded.la_turn}" in out  # the conversation itself stays in recall


def test_unknown_id_exits_1(seeded: Seeded, capsys: pytest.CaptureFixture[str]):
    for action in (["forget", "9999", "--yes"], ["show", "9999"], ["edit", "9999", "Anything."]):
        code, _, err = run(capsys, seeded.home, *action)
        assert code == 1 and "no memory #9999" in err


def test_export_json_and_markdown(seeded: Seeded, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    code, out, _ = run(capsys, seeded.home, "export")
    data = json.loads(out)
    by_id = {m["id"]: m for m in data["memories"]}
    assert set(by_id) == {seeded.la, seeded.seattle, seeded.pizza}  # ended items included
    assert by_id[seeded.la]["current"] is False and by_id[seeded.la]["source_turn_ids"] == [seeded.la_turn]
    assert datetime.fromisoformat(by_id[seeded.seattle]["valid_from"]) == datetime(2024, 12, 26, 12, tzinfo=UTC)

    target = tmp_path / "out" / "memories.md"
    target.parent.mkdir()
    code, out, err = run(capsys, seeded.home, "export", "--format", "md", "--out", str(target))
    assert code == 0 and out == "" and "Wrote 3 items" in err
    md = target.read_text()
    assert md.startswith("# What Samantha remembers")
    assert "## Facts" in md and "## Preferences" in md and "### Earlier" in md
    facts = md.split("## Facts")[1].split("\n## ")[0]
    assert facts.index("Seattle") < facts.index("### Earlier") < facts.index("Los Angeles")
    assert [p.name for p in target.parent.iterdir()] == ["memories.md"]  # no temporary file left behind


def test_search_without_the_embedder_uses_keywords(
    seeded: Seeded, capsys: pytest.CaptureFixture[str], no_embedder: None
):
    code, out, err = run(capsys, seeded.home, "search", "pizza")
    assert code == 0 and f"item #{seeded.pizza}" in out and "keywords only" in err
    code, out, _ = run(capsys, seeded.home, "search", "ocean", "--json")
    results = json.loads(out)
    assert results[0]["type"] == "turn" and "ocean" in results[0]["text"]


def test_search_with_the_real_embedder_finds_by_meaning(seeded: Seeded, capsys: pytest.CaptureFixture[str]):
    from os1.memory.embed import MiniLM
    from os1.memory.ingest import embed_pending

    async def embed_all() -> None:
        store = await open_store(seeded.home / "os1.db")
        embedder = MiniLM()
        try:
            assert await embed_pending(store, embedder, None, (await store.users.ensure("local")).id) > 0
        finally:
            embedder.close()
            await store.close()

    asyncio.run(embed_all())
    code, out, err = run(capsys, seeded.home, "search", "favourite food", "--json")  # no word in common
    assert code == 0 and err == ""
    assert seeded.pizza in [r["id"] for r in json.loads(out) if r["type"] == "memory"]


def test_no_companion_yet_says_run_setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, tmp_path, "list")
    assert code == 2 and "os1 setup" in err
    assert not (tmp_path / "os1.db").exists()  # asking does not create a home


def test_memory_without_an_action_prints_help(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, tmp_path)
    assert code == 0 and "forget" in out and "export" in out
