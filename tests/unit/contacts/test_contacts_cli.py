"""``os1 contacts`` through ``main([...])`` on a temporary OS1_HOME: import (a broken card reported), list with
memory's relations, show, export, infer from the mail OS1 keeps, merge and unmerge."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from os1.cli.main import main
from os1.mail.message import RawMessage
from os1.store import SqliteStore, open_store
from os1.types import NewMemory
from tests.unit.contacts.conftest import T0
from tests.unit.contacts.test_infer_and_people import inbox
from tests.unit.contacts.test_vcards import CARDS


async def _seed(home: Path, with_mail: bool) -> None:
    store = await open_store(home / "os1.db")
    assert isinstance(store, SqliteStore)
    try:
        user = await store.users.ensure("local")
        await store.memories.add(user.id, NewMemory("person", "Wei is your colleague.", "person:user:wei",
                                                    "colleague", subject="Wei"), T0)
        if with_mail:
            from os1.mail.store import SqliteMail

            items = [(RawMessage(str(n), b"", "Sent" if e.sender.addr == "theo@example.com" else "INBOX"), e)
                     for n, e in enumerate(inbox())]
            await SqliteMail(store.runner).upsert_many(user.id, "imap:theo@example.com@mail.example", items, now=T0)
    finally:
        await store.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OS1_USER", raising=False)
    home = tmp_path / "home"
    asyncio.run(_seed(home, with_mail=False))
    return home


def run(capsys: pytest.CaptureFixture[str], home: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--home", str(home), "contacts", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_show_export(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "book.vcf").write_text(CARDS, encoding="utf-8")
    code, out, _ = run(capsys, home, "import", str(tmp_path / "book.vcf"))
    assert code == 0 and "book.vcf: 3 added, 0 updated, 2 skipped" in out
    assert "skipped card 2 (line 12)" in out and "Linked 1 contact(s)" in out  # Wei Chen is memory's Wei
    code, out, _ = run(capsys, home, "list")
    assert code == 0 and "Wei Chen — colleague  <wei@example.org>" in out and "李小龍 — friend" in out
    code, out, _ = run(capsys, home, "show", "zoe")
    assert code == 0 and "email: zoe.a@work.example" in out and "birthday: 1985-04-12" in out
    code, out, _ = run(capsys, home, "show", "Wei")
    assert "from memory: 1" in out and "from vcard:" in out
    code, _, err = run(capsys, home, "show", "Nobody")
    assert code == 2 and "contacts.not_found" in err
    code, _, err = run(capsys, home, "export", str(tmp_path / "out.vcf"))
    assert code == 0 and "Wrote 3 contact(s)" in err
    assert "X-OS1-RELATION:colleague" in (tmp_path / "out.vcf").read_text(encoding="utf-8")


def test_merge_and_unmerge(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "book.vcf").write_text(CARDS, encoding="utf-8")
    run(capsys, home, "import", str(tmp_path / "book.vcf"))
    ids = [line.split()[0][1:] for line in run(capsys, home, "list")[1].splitlines()]
    assert run(capsys, home, "merge", ids[0], ids[1])[0] == 0
    assert len(run(capsys, home, "list")[1].splitlines()) == 2
    assert run(capsys, home, "unmerge")[0] == 0
    assert len(run(capsys, home, "list")[1].splitlines()) == 3
    assert run(capsys, home, "unmerge")[0] == 1


def test_infer_without_mail_says_so(home: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, home, "infer")
    assert code == 0 and "no mail yet" in out


def test_infer_reads_the_mail_store(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("os1.mail.store")
    monkeypatch.delenv("OS1_USER", raising=False)
    home = tmp_path / "mailhome"
    asyncio.run(_seed(home, with_mail=True))
    code, out, _ = run(capsys, home, "infer")  # the user's address comes from the account and the Sent folder
    assert code == 0 and "Read 11 message(s): 2 contact(s) added" in out
    listing = run(capsys, home, "list")[1]
    assert "Paul Smith  <" in listing and "✉ 2↑ 2↓" in listing and "github" not in listing.lower()
