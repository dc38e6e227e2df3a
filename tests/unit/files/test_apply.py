"""Applying and undoing a files plan on real temporary folders: no file is ever lost (the multiset of contents is
the same before, after apply and after undo), and undo puts every file back at its own path."""

from __future__ import annotations

import errno
import os
from collections import Counter
from pathlib import Path

import pytest

from os1.actions import Journal, undo_plan
from os1.files.plan import KIND, build_plan
from tests.unit.files.conftest import contents, organize, put, registry, snapshot


async def test_organize_then_undo_loses_nothing_and_restores_every_path(desk: Path, journal: Journal):
    before = snapshot(desk)
    draft, plan, outcome = await organize(desk, journal)
    assert outcome.status == "applied" and outcome.count("applied") == len(draft.steps) == 10
    after = snapshot(desk)
    assert contents(desk) == contents_of(before)
    assert after["_duplicates/downloads/beach copy.jpg"] == before["downloads/beach copy.jpg"]
    assert after["Photos/2021/IMG_20210503_0001.jpg"] == before["camera/IMG_20210503_0001.jpg"]
    assert after[".secret.pdf"] == before[".secret.pdf"] and after["notes.xyz"] == before["notes.xyz"]
    undone = await undo_plan(journal, registry(), plan.id)
    assert undone.status == "undone" and undone.count("undone") == 10
    assert snapshot(desk) == before
    assert not (desk / "Photos").exists() and not (desk / "_duplicates").exists()  # folders it made are gone
    assert (desk / "downloads").is_dir()  # folders that were there stay


def contents_of(snap: dict[str, str]) -> Counter[str]:
    return Counter(snap.values())


async def test_an_organized_folder_needs_no_second_plan(desk: Path, journal: Journal):
    await organize(desk, journal)
    again = build_plan(desk)
    assert again.steps == () and again.left == again.files == 11 - 3  # the 3 duplicates: set aside, out of sight


async def test_mtime_is_kept(desk: Path, journal: Journal):
    mtime = (desk / "camera/IMG_0002.jpg").stat().st_mtime_ns
    await organize(desk, journal)
    assert (desk / "Photos/2024/IMG_0002.jpg").stat().st_mtime_ns == mtime


