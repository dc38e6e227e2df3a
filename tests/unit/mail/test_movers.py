"""Cleanup's moves in a real Maildir on disk: files go to ``.Archive``/``.Junk`` and back on undo, keeping their
names (so their flags); a message moved by another mail client since planning is skipped; IMAP needs a login."""

from __future__ import annotations

import mailbox
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from os1.actions.base import Registry
from os1.actions.journal import Journal
from os1.actions.run import apply_plan, undo_plan
from os1.mail.cleanup import KIND, plan_cleanup, register
from os1.mail.imap import ImapAccount, source_name
from os1.mail.maildir import MaildirSource
from os1.mail.movers import MaildirMover, mover_for
from os1.mail.store import SqliteMail
from os1.mail.sync import sync
from os1.store import SqliteStore, open_store
from tests.unit.mail.samples import message

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
NEWS = "List-Id: <weekly.news.example>\nList-Unsubscribe: <mailto:leave@news.example>\nPrecedence: bulk"


def _files(folder: Path) -> dict[str, str]:
    """File name → sub-folder ("cur"/"new") of every message in a Maildir folder."""
    return {e.name: sub for sub in ("cur", "new") if (folder / sub).is_dir() for e in os.scandir(folder / sub)}


def _maildir(root: Path) -> None:
    box = mailbox.Maildir(str(root), create=True)
    for n in range(1, 5):  # four newsletters, two of them read and flagged
        msg = mailbox.MaildirMessage(message(n, subject=f"Weekly digest {n}", body="This week in gardening.",
                                             sender="Garden News <news@news.example>", extra=NEWS))
        if n % 2 == 0:
            msg.set_subdir("cur")
            msg.set_flags("FS")
        box.add(msg)
    box.add(message(9, subject="Dinner on Saturday?", sender="Amy <amy@example.com>",
                    body="Can you come to dinner on Saturday? Let me know by Friday."))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[SqliteMail, Journal, Path]]:
    store = await open_store(tmp_path / "os1.db")
    assert isinstance(store, SqliteStore)
    user = await store.users.ensure("me")
    root = tmp_path / "Mail"
    _maildir(root)
    mail = SqliteMail(store.runner)
    await sync(MaildirSource(root), mail, user.id, "local")
    yield mail, Journal(store.runner, user.id, lambda: NOW), root
    await store.close()


async def _plan(mail: SqliteMail, journal: Journal) -> tuple[int, Registry]:
    plan = await plan_cleanup(mail, journal.user_id, NOW)
    saved = await journal.propose(KIND, "Tidy the inbox", plan.steps)
    registry = Registry()
    register(registry, journal)
    return saved.id, registry


async def test_sync_records_the_source_of_each_message(world):
    mail, journal, root = world
    items = await mail.recent(journal.user_id, 10)
    assert {i.source for i in items} == {f"maildir:{root.resolve()}"}


async def test_cleanup_moves_the_files_to_archive_and_undo_puts_them_back(world):
    mail, journal, root = world
    before = _files(root)
    plan_id, registry = await _plan(mail, journal)
    plan = await journal.must_get(plan_id)
    assert len(plan.steps) == 4 and all(s.args["source"] == f"maildir:{root.resolve()}" for s in plan.steps)
    outcome = await apply_plan(journal, registry, plan_id, {s.number for s in plan.steps})
    assert outcome.status == "applied"
    archived = _files(root / ".Archive")
    assert len(archived) == 4 and (root / ".Archive" / "maildirfolder").exists()
    assert all(before[name] == sub for name, sub in archived.items())  # same name (flags), same sub-folder
    assert sum(1 for name in archived if name.endswith(":2,FS")) == 2
    assert len(_files(root)) == 1  # Amy's invitation stays
    assert {i.folder for i in await mail.recent(journal.user_id, 10)} == {"INBOX", "Archive"}
    undone = await undo_plan(journal, registry, plan_id)
    assert undone.status == "undone"
    assert _files(root) == before and _files(root / ".Archive") == {}
    assert {i.folder for i in await mail.recent(journal.user_id, 10)} == {"INBOX"}


async def test_a_message_moved_by_another_client_since_planning_is_skipped(world):
    mail, journal, root = world
    plan_id, registry = await _plan(mail, journal)
    plan = await journal.must_get(plan_id)
    name, sub = next((n, s) for n, s in _files(root).items() if "FS" in n)
    (root / ".Elsewhere" / sub).mkdir(parents=True)
    os.rename(root / sub / name, root / ".Elsewhere" / sub / name)  # another mail client filed it
    outcome = await apply_plan(journal, registry, plan_id, {s.number for s in plan.steps})
    assert outcome.status == "partially-applied"
    assert outcome.count("skipped") == 1 and outcome.count("applied") == 3
    assert "another mail client" in outcome.noted()[0].note
    assert (root / ".Elsewhere" / sub / name).exists() and name not in _files(root / ".Archive")
    folders = {i.uid: i.folder for i in await mail.recent(journal.user_id, 10)}
    assert folders[name.split(":")[0]] == "INBOX"  # OS1's store did not move it either
    await undo_plan(journal, registry, plan_id)
    assert (root / ".Elsewhere" / sub / name).exists() and len(_files(root)) == 4


async def test_undo_leaves_a_message_moved_again_meanwhile_and_says_so(world):
    mail, journal, root = world
    plan_id, registry = await _plan(mail, journal)
    plan = await journal.must_get(plan_id)
    await apply_plan(journal, registry, plan_id, {s.number for s in plan.steps})
    name, sub = next(iter(_files(root / ".Archive").items()))
    os.rename(root / ".Archive" / sub / name, root / sub / name)  # the user put it back by hand
    outcome = await undo_plan(journal, registry, plan_id)
    assert outcome.status == "undone" and len(outcome.noted()) == 1
    assert "no longer in Archive" in outcome.noted()[0].note
    assert len(_files(root)) == 5


async def test_an_imap_message_cannot_be_moved_without_a_login(world):
    mail, journal, _ = world
    imap = source_name(ImapAccount("imap.example.com", "me@example.com", "", port=1430, security="plain"), "INBOX")
    with pytest.raises(Exception) as caught:
        mover_for(imap)
    assert getattr(caught.value, "code", "") == "mail.needs_login"
    assert mover_for("mbox:/tmp/x.mbox") is None and mover_for("") is None
    logins: list[ImapAccount] = []
    mover = mover_for(imap, lambda acc: logins.append(acc) or ImapAccount(acc.host, acc.user, "pw", acc.port,
                                                                          acc.security))
    assert mover is not None and logins[0].port == 1430 and logins[0].security == "plain"
    await mover.aclose()


def test_maildir_folder_names_cannot_escape_the_tree(tmp_path: Path):
    mover = MaildirMover(tmp_path)
    assert mover.folder("INBOX") == tmp_path and mover.folder("Archive") == tmp_path / ".Archive"
    for bad in ("../x", ".hidden", "a/b"):
        with pytest.raises(Exception) as caught:
            mover.folder(bad)
        assert getattr(caught.value, "code", "") == "mail.bad_folder"
