from __future__ import annotations

from datetime import UTC, datetime

from os1.memory.ingest import learn_turn
from os1.memory.reflect import reflect
from os1.testing import FakeModel
from os1.types import NewMemory

T0 = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


async def _day(store, lines, meta=None):
    user = await store.users.ensure("local")
    companion = await store.users.create_companion(user.id, "Samantha", "female", {}, {}, T0)
    await store.memories.add(user.id, NewMemory("fact", "Your name is Theo.", "name", "Theo", confidence=1.0), T0)
    conv = await store.turns.start_conversation(user.id, companion.id, T0)
    for i, text in enumerate(lines):
        role = "user" if i % 2 == 0 else "assistant"
        turn = await store.turns.add(user.id, conv.id, role, text, T0, meta=meta if role == "user" else None)
        await learn_turn(store, turn, lambda: T0, "Theo")
    return user, conv


LINES = [
    "My sister Amy is getting married in June.", "That's wonderful news!",
    "Amy wants me to give a speech at the wedding and I'm nervous.", "You'll find the words.",
]


async def test_a_conversation_is_summarised_with_a_diary_and_people(store):
    user, conv = await _day(store, LINES)
    model = FakeModel().enqueue(
        "You told me Amy is getting married in June and asked you to give a wedding speech.",
        "I felt warm hearing about Amy's wedding and Theo's nerves about the speech. I want to help him.",
    )
    made = await reflect(store, model, lambda: T0, user.id, conv.id)
    kinds = {m.kind: m for m in made}
    assert "married in June" in kinds["summary"].text or any("married" in m.text for m in made)
    diary = next(m for m in made if m.kind == "diary")
    assert diary.text.startswith("2 March 2026.") and "I felt warm" in diary.text and diary.subject == "companion"
    amy = next(m for m in made if m.key == "person-summary:amy")
    assert "Amy is your sister" in amy.text and "2 March 2026" in amy.text
    assert set(diary.source_turn_ids) >= {t.id for t in await store.turns.recent(user.id, conv.id, 10)}
    learned = next(m for m in made if m.kind == "experience")  # its own experience, pointing at what taught it
    assert learned.text.startswith("2 March 2026. What I learned about Theo's life:") and "Amy" in learned.text
    assert learned.subject == "companion" and learned.source_turn_ids == (min(diary.source_turn_ids),)


async def test_a_model_that_writes_nonsense_is_replaced_by_a_plain_summary(store):
    user, conv = await _day(store, LINES)
    model = FakeModel().enqueue("<|im_start|>assistant", "ok")
    made = await reflect(store, model, lambda: T0, user.id, conv.id)
    summary = next(m for m in made if m.key == f"conversation-summary:{conv.id}")
    assert summary.text.startswith("You talked about this:") and "Amy" in summary.text
    diary = next(m for m in made if m.kind == "diary")
    assert "<|" not in diary.text and "Theo and I talked today" in diary.text


async def test_a_care_conversation_is_never_retold_in_the_diary(store):
    user, conv = await _day(store, ["I can't go on anymore", "I'm here.", "Everything hurts tonight", "..."],
                            meta={"care": "self_harm"})
    made = await reflect(store, FakeModel().enqueue("You said you can't go on.", "Theo said everything hurts."),
                         lambda: T0, user.id, conv.id)
    diary = next(m for m in made if m.kind == "diary")
    assert "hurts" not in diary.text and "hard conversation" in diary.text
    assert not [m for m in made if m.kind == "experience"]


async def test_duplicates_are_merged_keeping_both_turns(store):
    user, conv = await _day(store, ["I love hiking.", "Nice.", "I love hiking!", "Great."])
    before = [m for m in await store.memories.current(user.id) if m.kind == "preference"]
    assert len(before) == 1 and len(before[0].source_turn_ids) == 2  # the same statement is one memory
    await store.memories.add(user.id, NewMemory("event", "You went hiking with Amy (1 March 2026).",
                                                source_turn_ids=(1,)), T0)
    await store.memories.add(user.id, NewMemory("event", "You went hiking with Amy.", source_turn_ids=(3,)), T0)
    await reflect(store, FakeModel(), lambda: T0, user.id, conv.id)
    events = [m for m in await store.memories.current(user.id) if m.kind == "event" and "hiking" in m.text]
    assert len(events) == 1 and set(events[0].source_turn_ids) == {1, 3}
