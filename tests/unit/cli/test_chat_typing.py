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
