"""``os1 files organize`` and ``os1 undo`` through ``main([...])`` on a temporary OS1_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from os1.cli.main import main
from tests.unit.files.conftest import snapshot


def run(capsys: pytest.CaptureFixture[str], home: Path, *argv: str) -> tuple[int, str]:
    code = main(["--home", str(home), *argv])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OS1_USER", raising=False)
    return tmp_path / "home"


def test_organize_yes_then_undo_then_undo_again(desk: Path, home: Path, capsys: pytest.CaptureFixture[str]):
    before = snapshot(desk)
    code, out = run(capsys, home, "files", "organize", str(desk), "--yes")
    assert code == 0, out
    assert "Plan #1" in out and "Duplicates → _duplicates/" in out and "Photos/2021/" in out
    assert "Plan #1 applied: 10 applied." in out and "os1 undo 1" in out
    assert (desk / "Documents/Invoice").is_dir() and snapshot(desk) != before
    code, out = run(capsys, home, "files", "plans")
    assert code == 0 and "#1" in out and "applied" in out and "10 applied" in out
    code, out = run(capsys, home, "undo")
    assert code == 0 and "Plan #1 undone: 10 undone." in out
    assert snapshot(desk) == before
    code, out = run(capsys, home, "undo", "1")
    assert code == 0 and "already undone" in out and "nothing to do" in out
    code, out = run(capsys, home, "undo")
    assert code == 1 and "Nothing to undo" in out
    code, out = run(capsys, home, "files", "show", "1")
    assert code == 0 and "undone" in out


def test_only_some_steps_by_category(desk: Path, home: Path, capsys: pytest.CaptureFixture[str]):
    code, out = run(capsys, home, "files", "organize", str(desk), "--only", "duplicates")
    assert code == 0 and "3 applied" in out
    assert (desk / "_duplicates").is_dir() and not (desk / "Photos").exists()


def test_without_a_terminal_or_consent_nothing_changes(desk: Path, home: Path, capsys: pytest.CaptureFixture[str]):
    before = snapshot(desk)
    code, out = run(capsys, home, "files", "organize", str(desk))
    assert code == 1 and "Nothing changed" in out and snapshot(desk) == before
    code, out = run(capsys, home, "files", "plans")
    assert "declined" in out


def test_dry_run_saves_and_changes_nothing(desk: Path, home: Path, capsys: pytest.CaptureFixture[str]):
    before = snapshot(desk)
    code, out = run(capsys, home, "files", "organize", str(desk), "--dry-run", "--full")
    assert code == 0 and "Dry run" in out and "invoice_acme_1.pdf" in out
    assert snapshot(desk) == before
    assert "No plans yet" in run(capsys, home, "files", "plans")[1]


def test_a_bad_selection_is_an_error_with_a_hint(desk: Path, home: Path, capsys: pytest.CaptureFixture[str]):
    before = snapshot(desk)
    code, out = run(capsys, home, "files", "organize", str(desk), "--only", "banana")
    assert code == 2 and "action.bad_selection" in out and "categories:" in out
    assert snapshot(desk) == before


def test_os1_home_and_missing_folders_are_refused(tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]):
    (home / "stuff").mkdir(parents=True)
    code, out = run(capsys, home, "files", "organize", str(home / "stuff"), "--yes")
    assert code == 2 and "files.own_folder" in out
    code, out = run(capsys, home, "files", "organize", str(tmp_path / "nowhere"), "--yes")
    assert code == 2 and "files.not_a_folder" in out


def test_help_explains(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["files", "organize", "--help"])
    out = capsys.readouterr().out
    assert "_duplicates" in out and "os1 undo" in out
    with pytest.raises(SystemExit):
        main(["undo", "--help"])
    assert "restored" in capsys.readouterr().out
