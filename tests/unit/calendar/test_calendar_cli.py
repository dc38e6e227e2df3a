"""``os1 calendar`` through ``main([...])`` on a temporary OS1_HOME: import, agenda, export, invitations accepted,
and reminders set, listed and dismissed."""

from __future__ import annotations

from pathlib import Path

import pytest

from os1.cli.main import main
from tests.unit.calendar.conftest import ICS
from tests.unit.calendar.test_invites import message


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OS1_USER", raising=False)
    for name in ("OS1_INITIATIVE_TIMEZONE", "OS1_HOME"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[initiative]\ntimezone = "Europe/Berlin"\n', encoding="utf-8")
    return home


def run(capsys: pytest.CaptureFixture[str], home: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--home", str(home), "calendar", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_then_agenda_shows_the_week_in_local_time(home: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]):
    (tmp_path / "work.ics").write_bytes(ICS)
    code, out, _ = run(capsys, home, "import", str(tmp_path / "work.ics"))
    assert code == 0 and "work.ics: 4 added, 0 updated, 1 skipped" in out and "No start" in out
    code, out, _ = run(capsys, home, "agenda", "--from", "2026-03-16", "--days", "7")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Mon 16 Mar 2026" and lines[1].startswith("  09:00–09:15  Standup") and "(repeats)" in lines[1]
    assert "  17:00–18:00  Lunch with Amy  @ Cafe Lumière\n" in out  # 12:00 in New York (EDT) is 17:00 in Berlin
    assert "Fri 20 Mar 2026" in out and "all day" in out
    assert "Mon 23 Mar" not in out  # the skipped week, and the window ends before it
    code, out, _ = run(capsys, home, "agenda", "--from", "2026-03-23", "--days", "1")
    assert code == 0 and out.startswith("Nothing")


def test_export_writes_an_ics_that_imports_again(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "work.ics").write_bytes(ICS)
    run(capsys, home, "import", str(tmp_path / "work.ics"))
    code, _, err = run(capsys, home, "export", str(tmp_path / "out.ics"))
    assert code == 0 and "Wrote 4 event(s)" in err
    code, out, _ = run(capsys, home, "import", str(tmp_path / "out.ics"))
    assert "0 added, 4 updated, 0 skipped" in out


def test_invitation_waits_until_accepted(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "invite.eml").write_bytes(message())
    code, out, _ = run(capsys, home, "invites", str(tmp_path / "invite.eml"))
    assert code == 0 and "invite.eml: 1 invitation(s)" in out and "review-42@example.com" in out
    assert "Design review" not in run(capsys, home, "agenda", "--from", "2026-03-10", "--days", "1")[1]
    assert run(capsys, home, "accept", "review-42@example.com")[0] == 0
    assert "16:00–17:00  Design review" in run(capsys, home, "agenda", "--from", "2026-03-10", "--days", "1")[1]
    code, _, err = run(capsys, home, "decline", "nope@example.com")
    assert code == 2 and "calendar.no_proposal" in err


def test_reminders_set_listed_and_dismissed(home: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, home, "remind", "call the bank", "--at", "2099-01-02 15:00")
    assert code == 0 and out.startswith("Reminder #1: call the bank, Fri 2 Jan 15:00")
    code, out, _ = run(capsys, home, "remind", "--list")
    assert "#1    Fri 2 Jan 15:00  call the bank" in out
    assert run(capsys, home, "remind", "--dismiss", "1")[0] == 0
    assert "No reminders" in run(capsys, home, "remind", "--list")[1]
    code, _, err = run(capsys, home, "remind", "standup")
    assert code == 2 and "calendar.which_event" in err  # no such event
    code, _, err = run(capsys, home, "remind", "x", "--at", "soon")
    assert code == 2 and "calendar.bad_time" in err
