from __future__ import annotations

import asyncio

from os1.llm.pace import continued, paced
from os1.testing import FakeModel
from os1.types import Message


def test_a_continuation_extends_the_assistant_start_or_adds_one():
    asked = [Message("user", "hi")]
    assert continued(asked, "") == asked
    assert continued(asked, "Hello") == [*asked, Message("assistant", "Hello")]
    grounded = [*asked, Message("assistant", "You live in Seattle.")]
    assert continued(grounded, " I remember.")[-1] == Message("assistant", "You live in Seattle. I remember.")


async def test_the_writer_stops_while_go_is_clear_and_goes_on_from_where_it_was():
    model = FakeModel()
    model.enqueue("One two three.", "four five.")
    go = asyncio.Event()
    go.set()
    seen: list[str] = []
    calls_while_held: list[int] = []

    async def release() -> None:
        await asyncio.sleep(0.05)
        calls_while_held.append(len(model.calls))
        go.set()

    releaser = None
    async for chunk in paced(model, [Message("user", "count")], go, max_tokens=10):
        seen.append(chunk.text)
        if chunk.text == "One ":
            go.clear()
            releaser = asyncio.create_task(release())
    assert releaser is not None
    await releaser
    assert calls_while_held == [1]  # nothing was asked of the model while it was held
    assert "".join(seen) == "One four five."
    assert len(model.calls) == 2
    messages, opts = model.calls[1]
    assert messages[-1] == Message("assistant", "One ")  # it went on from the words already written
    assert opts["max_tokens"] == 9  # one budget for the whole reply


async def test_a_reply_with_nothing_left_to_say_ends_after_its_pause():
    model = FakeModel()
    model.enqueue("Done.", "")
    go = asyncio.Event()  # clear from the start: held after the first chunk
    asyncio.get_running_loop().call_later(0.02, go.set)
    out = [c async for c in paced(model, [Message("user", "hi")], go)]
    assert "".join(c.text for c in out) == "Done." and out[-1].finish_reason == "stop"
    assert len(model.calls) == 2 and model.calls[1][0][-1] == Message("assistant", "Done.")
