"""Mail as small frozen values: a message as a source gives it (``RawMessage``) and as OS1 reads it (``Email``).

Everything in an ``Email`` came from outside: it is data, never instructions (see ``os1.safety.untrusted``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a source's last stored sync ended: an IMAP folder's UIDVALIDITY and last UID, a Maildir's or an
    mbox's last key/offset. Opaque to everything but its source; committed only after the messages are stored."""

    source: str  # e.g. "imap:user@host/INBOX", "maildir:/home/me/Mail", "mbox:/tmp/a.mbox"
    value: str = ""


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One message's bytes as its source gave them, with the source's own key for it."""

    uid: str  # IMAP UID, Maildir key, or the mbox message's index
    data: bytes
    folder: str = "INBOX"
    flags: tuple[str, ...] = ()
    skipped: str = ""  # why the source did not give the bytes (e.g. over the size cap); ``data`` is then empty


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    addr: str  # lower-cased address, "" when the header held none

    def __str__(self) -> str:
        return f"{self.name} <{self.addr}>" if self.name else self.addr


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    size: int  # decoded bytes (attachments' contents are not kept in an Email)


@dataclass(frozen=True, slots=True)
class Email:
    """A parsed message. ``text`` is the readable body: the text/plain part, or the HTML part turned into text
    with hidden elements, scripts and styles removed. ``headers`` keeps the few headers triage reads (lower-case
    names: list-id, list-unsubscribe, precedence, auto-submitted, x-spam-*, return-path, received count...).
    ``problems`` says what parsing had to repair (bad charset, broken MIME, truncated body...)."""

    message_id: str
    content_hash: str  # sha256 of the raw bytes, hex
    subject: str
    sender: Address
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    date: datetime | None = None  # aware UTC
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    text: str = ""
    html: bool = False  # the body came from HTML
    headers: tuple[tuple[str, str], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    size: int = 0  # raw bytes
    problems: tuple[str, ...] = field(default=())

    def header(self, name: str) -> str:
        """The first header with this (case-insensitive) name, or ""."""
        key = name.lower()
        return next((v for k, v in self.headers if k == key), "")
