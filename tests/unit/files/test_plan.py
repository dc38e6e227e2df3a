"""Planning: duplicates by content (reading only same-size files), destinations by type/year/topic, collisions,
and what is left alone (hidden files, symbolic links, unreadable files, OS1's home, unknown types)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO

import pytest

from os1.events import ListSink
from os1.files.hashing import CHUNK
from os1.files.plan import build_plan
from tests.unit.files.conftest import T2024, put


def _moves(root: Path) -> dict[str, str]:
    return {str(s.args["src"]): str(s.args["dst"]) for s in build_plan(root).steps}


def test_duplicates_with_other_names_are_set_aside_and_the_original_kept(desk: Path):
    draft = build_plan(desk)
    dups = {str(s.args["src"]): s for s in draft.steps if s.category == "duplicates"}
    assert set(dups) == {"downloads/beach copy.jpg", "downloads/beach (1).jpg", "old/report-final.pdf"}
    assert dups["downloads/beach copy.jpg"].args["dst"] == "_duplicates/downloads/beach copy.jpg"
    assert dups["downloads/beach copy.jpg"].args["same_as"]["path"] == "camera/IMG_20210503_0001.jpg"
    assert dups["old/report-final.pdf"].args["same_as"]["path"] == "report.pdf"
    assert draft.duplicate_bytes == 2 * len(b"\xff\xd8 beach" * 100) + len(b"%PDF the report")
    assert [s.number for s in draft.steps] == list(range(1, len(draft.steps) + 1))


def test_files_go_to_folders_by_type_year_and_topic(desk: Path):
    moves = _moves(desk)
    assert moves["camera/IMG_20210503_0001.jpg"] == "Photos/2021/IMG_20210503_0001.jpg"  # the date in the name
    assert moves["camera/IMG_0002.jpg"] == "Photos/2024/IMG_0002.jpg"  # else the modification time
    assert moves["report.pdf"] == "Documents/report.pdf"
    assert {moves[f"downloads/invoice_{w}_{n}.pdf"] for n, w in enumerate(("acme", "globex", "initech"), 1)} == {
        f"Documents/Invoice/invoice_{w}_{n}.pdf" for n, w in enumerate(("acme", "globex", "initech"), 1)}
    assert moves["songs/album/01 intro.mp3"] == "Music/album/01 intro.mp3"
    assert "notes.xyz" not in moves and ".secret.pdf" not in moves


def test_without_topics_documents_share_one_folder(desk: Path):
    steps = build_plan(desk, use_topics=False).steps
    assert all("Invoice" not in str(s.args["dst"]) for s in steps)


def test_name_collisions_get_a_suffix_never_the_same_destination(tmp_path: Path):
    root = tmp_path / "d"
    put(root, "a/IMG.jpg", b"one")
    put(root, "b/IMG.jpg", b"two!")
    put(root, "Photos/2024/IMG.JPG", b"already here, organized")  # taken (case-insensitively)
    moves = _moves(root)
    assert sorted(moves.values()) == ["Photos/2024/IMG (2).jpg", "Photos/2024/IMG (3).jpg"]
    assert "Photos/2024/IMG.JPG" not in moves  # already in its type's folder: left as the user arranged it


def test_symlinks_hidden_files_and_the_os1_home_are_left_alone(tmp_path: Path):
    root = tmp_path / "d"
    put(root, "photo.jpg", b"x")
    put(root, ".hidden/inside.jpg", b"y")
    put(root, "os1home/os1.db.jpg", b"z")
    (root / "link.jpg").symlink_to(root / "photo.jpg")
    (root / "linkdir").symlink_to(root / ".hidden", target_is_directory=True)
    draft = build_plan(root, exclude=[root / "os1home"])
    assert [s.args["src"] for s in draft.steps] == ["photo.jpg"]
    reasons = {s.rel: s.reason for s in draft.skipped}
    assert "symbolic link" in reasons["link.jpg"] and "symbolic link" in reasons["linkdir"]
    assert "OS1" in reasons["os1home/"]
    assert draft.hidden == 1


class Recorder:
    """An opener that counts the bytes read from each file, and refuses the ones it is told to."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.read: dict[str, int] = {}
        self.refuse = refuse

    def __call__(self, path: str) -> IO[bytes]:
        if os.path.basename(path) in self.refuse:
            raise PermissionError(13, "Permission denied", path)
        recorder, name = self, os.path.basename(path)
        recorder.read.setdefault(name, 0)

        class Counting(io.FileIO):
            def read(self, size: int = -1) -> bytes:
                data = super().read(size)
                recorder.read[name] += len(data)
                return data

        return Counting(path, "rb")


