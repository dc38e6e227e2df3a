"""``os1 mail reply ID``: a reply drafted in the user's style, shown, edited if they like, and sent only after
they type ``send`` having seen the recipients, subject and body (or, for a script that already showed it to them,
``--confirm-send``). The sent message is journalled as a ``mail.send`` plan.

Imported only when it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import MailError

if TYPE_CHECKING:
    from os1.actions.journal import Journal
    from os1.config import Settings
    from os1.llm.base import Model
    from os1.mail.draft import Reply
    from os1.mail.message import Address
    from os1.mail.store import SqliteMail, StoredEmail

PROMPT = "Type `send` to send it, `edit` to change it, anything else to leave it unsent: "


def build_reply_model(settings: Settings) -> Model:
    """The model that drafts (tests replace this with a FakeModel)."""
    from os1.llm import build_model

    return build_model(settings.model)


def _sender(item: StoredEmail, me: list[str], args: Any) -> Address:
    from os1.mail.message import Address

    if args.sender:
        return Address(args.name, args.sender.strip().lower())
    mine = [a for a in (*item.email.to, *item.email.cc) if a.addr in {m.lower() for m in me}]
    if mine:
        return Address(args.name or mine[0].name, mine[0].addr)
    if me:
        return Address(args.name, me[0].lower())
    raise MailError("mail.no_sender", "which address do you send from?", hint="add --from you@example.com")


async def _draft(settings: Settings, mail: SqliteMail, user_id: int, item: StoredEmail, me: list[str],
                 args: Any) -> Reply:
    from os1.mail.draft import draft_reply, learned_style

    sender = _sender(item, me, args)
    style = await learned_style(mail, user_id, [*me, sender.addr])
    if args.body_file is not None:
        return await draft_reply(None, item, style, sender, body=args.body_file.read_text(encoding="utf-8"))
    model = build_reply_model(settings)
    try:
        return await draft_reply(model, item, style, sender, args.note, timeout_s=settings.model.timeout_s)
    finally:
        close = getattr(model, "close", None)
        if close is not None:
            await close()


def _edit(body: str) -> str:
    """The body after the user's editor ($EDITOR, else nano/vi)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write(body)
        path = Path(handle.name)
    try:
        subprocess.run([*editor.split(), str(path)], check=False)
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)


def confirm(reply: Reply, args: Any) -> Reply | None:
    """The reply the user confirmed sending (perhaps edited), or None. Shows it first, every time."""
    from os1.cli.mail import _clean
    from os1.mail.draft import shown

    while True:
        print("\n" + _clean(shown(reply)))
        if args.confirm_send:
            return reply
        if not sys.stdin.isatty():
            print("Not sent: sending needs you to type `send` at a terminal (or --confirm-send).")
            return None
        try:
            answer = input(PROMPT).strip().lower()
        except EOFError:
            return None
        if answer == "send":
            return reply
        if answer != "edit":
            return None
        reply = reply.with_body(_edit(reply.body))


async def reply(settings: Settings, store: Any, journal: Journal, mail: SqliteMail, me: list[str], args: Any) -> int:
    item = await mail.get(journal.user_id, args.id)
    if item is None:
        raise MailError("mail.not_found", f"no message #{args.id}", hint="see `os1 mail list`")
    drafted = await _draft(settings, mail, journal.user_id, item, me, args)
    if not args.smtp:
        from os1.cli.mail import _clean
        from os1.mail.draft import shown

        print(_clean(shown(drafted)))
        print("\n(Draft only: nothing was sent. Add --smtp HOST to send it after you confirm.)")
        return 0
    chosen = confirm(drafted, args)
    if chosen is None:
        print("Not sent.")
        return 0
    return await _send(journal, item, chosen, args)


async def _send(journal: Journal, item: StoredEmail, chosen: Reply, args: Any) -> int:
    from os1.actions.base import Registry
    from os1.actions.run import apply_plan
    from os1.cli.mail_desk import TerminalLogins
    from os1.mail.draft import to_message
    from os1.mail.send import SmtpSettings
    from os1.mail.send_action import KIND, register, send_step, smtp_sender

    logins = TerminalLogins(args.password_env)
    password = ""
    if args.smtp_user:
        password = os.environ.get(args.password_env, "") if args.password_env else ""
        if not password and sys.stdin.isatty():
            import getpass

            password = getpass.getpass(f"SMTP password for {args.smtp_user}@{args.smtp}: ")
    smtp = SmtpSettings(args.smtp, args.smtp_port, args.smtp_user, password, args.smtp_security)
    message = to_message(chosen)
    plan = await journal.propose(KIND, f"Reply to #{item.id}: {chosen.subject}", [send_step(message, item.source)],
                                 {"reply_to_row": item.id})
    registry = Registry()
    register(registry, journal, smtp_sender(smtp), logins)
    outcome = await apply_plan(journal, registry, plan.id, {1})
    if outcome.status != "applied":
        note = outcome.results[0].note if outcome.results else ""
        raise MailError("mail.not_sent", f"the reply was not sent: {note}", hint="check the SMTP settings")
    done = await journal.must_get(plan.id)
    copy = (done.steps[0].undo_data or {}).get("copy", "")
    print(f"Sent to {chosen.to[0]} (plan #{plan.id})." + (f" A copy is in {copy}." if copy else ""))
    return 0
