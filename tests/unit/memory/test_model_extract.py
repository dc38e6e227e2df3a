from __future__ import annotations

import json
from datetime import UTC, datetime

from os1.memory.model_extract import MODEL_CONFIDENCE, people_from_model, validate
from os1.testing import FakeModel
from os1.types import NewMemory, Turn

T0 = datetime(2026, 3, 2, tzinfo=UTC)
TURNS = [
    Turn(1, 1, 1, "user", "Yesterday I had lunch with my brother Tom and my old teacher, Mrs Alvarez.", T0),
    Turn(2, 1, 1, "assistant", "That sounds lovely. Is Mehmet your friend?", T0),
]


def test_only_what_the_users_words_support_is_kept():
    answer = {"people": [
        {"name": "Tom", "relation": "brother"},  # right
        {"name": "Mrs Alvarez", "relation": "teacher"},  # right, and no rule knows this phrasing
        {"name": "Mehmet", "relation": "friend"},  # only the companion said it
        {"name": "Tom", "relation": "boss"},  # a relation the text does not give
        {"name": "Alvarez", "relation": "Mrs Alvarez"},  # not a relation at all
        {"name": "yesterday", "relation": "friend"},
    ]}
    people = {p.text: p for p in validate(answer, TURNS)}
    assert set(people) == {"Tom is your brother.", "Mrs Alvarez is your teacher."}
    assert all(p.confidence == MODEL_CONFIDENCE and p.source == "model" and p.source_turn_ids == (1,)
               for p in people.values())


def test_garbage_teaches_nothing():
    for answer in (None, [], {"people": "Tom"}, {"people": [["Tom", "brother"]]}, {"other": []}):
        assert validate(answer, TURNS) == []


async def test_the_model_is_asked_with_a_schema_and_a_bad_answer_is_harmless():
    model = FakeModel().enqueue(json.dumps({"people": [{"name": "Tom", "relation": "brother"}]}), "{not json")
    assert [p.text for p in await people_from_model(model, TURNS)] == ["Tom is your brother."]
    opts = model.calls[0][1]
    assert opts["response_format"]["type"] == "json_schema" and opts["temperature"] == 0.0
    assert await people_from_model(model, TURNS) == []


async def test_a_model_extraction_never_overwrites_a_rule_fact(store):
    user = await store.users.ensure("local")
    rule = NewMemory("person", "Tom is your brother.", "person:user:tom", "brother", subject="Tom", confidence=0.9)
    await store.memories.add(user.id, rule, T0)
    wrong = NewMemory("person", "Tom is your boss.", "person:user:tom", "boss", subject="Tom",
                      confidence=MODEL_CONFIDENCE, source="model")
    assert await store.memories.add(user.id, wrong, T0) is None
    assert [m.text for m in await store.memories.current(user.id, kinds=("person",))] == ["Tom is your brother."]
