"""Mail against real servers: a Dovecot IMAP server started for the test (its own config, port, users and Maildir
under a temporary folder), and an aiosmtpd SMTP server on loopback for sending."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from os1.errors import MailError
from os1.mail.imap import Imap, ImapAccount, ImapSource
from os1.mail.parse import parse
from os1.mail.send import SmtpSettings, send
from os1.mail.store import SqliteMail, mail_of
from os1.mail.sync import sync
from os1.store import SqliteStore, open_store
from tests.unit.mail.samples import message

pytestmark = pytest.mark.integration

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
USER, PASSWORD = "tester", "s3cret-app-password"

CONF = """protocols = imap
listen = 127.0.0.1
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {tmp}/passwd
}}
mail_location = maildir:{tmp}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _users() -> tuple[str, str, str, int, int]:
    """(internal user, its group, login user, mail uid, mail gid). Dovecot refuses to run its login processes as
    root: as root, use the Debian package's unprivileged users; otherwise everything runs as the current user."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, _group(me.pw_gid), me.pw_name, me.pw_uid, me.pw_gid
    internal, login = pwd.getpwnam("dovecot"), pwd.getpwnam("dovenull")
    return "dovecot", _group(internal.pw_gid), login.pw_name, internal.pw_uid, internal.pw_gid


def _group(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


class Dovecot:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.port = tmp, _free_port()
        self.conf = tmp / "dovecot.conf"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        internal, group, login, uid, gid = _users()
        for sub in ("run", "state", "mail", "home"):
            (self.tmp / sub).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(CONF.format(tmp=self.tmp, port=self.port, internal=internal, internal_group=group,
                                         login=login))
        (self.tmp / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{self.tmp}/home/{USER}\n")
        for sub in ("mail", "home"):
            os.chown(self.tmp / sub, uid, gid)
        self.tmp.chmod(0o755)
        self.proc = subprocess.Popen([str(DOVECOT), "-F", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    if conn.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.tmp / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def doveadm(self, *args: str) -> str:
        return subprocess.run(["doveadm", "-c", str(self.conf), *args], capture_output=True, text=True,
                              check=True, timeout=30).stdout

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; `make sysdeps` does it)")
    # Not under tmp_path: pytest makes its folders 0700, and Dovecot's own users must reach the files.
    base = Path(tempfile.mkdtemp(prefix="os1-dovecot-"))
    server = Dovecot(base)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def mail(tmp_path: Path) -> AsyncIterator[tuple[SqliteMail, int]]:
    store = await open_store(tmp_path / "os1.db")
    assert isinstance(store, SqliteStore)
    user = await store.users.ensure("me")
    yield mail_of(store), user.id
    await store.close()


def _account(server: Dovecot, password: str = PASSWORD) -> ImapAccount:
    return ImapAccount("127.0.0.1", USER, password, port=server.port, security="plain", timeout_s=10)


async def _append(account: ImapAccount, numbers: range, folder: str = "INBOX") -> None:
    async with Imap(account) as imap:
        await imap.ensure_folder(folder)
        for n in numbers:
            await imap.append(folder, message(n, body=f"Message number {n} about the garden."))


async def test_sync_append_resync_and_uidvalidity_change(dovecot: Dovecot, mail: tuple[SqliteMail, int]):
    store, me = mail
    account = _account(dovecot)
    source = ImapSource(account, batch=2)
    await _append(account, range(1, 6))
    first = await sync(source, store, me, "tester@local")
    assert (first.added, first.duplicates, first.skipped) == (5, 0, ())
    validity, last = (await store.cursor(me, source.name)).value.split(":")
    assert last == "5"
    again = await sync(source, store, me, "tester@local")
    assert (again.added, again.duplicates) == (0, 0)
    await _append(account, range(6, 9))
    assert (await source.extent(await store.cursor(me, source.name))).amount == 3
    more = await sync(source, store, me, "tester@local")
    assert (more.added, more.duplicates) == (3, 0)
    assert (await store.cursor(me, source.name)).value == f"{validity}:8"
    async with Imap(account) as imap:  # BODY.PEEK: syncing marked nothing as read
        await imap.select("INBOX")
        assert await imap._call(imap.client.search, ["UNSEEN"]) == list(range(1, 9))
    dovecot.doveadm("mailbox", "update", "-u", USER, "--uid-validity", "4242", "INBOX")
    resync = await sync(source, store, me, "tester@local")
    assert (resync.added, resync.duplicates) == (0, 8)  # read again from scratch; storing is idempotent
    assert (await store.cursor(me, source.name)).value == "4242:8"
    found = await store.search(me, "garden number", 20)
    assert len(found) == 8 and all(f.folder == "INBOX" for f in found)


async def test_move_to_archive_and_back(dovecot: Dovecot, mail: tuple[SqliteMail, int], monkeypatch):
    account = _account(dovecot)
    await _append(account, range(1, 4))
    async with Imap(account) as imap:
        await imap.ensure_folder("Archive")
        await imap.move([1, 2], "INBOX", "Archive")
        assert await imap.find("Archive", "<m1@example.com>") != []
        assert await imap.find("INBOX", "<m1@example.com>") == []
        await imap.select("INBOX")
        assert await imap.uids_after(0) == [3]
        back = await imap.find("Archive", "<m2@example.com>")
        real = imap.client.has_capability
        monkeypatch.setattr(imap.client, "has_capability", lambda cap: cap != "MOVE" and real(cap))
        await imap.move(back, "Archive", "INBOX")  # COPY + \Deleted + UID EXPUNGE, as without MOVE
        assert await imap.find("Archive", "<m2@example.com>") == []
        assert await imap.find("INBOX", "<m2@example.com>") != []
        await imap.copy(await imap.find("Archive", "<m1@example.com>"), "Archive", "INBOX")
        assert await imap.find("Archive", "<m1@example.com>") != [] != await imap.find("INBOX", "<m1@example.com>")
    store, me = mail
    report = await sync(ImapSource(account, folder="Archive"), store, me, "tester@local")
    assert report.added == 1


async def test_a_wrong_password_is_a_login_error(dovecot: Dovecot):
    with pytest.raises(MailError) as caught:
        async with Imap(_account(dovecot, password="wrong")):
            pass
    assert caught.value.code == "mail.imap_login"
    assert "wrong" not in repr(_account(dovecot, password="wrong"))


async def test_cli_sync_from_imap_with_the_password_in_an_env_var(dovecot: Dovecot, tmp_path: Path, monkeypatch,
                                                                   capsys):
    from os1.cli.main import main

    await _append(_account(dovecot), range(1, 4))
    monkeypatch.setenv("OS1_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TEST_IMAP_PASSWORD", PASSWORD)
    args = ["mail", "sync", "--imap", "127.0.0.1", "--port", str(dovecot.port), "--user", USER, "--plain",
            "--password-env", "TEST_IMAP_PASSWORD"]
    assert await asyncio.to_thread(main, args) == 0
    out = capsys.readouterr()
    assert "3 new" in out.out and PASSWORD not in out.out + out.err
    assert PASSWORD not in (tmp_path / "home" / "os1.db").read_bytes().decode("latin-1")


async def test_send_delivers_the_message_to_a_real_smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    received: list[tuple[str, list[str], bytes]] = []

    class Keep(Sink):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            return "250 OK"

    controller = Controller(Keep(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "me@example.com", "you@example.com", "Café tomorrow?"
        msg.set_content("Shall we meet at ten?\n")
        await send(msg, SmtpSettings("127.0.0.1", controller.port, security="plain", timeout_s=10))
    finally:
        controller.stop()
    assert len(received) == 1
    sender, rcpts, data = received[0]
    assert sender == "me@example.com" and rcpts == ["you@example.com"]
    delivered = parse(data)
    assert delivered.subject == "Café tomorrow?" and delivered.text.strip() == "Shall we meet at ten?"


async def test_send_to_a_closed_port_is_a_mail_error():
    with pytest.raises(MailError) as caught:
        await send(EmailMessage(), SmtpSettings("127.0.0.1", _free_port(), security="plain", timeout_s=3))
    assert caught.value.code == "mail.smtp"
