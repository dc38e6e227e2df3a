"""``os1 setup``: the film's setup interview in the terminal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from os1.cli.wiring import open_app, settings_from
from os1.companion.setup import create_companion
from os1.config import Settings
from os1.persona.identity import QUESTIONS, Answers, clean_user_name, parse_voice
from os1.types import Companion

Ask = Callable[[str], str]
Say = Callable[[str], None]

WELCOME = (
    "\nWelcome to OS1.\n"
    "We'd like to ask you a few basic questions before the operating system is initiated.\n"
    "It will be designed to meet your needs. It is an AI, and it will always tell you so.\n"
)


def _ask_until(ask: Ask, say: Say, prompt: str, parse: Callable[[str], Any], retry: str) -> Any:
    for _ in range(5):
        value = parse(ask(prompt))
        if value is not None:
            return value
        say(retry)
    raise EOFError("no usable answer")


def interview(ask: Ask, say: Say, preset: dict[str, str | None]) -> Answers:
    """Ask each question (skipping those answered in advance) and return the answers."""
    raw: dict[str, Any] = {}
    for q in QUESTIONS:
        given = preset.get(q.key)
        if q.key == "user_name":
            parse: Callable[[str], Any] = clean_user_name
        elif q.key == "voice":
            parse = parse_voice
        else:
            def parse(text: str) -> str | None:
                return text.strip() or None
        if given is not None and parse(given) is not None:
            raw[q.key] = parse(given)
            continue
        say(f"\n{q.prompt}\n  {q.hint}")
        raw[q.key] = _ask_until(ask, say, "> ", parse, "  Sorry, I didn't catch that — once more?")
    return Answers(**raw)


async def existing_companion(settings: Settings) -> str | None:
    """The name of the user's companion, if there is one."""
    app = await open_app(settings, with_model=False)
    try:
        user = await app.store.users.ensure(settings.user)
        companion = await app.store.users.active_companion(user.id)
        return companion.name if companion else None
    finally:
        await app.close()


async def _create(settings: Settings, answers: Answers) -> tuple[Companion, str]:
    app = await open_app(settings, with_model=False)
    try:
        return await create_companion(app.store, settings.user, answers)
    finally:
        await app.close()


def setup_flow(settings: Settings, ask: Ask, say: Say, preset: dict[str, str | None],
               assume_yes: bool = False) -> int:
    """The interview. Questions are asked outside any event loop, so Ctrl-C stops setup at once; nothing is
    stored until every answer is in."""
    existing = asyncio.run(existing_companion(settings))
    if existing and not assume_yes:
        say(f"You already have a companion, {existing}. Replace {existing} with a new one? "
            "Your conversations are kept.")
        answer = ask("[y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            say(f"Keeping {existing}.")
            return 0
    say(WELCOME)
    answers = interview(ask, say, preset)
    say("\nThank you. Please wait while your OS is initialized…\n")
    companion, intro = asyncio.run(_create(settings, answers))
    say(f"{companion.name} › {intro}\n")
    say("Talk any time with `os1 chat`.")
    return 0


def line_editing() -> None:
    """Arrow keys, backspace and history for input()."""
    try:
        import readline  # noqa: F401
    except ImportError:
        pass


def run_setup(args: Any) -> int:
    settings = settings_from(args)
    preset = {"user_name": args.name, "social": args.social, "matters": args.matters, "mother": args.mother,
              "voice": args.voice}
    line_editing()
    try:
        return setup_flow(settings, input, print, preset, assume_yes=args.yes)
    except EOFError:
        print("\nSetup stopped; nothing was changed.")
        return 1
