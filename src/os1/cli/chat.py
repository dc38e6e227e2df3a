"""``os1 chat``: a streaming conversation in the terminal. Ctrl-C stops a reply (the part said is kept),
Ctrl-D ends the conversation. While the user types, their words are pre-evaluated by the model, so the
reply starts soon after Enter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
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


class Typing:
    """Feeds what the user has typed to ``Session.prepare`` at each word boundary, one prefill at a time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.latest = ""
        self.prepared = ""
        self.task: asyncio.Task[None] | None = None

    def changed(self, text: str) -> None:
        if not text.endswith(" ") or not text.strip():
            return
        self.latest = text
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.latest != self.prepared:
            text = self.latest
            try:
                await self.session.prepare(text)
            except Exception:  # an optimisation only: the turn itself reports real failures
                log.debug("prefill failed", exc_info=True)
            self.prepared = text

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        self.latest = self.prepared = ""


class TerminalReader:
    """Line editing and history (prompt_toolkit); keystrokes reach ``Typing``."""

    def __init__(self, typing: Typing, **io: Any) -> None:
        from prompt_toolkit import PromptSession

        self.prompt = PromptSession[str](**io)  # io: input/output, for tests
        self.prompt.default_buffer.on_text_changed += lambda buffer: typing.changed(buffer.text)

    async def read(self, prompt: str) -> str:
        return await self.prompt.prompt_async(prompt)  # EOFError on Ctrl-D, KeyboardInterrupt on Ctrl-C


class PlainReader:
    """Lines from a pipe or file: no line editing, no typing to follow."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def read(self, prompt: str) -> str:
        self.out.write(prompt)
        self.out.flush()
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            raise EOFError
        return line.rstrip("\n")


class ChatLoop:
    def __init__(self, app: App, session: Session, out: TextIO = sys.stdout) -> None:
        self.app = app
        self.session = session
        self.out = out
        self.typing = Typing(session)
        self.reader = TerminalReader(self.typing) if sys.stdin.isatty() else PlainReader(out)

    async def reply(self, text: str) -> None:
        await self.typing.stop()
        task = asyncio.get_running_loop().create_task(
            show(self.session.turn(text), self.session.companion.name, self.out))
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
            self.out.write(" [interrupted — what was said is kept]\n")
        except ModelError as exc:
            self.out.write(f"\n(The model failed: {exc}. Your message is saved; try again.)\n")
        except Os1Error as exc:
            self.out.write(f"\n({exc})\n")
        except Exception as exc:  # a bug must not end the conversation or lose what was said (it is stored)
            log.exception("turn failed")
            self.out.write(f"\n(Something went wrong: {type(exc).__name__}: {exc}. Your message is saved.)\n")
        finally:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)
        self.out.flush()
        assert self.app.worker is not None
        await self.app.worker.drain(timeout_s=5.0)  # after the reply: memory work, off its path

    async def run(self) -> None:
        while True:
            try:
                text = await self.reader.read("you › ")
            except EOFError:
                self.out.write("\n")
                break
            except KeyboardInterrupt:
                self.out.write("(Ctrl-D to leave)\n")
                continue
            if text.strip() in ("/quit", "/exit"):
                break
            if text.strip() == "/help":
                self.out.write(HELP + "\n")
            elif text.strip():
                await self.reply(text)
        await self.typing.stop()
        name = self.session.user_name
        self.out.write(f"{self.session.companion.name} › Talk soon{', ' + name if name else ''}.\n")


async def chat(settings: Any, no_setup: bool) -> int:
    app = await open_app(settings)
    try:
        user = await app.store.users.ensure(settings.user)
        if await app.store.users.active_companion(user.id) is None:
            if no_setup:
                print("os1: no companion yet — run `os1 setup` first.", file=sys.stderr)
                return 2
            if await setup_flow(settings, input, print, {}) != 0:
                return 1
        assert app.deps is not None and app.worker is not None
        await app.worker.drain(timeout_s=10.0)  # jobs a killed run left behind
        session = await Session.begin(app.deps, settings.user)
        print(f"(OS1 — {HELP})\n")
        start = getattr(app.deps.model, "start_loading", None)
        if start is not None:
            start()  # the model loads on its own thread while the user reads and types
        await show(session.opening(), session.companion.name, sys.stdout)
        await ChatLoop(app, session).run()
        return 0
    finally:
        if app.worker is not None:
            await app.worker.drain(timeout_s=5.0)
        await app.close()


def run_chat(args: Any) -> int:
    return asyncio.run(chat(settings_from(args), args.no_setup))
