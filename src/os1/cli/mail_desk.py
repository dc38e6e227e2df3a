"""``os1 mail brief``, ``read`` and ``clean``: the briefing and one message, in text or spoken through the voice
pipeline's TTS (played, or written to a file), and the inbox cleanup with the user's consent and ``os1 undo``.

Imported only when one of them runs (``os1 --help`` stays instant)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.errors import MailError

if TYPE_CHECKING:
    from os1.actions.base import Registry
    from os1.actions.journal import Journal
    from os1.config import Settings
    from os1.mail.cleanup import MailMove
    from os1.mail.imap import ImapAccount
    from os1.mail.store import SqliteMail, StoredEmail
    from os1.mail.triage import People

RECENT = timedelta(days=3)


class TerminalLogins:
    """IMAP logins for moves: the password from ``--password-env`` or asked on the terminal, once per account,
    kept in memory for this run only. With neither, None: the step is skipped and says why."""

    def __init__(self, password_env: str | None = None, ask: Callable[[str], str] | None = None) -> None:
        self.password_env = password_env
        self.ask = ask
        self.known: dict[tuple[str, str, int], ImapAccount] = {}
        self.refused: set[tuple[str, str, int]] = set()

    def __call__(self, account: ImapAccount) -> ImapAccount | None:
        from dataclasses import replace

        key = (account.user, account.host, account.port)
        if key in self.refused:
            return None
        if key not in self.known:
            password = os.environ.get(self.password_env, "") if self.password_env else ""
            if not password and self.ask is None and sys.stdin.isatty():
                import getpass

                self.ask = getpass.getpass
            if not password and self.ask is not None:
                password = self.ask(f"IMAP password for {account.user}@{account.host}: ")
            if not password:
                self.refused.add(key)  # asked once: not again for every step
                return None
            self.known[key] = replace(account, password=password)
        return self.known[key]


def mail_registry(journal: Journal, logins: TerminalLogins | None) -> tuple[Registry, MailMove | None]:
    """Every capability's ops (for undo), with ``mail.move`` able to log in to IMAP through ``logins``."""
    from os1.cli.undo import build_registry
    from os1.mail.cleanup import register

    registry = build_registry(journal)
    return registry, register(registry, journal, logins)


def register_ops(registry: Registry, journal: Any = None) -> None:
    """``os1 undo``'s entry (in ``OPS``): mail's ops, asking for an IMAP password on the terminal if needed."""
    from os1.mail.cleanup import register
    from os1.mail.send_action import register as register_send

    register(registry, journal, TerminalLogins() if journal is not None else None)
    register_send(registry, journal)


async def _voice_tts(settings: Settings) -> Any:
    from os1.voice.settings import load_voice_settings
    from os1.voice.tts import Prosody, build_tts
    from os1.voice.voices import find_voice

    vs = load_voice_settings(settings.home, os.environ)
    tts = build_tts(find_voice(vs.name, settings.home), Prosody(vs.rate, vs.pitch))
    await tts.load()
    return tts


async def speak(settings: Settings, text: str, out: Path | None) -> str:
    """Say ``text`` with the companion's voice: into ``out`` (WAV, or the format its suffix names), else aloud
    on the default sound device. Returns a line saying what was done."""
    from os1.voice.audio import AudioError, collect, write_audio

    tts = await _voice_tts(settings)
    chunks = await collect(tts.synthesize(text))
    if out is not None:
        seconds = write_audio(out, chunks)
        return f"(spoken: {seconds:.1f} s of speech in {out})"
    try:
        import numpy as np
        import sounddevice as sd
    except (ImportError, OSError) as exc:
        raise AudioError("audio.no_device", f"cannot play sound here ({exc})",
                         hint="pip install sounddevice (and apt-get install libportaudio2), or use --out FILE.wav"
                         ) from exc
    import asyncio

    from os1.voice.audio import Resampler

    if not chunks:
        return "(nothing to say)"
    rate = chunks[0].rate
    resampler = Resampler(rate)
    samples = np.concatenate([resampler.convert(c).array() for c in chunks])
    try:
        await asyncio.to_thread(lambda: (sd.play(samples, samplerate=rate), sd.wait()))
    except Exception as exc:  # PortAudioError when there is no output device
        raise AudioError("audio.no_device", f"no speaker to play on ({exc})", hint="use --out FILE.wav") from exc
    return f"(spoken: {len(samples) / rate:.1f} s)"


