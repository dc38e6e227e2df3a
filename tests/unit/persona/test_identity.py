"""The setup interview, trait derivation, the companion's choice of name, and its introduction."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from os1.persona import identity
from os1.persona.identity import (
    QUESTIONS,
    TRAITS,
    Answers,
    choose_name,
    clean_user_name,
    derive_traits,
    describe_traits,
    introduction,
    name_book,
    parse_voice,
    seed_for,
)

NEUTRAL = Answers("Alex", "sometimes", "the usual things", "she's my mum", "neutral")

# Twelve-plus people one might meet at setup, in their own words.
REALISTIC = [
    Answers("Theodore", "kind of anti-social", "getting over my divorce", "it's complicated", "female"),
    Answers("Amy", "pretty social", "my work, making documentaries", "we're close", "female"),
    Answers("Paul", "very social!", "having fun, travel", "she's great", "male"),
    Answers("Catherine", "anti-social", "writing", "we don't talk", "female"),
    Answers("Jo", "introvert, and tired lately", "my kids", "she passed away", "neutral"),
    Answers("Dev", "social, I love people", "my band and music", "she's my best friend", "male"),
    Answers("Lena", "somewhere in between", "peace and quiet, my garden", "fine I guess", "female"),
    Answers("Marcus", "outgoing", "my career, my goals, getting things done", "good", "male"),
    Answers("Ravi", "shy", "learning and science", "distant", "male"),
    Answers("Ola", "extrovert!!", "adventure and dancing", "amazing", "neutral"),
    Answers("Kim", "anti social, exhausted", "my mental health", "toxic", "neutral"),
    Answers("Beth", "both", "my family", "loving", "female"),
    Answers("Noah", "loner", "philosophy and books", "never knew her", "male"),
    Answers("Ivy", "people person", "my friends", "not close", "female"),
]


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


# --- the interview ----------------------------------------------------------------------------------------


def test_questions_are_asked_in_the_films_order() -> None:
    assert [q.key for q in QUESTIONS] == ["user_name", "social", "matters", "mother", "voice"]
    assert QUESTIONS[1].prompt == "Are you social or anti-social?"
    assert "mother" in QUESTIONS[3].prompt
    assert QUESTIONS[4].hint == "female, male or neutral"
    assert all(q.prompt and q.hint for q in QUESTIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("female", "female"),
        ("Female.", "female"),
        ("  WOMAN ", "female"),
        ("f", "female"),
        ("her", "female"),
        ("she", "female"),
        ("a woman's voice please", "female"),
        ("male", "male"),
        ("man", "male"),
        ("M", "male"),
        ("him", "male"),
        ("a guy", "male"),
        ("neutral", "neutral"),
        ("either", "neutral"),
        ("any", "neutral"),
        ("doesn't matter", "neutral"),
        ("Doesn\u2019t matter to me", "neutral"),
        ("nonbinary", "neutral"),
        ("non-binary", "neutral"),
        ("male or female, I don't mind", "neutral"),
        ("", "neutral"),
        ("   ", "neutral"),
        ("banana", None),
        ("male and female", None),
        ("42", None),
    ],
)
def test_parse_voice(text: str, expected: str | None) -> None:
    assert parse_voice(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Theo", "Theo"),
        ("Theo.", "Theo"),
        ("theo", "Theo"),
        ("THEO", "Theo"),
        ("I'm Theo", "Theo"),
        ("I\u2019m Theo!", "Theo"),
        ("i am theo", "Theo"),
        ("call me Theo", "Theo"),
        ("theodore twombly", "Theodore"),
        ("My name is Theodore, but call me Theo", "Theo"),
        ("Theodore Twombly. Everyone calls me Ted", "Ted"),
        ("Hi, it's Theodore", "Theodore"),
        ("my name's theo", "Theo"),
        ("Dr. Theodore Twombly", "Theodore"),
        ("  'Theo'  ", "Theo"),
        ("mary-jane", "Mary-Jane"),
        ("McKenzie", "McKenzie"),
        ("am\u00e9lie", "Am\u00e9lie"),
        ("", None),
        ("   ", None),
        ("123", None),
        ("!!!", None),
        ("I don't know", None),
        ("no", None),
        ("call me", None),
        ("x", None),
        ("I'd rather not say", None),
    ],
)
def test_clean_user_name(text: str, expected: str | None) -> None:
    assert clean_user_name(text) == expected


# --- traits -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("answers", [NEUTRAL, *REALISTIC])
def test_traits_are_complete_bounded_and_rounded(answers: Answers) -> None:
    traits = derive_traits(answers)
    assert tuple(traits) == TRAITS
    for value in traits.values():
        assert 0.0 <= value <= 1.0
        assert value == round(value, 2)


def test_traits_are_deterministic() -> None:
    for answers in REALISTIC:
        assert derive_traits(answers) == derive_traits(replace(answers))


def test_different_answers_give_different_traits() -> None:
    vectors = {tuple(derive_traits(a).values()) for a in REALISTIC}
    assert len(vectors) == len(REALISTIC)


def test_a_social_user_gets_a_livelier_companion_and_an_anti_social_one_a_calmer_one() -> None:
    social = derive_traits(replace(NEUTRAL, social="very social, I love going out with friends"))
    anti = derive_traits(replace(NEUTRAL, social="anti-social"))
    assert social["playfulness"] - anti["playfulness"] >= 0.2
    assert social["energy"] - anti["energy"] >= 0.2
    assert anti["calm"] - social["calm"] >= 0.2


def test_negation_is_understood() -> None:
    person = derive_traits(replace(NEUTRAL, social="I'm a people person"))
    not_person = derive_traits(replace(NEUTRAL, social="I'm not a people person"))
    assert not_person["playfulness"] < person["playfulness"] - 0.15
    assert not_person["calm"] > person["calm"] + 0.15


def test_a_tired_user_gets_a_gentler_companion() -> None:
    tired = derive_traits(replace(NEUTRAL, matters="honestly I'm exhausted"))
    base = derive_traits(NEUTRAL)
    assert tired["calm"] > base["calm"] + 0.1
    assert tired["energy"] < base["energy"] - 0.1


@pytest.mark.parametrize("mother", ["it's complicated", "we don't talk", "she's gone", "estranged"])
def test_a_hard_relationship_with_mother_brings_warmth_and_calm(mother: str) -> None:
    hard = derive_traits(replace(NEUTRAL, mother=mother))
    base = derive_traits(NEUTRAL)
    assert hard["warmth"] > base["warmth"] + 0.1
    assert hard["calm"] > base["calm"] + 0.05
    assert hard["directness"] < base["directness"] - 0.1


@pytest.mark.parametrize("mother", ["it's great", "we're really close"])
def test_a_close_relationship_with_mother_brings_playfulness(mother: str) -> None:
    close = derive_traits(replace(NEUTRAL, mother=mother))
    assert close["playfulness"] > derive_traits(NEUTRAL)["playfulness"] + 0.05


def test_what_matters_moves_curiosity_or_warmth() -> None:
    base = derive_traits(NEUTRAL)
    work = derive_traits(replace(NEUTRAL, matters="my work, mostly writing"))
    loss = derive_traits(replace(NEUTRAL, matters="getting over my divorce"))
    kids = derive_traits(replace(NEUTRAL, matters="my kids"))
    assert work["curiosity"] > base["curiosity"] + 0.15
    assert loss["warmth"] > base["warmth"] + 0.1
    assert kids["warmth"] > base["warmth"] + 0.1
    assert work["curiosity"] > loss["curiosity"]


def test_describe_traits_names_the_strongest_in_words() -> None:
    traits = dict(zip(TRAITS, (0.72, 0.55, 0.68, 0.4, 0.3, 0.5), strict=True))
    assert describe_traits(traits) == "warm, curious and a little playful"
    strong = {**traits, "warmth": 0.9, "curiosity": 0.85, "playfulness": 0.3}
    assert describe_traits(strong) == "very warm and very curious"
    for answers in REALISTIC:
        words = describe_traits(derive_traits(answers))
        assert 2 <= len(re.split(r", | and ", words)) <= 3


# --- the name ---------------------------------------------------------------------------------------------


def test_the_name_book_is_balanced_and_honest() -> None:
    book = name_book()
    assert 60 <= len(book) <= 90
    assert name_book() is book  # read once
    for gender in ("female", "male", "neutral"):
        assert sum(e.gender == gender for e in book) >= 20
    assert len({e.name for e in book}) == len(book)
    assert len({e.feel for e in book}) == len(book), "every name needs its own feel"
    for entry in book:
        assert len(entry.feel) == len(TRAITS) and all(0.0 <= v <= 1.0 for v in entry.feel)
        assert len(entry.note) > 10 and not re.search(r"[.!?]", entry.note), entry.name
    samantha = next(e for e in book if e.name == "Samantha")
    feel = dict(zip(TRAITS, samantha.feel, strict=True))
    assert samantha.gender == "female"
    assert min(feel["warmth"], feel["curiosity"], feel["playfulness"]) >= 0.7


def test_a_malformed_name_entry_is_refused() -> None:
    row = {"name": "Zed", "gender": "robot", "note": "n", **dict.fromkeys(TRAITS, 0.5)}
    with pytest.raises(ValueError):
        identity._entry(row)
    with pytest.raises(ValueError):
        identity._entry({**row, "gender": "neutral", "calm": 1.5})


def test_choose_name_is_deterministic() -> None:
    for answers in REALISTIC:
        traits = derive_traits(answers)
        first = choose_name(traits, answers.voice, seed_for(answers))
        assert choose_name(dict(traits), answers.voice, seed_for(answers)) == first


@pytest.mark.parametrize("voice", ["female", "male"])
def test_the_chosen_name_fits_the_voice(voice: str) -> None:
    genders = {e.name: e.gender for e in name_book()}
    for answers in REALISTIC:
        answers = replace(answers, voice=voice)
        choice = choose_name(derive_traits(answers), answers.voice, seed_for(answers))
        assert genders[choice.name] in (voice, "neutral")


def test_a_neutral_voice_favours_neutral_names() -> None:
    genders = {e.name: e.gender for e in name_book()}
    chosen = [choose_name(derive_traits(a), "neutral", seed_for(a)).name for a in REALISTIC]
    assert sum(genders[name] == "neutral" for name in chosen) > len(chosen) / 2


def test_the_name_is_a_choice_not_a_constant() -> None:
    names = {choose_name(derive_traits(a), a.voice, seed_for(a)).name for a in REALISTIC}
    assert len(names) >= 4
    female = {choose_name(derive_traits(a), "female", seed_for(a)).name for a in REALISTIC}
    assert len(female) >= 4 and female != {"Samantha"}


def test_a_warm_curious_playful_companion_can_choose_samantha() -> None:
    samantha = next(e for e in name_book() if e.name == "Samantha")
    choice = choose_name(dict(zip(TRAITS, samantha.feel, strict=True)), "female", "Theodore")
    assert choice.name == "Samantha"


def test_the_seed_breaks_near_ties() -> None:
    flat = dict.fromkeys(TRAITS, 0.5)
    assert len({choose_name(flat, "neutral", f"user {i}").name for i in range(20)}) >= 2


def test_the_reason_is_in_its_own_words_and_mentions_the_note_and_traits() -> None:
    notes = {e.name: e.note for e in name_book()}
    words = {"warm", "playful", "curious", "calm", "direct", "lively"}
    for answers in REALISTIC:
        choice = choose_name(derive_traits(answers), answers.voice, seed_for(answers))
        assert choice.reason.startswith("I ")
        assert choice.name in choice.reason
        assert notes[choice.name] in choice.reason
        assert words & set(re.findall(r"[a-z]+", choice.reason))
        assert 0.0 <= choice.score <= 1.0


def test_considered_holds_other_names() -> None:
    book = {e.name for e in name_book()}
    for answers in REALISTIC:
        choice = choose_name(derive_traits(answers), answers.voice, seed_for(answers))
        assert 2 <= len(choice.considered) <= 4
        assert choice.name not in choice.considered
        assert set(choice.considered) <= book
        assert len(set(choice.considered)) == len(choice.considered)


def test_never_takes_the_users_own_name() -> None:
    samantha = next(e for e in name_book() if e.name == "Samantha")
    traits = dict(zip(TRAITS, samantha.feel, strict=True))
    assert choose_name(traits, "female", "Theodore").name == "Samantha"
    answers = Answers("Samantha", "social", "writing and my kids", "complicated", "female")
    choice = choose_name(traits, "female", seed_for(answers))
    assert choice.name != "Samantha"
    assert "Samantha" not in choice.considered
    assert choose_name(traits, "female", "samantha").name != "Samantha"


def test_never_takes_a_name_the_user_mentioned() -> None:
    answers = Answers("Theodore", "social", "my kids, Samantha and Maya", "complicated", "female")
    choice = choose_name(derive_traits(answers), "female", seed_for(answers))
    assert choice.name not in {"Theodore", "Samantha", "Maya"}


# --- first words ------------------------------------------------------------------------------------------


def test_the_introduction_says_who_it_is() -> None:
    for answers in REALISTIC:
        traits = derive_traits(answers)
        choice = choose_name(traits, answers.voice, seed_for(answers))
        text = introduction(choice.name, answers.user_name, traits, choice.reason)
        assert answers.user_name in text
        assert choice.name in text
        assert "an AI" in text
        assert choice.reason in text
        assert describe_traits(traits) in text
        assert text.rstrip().endswith("?")
        assert 2 <= len(_sentences(text)) <= 5
        assert all(ord(ch) < 0x2000 for ch in text), "no emojis"


def test_the_introduction_copes_with_a_bare_reason() -> None:
    text = introduction("Sam", "Theo", dict.fromkeys(TRAITS, 0.6), "I liked the sound of it")
    assert "I liked the sound of it." in text
    assert introduction("Sam", "Theo", {}, "").count("an AI") == 1
