"""Walk a folder without following anything: regular files are listed, everything else is reported or left alone.

Hidden names (a leading dot), the set-aside folder and excluded folders (OS1's home) are never entered; symbolic
links are reported and never followed or moved; folders that cannot be opened, and files in folders that cannot be
written (so a move would fail), are reported as skipped."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

SET_ASIDE = "_duplicates"  # inside the organized folder: duplicates go here, never deleted
Opener = Callable[[str], IO[bytes]]


def open_binary(path: str) -> IO[bytes]:
    return open(path, "rb", buffering=0)


@dataclass(frozen=True, slots=True)
class Entry:
    rel: str  # relative to the root, with "/" separators
    size: int
    mtime_ns: int
    dev: int
    ino: int


@dataclass(frozen=True, slots=True)
class Skipped:
    rel: str
    reason: str


@dataclass(frozen=True, slots=True)
class Scan:
    root: Path
    entries: tuple[Entry, ...]
    skipped: tuple[Skipped, ...]
    hidden: int  # hidden files and folders left alone (not counted inside hidden folders)


def _same(path: str, excluded: Iterable[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == e for e in excluded)


def _writable(folder: str, cache: dict[str, bool]) -> bool:
    if folder not in cache:
        cache[folder] = os.access(folder, os.W_OK | os.X_OK)
    return cache[folder]


def _visit(item: os.DirEntry[str], rel: str, excluded: list[str], found: dict[str, list]) -> str | None:
    """Sort one directory entry into found[...]; returns the folder to walk next, if it is one."""
    if item.name.startswith("."):
        found["hidden"].append(rel)
    elif item.is_symlink():
        found["skipped"].append(Skipped(rel, "symbolic link: never followed or moved"))
    elif item.is_dir(follow_symlinks=False):
        if rel == SET_ASIDE:
            return None
        if _same(item.path, excluded):
            found["skipped"].append(Skipped(rel + "/", "OS1's own folder: left alone"))
            return None
        return item.path
    elif item.is_file(follow_symlinks=False):
        st = item.stat(follow_symlinks=False)
        found["entries"].append(Entry(rel, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino))
    else:
        found["skipped"].append(Skipped(rel, "not a regular file (device, pipe or socket)"))
    return None


def scan(root: Path, exclude: Iterable[Path] = ()) -> Scan:
    """Every regular file under ``root`` that may be organized, and what was left out and why."""
    excluded = [os.path.realpath(p) for p in exclude]
    found: dict[str, list] = {"entries": [], "skipped": [], "hidden": []}
    writable: dict[str, bool] = {}
    stack = [str(root)]
    base = len(str(root).rstrip(os.sep)) + 1
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as items:
                listed = sorted(items, key=lambda i: i.name)
        except OSError as exc:
            found["skipped"].append(Skipped(folder[base:] + "/", f"cannot open folder: {exc.strerror}"))
            continue
        for item in listed:
            rel = item.path[base:].replace(os.sep, "/")
            try:
                sub = _visit(item, rel, excluded, found)
            except OSError as exc:
                found["skipped"].append(Skipped(rel, f"cannot read: {exc.strerror}"))
                continue
            if sub is not None:
                stack.append(sub)
    entries, skipped = [], list(found["skipped"])
    for entry in found["entries"]:
        folder = os.path.dirname(os.path.join(root, entry.rel))
        if _writable(folder, writable):
            entries.append(entry)
        else:
            skipped.append(Skipped(entry.rel, "its folder is read-only: it cannot be moved"))
    entries.sort(key=lambda e: e.rel)
    return Scan(root, tuple(entries), tuple(skipped), len(found["hidden"]))


def readable(root: Path, entries: Iterable[Entry], opener: Opener = open_binary) -> tuple[list[Entry], list[Skipped]]:
    """The entries that can be opened for reading, and the others (permission errors) as skipped."""
    ok, skipped = [], []
    for entry in entries:
        try:
            with opener(os.path.join(root, entry.rel)):
                pass
        except OSError as exc:
            skipped.append(Skipped(entry.rel, f"cannot read: {exc.strerror or exc}"))
        else:
            ok.append(entry)
    return ok, skipped
