"""``os1 mail`` through ``main([...])`` on a temporary OS1_HOME: help, sync a Maildir, list, search, show."""

from __future__ import annotations

import mailbox
import subprocess
import sys
from pathlib import Path

import pytest

from os1.cli.main import main
from tests.unit.mail.samples import message


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OS1_USER", raising=False)
    monkeypatch.setenv("OS1_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_help_lists_the_actions_and_stays_light():
    result = subprocess.run([sys.executable, "-m", "os1", "mail", "sync", "--help"], capture_output=True, text=True,
                            check=True)
    for flag in ("--maildir", "--mbox", "--imap", "--password-env", "--folder", "--starttls"):
        assert flag in result.stdout
    code = "import sys, os1.cli.main as m; m.build_parser(); print('os1.mail.parse' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_sync_a_maildir_then_list_search_and_show(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    box = mailbox.Maildir(str(tmp_path / "Mail"), create=True)
    box.add(message(1, subject="Tickets for Saturday", body="I got two tickets for the concert."))
    box.add(message(2, subject="Invoice", body="Your invoice is attached.", sender="Billing <bill@shop.example>"))
    box.add(message(3, subject="Evil \x1b[2J", body="text with an escape \x1b]0;owned\x07 sequence"))
    assert main(["mail", "sync", "--maildir", str(tmp_path / "Mail")]) == 0
    out, err = capsys.readouterr()
    assert "3 new, 0 already stored, 0 skipped" in out
    assert "mail sync:" in err and "3 read" in err  # plain progress lines: stderr is not a terminal here
    assert main(["mail", "sync", "--maildir", str(tmp_path / "Mail")]) == 0
    assert "0 new" in capsys.readouterr().out
    assert main(["mail", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Tickets for Saturday" in listed and "Invoice" in listed and "\x1b" not in listed
    assert main(["mail", "search", "concert", "tickets"]) == 0
    found = capsys.readouterr().out.strip().splitlines()
    assert len(found) == 1 and "Tickets for Saturday" in found[0]
    row_id = found[0].split()[0].lstrip("#")
    assert main(["mail", "show", row_id]) == 0
    shown = capsys.readouterr().out
    assert "I got two tickets for the concert." in shown and "From:    Alice <alice@example.com>" in shown
    assert main(["mail", "search", "from:bill"]) == 0
    assert "Invoice" in capsys.readouterr().out


def test_errors_are_reported_with_their_code(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["mail", "sync", "--maildir", str(tmp_path)]) == 2
    assert "mail.no_maildir" in capsys.readouterr().err
    assert main(["mail", "show", "999"]) == 2
    assert "mail.not_found" in capsys.readouterr().err
    assert main(["mail", "sync", "--imap", "127.0.0.1", "--user", "u", "--password-env", "OS1_TEST_NO_SUCH_VAR"]) == 2
    assert "mail.no_password" in capsys.readouterr().err


def test_progress_bar_redraws_on_a_terminal_and_prints_lines_otherwise():
    import io

    from os1.cli.mail import ProgressBar
    from os1.events import Event

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, plain = Tty(), io.StringIO()
    for out in (tty, plain):
        bar = ProgressBar(out)
        bar.emit(Event("mail.sync.start", {"total": 1000, "unit": "bytes", "at": 0, "done": 0}))
        bar.emit(Event("mail.sync.progress", {"total": 1000, "unit": "bytes", "at": 500, "done": 3, "added": 3}))
        bar.emit(Event("mail.sync.end", {"added": 3}))
        bar.finish()
    assert tty.getvalue().count("\r") == 2 and " 50% " in tty.getvalue() and "#" * 15 in tty.getvalue()
    assert tty.getvalue().endswith("\n")
    assert "\r" not in plain.getvalue()
    assert plain.getvalue().splitlines() == ["mail sync:  50% 3 read, 3 new, 0 skipped"]
