"""``organize``: a plan of moves for a folder. Duplicates (same content, another name) are set aside in
``_duplicates/`` keeping their path; the rest move into folders by type, year and topic. Nothing is deleted, nothing
is overwritten (a taken name gets a " (2)" suffix), and the plan only proposes: applying it is up to the user."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from os1.actions.base import Step
from os1.events import EventSink
from os1.files.classify import KINDS, destination, kind_of, organized, topics
from os1.files.hashing import Duplicates, find_duplicates
from os1.files.scan import SET_ASIDE, Entry, Opener, Skipped, open_binary, readable, scan

MOVE = "files.move"
KIND = "files.organize"
CATEGORIES = ("duplicates", *(k.lower() for k in KINDS))


@dataclass(frozen=True, slots=True)
class Draft:
    """A plan before it is saved: its steps, and what was looked at and left out."""

    root: Path
    steps: tuple[Step, ...]
    files: int
    left: int  # files that stay where they are
    skipped: tuple[Skipped, ...]
    hidden: int
    duplicate_bytes: int
    hashed_bytes: int


def unique(rel: str, taken: set[str], exists: Path | None = None) -> str:
    """``rel``, or "name (2).ext", "name (3).ext"... the first not in ``taken`` (case-insensitive) nor on disk."""
    path = PurePosixPath(rel)
    candidate, n = rel, 1
    while candidate.casefold() in taken or (exists is not None and os.path.lexists(exists / candidate)):
        n += 1
        candidate = str(path.with_name(f"{path.stem} ({n}){path.suffix}"))
    taken.add(candidate.casefold())
    return candidate


def _keeper(group: Iterable[Entry]) -> Entry:
    """The copy to keep: the shallowest path, then a name without "copy"/"(1)", then the oldest."""
    def rank(e: Entry) -> tuple[int, int, int, str]:
        name = PurePosixPath(e.rel).name.casefold()
        copied = int("copy" in name or " (" in name or "-1." in name)
        return (e.rel.count("/"), copied, e.mtime_ns, e.rel)

    return min(group, key=rank)


def _args(root: Path, e: Entry, dst: str, **extra: object) -> dict[str, object]:
    return {"root": str(root), "src": e.rel, "dst": dst, "size": e.size, "mtime_ns": e.mtime_ns, **extra}


def _duplicate_steps(root: Path, dups: Duplicates, taken: set[str]) -> tuple[list[Step], set[str], int]:
    steps, moved, saved = [], set(), 0
    for group in dups.groups:
        keep = _keeper(group)
        for e in sorted(group, key=lambda e: e.rel):
            if e is keep:
                continue
            dst = unique(f"{SET_ASIDE}/{e.rel}", taken, root)
            same = {"path": keep.rel, "size": keep.size, "mtime_ns": keep.mtime_ns}
            steps.append(Step(0, MOVE, _args(root, e, dst, sha256=dups.hashes[e.rel], same_as=same),
                              f"set aside {e.rel} (same as {keep.rel}) → {dst}", "duplicates"))
            moved.add(e.rel)
            saved += e.size
    return steps, moved, saved


def _organize_steps(root: Path, entries: list[Entry], taken: set[str], use_topics: bool) -> list[Step]:
    kinds = {e.rel: kind_of(e.rel) for e in entries}
    found = topics(e.rel for e in entries if kinds[e.rel] == "Documents") if use_topics else {}
    steps = []
    for e in entries:
        kind = kinds[e.rel]
        if kind is None or organized(e.rel, kind):
            continue
        want = destination(e, kind, found.get(e.rel))
        if want == e.rel:
            continue
        dst = unique(want, taken, root)
        steps.append(Step(0, MOVE, _args(root, e, dst), f"move {e.rel} → {dst}", kind.lower()))
    return steps


def build_plan(root: Path, exclude: Iterable[Path] = (), opener: Opener = open_binary,
               sink: EventSink | None = None, use_topics: bool = True) -> Draft:
    """Look at ``root`` (reading only files that share a size with another) and propose the moves."""
    root = Path(os.path.abspath(root))
    looked = scan(root, exclude)
    entries, unreadable = readable(root, looked.entries, opener)
    dups = find_duplicates(root, entries, opener, sink)
    bad = {s.rel for s in dups.skipped}
    entries = [e for e in entries if e.rel not in bad]
    taken = {e.rel.casefold() for e in looked.entries}
    dup_steps, moved, saved = _duplicate_steps(root, dups, taken)
    rest = [e for e in entries if e.rel not in moved]
    steps = dup_steps + sorted(_organize_steps(root, rest, taken, use_topics),
                               key=lambda s: (CATEGORIES.index(s.category), str(s.args["dst"]).casefold()))
    numbered = tuple(Step(n, s.op, s.args, s.description, s.category) for n, s in enumerate(steps, start=1))
    return Draft(root, numbered, len(looked.entries), len(entries) - len(numbered),
                 (*looked.skipped, *unreadable, *dups.skipped), looked.hidden, saved, dups.hashed_bytes)
