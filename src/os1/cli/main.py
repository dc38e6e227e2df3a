"""``os1``: the command line. Imports stay light here so ``os1 --help`` is instant."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from os1.cli.calendar import add_calendar_parser  # light at import: the calendar loads when it runs
from os1.cli.contacts import add_contacts_parser  # light at import: the contacts load when they run
from os1.cli.files import add_files_parser  # light at import: the files package loads when it runs
from os1.cli.inner import add_relationship_parser
from os1.cli.letters import add_letters_parser  # light at import, like memory's
from os1.cli.mail import add_mail_parser  # light at import: the mail package loads when it runs
from os1.cli.memory import add_memory_parser  # light at import (stdlib, types, errors): --help stays instant
from os1.cli.serve import add_serve_parser  # light at import: uvicorn and the app load when it runs
from os1.cli.undo import add_undo_parser  # light at import

PRIVACY_ENV = {
    # A private companion phones nobody: ONNX Runtime sends telemetry unless told not to, hubs are never asked.
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
}


# Each command's runner, imported only when that command runs ("module:function"; it takes the parsed args).
RUNNERS = {
    "setup": "os1.cli.setup:run_setup",
    "chat": "os1.cli.chat:run_chat",
    "talk": "os1.cli.talk:run_talk",
    "doctor": "os1.cli.doctor:run_doctor",
    "memory": "os1.cli.memory:run_memory",
    "relationship": "os1.cli.inner:run_relationship",
    "letters": "os1.cli.letters:run_letters",
    "contacts": "os1.cli.contacts:run_contacts",
    "calendar": "os1.cli.calendar:run_calendar",
    "files": "os1.cli.files:run_files",
    "undo": "os1.cli.undo:run_undo",
    "mail": "os1.cli.mail:run_mail",
    "serve": "os1.cli.serve:run_serve",
}


def apply_privacy_env(env: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """Set before anything heavy is imported; called by every entry point."""
    for key, value in PRIVACY_ENV.items():
        env[key] = value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="os1",
        description="OS1 — an AI companion that runs on your computer, offline. It is an AI, not a person.",
        epilog="Everything lives in OS1_HOME (default ~/.local/share/os1): config.toml and os1.db. "
        "Start with `os1 setup`, then `os1 chat`.",
    )
    parser.add_argument("--home", help="use this OS1_HOME folder instead of the default")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    setup = sub.add_parser("setup", help="meet your companion: a short interview, then it names itself")
    setup.add_argument("--yes", action="store_true", help="replace an existing companion without asking")
    for key, text in (("name", "what to call you"), ("social", "social or anti-social?"),
                      ("matters", "what matters to you right now"), ("mother", "your relationship with your mother"),
                      ("voice", "female, male or neutral")):
        setup.add_argument(f"--{key}", help=f"answer in advance: {text}")

    chat = sub.add_parser("chat", help="talk with your companion in the terminal (Ctrl-D to leave)")
    chat.add_argument("--no-setup", action="store_true", help="fail instead of running setup on first use")

    talk = sub.add_parser("talk", help="talk out loud: microphone and speaker, or --in question.wav --out reply.wav")
    talk.add_argument("--in", dest="input", metavar="FILE", help="one spoken turn from this audio file (no device)")
    talk.add_argument("--out", dest="output", metavar="FILE", help="write the spoken reply here (a WAV file)")
    talk.add_argument("--voice", metavar="NAME", help="speak with this voice, and keep it (see --list-voices)")
    talk.add_argument("--list-voices", action="store_true", help="the voices installed, and which is chosen")
    talk.add_argument("--rate", type=float, help="speaking rate for this run (1.0 = normal, 1.2 = faster)")
    talk.add_argument("--pitch", type=float, help="pitch for this run (1.0 = the voice's own)")

    doctor = sub.add_parser("doctor", help="what OS1 can use on this machine, what is missing, and the fix")
    doctor.add_argument("--load", action="store_true", help="also load the model and generate a few tokens")
    add_memory_parser(sub)
    add_letters_parser(sub)
    add_contacts_parser(sub)
    add_calendar_parser(sub)
    add_files_parser(sub)
    add_undo_parser(sub)
    add_mail_parser(sub)
    add_relationship_parser(sub)
    add_serve_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    apply_privacy_env()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from os1.errors import Os1Error

    try:
        target = RUNNERS.get(args.command)
        if target is not None:
            import importlib

            module, func = target.split(":")
            return int(getattr(importlib.import_module(module), func)(args))
    except Os1Error as exc:
        print(f"os1: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nos1: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `os1 doctor | head`: the reader left; that is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    parser.error(f"unknown command {args.command}")
    return 2
