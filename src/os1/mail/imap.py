"""IMAP with ``imapclient`` (a synchronous library, run on one worker thread per connection, with a socket timeout
and a timeout on every await). Reading never marks mail as read: folders are EXAMINEd and bodies fetched with
``BODY.PEEK[]``. The cursor is ``"{uidvalidity}:{last_uid}"``; a changed UIDVALIDITY reads the folder again from
the start (storing is idempotent). ``move``, ``copy`` and ``append`` are the mechanism cleanup actions use."""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from os1.errors import MailError
from os1.mail.message import Cursor, RawMessage
from os1.mail.source import MAX_MESSAGE, Extent, skipped

T = TypeVar("T")
BATCH = 200
SECURITY = ("ssl", "starttls", "plain")


@dataclass(frozen=True, slots=True)
class ImapAccount:
    """Where and how to log in. ``password`` may be an app password; it is never printed (``repr=False``).
    ``security``: "ssl" (port 993), "starttls" (143) or "plain" (no TLS: only for a server on this machine)."""

    host: str
    user: str
    password: str = field(repr=False)
    port: int = 0
    security: str = "ssl"
    timeout_s: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "ssl" else 143)


def parse_cursor(value: str) -> tuple[int, int]:
    """``"{uidvalidity}:{last_uid}"`` as numbers; (0, 0) when empty or malformed."""
    validity, _, last = value.partition(":")
    try:
        return int(validity), int(last)
    except ValueError:
        return 0, 0


