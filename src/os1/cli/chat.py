"""``os1 chat``: a streaming conversation in the terminal. Ctrl-C stops a reply (the part said is kept),
Ctrl-D ends the conversation. While the user types, their words are pre-evaluated by the model, so the
reply starts soon after Enter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any, TextIO

from os1.cli.setup import existing_companion, line_editing, setup_flow
from os1.cli.wiring import App, open_app, settings_from
from os1.companion.turn import ReplyDelta, ReplyDone, ReplyEvent, Session
from os1.errors import ModelError, Os1Error

log = logging.getLogger(__name__)
IDLE_CHECK_S = 30.0  # how often a quiet conversation checks whether the companion has something to say
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


class Interrupted(Exception):
    """Ctrl-C inside a task (raised as KeyboardInterrupt again by the code that awaits it)."""


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
        if self.task is None or self.task.done() or self.task.cancelling():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.latest != self.prepared:
            text = self.latest
            try:
                await self.session.prepare(text)
            except Exception:  # an optimisation only: the turn itself reports real failures
                log.debug("prefill failed", exc_info=True)
            self.prepared = text

    def cancel(self) -> None:
        """Drop what is being prepared, without waiting: the turn queues behind it on the model's thread."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.latest = self.prepared = ""

    async def stop(self) -> None:
        self.cancel()
        if self.task is not None:
            await asyncio.wait({self.task})  # unlike awaiting it, a cancel of the caller still goes through


class TerminalReader:
    """Line editing and history (prompt_toolkit); keystrokes reach ``Typing``. In its raw mode Ctrl-C is a key:
    ``read`` raises KeyboardInterrupt, and Ctrl-D on an empty line EOFError."""

    def __init__(self, typing: Typing, **io: Any) -> None:
        from prompt_toolkit import PromptSession

        self.prompt = PromptSession[str](**io)  # io: input/output, for tests
        self.prompt.default_buffer.on_text_changed += lambda buffer: typing.changed(buffer.text)
        self.cooked = _terminal_mode() if not io else None

    async def announce(self, text: str) -> None:
        """Print above the prompt, keeping what the user is typing."""
        await _print_above_prompt(text)

    async def read(self, prompt: str) -> str:
        try:
            return await self.prompt.prompt_async(prompt, handle_sigint=False)  # SIGINT stays the chat's own
        except KeyboardInterrupt:
            raise Interrupted from None  # a KeyboardInterrupt must not leave a task: it would stop the loop
        finally:
            # The line editor leaves raw mode lazily; a Ctrl-C pressed as the reply starts must be a signal.
            _restore_terminal(self.cooked)


async def _print_above_prompt(text: str) -> None:
    from prompt_toolkit.application import run_in_terminal

    await run_in_terminal(lambda: print(text, flush=True))


def _terminal_mode() -> list[Any] | None:
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno())
    except (ImportError, OSError, ValueError):
        return None


def _restore_terminal(mode: list[Any] | None) -> None:
    if mode is not None:
        import termios

        with contextlib.suppress(OSError, ValueError):
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, mode)  # keeps what was typed ahead


class LineReader:
    """Lines from a pipe or file, read on a daemon thread so that neither Ctrl-C nor the end of the program
    waits for a blocked read, and no line is lost when a read is cancelled."""

    def __init__(self, out: TextIO, stream: TextIO | None = None) -> None:
        self.out = out
        self.stream = stream or sys.stdin
        self.lines: asyncio.Queue[str | None] | None = None

    def _start(self) -> asyncio.Queue[str | None]:
        loop, lines = asyncio.get_running_loop(), asyncio.Queue[str | None]()

        def pump() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed: the program is ending
                for line in self.stream:
                    loop.call_soon_threadsafe(lines.put_nowait, line)
                loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=pump, name="os1-stdin", daemon=True).start()
        return lines

    async def announce(self, text: str) -> None:
        self.out.write(f"\n{text}\n")
        self.out.flush()

    async def read(self, prompt: str) -> str:
        self.lines = self.lines or self._start()
        self.out.write(prompt)
        self.out.flush()
        line = await self.lines.get()
        if line is None:
            self.lines.put_nowait(None)  # stays at the end
            raise EOFError
        return line.rstrip("\n")


