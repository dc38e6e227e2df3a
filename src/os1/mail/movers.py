"""Moving a message in its real source, for cleanup's ``mail.move`` (and its undo): between a Maildir's folders
(Maildir++: the folder "Archive" is ``<root>/.Archive/{cur,new,tmp}``) or an IMAP server's (MOVE, or COPY +
EXPUNGE). A mover is chosen by the source a message was fetched from (``StoredEmail.source``).

A message that is no longer where the plan found it (moved or deleted by another mail client) raises ``Skip``:
nothing is touched. Nothing here ever deletes a message."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from os1.actions.base import Skip
from os1.errors import MailError
from os1.mail.imap import Imap, ImapAccount, parse_source_name
from os1.mail.source import IO_TIMEOUT_S

INBOX = "INBOX"
# The edge's way to log in to an IMAP account (asks for the password; never stores it). None: cannot.
Logins = Callable[[ImapAccount], ImapAccount | None]


class Mover(Protocol):
    """Moves one message in its source; returns its uid (key) in the new folder ("" when it cannot be told)."""

    async def move(self, uid: str, message_id: str, src: str, dst: str) -> str: ...

    async def aclose(self) -> None: ...


class MaildirMover:
    """Folders of one Maildir++ tree: INBOX is the root, any other folder ``<root>/.<name>`` (created when
    missing). A file keeps its name (so its key and flags) and its sub-folder (``new`` or ``cur``)."""

    def __init__(self, root: Path, timeout_s: float = IO_TIMEOUT_S) -> None:
        root = Path(root)
        if root.name.startswith(".") and (root.parent / "cur").is_dir():
            root = root.parent  # a synced sub-folder (".Archive"): its tree is the parent
        self.root, self.timeout_s = root, timeout_s

    def folder(self, name: str) -> Path:
        if name in ("", INBOX):
            return self.root
        if "/" in name or name.startswith(".") or "\0" in name:
            raise MailError("mail.bad_folder", f"{name!r} is not a Maildir folder name")
        return self.root / f".{name}"

    def _find(self, folder: Path, key: str) -> Path | None:
        for sub in ("cur", "new"):
            try:
                for entry in os.scandir(folder / sub):
                    if entry.name == key or entry.name.startswith(key + ":"):
                        return Path(entry.path)
            except FileNotFoundError:
                continue
        return None

    def _move(self, key: str, src: str, dst: str) -> str:
        found = self._find(self.folder(src), key)
        if found is None:
            raise Skip(f"the message is no longer in {src} (moved or deleted by another mail client): left alone",
                       "mail.moved")
        target_dir = self.folder(dst)
        for sub in ("cur", "new", "tmp"):
            (target_dir / sub).mkdir(parents=True, exist_ok=True)
        if target_dir != self.root:
            (target_dir / "maildirfolder").touch(exist_ok=True)  # Maildir++ marks its sub-folders
        target = target_dir / found.parent.name / found.name
        if target.exists():
            raise MailError("mail.move_conflict", f"{target} already exists", hint="nothing was moved")
        os.rename(found, target)  # same file system: atomic, the file is never in two places or none
        return key

    async def move(self, uid: str, message_id: str, src: str, dst: str) -> str:
        return await asyncio.wait_for(asyncio.to_thread(self._move, uid, src, dst), self.timeout_s)

    async def aclose(self) -> None:
        return None


class ImapMover:
    """Moves on an IMAP server over one connection, opened at the first move and kept until ``aclose``."""

    def __init__(self, account: ImapAccount) -> None:
        self.account = account
        self._imap: Imap | None = None

    async def _open(self) -> Imap:
        if self._imap is None:
            imap = Imap(self.account)
            self._imap = await imap.__aenter__()
        return self._imap

    async def _locate(self, imap: Imap, folder: str, uid: str, message_id: str) -> int | None:
        """The message's UID in ``folder`` (found by Message-ID; by its UID when the ID is OS1's own)."""
        if not message_id.endswith("@os1.synthesized>"):
            found = await imap.find(folder, message_id)
            if not found:
                return None
            return int(uid) if uid.isdigit() and int(uid) in found else max(found)
        if not uid.isdigit():
            return None
        await imap.select(folder, readonly=True)
        hit = await imap._call(imap.client.search, ["UID", uid])
        return int(uid) if int(uid) in [int(u) for u in hit] else None

    async def move(self, uid: str, message_id: str, src: str, dst: str) -> str:
        imap = await self._open()
        try:
            here = await self._locate(imap, src, uid, message_id)
            if here is None:
                raise Skip(f"the message is no longer in {src} on {self.account.host} (moved or deleted by another "
                           "mail client): left alone", "mail.moved")
            await imap.ensure_folder(dst)
            await imap.move([here], src, dst)
            if message_id.endswith("@os1.synthesized>"):
                return ""
            found = await imap.find(dst, message_id)
            return str(max(found)) if found else ""
        except MailError:
            await self.aclose()  # a broken connection is opened again by the next move
            raise

    async def aclose(self) -> None:
        imap, self._imap = self._imap, None
        if imap is not None:
            await imap.__aexit__(None, None, None)


def mover_for(source: str, logins: Logins | None = None) -> Mover | None:
    """The mover for a message fetched from ``source``; None when the source cannot move (an mbox file, an
    unknown source: the move is then OS1's alone). Raises when an IMAP source cannot be logged in to."""
    if source.startswith("maildir:"):
        return MaildirMover(Path(source.removeprefix("maildir:")))
    named = parse_source_name(source)
    if named is None:
        return None
    account, _ = named
    login = logins(account) if logins is not None else None
    if login is None:
        raise MailError("mail.needs_login", f"moving mail on {account.host} needs your IMAP password",
                        hint="run the cleanup (or `os1 undo`) from a terminal, where OS1 can ask for it")
    return ImapMover(login)
