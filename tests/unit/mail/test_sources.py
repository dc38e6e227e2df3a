"""Maildir and mbox sources: order, cursors, resumption, mboxrd escaping, oversize messages."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from os1.errors import MailError
from os1.mail.maildir import MaildirSource
from os1.mail.mbox import MboxSource, unescape
from os1.mail.message import Cursor, RawMessage
from tests.unit.mail.samples import message


async def _all(source, since: Cursor) -> list[tuple[RawMessage, Cursor]]:
    return [item async for item in source.fetch(since)]


def _maildir(path: Path, count: int) -> list[str]:
    box = mailbox.Maildir(str(path), create=True)
    keys = []
    for n in range(1, count + 1):
        msg = mailbox.MaildirMessage(message(n))
        if n % 2 == 0:
            msg.set_subdir("cur")
            msg.set_flags("SF")
        keys.append(box.add(msg))
    return keys


async def test_maildir_reads_cur_and_new_in_key_order_and_resumes(tmp_path: Path):
    keys = _maildir(tmp_path / "Mail", 5)
    source = MaildirSource(tmp_path / "Mail")
    got = await _all(source, Cursor(source.name))
    assert [raw.uid for raw, _ in got] == keys  # in arrival order
    assert all(cursor.value.endswith(":" + raw.uid) and cursor.source == source.name for raw, cursor in got)
    by_key = {raw.uid: raw for raw, _ in got}
    assert b"Subject: Message 2" in by_key[keys[1]].data and set(by_key[keys[1]].flags) == {"\\Seen", "\\Flagged"}
    assert by_key[keys[0]].flags == ()
    assert (await source.extent(Cursor(source.name))).amount == 5
    rest = await _all(source, got[2][1])
    assert [raw.uid for raw, _ in rest] == keys[3:]
    assert (await source.extent(got[2][1])).amount == 2


async def test_a_message_arriving_later_with_a_key_that_sorts_first_is_not_missed(tmp_path: Path):
    keys = _maildir(tmp_path / "Mail", 3)
    source = MaildirSource(tmp_path / "Mail")
    got = await _all(source, Cursor(source.name))
    late = tmp_path / "Mail" / "new" / "0000000001.early-key.otherhost"  # another host's clock: sorts first
    late.write_bytes(message(9))
    rest = await _all(source, got[-1][1])
    assert [raw.uid for raw, _ in rest] == ["0000000001.early-key.otherhost"]
    assert min(keys) > "0000000001"


async def test_maildir_skips_an_oversize_message_and_refuses_a_non_maildir(tmp_path: Path):
    box = mailbox.Maildir(str(tmp_path / "M"), create=True)
    box.add(message(1))
    big = box.add(message(2, body="x" * 5000))
    source = MaildirSource(tmp_path / "M", max_message=1000)
    got = {raw.uid: raw for raw, _ in await _all(source, Cursor(source.name))}
    assert got[big].data == b"" and "over 1000 bytes" in got[big].skipped
    assert sum(1 for raw in got.values() if not raw.skipped) == 1
    with pytest.raises(MailError) as caught:
        await _all(MaildirSource(tmp_path), Cursor("x"))
    assert caught.value.code == "mail.no_maildir"


def _mbox(path: Path, bodies: list[bytes], crlf: bool = False) -> None:
    out = b""
    for n, body in enumerate(bodies, start=1):
        out += f"From sender{n}@example.com Mon Jun  2 10:00:00 2025\n".encode() + body + b"\n"
    path.write_bytes(out.replace(b"\n", b"\r\n") if crlf else out)


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
async def test_mbox_streams_messages_byte_exact_across_chunk_boundaries(tmp_path: Path, chunk: int):
    originals = [message(n, body=f"Line one of {n}.\n\nLine two.\n") for n in range(1, 6)]
    _mbox(tmp_path / "a.mbox", originals)
    source = MboxSource(tmp_path / "a.mbox", chunk=chunk)
    got = await _all(source, Cursor(source.name))
    assert [raw.data for raw, _ in got] == originals
    assert got[-1][1].value == str((tmp_path / "a.mbox").stat().st_size)
    assert [int(raw.uid) for raw, _ in got] == sorted(int(raw.uid) for raw, _ in got)


async def test_mboxrd_from_lines_are_unescaped(tmp_path: Path):
    body = b"From: a@b\nMessage-ID: <e@x>\n\nFrom here on\n>From the escaped\n>>From twice\nnot >From mid-line\n"
    escaped = body.replace(b"\nFrom here", b"\n>From here").replace(b"\n>From the", b"\n>>From the") \
        .replace(b"\n>>From twice", b"\n>>>From twice")
    _mbox(tmp_path / "rd.mbox", [escaped, message(2)])
    got = await _all(MboxSource(tmp_path / "rd.mbox"), Cursor("mbox"))
    assert len(got) == 2
    assert got[0][0].data == body
    assert unescape(b"From x\n>From a\n\n") == b"From a\n"


async def test_mbox_resumes_from_its_cursor_and_restarts_on_a_bad_one(tmp_path: Path):
    path = tmp_path / "b.mbox"
    _mbox(path, [message(n) for n in range(1, 5)])
    source = MboxSource(path)
    first = await _all(source, Cursor(source.name))
    rest = await _all(source, first[1][1])
    assert [raw.uid for raw, _ in rest] == [raw.uid for raw, _ in first[2:]]
    extent = await source.extent(first[1][1])
    assert extent.unit == "bytes" and extent.amount == path.stat().st_size - int(first[1][1].value)
    assert await _all(source, first[-1][1]) == []
    for bad in ("12", "not a number", str(10**9)):  # mid-message, junk, past the end: read it all again
        assert len(await _all(source, Cursor(source.name, bad))) == 4


async def test_mbox_appended_messages_are_the_only_new_ones(tmp_path: Path):
    path = tmp_path / "c.mbox"
    _mbox(path, [message(1), message(2)])
    source = MboxSource(path)
    done = await _all(source, Cursor(source.name))
    with path.open("ab") as handle:
        handle.write(b"From x@y Mon Jun  2 10:00:00 2025\n" + message(3) + b"\n")
    new = await _all(source, done[-1][1])
    assert [raw.data for raw, _ in new] == [message(3)]


async def test_mbox_skips_an_oversize_message_without_holding_it(tmp_path: Path):
    path = tmp_path / "big.mbox"
    _mbox(path, [message(1), message(2, body="y" * 50_000), message(3)])
    got = await _all(MboxSource(path, max_message=2000, chunk=512), Cursor("mbox"))
    assert [bool(raw.skipped) for raw, _ in got] == [False, True, False]
    assert got[1][0].data == b"" and "over 2000 bytes" in got[1][0].skipped
    assert got[2][0].data == message(3)
    big_start = int(got[1][0].uid)
    assert path.read_bytes()[big_start:big_start + 5] == b"From "


async def test_mbox_with_crlf_line_endings(tmp_path: Path):
    path = tmp_path / "crlf.mbox"
    _mbox(path, [message(1), message(2)], crlf=True)
    got = await _all(MboxSource(path), Cursor("mbox"))
    assert [raw.data for raw, _ in got] == [message(1).replace(b"\n", b"\r\n"), message(2).replace(b"\n", b"\r\n")]


async def test_missing_mbox_is_a_mail_error(tmp_path: Path):
    with pytest.raises(MailError) as caught:
        await _all(MboxSource(tmp_path / "nope.mbox"), Cursor("mbox"))
    assert caught.value.code == "mail.no_mbox"


async def test_mbox_streams_in_constant_memory(tmp_path: Path):
    import tracemalloc

    path = tmp_path / "large.mbox"
    one = b"From x@y Mon Jun  2 10:00:00 2025\n" + message(1, body="word " * 400) + b"\n"
    with path.open("wb") as handle:
        for _ in range(4):
            handle.write(one * 2000)  # ~17 MB, 8,000 messages
    size = path.stat().st_size
    source = MboxSource(path, chunk=1 << 16)
    tracemalloc.start()
    try:
        count, last = 0, None
        async for _, cursor in source.fetch(Cursor(source.name)):
            count, last = count + 1, cursor
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 8000 and last is not None and last.value == str(size)
    assert peak < size / 20, f"peak {peak} bytes while reading {size}"