def test_only_same_size_files_are_read_and_large_ones_by_their_first_chunk(tmp_path: Path):
    root = tmp_path / "d"
    put(root, "unique.pdf", b"a size of its own")
    put(root, "a.pdf", b"same")
    put(root, "b.pdf", b"same")
    put(root, "big1.mp4", b"1" + b"\0" * (3 * CHUNK))
    put(root, "big2.mp4", b"2" + b"\0" * (3 * CHUNK))  # same size, differs in the first chunk
    recorder, sink = Recorder(), ListSink()
    draft = build_plan(root, opener=recorder, sink=sink)
    assert recorder.read["unique.pdf"] == 0
    assert recorder.read["big1.mp4"] == CHUNK and recorder.read["big2.mp4"] == CHUNK
    assert recorder.read["a.pdf"] == 4
    assert [s.args["src"] for s in draft.steps if s.category == "duplicates"] == ["b.pdf"]
    assert "files.hash" in sink.types() and sink.types()[-1] == "files.hash.end"


def test_large_duplicates_are_read_to_the_end(tmp_path: Path):
    root = tmp_path / "d"
    put(root, "v1.mp4", b"\1" * (2 * CHUNK + 5))
    put(root, "v2.mp4", b"\1" * (2 * CHUNK + 5))
    put(root, "v3.mp4", b"\1" * (2 * CHUNK + 4) + b"\2")  # differs only in its last byte
    recorder = Recorder()
    steps = build_plan(root, opener=recorder).steps
    assert [s.args["src"] for s in steps if s.category == "duplicates"] == ["v2.mp4"]
    assert recorder.read == {"v1.mp4": 2 * CHUNK + 5, "v2.mp4": 2 * CHUNK + 5, "v3.mp4": 2 * CHUNK + 5}


def test_unreadable_files_are_skipped_and_reported(tmp_path: Path):
    root = tmp_path / "d"
    put(root, "secret.pdf", b"same")
    put(root, "open.pdf", b"same")
    put(root, "private.jpg", b"photo")
    draft = build_plan(root, opener=Recorder(refuse=("secret.pdf", "private.jpg")))
    assert [s.args["src"] for s in draft.steps] == ["open.pdf"]  # no longer a duplicate of anything readable
    assert {s.rel: s.reason for s in draft.skipped} == {
        "secret.pdf": "cannot read: Permission denied", "private.jpg": "cannot read: Permission denied"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_skipped(tmp_path: Path):
    root = tmp_path / "d"
    locked = put(root, "locked.pdf", b"x", T2024)
    locked.chmod(0)
    try:
        draft = build_plan(root)
    finally:
        locked.chmod(0o644)
    assert draft.steps == () and draft.skipped[0].rel == "locked.pdf"


def test_an_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "d"
    put(root, "closed/a.pdf", b"x")
    put(root, "b.pdf", b"y")
    real = os.scandir

    def scandir(path: str):  # type: ignore[no-untyped-def]
        if str(path).endswith("closed"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    draft = build_plan(root)
    assert [s.args["src"] for s in draft.steps] == ["b.pdf"]
    assert draft.skipped[0].rel == "closed/" and "Permission denied" in draft.skipped[0].reason
