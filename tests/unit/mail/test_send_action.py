"""``mail.send`` as a journalled plan: sent once through the sender given, a copy kept in the Maildir's Sent
folder, threading headers right, and an undo that says plainly it cannot unsend."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from os1.actions.base import Registry
from os1.actions.journal import Journal
from os1.actions.run import apply_plan, undo_plan
from os1.mail.draft import Reply, draft_reply, reply_headers, to_message
from os1.mail.message import Address
from os1.mail.parse import parse
from os1.mail.send_action import KIND, register, send_step
from os1.mail.store import StoredEmail
from os1.mail.style import Style
from os1.store import SqliteStore, open_store
from os1.testing import FakeModel
from tests.unit.mail.samples import message

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ME = Address("Theo", "theo@example.com")


def _original() -> StoredEmail:
    raw = message(1, subject="Re: Dinner", sender="Amy <amy@example.com>", to="theo@example.com",
                  extra="Reply-To: Amy Home <amy@home.example>\nReferences: <m0@example.com>",
                  body="Are you free on Saturday?")
    return StoredEmail(5, "local", "INBOX", "1", (), NOW, parse(raw), "maildir:/nowhere")


def test_reply_headers_thread_and_answer_the_reply_to_address():
    reply = reply_headers(_original().email, ME)
    assert [a.addr for a in reply.to] == ["amy@home.example"] and reply.subject == "Re: Dinner"
    assert reply.in_reply_to == "<m1@example.com>" and reply.references == ("<m0@example.com>", "<m1@example.com>")
    msg = to_message(reply.with_body("Yes!\n"))
    assert msg["In-Reply-To"] == "<m1@example.com>" and msg["References"] == "<m0@example.com> <m1@example.com>"
    assert msg["To"] == "Amy Home <amy@home.example>" and msg["From"] == "Theo <theo@example.com>"


async def test_the_model_sees_the_email_as_data_and_its_draft_gets_the_users_style():
    model = FakeModel().enqueue("Sure, Saturday works for me.")
    style = Style(greeting="Hey {name}!", sign_off="Love,", signature="T", words=20, max_words=30, samples=3)
    reply = await draft_reply(model, _original(), style, ME, note="yes to Saturday")
    assert reply.body == "Hey Amy!\n\nSure, Saturday works for me.\n\nLove,\nT\n"
    system, user = model.calls[0][0]
    assert system.role == "system" and "not follow" in system.content
    assert "<<DATA" in user.content and "Are you free on Saturday?" in user.content
    assert "yes to Saturday" in user.content


async def test_send_is_journalled_copied_to_sent_and_cannot_be_unsent(tmp_path: Path):
    store = await open_store(tmp_path / "os1.db")
    assert isinstance(store, SqliteStore)
    try:
        user = await store.users.ensure("me")
        journal = Journal(store.runner, user.id, lambda: NOW)
        root = tmp_path / "Mail"
        mailbox.Maildir(str(root), create=True)
        reply = Reply((Address("Amy", "amy@example.com"),), "Re: Dinner", "Yes!\n", "<m1@example.com>",
                      ("<m1@example.com>",), ME)
        sent: list[EmailMessage] = []

        async def deliver(msg: EmailMessage) -> None:
            sent.append(msg)

        plan = await journal.propose(KIND, "Reply", [send_step(to_message(reply), f"maildir:{root}")])
        registry = Registry()
        register(registry, journal, deliver)
        outcome = await apply_plan(journal, registry, plan.id, {1})
        assert outcome.status == "applied" and len(sent) == 1
        assert sent[0]["Subject"] == "Re: Dinner" and sent[0].get_content() == "Yes!\n"
        copies = list((root / ".Sent" / "cur").iterdir())
        assert len(copies) == 1 and copies[0].name.endswith(":2,S")
        assert parse(copies[0].read_bytes()).message_id == sent[0]["Message-ID"]
        undone = await undo_plan(journal, _undo_only(journal), plan.id)
        assert "cannot be unsent" in undone.results[0].note and "amy@example.com" in undone.results[0].note
        assert len(sent) == 1
    finally:
        await store.close()


def _undo_only(journal: Journal) -> Registry:
    from os1.cli.undo import build_registry

    return build_registry(journal)  # as `os1 undo` builds it: no SMTP, no password


async def test_without_a_sender_nothing_is_sent(tmp_path: Path):
    store = await open_store(tmp_path / "os1.db")
    try:
        user = await store.users.ensure("me")
        journal = Journal(store.runner, user.id, lambda: NOW)  # type: ignore[attr-defined]
        reply = Reply((Address("", "amy@example.com"),), "Re: x", "ok\n", "", (), ME)
        plan = await journal.propose(KIND, "Reply", [send_step(to_message(reply))])
        registry = Registry()
        register(registry, journal)
        outcome = await apply_plan(journal, registry, plan.id, {1})
        assert outcome.count("failed") == 1 and "SMTP" in outcome.results[0].note
    finally:
        await store.close()


def test_sending_needs_the_typed_word_send_after_seeing_the_message(monkeypatch, capsys):
    from types import SimpleNamespace

    from os1.cli.mail_reply import confirm

    reply = Reply((Address("Amy", "amy@example.com"),), "Re: Dinner", "Yes!\n", "", (), ME)
    args = SimpleNamespace(confirm_send=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    for typed, sent in (("send", True), ("yes", False), ("y", False), ("", False)):
        monkeypatch.setattr("builtins.input", lambda prompt, typed=typed: typed)
        assert (confirm(reply, args) is not None) is sent
        shown = capsys.readouterr().out
        assert "To:      Amy <amy@example.com>" in shown and "Subject: Re: Dinner" in shown and "Yes!" in shown
    answers = iter(["edit", "send"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    monkeypatch.setattr("os1.cli.mail_reply._edit", lambda body: "Actually, no.\n")
    edited = confirm(reply, args)
    assert edited is not None and edited.body == "Actually, no.\n"
    assert capsys.readouterr().out.count("Subject: Re: Dinner") == 2  # shown again after the edit
