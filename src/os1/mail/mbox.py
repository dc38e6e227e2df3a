"""An mbox file, streamed: read in chunks and split on ``From `` lines, so a 2 GB file is read in constant memory.
The cursor is the byte offset after the last message stored. Lines escaped by mboxrd (``>From``, ``>>From``) lose
one ``>``; a message over the size cap is skipped (reported), never held in memory."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

from os1.errors import MailError
from os1.mail.message import Cursor, RawMessage
from os1.mail.source import IO_TIMEOUT_S, MAX_MESSAGE, Extent, skipped

CHUNK = 1 << 20
_SEP = b"\nFrom "
_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)


def unescape(body: bytes) -> bytes:
    """One message of an mbox as its original bytes: no envelope line, mboxrd ``>From`` unescaped, no separator."""
    first, _, rest = body.partition(b"\n")
    if not first.startswith(b"From "):
        rest = body
    if rest.endswith(b"\r\n\r\n"):
        rest = rest[:-2]
    elif rest.endswith(b"\n\n"):
        rest = rest[:-1]
    return _ESCAPED.sub(rb"\1", rest) if b">From " in rest or b">>" in rest else rest


class _Splitter:
    """Splits a stream of chunks into (start offset, message bytes); a message over ``cap`` comes out as
    (start, None) and its bytes are dropped as they are read."""

    def __init__(self, start: int, cap: int) -> None:
        self.buf = b""
        self.base = start  # file offset of buf[0]
        self.cap = cap
        self.oversize = False
        self.skip_from = 0  # where the oversize message began

    def feed(self, chunk: bytes) -> Iterator[tuple[int, bytes | None, int]]:
        """(start, bytes or None, end offset) for each message that ended in what was read so far."""
        self.buf += chunk
        pos, scan = 0, 0
        while True:
            i = self.buf.find(_SEP, max(scan, pos))
            if i < 0:
                break
            end = i + 1
            if self.oversize:
                yield self.skip_from, None, self.base + end
            elif end > pos + 1:  # a message (not the empty stretch before the first one)
                yield self.base + pos, self.buf[pos:end], self.base + end
            self.oversize = False
            pos = scan = end
        self.buf = self.buf[pos:]
        self.base += pos
        if len(self.buf) > self.cap:  # keep the tail only: a separator may straddle the next chunk
            if not self.oversize:
                self.oversize, self.skip_from = True, self.base
            self.base += len(self.buf) - len(_SEP)
            self.buf = self.buf[-len(_SEP):]

    def close(self) -> Iterator[tuple[int, bytes | None, int]]:
        if self.oversize:
            yield self.skip_from, None, self.base + len(self.buf)
        elif self.buf.strip():
            yield self.base, self.buf, self.base + len(self.buf)
        self.buf = b""


class MboxSource:
    def __init__(self, path: Path, folder: str = "INBOX", max_message: int = MAX_MESSAGE,
                 timeout_s: float = IO_TIMEOUT_S, chunk: int = CHUNK) -> None:
        self.path = Path(path).expanduser()
        self.folder = folder
        self.max_message = max_message
        self.timeout_s = timeout_s
        self.chunk = chunk
        self.name = f"mbox:{self.path.resolve()}"

    def _size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError as exc:
            raise MailError("mail.no_mbox", f"cannot read {self.path}: {exc}", hint="check the --mbox path") from exc

    def _start(self, since: Cursor) -> int:
        """The cursor's offset when it still points at a message start in this file, else 0 (read it all again;
        storing is idempotent)."""
        try:
            offset = int(since.value or 0)
        except ValueError:
            return 0
        if offset <= 0 or offset > self._size():
            return 0
        with self.path.open("rb") as handle:
            if offset == handle.seek(0, 2):
                return offset
            handle.seek(offset - 1)
            return offset if handle.read(len(_SEP)) == _SEP else 0

    async def extent(self, since: Cursor) -> Extent:
        start = await asyncio.wait_for(asyncio.to_thread(self._start, since), self.timeout_s)
        return Extent(self._size() - start, "bytes", start)

    def position(self, cursor: Cursor) -> int | None:
        try:
            return int(cursor.value or 0)
        except ValueError:
            return None

    def _open_at(self, start: int) -> BinaryIO:
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise MailError("mail.no_mbox", f"cannot read {self.path}: {exc}", hint="check the --mbox path") from exc
        handle.seek(start)
        return handle

    async def fetch(self, since: Cursor) -> AsyncIterator[tuple[RawMessage, Cursor]]:
        start = await asyncio.wait_for(asyncio.to_thread(self._start, since), self.timeout_s)
        handle = await asyncio.wait_for(asyncio.to_thread(self._open_at, start), self.timeout_s)
        try:
            splitter = _Splitter(start, self.max_message)
            while True:
                chunk = await asyncio.wait_for(asyncio.to_thread(handle.read, self.chunk), self.timeout_s)
                parts = splitter.feed(chunk) if chunk else splitter.close()
                for offset, data, end in parts:
                    yield self._message(offset, data), Cursor(self.name, str(end))
                if not chunk:
                    break
        finally:
            handle.close()  # closing a read-only local file does not block

    def _message(self, offset: int, data: bytes | None) -> RawMessage:
        if data is None:
            return skipped(str(offset), f"over {self.max_message} bytes", self.folder)
        return RawMessage(uid=str(offset), data=unescape(data), folder=self.folder)