async def brief(settings: Settings, mail: SqliteMail, user_id: int, user_name: str | None, people: People,
                args: Any) -> int:
    from os1.mail.briefing import briefing
    from os1.mail.triage import triage_many
    from os1.types import utc_now

    now = utc_now()
    items = await mail.recent(user_id, 200, folder="INBOX")
    if not items:
        print("No mail yet: `os1 mail sync --maildir DIR` (or --mbox FILE, --imap HOST) first.")
        return 1
    fresh = [i for i in items if i.email.date is not None and now - i.email.date <= timedelta(days=args.days)]
    fresh = fresh or items[:20]
    triaged = triage_many([i.email for i in fresh], people, now)
    said = briefing(list(zip([i.email for i in fresh], triaged, strict=True)), now, user_name)
    print(_clean(said.text))
    if args.speak or args.out:
        print(await speak(settings, said.spoken, args.out))
    return 0


async def read(settings: Settings, mail: SqliteMail, user_id: int, people: People, args: Any) -> int:
    from os1.mail.briefing import describe
    from os1.mail.triage import triage_many
    from os1.types import utc_now

    item = await _get(mail, user_id, args.id)
    [t] = triage_many([item.email], people, utc_now())
    said = describe(item.email, t, utc_now())
    print(_clean(said.text))
    if args.speak or args.out:
        print(await speak(settings, said.spoken, args.out))
    return 0


async def _get(mail: SqliteMail, user_id: int, row_id: int) -> StoredEmail:
    item = await mail.get(user_id, row_id)
    if item is None:
        raise MailError("mail.not_found", f"no message #{row_id}", hint="see `os1 mail list`")
    return item


async def clean(journal: Journal, mail: SqliteMail, people: People, args: Any) -> int:
    from os1.cli.files import Progress, _approved, outcome_lines
    from os1.mail.cleanup import KIND, plan_cleanup, step_lines
    from os1.types import utc_now

    plan = await plan_cleanup(mail, journal.user_id, utc_now(), people, folder=args.folder,
                              older_than=timedelta(days=args.older_than))
    print(_clean(plan.summary()))
    if not plan.steps:
        return 0
    limit = len(plan.steps) if args.full else 15
    if args.dry_run:
        print("\n".join(_clean(line) for line in step_lines(plan.steps, limit)))
        print("Dry run: nothing saved, nothing moved.")
        return 0
    saved = await journal.propose(KIND, f"Clean up {args.folder}: {len(plan.steps)} messages", plan.steps,
                                  {"kept_funny": list(plan.kept_funny), "unsubscribe": list(plan.unsubscribe)})
    print(f"\nPlan #{saved.id}:")
    print("\n".join(_clean(line) for line in step_lines(saved.steps, limit)))
    approved = _approved(saved, args)
    if not approved:
        await journal.claim(saved.id, ("proposed",), "declined")
        print("Nothing moved." if approved is not None else
              "Nothing moved: no one to ask here. Run again with --yes, or --only STEPS.")
        return 0 if approved is not None else 1
    logins = TerminalLogins(args.password_env)
    _ask_passwords_first(logins, [str(s.args.get("source", "")) for s in saved.steps if s.number in approved])
    registry, action = mail_registry(journal, logins)
    progress = Progress()
    try:
        outcome = await _apply(journal, registry, saved, approved, progress)
    finally:
        progress.close()
        if action is not None:
            await action.aclose()
    print("\n".join(_clean(line) for line in outcome_lines(outcome, "applied")))
    print(f"Nothing was deleted. To put everything back: `os1 undo {saved.id}` (or `os1 undo` for the latest).")
    return 0


def _ask_passwords_first(logins: TerminalLogins, sources: list[str]) -> None:
    """Ask for each IMAP account's password before anything moves (not in the middle of the progress bar)."""
    from os1.mail.imap import parse_source_name

    for source in dict.fromkeys(sources):
        named = parse_source_name(source)
        if named is not None:
            logins(named[0])


async def _apply(journal: Journal, registry: Registry, plan: Any, approved: set[int], progress: Any) -> Any:
    from os1.actions.run import apply_plan

    return await apply_plan(journal, registry, plan.id, approved, progress)


def _clean(text: str) -> str:
    from os1.cli.mail import _clean as clean_text

    return clean_text(text)