class Imap:
    """One logged-in connection (``async with Imap(account) as imap``). Calls are serialised on its thread."""

    def __init__(self, account: ImapAccount) -> None:
        if account.security not in SECURITY:
            raise MailError("mail.imap_security", f"unknown IMAP security {account.security!r}",
                            hint=f"use one of: {', '.join(SECURITY)}")
        self.account = account
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="os1-imap")
        self._client: Any = None
        self.selected: str | None = None

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        from imapclient.exceptions import IMAPClientError, LoginError

        future = asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)
        try:
            return await asyncio.wait_for(future, self.account.timeout_s + 5)
        except TimeoutError as exc:
            raise MailError("mail.imap_timeout", f"the IMAP server did not answer in {self.account.timeout_s}s",
                            hint="check the connection, or try again later") from exc
        except LoginError as exc:
            raise MailError("mail.imap_login", f"login refused for {self.account.user}",
                            hint="check the user and password (an app password for Gmail/Outlook)") from exc
        except (IMAPClientError, OSError, ssl.SSLError) as exc:
            raise MailError("mail.imap", f"IMAP error with {self.account.host}: {exc}") from exc

    def _connect(self) -> Any:
        from imapclient import IMAPClient

        acc = self.account
        context = acc.ssl_context or ssl.create_default_context()
        client = IMAPClient(acc.host, port=acc.effective_port, ssl=acc.security == "ssl",
                            ssl_context=context if acc.security == "ssl" else None, timeout=acc.timeout_s)
        if acc.security == "starttls":
            client.starttls(context)
        client.login(acc.user, acc.password)
        return client

    async def __aenter__(self) -> Imap:
        self._client = await self._call(self._connect)
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._client is not None:
                await self._call(self._client.logout)
        except MailError:
            pass  # the connection is going away either way
        finally:
            self._client = None
            self._pool.shutdown(wait=False)

    @property
    def client(self) -> Any:
        if self._client is None:
            raise MailError("mail.imap_closed", "the IMAP connection is not open")
        return self._client

    async def select(self, folder: str, readonly: bool = True) -> tuple[int, int]:
        """Select (or EXAMINE when ``readonly``) a folder: its (UIDVALIDITY, number of messages)."""
        info = await self._call(self.client.select_folder, folder, readonly)
        self.selected = folder
        return int(info.get(b"UIDVALIDITY", 0)), int(info.get(b"EXISTS", 0))

    async def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above ``last_uid`` in the selected folder, ascending (``UID SEARCH UID n+1:*``)."""
        found = await self._call(self.client.search, ["UID", f"{last_uid + 1}:*"])
        return sorted(int(u) for u in found if int(u) > last_uid)  # n+1:* always matches the last message

    async def fetch(self, uids: Sequence[int], max_message: int = MAX_MESSAGE) -> list[RawMessage]:
        """The messages with these UIDs (BODY.PEEK[]: not marked as read); oversize ones come back skipped."""
        meta = await self._call(self.client.fetch, list(uids), ["RFC822.SIZE", "FLAGS"])
        wanted = [u for u in uids if int(meta.get(u, {}).get(b"RFC822.SIZE", 0)) <= max_message]
        bodies = await self._call(self.client.fetch, wanted, ["BODY.PEEK[]"]) if wanted else {}
        folder = self.selected or ""
        out = []
        for uid in uids:
            flags = tuple(_text(f) for f in meta.get(uid, {}).get(b"FLAGS", ()))
            if uid not in wanted:
                size = meta.get(uid, {}).get(b"RFC822.SIZE")
                out.append(skipped(str(uid), f"over {max_message} bytes" if size else "gone", folder))
            elif uid in bodies and isinstance(bodies[uid].get(b"BODY[]"), bytes):
                out.append(RawMessage(str(uid), bodies[uid][b"BODY[]"], folder, flags))
            else:
                out.append(skipped(str(uid), "gone before it was read", folder))
        return out

    async def ensure_folder(self, folder: str) -> None:
        if not await self._call(self.client.folder_exists, folder):
            await self._call(self.client.create_folder, folder)

    async def move(self, uids: Sequence[int], source: str, dest: str) -> None:
        """Move messages from ``source`` to ``dest``: MOVE, or COPY + \\Deleted + UID EXPUNGE without it."""
        if not uids:
            return
        await self.select(source, readonly=False)
        if await self._call(self.client.has_capability, "MOVE"):
            await self._call(self.client.move, list(uids), dest)
            return
        await self._call(self.client.copy, list(uids), dest)
        await self._call(self.client.add_flags, list(uids), [b"\\Deleted"], True)
        if not await self._call(self.client.has_capability, "UIDPLUS"):
            raise MailError("mail.imap_no_uidplus", "copied and marked deleted, but the server cannot expunge "
                            "only these messages (no UIDPLUS)", hint="expunge the folder in your mail client")
        await self._call(self.client.uid_expunge, list(uids))

    async def copy(self, uids: Sequence[int], source: str, dest: str) -> None:
        await self.select(source, readonly=True)
        if uids:
            await self._call(self.client.copy, list(uids), dest)

    async def append(self, folder: str, data: bytes, flags: Sequence[str] = ()) -> None:
        await self._call(self.client.append, folder, data, tuple(flags))

    async def find(self, folder: str, message_id: str) -> list[int]:
        """UIDs in ``folder`` whose Message-ID header is ``message_id`` (how a moved message is found again)."""
        await self.select(folder, readonly=True)
        found = await self._call(self.client.search, ["HEADER", "Message-ID", message_id])
        return sorted(int(u) for u in found)


def source_name(account: ImapAccount, folder: str) -> str:
    """The source's name (its cursor's key, and where a stored message came from): ``imap:user@host/INBOX``,
    with the port and the security when not the default (``imap+plain:user@host:1430/INBOX``). Never a secret."""
    scheme = "imap" if account.security == "ssl" else f"imap+{account.security}"
    port = f":{account.port}" if account.port else ""
    return f"{scheme}:{account.user}@{account.host}{port}/{folder}"


_NAME = re.compile(r"^imap(?:\+(ssl|starttls|plain))?:(.+)@([^/@:]+)(?::(\d+))?/(.*)$", re.S)


def parse_source_name(name: str) -> tuple[ImapAccount, str] | None:
    """The account (without its password) and folder a ``source_name`` names; None when it names none."""
    m = _NAME.match(name)
    if m is None:
        return None
    security, user, host, port, folder = m.groups()
    return ImapAccount(host, user, "", port=int(port or 0), security=security or "ssl"), folder


def _text(value: Any) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


class ImapSource:
    """One folder of one account as a ``MailSource``."""

    def __init__(self, account: ImapAccount, folder: str = "INBOX", batch: int = BATCH,
                 max_message: int = MAX_MESSAGE) -> None:
        self.account = account
        self.folder = folder
        self.batch = batch
        self.max_message = max_message
        self.name = source_name(account, folder)

    async def _pending(self, imap: Imap, since: Cursor) -> tuple[int, list[int]]:
        validity, _ = await imap.select(self.folder, readonly=True)
        known, last = parse_cursor(since.value)
        return validity, await imap.uids_after(last if known == validity else 0)

    async def extent(self, since: Cursor) -> Extent:
        async with Imap(self.account) as imap:
            _, uids = await self._pending(imap, since)
        return Extent(len(uids), "messages")

    def position(self, cursor: Cursor) -> int | None:
        return None

    async def fetch(self, since: Cursor) -> AsyncIterator[tuple[RawMessage, Cursor]]:
        async with Imap(self.account) as imap:
            validity, uids = await self._pending(imap, since)
            for start in range(0, len(uids), self.batch):
                for raw in await imap.fetch(uids[start:start + self.batch], self.max_message):
                    yield raw, Cursor(self.name, f"{validity}:{raw.uid}")
