"""Mail indexing speed: 10,000 real messages synced from one mbox into a fresh store (stream → parse → store, one
transaction per batch of 500, cursor committed with each batch), as ``os1 mail sync --mbox`` does it.

The messages are the SpamAssassin mboxes (3,250) and the AESLC e-mails (JSON lines, turned into RFC 822 messages
with their subject and body); when these hold fewer than ``--count``, they are repeated with new Message-IDs. They
are written to one temporary mbox (outside the repository) first; that is not timed.

    .venv/bin/python bench/mail_index.py [paths: *.mbox, *.jsonl ...] [--count 10000] [--batch 500] [--processes N]

The machine is shared: ``load1`` says how busy it was; ``main_cpu_s`` is this process's CPU time (all of the work
with ``--processes 0``; without the parsing workers' otherwise).

Last line: RESULT index_10k_s=… msgs_per_s=… main_cpu_s=… parse_ms_per_msg=… mbox_mb=… processes=… load1=…"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from os1.events import ListSink  # noqa: E402
from os1.mail.mbox import MboxSource  # noqa: E402
from os1.mail.message import Cursor  # noqa: E402
from os1.mail.parse import parse  # noqa: E402
from os1.mail.store import mail_of  # noqa: E402
from os1.mail.sync import sync  # noqa: E402
from os1.store import open_store  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULTS = [*sorted((DATA / "spamassassin").glob("*.mbox")), *sorted((DATA / "aeslc").glob("*.jsonl"))]


def _cpu() -> float:
    """CPU seconds of this process (parsing workers started by the forkserver are not its children: with
    ``--processes 0`` this is all the work)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _from_jsonl(path: Path) -> Iterator[bytes]:
    start = datetime(2001, 1, 1, tzinfo=UTC)
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        user = str(row.get("user", "someone")).replace(" ", "")
        subject = " ".join(str(row.get("subject", "")).split())
        head = (f"From: {user}@enron.example\nTo: {row.get('folder', 'inbox')}@enron.example\nSubject: {subject}\n"
                f"Date: {format_datetime(start + timedelta(minutes=n))}\nMessage-ID: <{row['id']}@aeslc.example>\n"
                "Content-Type: text/plain; charset=utf-8\n\n")
        yield (head + str(row.get("body", "")) + "\n").encode("utf-8")


async def _from_mbox(path: Path) -> list[bytes]:
    source = MboxSource(path)
    return [raw.data async for raw, _ in source.fetch(Cursor(source.name)) if not raw.skipped]


def _escape(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join(b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in lines)


async def build_mbox(paths: list[Path], count: int, out: Path) -> int:
    messages: list[bytes] = []
    for path in paths:
        got = list(_from_jsonl(path)) if path.suffix == ".jsonl" else await _from_mbox(path)
        print(f"mail_index: {len(got)} messages from {path.name}", file=sys.stderr)
        messages.extend(got)
    if not messages:
        raise SystemExit("mail_index: no messages in the paths given")
    written = 0
    with out.open("wb") as handle:
        while written < count:
            round_ = written // len(messages)
            data = messages[written % len(messages)]
            if round_:
                data = f"Message-ID: <r{round_}-{written}@bench.example>\n".encode() + data
            handle.write(b"From bench@example.com Mon Jun  2 10:00:00 2025\n" + _escape(data) + b"\n")
            written += 1
    return written


async def run(paths: list[Path], count: int, batch: int, processes: int) -> None:
    with tempfile.TemporaryDirectory(prefix="os1-mail-bench-") as tmp:
        mbox = Path(tmp) / "bench.mbox"
        written = await build_mbox(paths, count, mbox)
        size_mb = mbox.stat().st_size / 1e6
        print(f"mail_index: {written} messages, {size_mb:.1f} MB mbox; syncing", file=sys.stderr)
        store = await open_store(Path(tmp) / "os1.db")
        user = await store.users.ensure("bench")
        mail = mail_of(store)
        sink = ListSink()
        began, cpu0 = time.perf_counter(), _cpu()
        report = await sync(MboxSource(mbox), mail, user.id, "bench", sink=sink, batch=batch, processes=processes)
        seconds, cpu = time.perf_counter() - began, _cpu() - cpu0
        print(f"mail_index: synced in {seconds:.1f}s ({processes} parsing processes)", file=sys.stderr)
        stored = await mail.count(user.id)
        hits = await mail.search(user.id, "meeting schedule", 5)
        await store.close()
        sample = [raw.data async for raw, _ in MboxSource(mbox).fetch(Cursor("b"))][:1000]
    began = time.perf_counter()
    for data in sample:
        parse(data)
    parse_ms = (time.perf_counter() - began) * 1000 / max(1, len(sample))
    print(f"mail_index: added {report.added}, duplicates {report.duplicates}, skipped {len(report.skipped)}, "
          f"stored {stored}, {len(hits)} hits for 'meeting schedule'", file=sys.stderr)
    print(f"RESULT index_10k_s={seconds * 10_000 / max(1, written):.2f} msgs_per_s={written / seconds:.0f} "
          f"main_cpu_s={cpu:.1f} parse_ms_per_msg={parse_ms:.2f} mbox_mb={size_mb:.1f} processes={processes} "
          f"load1={os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=DEFAULTS)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--processes", type=int, default=min(4, os.cpu_count() or 1),
                        help="parsing processes, as `os1 mail sync` uses (0 = parse on a thread)")
    args = parser.parse_args()
    asyncio.run(run(args.paths, args.count, args.batch, args.processes))


if __name__ == "__main__":
    main()
