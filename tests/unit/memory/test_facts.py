from __future__ import annotations

from datetime import UTC, datetime

import pytest

from os1.memory.facts import answering_fact, extract_facts, is_question, second_person
from os1.types import Memory

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("My name is Theo.", "name", "Theo"),
        ("hi, call me Theo please", "name", "Theo"),
        ("Don't call me Theodore, call me Theo", "name", "Theo"),
        ("I finally moved to Denver!", "home", "Denver"),
        ("I work at Acme Letters, downtown", "work", "at Acme Letters"),
        ("Amy's birthday is March 3.", "amy's birthday", "March 3"),
        ("By the way, Amy's birthday is March 3 and she loves tulips", "amy's birthday", "March 3"),
        ("My favorite color is blue", "my favorite color", "blue"),
        ("my sister's name is Amy", "my sister's name", "Amy"),
        ("my dog is called Rex.", "my dog", "Rex"),
        ("I live in Los Angeles, near the beach", "home", "Los Angeles"),
        ("I just moved to Seattle.", "home", "Seattle"),
        ("I work as a letter writer", "work", "as a letter writer"),
    ],
)
def test_extracts_stated_facts(text, key, value):
    facts = {f.key: f.value for f in extract_facts(text)}
    assert facts.get(key) == value


@pytest.mark.parametrize(
    "text",
    ["What's my name?", "When is Amy's birthday?", "my day is not great", "I'm so tired", "my divorce papers came",
     "Where do I live?"],
)
def test_questions_and_moods_are_not_facts(text):
    assert extract_facts(text) == []


@pytest.mark.parametrize(
    "text",
    ["Call me crazy, but I like rain", "My name is not important", "call me back tomorrow",
     "My friend said my name is Bob", "They call me Ted at work", "I live in fear of my landlord",
     "I'm living in the moment", "I moved to tears by that film", "call me theo"],
)
def test_everyday_sentences_do_not_become_facts(text):
    assert [f for f in extract_facts(text) if f.key in ("name", "home")] == []


def _fact(i, key, value, statement):
    return Memory(i, 1, "fact", statement, T0, key=key, value=value)


FACTS = [
    _fact(1, "name", "Theo", "Your name is Theo."),
    _fact(2, "amy's birthday", "March 3", "Amy's birthday is March 3."),
    _fact(3, "my favorite color", "blue", "Your favorite color is blue."),
    _fact(4, "home", "Seattle", "You live in Seattle."),
    _fact(5, "my sister's name", "Amy", "Your sister's name is Amy."),
]


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("When is Amy's birthday?", 2),
        ("do you remember amy's birthday?", 2),
        ("What's my name?", 1),
        ("what is my favorite color?", 3),
        ("Where do I live?", 4),
        ("What's my sister's name?", 5),
        ("How are you today?", None),
        ("Amy's birthday party was fun", None),
        ("What is your name?", None),
        ("What is my mother's name?", None),
        ("What's my dog's name?", None),
        ("What should I name my cat?", None),
        ("Where does my sister live?", None),
        ("Where does my wife work?", None),
        ("What a week, I finally moved to Denver!", None),
        ("Who am I?", 1),
        ("where do I live", 4),
    ],
)
def test_questions_find_the_fact_that_answers_them(question, fact_id):
    found = answering_fact(question, FACTS)
    assert (found.id if found else None) == fact_id


def test_second_person():
    assert second_person("my sister is visiting and I'm nervous") == "your sister is visiting and you're nervous"
    assert is_question("where do I live") and not is_question("I live here.")
