"""``os1 files organize`` for real: the installed command in a pseudo-terminal (the progress line, the question,
a partial answer), ``os1 undo`` from another process, and a real move across two filesystems (tmpfs ↔ disk)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
from pathlib import Path

import pexpect
import pytest

from os1.files.move import move

from .conftest import OS1

pytestmark = pytest.mark.integration


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def _desk(root: Path) -> None:
    for rel, data in {"camera/IMG_20220101_1.jpg": b"jpg" * 1000, "Downloads/IMG copy.jpg": b"jpg" * 1000,
                      "Downloads/receipt_2023.pdf": b"%PDF r", "Downloads/receipt_2024.pdf": b"%PDF r 24",
                      "Downloads/receipt_shop.pdf": b"%PDF shop", "music/a.mp3": b"ID3"}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "shortcut.pdf").symlink_to(root / "Downloads/receipt_2023.pdf")


def test_organize_in_a_terminal_answers_some_steps_then_undo(tmp_path: Path, os1_env: dict[str, str]):
    root = tmp_path / "desk"
    _desk(root)
    before = _tree(root)
    child = pexpect.spawn(OS1, ["files", "organize", str(root)], env=os1_env, encoding="utf-8", timeout=60)
    child.logfile_read = seen = io.StringIO()
    child.expect("Apply which steps")
    child.sendline("duplicates")
    child.expect(pexpect.EOF)
    out = seen.getvalue()
    assert "Duplicates → _duplicates/" in out and "shortcut.pdf: symbolic link" in out and "os1 undo 1" in out
    assert "\r\x1b[2KApplying plan #1: 1/1 steps" in out  # the progress line is redrawn in a terminal
    after = _tree(root)
    assert "_duplicates/Downloads/IMG copy.jpg" in after and "Downloads/receipt_2023.pdf" in after  # only duplicates
    assert sorted(after.values()) == sorted(before.values())
    result = subprocess.run([OS1, "undo"], env=os1_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Plan #1 undone" in result.stdout
    assert _tree(root) == before and (root / "shortcut.pdf").is_symlink()


def test_organize_yes_and_undo_from_separate_processes(tmp_path: Path, os1_env: dict[str, str]):
    root = tmp_path / "desk"
    _desk(root)
    before = _tree(root)
    done = subprocess.run([OS1, "files", "organize", str(root), "--yes"], env=os1_env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Documents/Receipt/receipt_2023.pdf" in _tree(root) and "Photos/2022/IMG_20220101_1.jpg" in _tree(root)
    assert "Comparing same-size files" in done.stderr  # progress, as plain lines when not a terminal
    undone = subprocess.run([OS1, "undo", "1"], env=os1_env, capture_output=True, text=True, timeout=60)
    assert undone.returncode == 0 and _tree(root) == before
    again = subprocess.run([OS1, "undo", "1"], env=os1_env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "already undone" in again.stdout and _tree(root) == before


def test_a_real_move_across_filesystems_copies_verifies_and_removes(tmp_path: Path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another filesystem than the temporary folder")
    src = shm / f"os1-test-{os.getpid()}.bin"
    data = os.urandom(3 << 20)
    src.write_bytes(data)
    os.utime(src, (1_600_000_000, 1_600_000_000))
    dst = tmp_path / "moved.bin"
    try:
        move(str(src), str(dst), str(tmp_path / ".os1-partial-moved.bin"))
        assert not src.exists() and dst.read_bytes() == data and int(dst.stat().st_mtime) == 1_600_000_000
        assert not (tmp_path / ".os1-partial-moved.bin").exists()
        move(str(dst), str(src), str(shm / f".os1-partial-{src.name}"))
        assert src.read_bytes() == data and not dst.exists()
    finally:
        src.unlink(missing_ok=True)
