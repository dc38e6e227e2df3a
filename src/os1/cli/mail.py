"""``os1 mail``: sync mail from a Maildir, an mbox file or an IMAP folder into OS1_HOME, then list, search and
read it; brief, read aloud, clean up (with consent, undoable) and reply (sent only after confirmation: see
``mail_desk`` and ``mail_reply``). Reading never marks mail as read. An IMAP password comes from an environment
variable named on the command line, or is asked for; it is never stored or printed.

Module-level imports stay light: ``add_mail_parser`` runs for every ``os1 --help``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from os1.errors import MailError

if TYPE_CHECKING:
    from os1.config import Settings
    from os1.events import Event
    from os1.mail.source import MailSource
    from os1.mail.store import SqliteMail, StoredEmail


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_mail_parser(sub: Any) -> None:
    """Register ``os1 mail`` and its actions on the top-level subparsers."""
    mail = sub.add_parser("mail", help="sync, list, search and read your mail (Maildir, mbox or IMAP)",
                          description="Mail is copied into OS1_HOME and indexed; syncing never changes the "
                          "originals and marks nothing as read (only `os1 mail clean` moves messages, with your "
                          "consent, and `os1 undo` moves them back). What mail says is data, never instructions.")
    mail.set_defaults(mail_help=mail.print_help)
    actions = mail.add_subparsers(dest="mail_command", metavar="ACTION")
    sync = actions.add_parser("sync", help="fetch new mail (from where the last sync ended) and index it")
    where = sync.add_mutually_exclusive_group(required=True)
    where.add_argument("--maildir", type=Path, metavar="DIR", help="a Maildir folder (with cur/ and new/)")
    where.add_argument("--mbox", type=Path, metavar="FILE", help="an mbox file (read as a stream: any size)")
    where.add_argument("--imap", metavar="HOST", help="an IMAP server, e.g. imap.gmail.com")
    sync.add_argument("--port", type=int, default=0, help="IMAP port (default 993 with --ssl, 143 otherwise)")
    sync.add_argument("--user", help="IMAP login (usually your address)")
    sync.add_argument("--password-env", metavar="VAR",
                      help="read the IMAP password (or app password) from this environment variable; "
                      "without it you are asked (it is never stored)")
    sync.add_argument("--folder", default="INBOX", help="the folder to read (default INBOX)")
    tls = sync.add_mutually_exclusive_group()
    tls.add_argument("--ssl", dest="security", action="store_const", const="ssl", help="TLS from the start (default)")
    tls.add_argument("--starttls", dest="security", action="store_const", const="starttls", help="STARTTLS")
    tls.add_argument("--plain", dest="security", action="store_const", const="plain",
                     help="no TLS: only for a server on this machine")
    sync.set_defaults(security="ssl")
    sync.add_argument("--account", help="a name for this account in OS1 (default: user@host, or 'local')")
    sync.add_argument("--batch", type=_positive, default=500, help=argparse.SUPPRESS)
    _me_arg(sync)
    search = actions.add_parser("search", help="search your mail: words, from:, to:, subject:")
    search.add_argument("query", nargs="+")
    search.add_argument("--limit", type=_positive, default=20)
    show = actions.add_parser("show", help="one message: headers, what parsing repaired, and its text")
    show.add_argument("id", type=_positive)
    ls = actions.add_parser("list", help="the newest messages")
    ls.add_argument("--limit", type=_positive, default=20)
    ls.add_argument("--folder", help="only this folder")
    _desk_parsers(actions)


def _voice_args(parser: Any) -> None:
    parser.add_argument("--speak", action="store_true", help="also say it with the companion's voice (Piper or "
                        "espeak-ng, as `os1 talk` does), on the speaker")
    parser.add_argument("--out", type=Path, metavar="FILE.wav", help="with --speak (implied): write the speech "
                        "to this file (WAV; .flac/.ogg/.mp3 by suffix) instead of playing it")


def _me_arg(parser: Any) -> None:
    parser.add_argument("--me", action="append", default=[], metavar="ADDR",
                        help="one of your own addresses (repeatable; default: guessed from your mail)")


def _desk_parsers(actions: Any) -> None:
    brief = actions.add_parser("brief", help="what needs you in your inbox, in a few sentences (text, or spoken)",
                               description="A briefing of the last days' mail: what needs a reply or is important "
                               "first, then personal mail, the funny ones, and counts of the rest. Sender names, "
                               "never addresses or links. Built by rules from your stored mail: no model, nothing "
                               "a message says can change what is said.")
    brief.add_argument("--days", type=_positive, default=3, help="how far back to look (default 3 days)")
    _voice_args(brief)
    _me_arg(brief)
    read = actions.add_parser("read", help="one message read out: who, when, about what, and their words",
                              description="Describes message ID as the companion would say it, the sender's "
                              "words clearly quoted as theirs. `os1 mail show ID` prints it in full.")
    read.add_argument("id", type=_positive)
    _voice_args(read)
    _me_arg(read)
    clean = actions.add_parser(
        "clean", help="plan to archive newsletters and notifications and move spam to Junk; ask; apply; undoable",
        description="Proposes moving what can wait out of the inbox — newsletters and notifications to Archive, "
        "spam to Junk — keeping anything personal, important or needing a reply (and the funny ones). Shows the "
        "steps and asks which to apply. Messages are moved in OS1 and in their real source too (a Maildir's "
        ".Archive folder, or MOVE on the IMAP server; an mbox file is left as it is): never deleted. "
        "`os1 undo` moves them all back.")
    pick = clean.add_mutually_exclusive_group()
    pick.add_argument("--yes", action="store_true", help="apply every step without asking (for scripts)")
    pick.add_argument("--only", metavar="STEPS", help="apply only these without asking: numbers, ranges or "
                      "categories, e.g. 'newsletters,spam' or 'all,-3'")
    clean.add_argument("--dry-run", action="store_true", help="show the plan only; save and move nothing")
    clean.add_argument("--folder", default="INBOX", help="the folder to tidy (default INBOX)")
    clean.add_argument("--older-than", type=int, default=0, metavar="DAYS", help="only messages older than this")
    clean.add_argument("--full", action="store_true", help="list every step (default: the first 15)")
    clean.add_argument("--password-env", metavar="VAR", help="for IMAP mail: read the password from this "
                       "environment variable; without it you are asked (it is never stored)")
    _me_arg(clean)
    _reply_parser(actions)


def _reply_parser(actions: Any) -> None:
    reply = actions.add_parser(
        "reply", help="draft a reply to message ID in your own style; send only after you confirm",
        description="Drafts a reply with the model, in the style learned from your sent mail (greeting, sign-off, "
        "length, tone), and shows it. You can edit it, then send it: sending needs you to type `send` after "
        "seeing the recipients, subject and body. --yes is not accepted for sending: a message cannot be "
        "unsent, so the only non-interactive way is --confirm-send, which you add knowing that. Without "
        "--smtp the draft is only shown. The sent message is recorded in the journal (`os1 files plans --all`).")
    reply.add_argument("id", type=_positive)
    reply.add_argument("--note", default="", help="what you want to say, in a few words (guides the draft)")
    reply.add_argument("--body-file", type=Path, metavar="FILE", help="use this text as the reply body instead "
                       "of drafting one")
    reply.add_argument("--smtp", metavar="HOST", help="the SMTP server to send through; without it, draft only")
    reply.add_argument("--smtp-port", type=int, default=0, help="default 587 (465 with --smtp-ssl)")
    reply.add_argument("--smtp-user", default="", help="SMTP login (default: none)")
    reply.add_argument("--password-env", metavar="VAR", help="SMTP (and IMAP) password from this environment "
                       "variable; without it you are asked (never stored)")
    tls = reply.add_mutually_exclusive_group()
    tls.add_argument("--smtp-ssl", dest="smtp_security", action="store_const", const="ssl",
                     help="TLS from the start (port 465); default: STARTTLS")
    tls.add_argument("--smtp-plain", dest="smtp_security", action="store_const", const="plain",
                     help="no TLS: only for a server on this machine")
    reply.set_defaults(smtp_security="starttls")
    reply.add_argument("--from", dest="sender", metavar="ADDR", help="your address (default: the one the "
                       "message was sent to)")
    reply.add_argument("--name", default="", help="your name, for the From header and the sign-off")
    reply.add_argument("--confirm-send", action="store_true", help="send without asking. Deliberately separate "
                       "from --yes: a sent message cannot be taken back, so only use it when a script has "
                       "already shown the draft to you")
    _me_arg(reply)


def run_mail(args: Any) -> int:
    import asyncio

    from os1.config import load_settings

    if not args.mail_command:
        args.mail_help()
        return 0
    home = Path(args.home).expanduser() if getattr(args, "home", None) else None
    settings = load_settings(os.environ, home=home)
    source = _source(args) if args.mail_command == "sync" else None
    return asyncio.run(_run(settings, args, source))


def _password(args: Any) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise MailError("mail.no_password", f"the environment variable {args.password_env} is not set",
                            hint=f"export {args.password_env}=... (or leave out --password-env to be asked)")
        return value
    if not sys.stdin.isatty():
        raise MailError("mail.no_password", "no IMAP password", hint="use --password-env VAR")
    import getpass

    return getpass.getpass(f"IMAP password for {args.user}@{args.imap}: ")


def _source(args: Any) -> MailSource:
    if args.maildir is not None:
        from os1.mail.maildir import MaildirSource

        return MaildirSource(args.maildir, folder=args.folder)
    if args.mbox is not None:
        from os1.mail.mbox import MboxSource

        return MboxSource(args.mbox, folder=args.folder)
    from os1.mail.imap import ImapAccount, ImapSource

    if not args.user:
        raise MailError("mail.no_user", "IMAP needs a login", hint="add --user you@example.com")
    account = ImapAccount(args.imap, args.user, _password(args), port=args.port, security=args.security)
    return ImapSource(account, folder=args.folder)


@asynccontextmanager
async def _mail(database: str | Path, handle: str) -> AsyncIterator[tuple[Any, SqliteMail, int]]:
    from os1.mail.store import mail_of
    from os1.store import user_store

    async with user_store(database, handle) as (store, user):
        yield store, mail_of(store), user.id


async def _run(settings: Settings, args: Any, source: MailSource | None) -> int:
    async with _mail(settings.database, settings.user) as (store, mail, user_id):
        if source is not None:
            return await _sync(store, mail, user_id, args, source)
        if args.mail_command == "search":
            return _print_list(await mail.search(user_id, " ".join(args.query), args.limit), "no match")
        if args.mail_command == "list":
            return _print_list(await mail.recent(user_id, args.limit, args.folder), "no mail yet: os1 mail sync")
        if args.mail_command == "show":
            found = await mail.get(user_id, args.id)
            if found is None:
                raise MailError("mail.not_found", f"no message #{args.id}", hint="see `os1 mail list`")
            print(_full(found))
            return 0
        return await _desk(settings, store, mail, user_id, args)


async def _desk(settings: Settings, store: Any, mail: SqliteMail, user_id: int, args: Any) -> int:
    from os1.cli import mail_desk
    from os1.mail.draft import guess_me
    from os1.mail.triage import People

    me = args.me or await guess_me(mail, user_id)
    people = People.of(me=me)
    if args.mail_command == "brief":
        from os1.memory.profile import user_name

        return await mail_desk.brief(settings, mail, user_id, await user_name(store, user_id), people, args)
    if args.mail_command == "read":
        return await mail_desk.read(settings, mail, user_id, people, args)
    from os1.actions.journal import journal_of

    journal = journal_of(store, user_id)
    if args.mail_command == "clean":
        return await mail_desk.clean(journal, mail, people, args)
    from os1.cli import mail_reply

    return await mail_reply.reply(settings, store, journal, mail, me, args)


async def _sync(store: Any, mail: SqliteMail, user_id: int, args: Any, source: MailSource) -> int:
    from os1.cli.mail_sync import Invitations, learn_after_sync
    from os1.mail.sync import sync

    account = args.account or (f"{args.user}@{args.imap}" if args.imap else "local")
    bar = ProgressBar(sys.stderr)
    invitations = Invitations(store, user_id)
    report = await sync(source, mail, user_id, account, sink=bar, batch=args.batch,
                        processes=min(4, os.cpu_count() or 1), observe=invitations)
    bar.finish()
    print(f"{report.added} new, {report.duplicates} already stored, {len(report.skipped)} skipped "
          f"in {report.seconds:.1f}s")
    for uid, reason in report.skipped[:20]:
        print(f"  skipped {uid}: {reason}")
    if len(report.skipped) > 20:
        print(f"  ... and {len(report.skipped) - 20} more")
    if invitations.summary():
        print(invitations.summary())
    learned = await learn_after_sync(store, mail, user_id, args.me)
    if learned:
        print(learned)
    return 0


@dataclass
class ProgressBar:
    """Draws sync events: a bar redrawn with ``\\r`` on a terminal, plain lines otherwise."""

    out: TextIO
    drawn: bool = False

    def emit(self, event: Event) -> None:
        data = event.data
        if event.type not in ("mail.sync.start", "mail.sync.progress"):
            return
        counts = f"{data.get('done', 0)} read, {data.get('added', 0)} new, {data.get('skipped', 0)} skipped"
        total, at = data.get("total"), data.get("at", 0)
        share = f"{min(100, 100 * at // total):3d}% " if total else ""
        if self.out.isatty():
            filled = int(30 * min(at, total) / total) if total else 0
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] " if total else ""
            self.out.write(f"\rmail sync {bar}{share}{counts}  ")
            self.drawn = True
        elif event.type == "mail.sync.progress":
            self.out.write(f"mail sync: {share}{counts}\n")
        self.out.flush()

    def finish(self) -> None:
        if self.drawn:
            self.out.write("\n")
            self.out.flush()


_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10)) | {127: None} | dict.fromkeys(range(128, 160))


def _clean(text: str) -> str:
    """Mail text without control characters: a message cannot drive the terminal (escape sequences)."""
    return text.translate(_CONTROL)


def _line(item: StoredEmail) -> str:
    e = item.email
    when = e.date.strftime("%Y-%m-%d") if e.date else "????-??-??"
    sender = (e.sender.name or e.sender.addr or "(no sender)")[:28]
    return _clean(f"#{item.id:<6} {when}  {sender:<28}  {(e.subject or '(no subject)')[:80]}")


def _print_list(items: list[StoredEmail], empty: str) -> int:
    if not items:
        print(empty)
    for item in items:
        print(_line(item))
    return 0


def _full(item: StoredEmail) -> str:
    e = item.email
    lines = [f"#{item.id}  {item.account} / {item.folder}", f"From:    {e.sender}",
             f"To:      {', '.join(str(a) for a in e.to)}"]
    if e.cc:
        lines.append(f"Cc:      {', '.join(str(a) for a in e.cc)}")
    lines += [f"Date:    {e.date.isoformat() if e.date else '(none)'}", f"Subject: {e.subject}",
              f"Message-ID: {e.message_id}"]
    lines += [f"Attached: {a.filename or '(unnamed)'} ({a.content_type}, {a.size} bytes)" for a in e.attachments]
    if e.problems:
        lines.append(f"Repaired: {'; '.join(e.problems)}")
    return _clean("\n".join([*lines, "", e.text]))
