from __future__ import annotations

import asyncio

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from os1.cli.chat import TerminalReader, Typing


class Recorder:
    def __init__(self) -> None:
        self.prepared: list[str] = []

    async def prepare(self, text: str) -> bool:
        self.prepared.append(text)
        await asyncio.sleep(0.01)
        return True


async def test_typed_words_are_prepared_at_word_boundaries_while_the_user_types():
    session = Recorder()
    typing = Typing(session)  # type: ignore[arg-type]
    with create_pipe_input() as pipe:
        reader = TerminalReader(typing, input=pipe, output=DummyOutput())
        read = asyncio.create_task(reader.read("you › "))
        for word in ("I ", "went ", "to ", "the ", "market"):
            pipe.send_text(word)
            await asyncio.sleep(0.05)
        pipe.send_text("\r")
        assert await read == "I went to the market"
    await typing.stop()
    assert session.prepared[-1] == "I went to the "
    assert all(text.endswith(" ") for text in session.prepared)


async def test_words_coalesce_into_the_latest_and_stop_cancels():
    session = Recorder()
    typing = Typing(session)  # type: ignore[arg-type]
    typing.changed("one ")
    typing.changed("one two ")  # arrives before "one " is prepared: only the latest is worth preparing
    typing.changed("one two thr")  # not a word boundary
    assert typing.task is not None
    await typing.task
    assert session.prepared == ["one two "]
    typing.changed("one two three ")
    await asyncio.sleep(0)  # now preparing "one two three "
    typing.changed("one two three four ")  # arrives while preparing: done next, not lost
    await typing.task
    assert session.prepared == ["one two ", "one two three ", "one two three four "]
    typing.changed("one two three ")
    await typing.stop()
    assert typing.task.done()


class Quiet:
    """A session whose companion has one thing to say once the user has been quiet."""

    class companion:  # noqa: N801
        name = "Samantha"

    def __init__(self) -> None:
        self.asked = 0

    async def unprompted(self) -> str | None:
        self.asked += 1
        return "How did the meeting go?" if self.asked == 2 else None

    async def prepare(self, text: str) -> bool:
        return True


class Announced:
    def __init__(self) -> None:
        self.lines: list[str] = []

    async def announce(self, text: str) -> None:
        self.lines.append(text)


async def test_a_quiet_chat_hears_from_the_companion_and_a_busy_one_does_not():
    import io

    from os1.cli.chat import ChatLoop

    session, reader = Quiet(), Announced()
    loop = ChatLoop(None, session, out=io.StringIO(), reader=reader, idle_check_s=0.01)  # type: ignore[arg-type]
    watcher = asyncio.create_task(loop.watch_idle())
    await asyncio.sleep(0.1)
    assert session.asked == 0  # not while a reply runs (not reading)
    loop.reading = True
    loop.typing.latest = "I was just typ"
    await asyncio.sleep(0.1)
    assert session.asked == 0  # not while the user is typing
    loop.typing.latest = ""
    for _ in range(100):
        if reader.lines:
            break
        await asyncio.sleep(0.01)
    watcher.cancel()
    assert reader.lines == ["Samantha › How did the meeting go?"]
