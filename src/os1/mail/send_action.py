"""``mail.send``: sending one message as a journalled plan, so what was sent, to whom and when is on record next
to every other change OS1 made. Its undo cannot unsend anything and says so plainly.

The plan is made and applied only after the user confirmed the exact message (recipients, subject, body): the
consent is the caller's (``os1 mail reply``). After sending, a copy goes to the Sent folder of the source the
answered message came from, where that source can take one (a Maildir's ``.Sent``, an IMAP ``Sent`` folder)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from os1.actions.base import JSON, Registry, Step
from os1.errors import ActionError, MailError
from os1.mail.imap import Imap, parse_source_name
from os1.mail.movers import Logins, MaildirMover
from os1.mail.send import SmtpSettings, send

SEND = "mail.send"
KIND = "mail.send"
SENT = "Sent"
NOT_UNSENT = "a sent message cannot be unsent: it was delivered to {to} on {at}; nothing was changed"
Sender = Callable[[EmailMessage], Awaitable[None]]


def send_step(message: EmailMessage, source: str = "") -> Step:
    """The one step of a ``mail.send`` plan: the whole message (as text) and where to keep a copy."""
    to = str(message.get("To", ""))
    what = f"Send “{message.get('Subject', '')}” to {to}"
    return Step(1, SEND, {"message": message.as_string(policy=email.policy.default), "to": to,
                          "subject": str(message.get("Subject", "")), "message_id": str(message.get("Message-ID", "")),
                          "source": source}, what, "send")


def _maildir_copy(root: Path, data: bytes) -> str:
    folder = MaildirMover(root).folder(SENT)
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "maildirfolder").touch(exist_ok=True)
    key = f"{time.time():.6f}.{os.getpid()}_{os.urandom(4).hex()}.{socket.gethostname().replace('/', '_')}"
    tmp = folder / "tmp" / key
    tmp.write_bytes(data)
    os.rename(tmp, folder / "cur" / f"{key}:2,S")
    return key


class MailSend:
    """Sends with ``sender`` (SMTP, set up by the edge with its password); without one it can only be undone."""

    def __init__(self, sender: Sender | None = None, logins: Logins | None = None) -> None:
        self.sender, self.logins = sender, logins

    async def prepare(self, args: Mapping[str, Any]) -> JSON:
        if self.sender is None:
            raise ActionError("mail.no_smtp", "no SMTP server to send with", hint="os1 mail reply ID --smtp HOST")
        return {"message_id": args.get("message_id", ""), "to": args.get("to", "")}

    async def apply(self, args: Mapping[str, Any], intent: Mapping[str, Any]) -> JSON:
        assert self.sender is not None
        message = email.message_from_string(str(args["message"]), _class=EmailMessage,
                                            policy=email.policy.default)
        await self.sender(message)
        at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        return {**intent, "sent_at": at, "copy": await self._keep_copy(str(args.get("source", "")), message)}

    async def _keep_copy(self, source: str, message: EmailMessage) -> str:
        """Where a copy was kept ("" when the source cannot take one); a failure is said, never raised."""
        data = message.as_bytes(policy=email.policy.SMTP)
        try:
            if source.startswith("maildir:"):
                root = Path(source.removeprefix("maildir:"))
                await asyncio.wait_for(asyncio.to_thread(_maildir_copy, root, data), 30)
                return f"{source} {SENT}"
            named = parse_source_name(source)
            login = self.logins(named[0]) if named is not None and self.logins is not None else None
            if login is not None:
                async with Imap(login) as imap:
                    await imap.ensure_folder(SENT)
                    await imap.append(SENT, data, [r"\Seen"])
                return f"{source.rsplit('/', 1)[0]}/{SENT}"
        except (MailError, OSError, TimeoutError) as exc:
            return f"not kept: {exc}"
        return ""

    async def undo(self, args: Mapping[str, Any], undo_data: Mapping[str, Any]) -> str:
        if not undo_data.get("sent_at"):
            return "it may not have been sent (the send was interrupted); nothing can be taken back either way"
        return NOT_UNSENT.format(to=args.get("to", "?"), at=undo_data["sent_at"])

    def timeout_s(self, args: Mapping[str, Any]) -> float:
        return 120.0


def smtp_sender(settings: SmtpSettings) -> Sender:
    async def deliver(message: EmailMessage) -> None:
        await send(message, settings)

    return deliver


def register(registry: Registry, journal: Any = None, sender: Sender | None = None,
             logins: Logins | None = None) -> None:
    """Add ``mail.send`` (``os1 undo`` registers it without a sender: it can only say it cannot unsend)."""
    registry.register(SEND, MailSend(sender, logins))
