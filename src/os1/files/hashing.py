"""Duplicates by content: files are grouped by size first, only same-size files are read, in 1 MiB chunks; large
ones are compared on their first chunk before being read to the end (continuing the same hash). SHA-256."""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from os1.events import Event, EventSink, NullSink
from os1.files.scan import Entry, Opener, Skipped, open_binary

CHUNK = 1 << 20


def hash_file(path: str, opener: Opener = open_binary, progress: Callable[[int], None] | None = None) -> str:
    """The SHA-256 of a file, read in chunks (memory stays flat for any size)."""
    digest = hashlib.sha256()
    with opener(path) as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            if progress is not None:
                progress(len(chunk))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Duplicates:
    groups: tuple[tuple[Entry, ...], ...]  # each group: files with the same content (distinct inodes)
    hashes: dict[str, str]  # rel → sha256, for every fully hashed file
    skipped: tuple[Skipped, ...]  # files that could not be read
    hashed_bytes: int


class _Progress:
    def __init__(self, sink: EventSink, total_bytes: int, total_files: int) -> None:
        self.sink, self.total, self.files_total = sink, total_bytes, total_files
        self.done = self.files = 0

    def add(self, n: int) -> None:
        self.done += n
        self.sink.emit(Event("files.hash", {"done": self.done, "total": self.total, "files": self.files,
                                            "files_total": self.files_total}))

    def file_done(self, credit: int = 0) -> None:
        self.files += 1
        self.add(credit)


def _candidates(entries: Iterable[Entry]) -> list[list[Entry]]:
    """Same-size groups of non-empty files, one entry per inode (hard links are one file)."""
    by_size: dict[int, dict[tuple[int, int], Entry]] = defaultdict(dict)
    for e in entries:
        if e.size > 0:
            by_size[e.size].setdefault((e.dev, e.ino), e)
    return [list(g.values()) for g in by_size.values() if len(g) > 1]


def _read(root: Path, entry: Entry, state: Any, opener: Opener, start: int, limit: int | None,
          progress: _Progress) -> None:
    """Feed ``state`` (a hash) from ``start``, up to ``limit`` bytes (None: to the end)."""
    with opener(os.path.join(root, entry.rel)) as f:
        if start:
            f.seek(start)
        left = limit
        while left is None or left > 0:
            chunk = f.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                break
            state.update(chunk)
            progress.add(len(chunk))
            if left is not None:
                left -= len(chunk)


def _split(root: Path, group: Sequence[Entry], opener: Opener, progress: _Progress, skipped: list[Skipped],
           full: bool, states: dict[str, Any]) -> list[list[Entry]]:
    """Hash each member (its first chunk, or the rest of it) and regroup by digest."""
    out: dict[str, list[Entry]] = defaultdict(list)
    for entry in group:
        state = states.setdefault(entry.rel, hashlib.sha256())
        try:
            _read(root, entry, state, opener, CHUNK if full and entry.size > CHUNK else 0,
                  None if full else CHUNK, progress)
        except OSError as exc:
            skipped.append(Skipped(entry.rel, f"cannot read: {exc.strerror or exc}"))
            progress.file_done(max(0, entry.size - (CHUNK if full else 0)))
            continue
        out[state.copy().hexdigest()].append(entry)
    return list(out.values())


def find_duplicates(root: Path, entries: Iterable[Entry], opener: Opener = open_binary,
                    sink: EventSink | None = None) -> Duplicates:
    """Groups of files with identical content under ``root``."""
    groups = _candidates(entries)
    progress = _Progress(sink or NullSink(), sum(e.size for g in groups for e in g), sum(len(g) for g in groups))
    skipped: list[Skipped] = []
    states: dict[str, Any] = {}
    found: list[tuple[Entry, ...]] = []
    hashes: dict[str, str] = {}
    for group in groups:
        if group[0].size > CHUNK:  # large: compare the first chunk, read the rest only of those that match
            heads = _split(root, group, opener, progress, skipped, False, states)
            for lonely in (h for h in heads if len(h) == 1):
                progress.file_done(lonely[0].size - CHUNK)
            bodies = [b for h in heads if len(h) > 1 for b in _split(root, h, opener, progress, skipped, True,
                                                                         states)]
        else:
            bodies = _split(root, group, opener, progress, skipped, True, states)
        for body in bodies:
            for e in body:
                progress.file_done()
                hashes[e.rel] = states[e.rel].hexdigest()
            if len(body) > 1:
                found.append(tuple(body))
    progress.sink.emit(Event("files.hash.end", {"done": progress.done, "total": progress.total,
                                                "files": progress.files, "files_total": progress.files_total}))
    return Duplicates(tuple(found), hashes, tuple(skipped), progress.done)