class ChatLoop:
    """Reads, replies, repeats. One SIGINT handler for the whole conversation cancels what is running: a reply
    (its partial text is kept) or a read of a piped line."""

    def __init__(self, app: App, session: Session, out: TextIO = sys.stdout, reader: Any = None,
                 idle_check_s: float = IDLE_CHECK_S) -> None:
        self.app = app
        self.session = session
        self.out = out
        self.typing = Typing(session)
        self.reader = reader or (TerminalReader(self.typing) if sys.stdin.isatty() else LineReader(out))
        self.current: asyncio.Task[Any] | None = None
        self.reading = False  # waiting for the user, with nothing typed being replied to
        self.idle_check_s = idle_check_s

    async def watch_idle(self) -> None:
        """While the user is quiet, the companion may speak first: what it meant to say (a follow-up, a nudge)
        once it is due, printed above the prompt. Never while a reply is running or the user is typing."""
        while True:
            await asyncio.sleep(self.idle_check_s)
            if not self.reading or self.typing.latest.strip():
                continue
            try:
                text = await self.session.unprompted()
            except Os1Error:
                log.debug("unprompted message failed", exc_info=True)
                continue
            if text and self.reading:
                await self.reader.announce(f"{self.session.companion.name} › {text}")

    def _interrupt(self) -> None:
        if self.current is not None and not self.current.done():
            self.current.cancel()

    async def _run_current(self, coro: Any) -> Any:
        """Run ``coro`` as the task Ctrl-C cancels; KeyboardInterrupt when it was, else its result."""
        self.current = task = asyncio.get_running_loop().create_task(coro)
        try:
            return await task
        except Interrupted:
            raise KeyboardInterrupt from None
        except asyncio.CancelledError:
            me = asyncio.current_task()
            if task.cancelled() and not (me is not None and me.cancelling()):
                raise KeyboardInterrupt from None
            raise
        finally:
            self.current = None

    async def reply(self, text: str) -> None:
        self.typing.cancel()
        name = self.session.companion.name
        try:
            await self._run_current(show(self.session.turn(text), name, self.out))
        except KeyboardInterrupt:
            self.out.write(" [interrupted — what was said is kept]\n")
        except ModelError as exc:
            self.out.write(f"\n(The model failed: {exc}. Your message is saved; try again.)\n")
        except Os1Error as exc:
            self.out.write(f"\n({exc})\n")
        except Exception as exc:  # a bug must not end the conversation or lose what was said (it is stored)
            log.exception("turn failed")
            self.out.write(f"\n(Something went wrong: {type(exc).__name__}: {exc}. Your message is saved.)\n")
        self.out.flush()
        assert self.app.worker is not None
        await self.app.worker.drain(timeout_s=5.0)  # after the reply: memory work, off its path

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, self._interrupt)
        watcher = loop.create_task(self.watch_idle())
        try:
            await self._converse()
        finally:
            watcher.cancel()
            await asyncio.wait({watcher})
            loop.remove_signal_handler(signal.SIGINT)
            await self.typing.stop()
        name = self.session.user_name
        self.out.write(f"{self.session.companion.name} › Talk soon{', ' + name if name else ''}.\n")
        if await self.session.end():
            self.out.write(f"({self.session.companion.name} is writing in the diary about today…)\n")
            self.out.flush()
            assert self.app.worker is not None
            await self.app.worker.drain(timeout_s=60.0)  # stopped early, it finishes at the next start

    async def _converse(self) -> None:
        while True:
            self.reading = True
            try:
                text = await self._run_current(self.reader.read("you › "))
            except EOFError:
                self.out.write("\n")
                return
            except KeyboardInterrupt:
                self.out.write("\n(Ctrl-D to leave)\n")
                continue
            finally:
                self.reading = False
            if text.strip() in ("/quit", "/exit"):
                return
            if text.strip() == "/help":
                self.out.write(HELP + "\n")
            elif text.strip():
                await self.reply(text)


async def chat(settings: Any) -> int:
    app = await open_app(settings)
    try:
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
    settings = settings_from(args)
    if asyncio.run(existing_companion(settings)) is None:
        if args.no_setup:
            print("os1: no companion yet — run `os1 setup` first.", file=sys.stderr)
            return 2
        line_editing()
        if setup_flow(settings, input, print, {}) != 0:
            return 1
    return asyncio.run(chat(settings))
