"""``os1 chat``: a streaming conversation in the terminal. Ctrl-C stops a reply (the part said is kept),
Ctrl-D ends the conversation."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any, TextIO

from os1.cli.setup import setup_flow
from os1.cli.wiring import App, open_app, settings_from
from os1.companion.turn import ReplyDelta, ReplyDone, ReplyEvent, Session
from os1.errors import ModelError, Os1Error

log = logging.getLogger(__name__)
HELP = "Type and press Enter. Ctrl-C stops a reply, Ctrl-D (or /quit) ends the conversation."


async def show(events: AsyncGenerator[ReplyEvent, None], name: str, out: TextIO) -> ReplyDone | None:
    out.write(f"{name} › ")
    out.flush()
    done = None
    async with aclosing(events) as stream:
        async for event in stream:
            if isinstance(event, ReplyDelta):
                out.write(event.text)
                out.flush()
            elif isinstance(event, ReplyDone):
                done = event
    out.write("\n")
    out.flush()
    return done


class ChatLoop:
    def __init__(self, runner: asyncio.Runner, app: App, session: Session, out: TextIO = sys.stdout) -> None:
        self.runner = runner
        self.app = app
        self.session = session
        self.out = out

    def reply(self, text: str) -> None:
        name = self.session.companion.name
        try:
            self.runner.run(show(self.session.turn(text), name, self.out))
        except KeyboardInterrupt:
            self.out.write(" [interrupted — what was said is kept]\n")
            self.out.flush()
        except ModelError as exc:
            self.out.write(f"\n(The model failed: {exc}. Your message is saved; try again.)\n")
        except Os1Error as exc:
            self.out.write(f"\n({exc})\n")
        except Exception as exc:  # a bug must not end the conversation or lose what was said (it is stored)
            log.exception("turn failed")
            self.out.write(f"\n(Something went wrong: {type(exc).__name__}: {exc}. Your message is saved.)\n")
        assert self.app.worker is not None
        self.runner.run(self.app.worker.drain(timeout_s=5.0))  # after the reply: memory work, off its path

    def loop(self) -> None:
        while True:
            try:
                text = input("you › ")
            except EOFError:
                self.out.write("\n")
                break
            except KeyboardInterrupt:
                self.out.write("\n(Ctrl-D to leave)\n")
                continue
            if text.strip() in ("/quit", "/exit"):
                break
            if text.strip() == "/help":
                self.out.write(HELP + "\n")
                continue
            if text.strip():
                self.reply(text)
        name = self.session.user_name
        self.out.write(f"{self.session.companion.name} › Talk soon{', ' + name if name else ''}.\n")


async def _warm_up(app: App) -> None:
    start = getattr(app.deps.model if app.deps else None, "start_loading", None)
    if start is not None:
        start()


def run_chat(args: Any) -> int:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass
    settings = settings_from(args)
    with asyncio.Runner() as runner:
        app = runner.run(open_app(settings))
        try:
            user = runner.run(app.store.users.ensure(settings.user))
            if runner.run(app.store.users.active_companion(user.id)) is None:
                if args.no_setup:
                    print("os1: no companion yet — run `os1 setup` first.", file=sys.stderr)
                    return 2
                preset: dict[str, str | None] = {}
                if runner.run(setup_flow(settings, input, print, preset)) != 0:
                    return 1
            assert app.deps is not None and app.worker is not None
            runner.run(app.worker.drain(timeout_s=10.0))  # jobs a killed run left behind
            session = runner.run(Session.begin(app.deps, settings.user))
            print(f"(OS1 — {HELP})\n")
            runner.run(_warm_up(app))  # the model loads on its own thread while the user reads and types
            runner.run(show(session.opening(), session.companion.name, sys.stdout))
            ChatLoop(runner, app, session).loop()
            return 0
        finally:
            if app.worker is not None:
                runner.run(app.worker.drain(timeout_s=5.0))
            runner.run(app.close())
