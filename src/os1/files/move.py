"""Moving a file without ever replacing another or losing one.

On one filesystem: a hard link to the new name (which fails if the name is taken), then the old name is removed;
where hard links are not supported, a rename after checking the name is free. Across filesystems: a copy to a
hidden partial file beside the destination, flushed to disk and verified by hash, put in place the same way, and
only then is the original removed."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Callable

from os1.actions.base import Skip
from os1.errors import ActionError
from os1.files.hashing import CHUNK, hash_file
from os1.files.scan import Opener, open_binary

Linker = Callable[[str, str], None]
NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS, errno.EACCES}
PARTIAL = ".os1-partial-"


def partial_of(rel: str) -> str:
    head, _, name = rel.rpartition("/")
    return f"{head}/{PARTIAL}{name}" if head else f"{PARTIAL}{name}"


def _taken(dst: str) -> Skip:
    return Skip(f"{dst} appeared since planning: nothing was moved", "files.taken")


def place(src: str, dst: str, link: Linker = os.link) -> None:
    """Rename on one filesystem, never over an existing ``dst``. Raises OSError(EXDEV) across filesystems."""
    try:
        link(src, dst)
    except FileExistsError:
        raise _taken(dst) from None
    except OSError as exc:
        if exc.errno not in NO_HARD_LINKS:
            raise
        if os.path.lexists(dst):
            raise _taken(dst) from None
        os.rename(src, dst)
        return
    os.unlink(src)


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _copy(src: str, tmp: str, opener: Opener) -> str:
    digest = hashlib.sha256()
    with opener(src) as f, open(tmp, "xb") as out:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def copy_across(src: str, dst: str, tmp: str, link: Linker = os.link, opener: Opener = open_binary) -> None:
    """Copy, flush, verify, put in place, then remove the original."""
    if os.path.lexists(dst):
        raise _taken(dst)
    try:
        wrote = _copy(src, tmp, opener)
        shutil.copystat(src, tmp, follow_symlinks=False)
        if hash_file(tmp) != wrote:
            raise ActionError("files.copy_mismatch", f"the copy of {src} does not read back the same; kept the "
                              "original", hint="check the destination disk")
        place(tmp, dst, link)
    except BaseException:
        if os.path.lexists(tmp) and os.path.lexists(src):
            os.unlink(tmp)
        raise
    _fsync_dir(os.path.dirname(dst))
    os.unlink(src)


def move(src: str, dst: str, tmp: str, link: Linker = os.link, opener: Opener = open_binary) -> None:
    """Move ``src`` to ``dst`` (``tmp``: the partial file used if it must be copied across filesystems)."""
    try:
        place(src, dst, link)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        copy_across(src, dst, tmp, link, opener)
