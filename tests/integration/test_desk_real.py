"""Contacts and calendar through the installed ``os1`` command in its own process: vCard and iCalendar files in
and out, and ``os1 calendar watch`` saying a reminder on the real clock (asyncio's sleep, not a fake)."""

from __future__ import annotations

import asyncio
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from os1.calendar.base import Reminder
from os1.calendar.store import calendar_of
from os1.store import open_store
from os1.types import utc_now
from tests.integration.conftest import OS1
from tests.unit.calendar.conftest import ICS
from tests.unit.contacts.test_vcards import CARDS

pytestmark = pytest.mark.integration


def os1(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OS1, *argv], env=env, capture_output=True, text=True, timeout=120)


def test_files_in_and_out_through_the_command(os1_env: dict[str, str], tmp_path: Path):
    (tmp_path / "book.vcf").write_text(CARDS, encoding="utf-8")
    (tmp_path / "work.ics").write_bytes(ICS)
    done = os1(os1_env, "contacts", "import", str(tmp_path / "book.vcf"))
    assert done.returncode == 0 and "3 added" in done.stdout and "2 skipped" in done.stdout
    out = os1(os1_env, "contacts", "export")
    assert out.returncode == 0 and out.stdout.count("BEGIN:VCARD") == 3 and "FN:Zoë Ångström" in out.stdout
    assert "4 added" in os1(os1_env, "calendar", "import", str(tmp_path / "work.ics")).stdout
    agenda = os1(os1_env, "calendar", "agenda", "--from", "2026-03-16", "--days", "7")
    assert agenda.returncode == 0 and "Standup" in agenda.stdout and "Lunch with Amy" in agenda.stdout
    ics = os1(os1_env, "calendar", "export")
    assert ics.returncode == 0 and ics.stdout.count("BEGIN:VEVENT") == 4 and "RRULE:FREQ=WEEKLY;COUNT=6" in ics.stdout


async def _remind_soon(home: Path) -> None:
    store = await open_store(home / "os1.db")
    try:
        user = await store.users.ensure("local")
        now = utc_now()
        await calendar_of(store).remind(user.id, Reminder("your meeting with Paul", now + timedelta(minutes=10,
                                                                                                      seconds=2),
                                                          timedelta(minutes=10), "m1@example.com"), now)
    finally:
        await store.close()


def test_watch_says_a_reminder_when_it_comes_due(os1_env: dict[str, str]):
    asyncio.run(_remind_soon(Path(os1_env["OS1_HOME"])))
    proc = subprocess.Popen([OS1, "calendar", "watch"], env=os1_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    guard = threading.Timer(60, proc.kill)  # a watch that never speaks must not hang the suite
    guard.start()
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the reminder is said (two seconds from now)
    finally:
        guard.cancel()
        proc.terminate()
        proc.wait(timeout=10)
    assert line.rstrip().endswith("Your meeting with Paul starts in 10 minutes.")
