"""Deterministic extraction from one turn: people, preferences, dated events, moments, facts; whose life a turn
is about; and what must never become a memory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from os1.memory.extract import extract
from os1.types import NewMemory, Turn

WHEN = datetime(2026, 3, 11, 15, 30, tzinfo=UTC)  # a Wednesday


def turn(content: str, role: str = "user", speaker: str | None = None, when: datetime = WHEN) -> Turn:
    return Turn(id=7, user_id=1, conversation_id=1, role=role, content=content, created_at=when, speaker=speaker)  # type: ignore[arg-type]


def of_kind(items: list[NewMemory], kind: str) -> list[NewMemory]:
    return [i for i in items if i.kind == kind]


def people(text: str) -> dict[str, str | None]:
    return {i.subject: i.value for i in of_kind(extract(turn(text)), "person")}


# --- people ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("My sister Amy is visiting.", {"Amy": "sister"}),
        ("Catherine is my ex-wife.", {"Catherine": "ex-wife"}),
        ("my ex-wife Catherine called", {"Catherine": "ex-wife"}),
        ("Amy, my sister, is visiting.", {"Amy": "sister"}),
        ("My sister's name is Amy.", {"Amy": "sister"}),
        ("I met my new boss Karen today.", {"Karen": "boss"}),
        ("my best friend Jo Smith moved away", {"Jo Smith": "best friend"}),
        ("My brother Sam and my mom Linda came over.", {"Sam": "brother", "Linda": "mom"}),
    ],
)
def test_people_and_how_they_relate(text, found):
    assert people(text) == found


def test_a_person_item_says_who_they_are_to_the_user():
    [amy] = of_kind(extract(turn("My sister Amy is visiting.")), "person")
    assert amy.text == "Amy is your sister."
    assert amy.key == "person:user:amy" and amy.subject == "Amy" and amy.source_turn_ids == (7,)


@pytest.mark.parametrize(
    "text",
    [
        "I'm seeing my sister next Tuesday.",
        "Next Tuesday my sister is visiting.",
        "my sister Next Tuesday",  # odd capitals still name no one
        "Tomorrow my brother arrives.",
        "Yesterday my boss yelled.",
        "Then my mom called.",
        "Last Friday my dad called.",
        "She said my sister Amy is mean.",  # reported speech: not the user's own claim
        "They told me my boss Karen quit.",
        pytest.param("On Tuesday my sister called."),
        pytest.param("Honestly, my boss is the worst."),
    ],
)
def test_time_words_and_sentence_openers_are_not_people(text):
    assert people(text) == {}


# --- preferences -------------------------------------------------------------------------------------------------


def test_preferences_and_dislikes():
    items = of_kind(extract(turn("I love hiking, but I hate rain. I can't stand loud music.")), "preference")
    assert {(i.text, i.value) for i in items} == {
        ("You love hiking.", "love"),
        ("You hate rain.", "hate"),
        ("You can't stand loud music.", "can't stand"),
    }
    assert {i.key for i in items} == {"pref:user:hiking", "pref:user:rain", "pref:user:loud music"}


@pytest.mark.parametrize(
    "text",
    [
        "I love you.",
        "I love you so much",
        "I really like it.",
        "I like that.",
        "Do you love jazz?",
        pytest.param("I love the way you laugh."),
        pytest.param("I really love talking to you."),
    ],
)
def test_words_to_the_companion_are_not_preferences(text):
    assert of_kind(extract(turn(text)), "preference") == []


# --- events and moments ------------------------------------------------------------------------------------------


def test_events_are_dated_against_the_turn():
    [paris] = of_kind(extract(turn("I went to Paris last May.")), "event")
    assert paris.valid_from == datetime(2025, 5, 1, tzinfo=UTC)
    assert paris.text == "You went to Paris last May (May 2025)."
    [later] = of_kind(extract(turn("I went to Paris last May.", when=datetime(2027, 2, 1, tzinfo=UTC))), "event")
    assert later.valid_from == datetime(2026, 5, 1, tzinfo=UTC)
    [sis] = of_kind(extract(turn("I\u2019m seeing my sister next Tuesday.")), "event")
    assert sis.valid_from == datetime(2026, 3, 17, tzinfo=UTC)
    [dated] = of_kind(extract(turn("I went to Paris on 3 June 2023.")), "event")
    assert dated.valid_from == datetime(2023, 6, 3, tzinfo=UTC) and "3 June 2023" in dated.text


@pytest.mark.parametrize(
    "text",
    [
        "Where did I go last May?",  # a question
        "The meeting is tomorrow.",  # not in the first person
        "I went to Paris.",  # no time
        "Tomorrow!",  # too short to be about anything
    ],
)
def test_no_event_without_a_first_person_statement_and_a_time(text):
    assert of_kind(extract(turn(text)), "event") == []


def test_moments_shared_with_the_companion():
    [moment] = of_kind(extract(turn("Thank you so much, you made me laugh.")), "moment")
    assert moment.text.startswith("You told me:") and moment.valid_from == WHEN
    assert of_kind(extract(turn("Thanks so much, you made me laugh.", role="assistant")), "moment") == []


def test_a_move_with_a_year_starts_that_year():
    [home] = [i for i in extract(turn("I moved to Seattle in 2021.")) if i.key == "home"]
    assert home.value == "Seattle" and home.valid_from == datetime(2021, 1, 1, tzinfo=UTC)


def test_a_place_ends_at_the_end_of_its_sentence():
    [home] = [i for i in extract(turn("I live in Oslo. I love jazz.")) if i.key == "home"]
    assert home.value == "Oslo"


def test_every_item_points_back_to_its_turn():
    items = extract(turn("My name is Theo. My sister Amy is visiting. I love jazz. I went to Paris last May."))
    assert {i.kind for i in items} == {"fact", "person", "preference", "event"}
    assert all(i.source_turn_ids == (7,) for i in items)
    assert all(0 < i.confidence <= 1 and i.text.strip() for i in items)


# --- whose life a turn is about ----------------------------------------------------------------------------------

IMPORTED = "My brother Sam is visiting. I love hiking. I went to Paris last May. My name is Maya. I live in Rome."


@pytest.mark.parametrize("role", ["user", "assistant"])
def test_a_named_speaker_is_the_subject_not_the_user(role):
    items = extract(turn(IMPORTED, role=role, speaker="Maya"), user_name="Theo")
    assert of_kind(items, "fact") == []  # Maya's name and home are not the user's
    assert all(i.subject != "user" for i in items)
    assert all("your" not in i.text.lower() and not i.text.startswith("You ") for i in items)
    [sam] = of_kind(items, "person")
    assert (sam.text, sam.key, sam.value) == ("Sam is Maya's brother.", "person:Maya:sam", "brother")
    [hiking] = of_kind(items, "preference")
    assert (hiking.text, hiking.subject) == ("Maya loves hiking.", "Maya")
    [paris] = of_kind(items, "event")
    assert paris.subject == "Maya" and paris.text.startswith("Maya said") and paris.valid_from.year == 2025
    assert of_kind(items, "moment") == []


def test_the_user_as_a_named_speaker_is_the_user():
    items = extract(turn("My sister Amy is visiting. I live in Rome.", speaker="Theo"), user_name="Theo")
    assert {(i.kind, i.key) for i in items} == {("fact", "home"), ("person", "person:user:amy")}
    assert [i.text for i in items if i.kind == "fact"] == ["You live in Rome."]


@pytest.mark.parametrize("role", ["assistant", "system"])
def test_the_companions_own_words_teach_nothing(role):
    assert extract(turn(IMPORTED + " Thank you so much, you made me laugh.", role=role)) == []
