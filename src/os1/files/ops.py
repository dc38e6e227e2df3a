"""The ``files.move`` action: move one file as planned, or not at all, and put it back on undo.

A step is skipped (nothing touched) when its file changed since planning (size, modification time, or for a
duplicate its content and its original), or when its destination is taken. Undo restores the original path; if that
is taken now, the file is restored beside it with a " (restored)" suffix and the note says so."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from os1.actions.base import JSON, Registry, Skip
from os1.errors import ActionError
from os1.files.hashing import hash_file
from os1.files.move import Linker, move, partial_of
from os1.files.plan import MOVE, unique
from os1.files.scan import Opener, open_binary


def _unchanged(path: Path, rel: str, size: Any, mtime_ns: Any, what: str) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise Skip(f"{what}{rel} is gone since planning", "files.changed") from None
    if not stat.S_ISREG(st.st_mode):
        raise Skip(f"{what}{rel} is no longer a regular file", "files.changed")
    if st.st_size != size or st.st_mtime_ns != mtime_ns:
        raise Skip(f"{what}{rel} changed since planning: left where it is", "files.changed")


def _missing_dirs(root: Path, rel: str) -> list[str]:
    out = []
    parent = PurePosixPath(rel).parent
    while str(parent) not in ("", ".") and not os.path.isdir(root / parent):
        out.append(str(parent))
        parent = parent.parent
    return out


def _restore_target(root: Path, rel: str) -> tuple[str, str]:
    if not os.path.lexists(root / rel):
        return rel, ""
    path = PurePosixPath(rel)
    n, candidate = 1, str(path.with_name(f"{path.stem} (restored){path.suffix}"))
    while os.path.lexists(root / candidate):
        n += 1
        candidate = str(path.with_name(f"{path.stem} (restored {n}){path.suffix}"))
    return candidate, f"{rel} is taken now: restored beside it as {PurePosixPath(candidate).name}"


class MoveFile:
    """Executor of ``files.move``: args carry the root, src, dst, size, mtime_ns (and sha256/same_as for a
    duplicate); the intent adds the exact destination, the folders it creates and the partial-copy name."""

    def __init__(self, opener: Opener = open_binary, link: Linker = os.link) -> None:
        self.opener = opener
        self.link = link
        self._reserved: set[str] = set()  # destinations promised in this run, not yet on disk

    def timeout_s(self, args: Mapping[str, Any]) -> float:
        return 120.0 + float(args.get("size", 0)) / 5e6  # a slow disk: 5 MB/s, read twice (copy and verify)

    async def prepare(self, args: Mapping[str, Any]) -> JSON:
        return await asyncio.to_thread(self._prepare, args)

    async def apply(self, args: Mapping[str, Any], intent: Mapping[str, Any]) -> JSON:
        return await asyncio.to_thread(self._apply, args, intent)

    async def undo(self, args: Mapping[str, Any], undo_data: Mapping[str, Any]) -> str:
        return await asyncio.to_thread(self._undo, args, undo_data)

    def _check(self, args: Mapping[str, Any], deep: bool) -> None:
        root = Path(args["root"])
        _unchanged(root / args["src"], args["src"], args["size"], args["mtime_ns"], "")
        same = args.get("same_as")
        if same:
            _unchanged(root / same["path"], same["path"], same["size"], same["mtime_ns"], "the original of this copy, ")
        if deep and args.get("sha256") and hash_file(str(root / args["src"]), self.opener) != args["sha256"]:
            raise Skip(f"{args['src']} changed since planning: left where it is", "files.changed")

    def _prepare(self, args: Mapping[str, Any]) -> JSON:
        self._check(args, deep=False)
        root = Path(args["root"])
        dst = unique(str(args["dst"]), self._reserved, root)
        return {"src": args["src"], "dst": dst, "made_dirs": _missing_dirs(root, dst), "tmp": partial_of(dst)}

    def _apply(self, args: Mapping[str, Any], intent: Mapping[str, Any]) -> JSON:
        self._check(args, deep=True)
        root = Path(args["root"])
        dst = root / intent["dst"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            move(str(root / intent["src"]), str(dst), str(root / intent["tmp"]), self.link, self.opener)
        except Skip:
            self._tidy(root, intent)  # nothing moved: the folders made for it go too, if still empty
            raise
        st = os.lstat(dst)
        return {**intent, "dev": st.st_dev, "ino": st.st_ino}

    def _undo(self, args: Mapping[str, Any], data: Mapping[str, Any]) -> str:
        root = Path(args["root"])
        src, dst = root / data["src"], root / data["dst"]
        if data.get("tmp") and os.path.lexists(root / data["tmp"]) and os.path.lexists(src):
            os.unlink(root / data["tmp"])  # a copy across disks cut short: the original is still in place
        if not os.path.lexists(dst):
            if os.path.lexists(src):  # it was never moved (the step was interrupted before it)
                self._tidy(root, data)
                return ""
            raise ActionError("files.gone", f"{data['dst']} is no longer there (moved or deleted since), so "
                              f"{data['src']} cannot be restored", hint="look for it by name, then move it back")
        st = os.lstat(dst)
        if ("ino" in data and (st.st_dev, st.st_ino) != (data["dev"], data["ino"])) or (
                "ino" not in data and st.st_size != args["size"]):
            raise ActionError("files.replaced", f"{data['dst']} is not the file OS1 moved there any more: left alone")
        if os.path.lexists(src) and self._interrupted_twin(src, dst, st, data):
            os.unlink(dst)  # the move was cut short after the new name was made: the original is still in place
            self._tidy(root, data)
            return ""
        target, note = _restore_target(root, str(data["src"]))
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        move(str(dst), str(root / target), str(root / partial_of(target)), self.link, self.opener)
        self._tidy(root, data)
        return note

    def _interrupted_twin(self, src: Path, dst: Path, st: os.stat_result, data: Mapping[str, Any]) -> bool:
        """Both names exist: the same file twice (a hard link made, the old name not yet removed), or, for an
        interrupted copy across disks, a verified copy of the original."""
        s = os.lstat(src)
        if (s.st_dev, s.st_ino) == (st.st_dev, st.st_ino):
            return True
        return "ino" not in data and s.st_size == st.st_size and \
            hash_file(str(src), self.opener) == hash_file(str(dst), self.opener)

    @staticmethod
    def _tidy(root: Path, data: Mapping[str, Any]) -> None:
        """Remove the folders the move created, if they are empty again (never anything else)."""
        for rel in sorted(data.get("made_dirs", ()), key=lambda d: d.count("/"), reverse=True):
            try:
                os.rmdir(root / rel)
            except OSError:
                pass


def register(registry: Registry, journal: Any = None, opener: Opener = open_binary, link: Linker = os.link) -> None:
    """Add the files ops to a registry (the CLI does this for ``os1 files`` and ``os1 undo``)."""
    registry.register(MOVE, MoveFile(opener, link))