async def test_a_file_changed_between_plan_and_apply_is_skipped(desk: Path, journal: Journal):
    draft = build_plan(desk)
    plan = await journal.propose(KIND, "t", draft.steps)
    (desk / "camera/IMG_0002.jpg").write_bytes(b"edited since")  # size and time change
    dup = desk / "old/report-final.pdf"  # a duplicate edited in place, same size and time: only its hash tells
    stat = dup.stat()
    dup.write_bytes(b"%PDF the rEport")
    os.utime(dup, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    from os1.actions import apply_plan

    outcome = await apply_plan(journal, registry(), plan.id, {s.number for s in plan.steps})
    by_src = {str(s.args["src"]): s.number for s in plan.steps}
    states = {r.number: (r.state, r.note) for r in outcome.results}
    assert states[by_src["camera/IMG_0002.jpg"]][0] == "skipped"
    assert "changed since planning" in states[by_src["old/report-final.pdf"]][1]
    assert (desk / "camera/IMG_0002.jpg").read_bytes() == b"edited since"
    assert dup.read_bytes() == b"%PDF the rEport" and outcome.status == "partially-applied"


async def test_the_original_of_a_duplicate_changing_skips_the_duplicate(desk: Path, journal: Journal):
    draft = build_plan(desk)
    plan = await journal.propose(KIND, "t", draft.steps)
    (desk / "report.pdf").write_bytes(b"rewritten")
    from os1.actions import apply_plan

    outcome = await apply_plan(journal, registry(), plan.id, {s.number for s in plan.steps})
    number = next(s.number for s in plan.steps if s.args["src"] == "old/report-final.pdf")
    result = next(r for r in outcome.results if r.number == number)
    assert result.state == "skipped" and "original of this copy" in result.note
    assert (desk / "old/report-final.pdf").exists()


async def test_a_destination_taken_after_planning_is_never_overwritten(tmp_path: Path, journal: Journal):
    root = tmp_path / "d"
    put(root, "a/IMG.jpg", b"mine")
    plan = await journal.propose(KIND, "t", build_plan(root).steps)
    put(root, "Photos/2024/IMG.jpg", b"appeared meanwhile")
    from os1.actions import apply_plan

    outcome = await apply_plan(journal, registry(), plan.id, {1})
    assert outcome.status == "applied"
    assert (root / "Photos/2024/IMG.jpg").read_bytes() == b"appeared meanwhile"
    assert (root / "Photos/2024/IMG (2).jpg").read_bytes() == b"mine"
    await undo_plan(journal, registry(), plan.id)
    assert (root / "a/IMG.jpg").read_bytes() == b"mine" and (root / "Photos/2024/IMG.jpg").exists()


async def test_partial_approval_by_category(desk: Path, journal: Journal):
    draft = build_plan(desk)
    dups = {s.number for s in draft.steps if s.category == "duplicates"}
    _, plan, outcome = await organize(desk, journal, approve=dups)
    assert outcome.count("applied") == 3
    assert not (desk / "Photos").exists() and (desk / "camera/IMG_0002.jpg").exists()
    assert sorted(os.listdir(desk / "_duplicates/downloads")) == ["beach (1).jpg", "beach copy.jpg"]


async def test_undo_beside_a_taken_original_and_reports_it(tmp_path: Path, journal: Journal):
    root = tmp_path / "d"
    put(root, "a/IMG.jpg", b"mine")
    _, plan, _ = await organize(root, journal)
    put(root, "a/IMG.jpg", b"a new file with the old name")
    outcome = await undo_plan(journal, registry(), plan.id)
    assert outcome.status == "undone" and "restored beside it as IMG (restored).jpg" in outcome.results[0].note
    assert (root / "a/IMG.jpg").read_bytes() == b"a new file with the old name"
    assert (root / "a/IMG (restored).jpg").read_bytes() == b"mine"


async def test_a_moved_file_deleted_since_fails_its_undo_only(tmp_path: Path, journal: Journal):
    root = tmp_path / "d"
    put(root, "a/one.jpg", b"1")
    put(root, "a/two.jpg", b"22")
    _, plan, _ = await organize(root, journal)
    (root / "Photos/2024/one.jpg").unlink()  # the user deleted it
    outcome = await undo_plan(journal, registry(), plan.id)
    assert outcome.status == "partially-undone"
    assert {r.state for r in outcome.results} == {"undone", "undo-failed"}
    assert (root / "a/two.jpg").read_bytes() == b"22"
    failed = next(r for r in outcome.results if r.state == "undo-failed")
    assert "no longer there" in failed.note


class PowerCut(Exception):
    """Stands for the process dying: not an error the runner handles, so it stops everything there."""


class CrashingLink:
    """os.link that dies (like a power cut) right after making the Nth new name, before the old one is removed."""

    def __init__(self, after: int) -> None:
        self.after, self.calls = after, 0

    def __call__(self, src: str, dst: str) -> None:
        os.link(src, dst)
        self.calls += 1
        if self.calls > self.after:
            raise PowerCut


@pytest.mark.parametrize("batch", [1, 32])
async def test_a_crash_mid_apply_then_undo_restores_everything(desk: Path, journal: Journal, batch: int):
    before = snapshot(desk)
    with pytest.raises(PowerCut):
        await organize(desk, journal, reg=registry(link=CrashingLink(after=4)), batch=batch)
    crashed = contents(desk)
    assert all(crashed[h] >= n for h, n in contents_of(before).items())  # nothing lost, one file has two names
    plan = (await journal.plans())[0]
    assert plan.status == "applying"
    outcome = await undo_plan(journal, registry(), plan.id)  # a new run: only the journal is left
    assert outcome.status == "undone"
    assert snapshot(desk) == before


def _exdev_link(src: str, dst: str) -> None:
    """Hard links fail as they do between two disks, except for the partial copy (which lands on the same disk)."""
    if ".os1-partial-" not in src:
        raise OSError(errno.EXDEV, "Invalid cross-device link")
    os.link(src, dst)


async def test_a_move_across_disks_copies_verifies_then_removes(desk: Path, journal: Journal):
    before = snapshot(desk)
    _, plan, outcome = await organize(desk, journal, reg=registry(link=_exdev_link))
    assert outcome.status == "applied" and contents(desk) == contents_of(before)
    assert not [n for _, _, names in os.walk(desk) for n in names if n.startswith(".os1-partial-")]
    assert (desk / "camera/IMG_0002.jpg").exists() is False
    await undo_plan(journal, registry(link=_exdev_link), plan.id)
    assert snapshot(desk) == before


async def test_without_hard_links_a_checked_rename_is_used(desk: Path, journal: Journal):
    def no_links(src: str, dst: str) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    before = snapshot(desk)
    _, plan, outcome = await organize(desk, journal, reg=registry(link=no_links))
    assert outcome.status == "applied" and contents(desk) == contents_of(before)
    await undo_plan(journal, registry(link=no_links), plan.id)
    assert snapshot(desk) == before


async def test_undo_after_a_crash_mid_copy_removes_only_the_partial_copy(tmp_path: Path):
    from os1.files.ops import MoveFile

    root = tmp_path / "d"
    put(root, "a/big.mov", b"the original")
    put(root, "Videos/2024/.os1-partial-big.mov", b"the orig")  # what a copy cut short leaves behind
    args = {"root": str(root), "src": "a/big.mov", "dst": "Videos/2024/big.mov", "size": 12, "mtime_ns": 0}
    intent = {"src": "a/big.mov", "dst": "Videos/2024/big.mov", "made_dirs": ["Videos/2024", "Videos"],
              "tmp": "Videos/2024/.os1-partial-big.mov"}
    assert await MoveFile().undo(args, intent) == ""
    assert list(snapshot(root)) == ["a/big.mov"] and (root / "a/big.mov").read_bytes() == b"the original"
    assert not (root / "Videos").exists()
