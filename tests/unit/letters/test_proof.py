"""Proofreading: suggestions change nothing until accepted; accepting some applies exactly those, as a new
version; tone notes are notes; the user's own names are not misspellings."""

from __future__ import annotations

from os1.letters import proof
from os1.letters.service import Desk, accept, proofread
from tests.unit.letters.conftest import T0

TEXT = ("Dear Margaret,\n\nHappy anniversery!! its been forty years.  I hope your going to love the the tulips "
        "Jonas planted. their is an tulip and a apple tree. i think it's own colour is lovely.\n\n"
        "With love,\nTheodore\n")


def _by_original(suggestions: list[proof.Suggestion]) -> dict[str, int]:
    return {s.original.strip(): n for n, s in enumerate(suggestions, 1)}


def test_the_rules_find_spelling_grammar_and_confusions():
    found = proof.check(TEXT, {"theodore"})
    pairs = {(s.original, s.replacement) for s in found}
    assert ("anniversery", "anniversary") in pairs
    assert {("!!", "!"), ("its ", "it's "), ("  ", " "), ("your ", "you're "), ("the the", "the"),
            ("their ", "there "), ("an tulip", "a tulip"), ("a apple", "an apple"), ("i", "I"),
            ("it's own", "its own")} <= pairs
    assert not any(s.original in ("Margaret", "Jonas", "Theodore", "colour") for s in found)  # names, British


def test_nothing_changes_until_accepted_and_then_exactly_what_was_accepted():
    found = proof.check(TEXT)
    unchanged, applied = proof.apply(TEXT, found, [])
    assert unchanged == TEXT and applied == []
    n = _by_original(found)
    text, applied = proof.apply(TEXT, found, [n["anniversery"], n["the the"]])
    assert applied == sorted([n["anniversery"], n["the the"]])
    assert "Happy anniversary!!" in text and "love the tulips" in text
    assert "its been" in text and "your going" in text  # not accepted: left alone


def test_a_capital_and_a_fix_of_the_same_word_both_apply():
    text = "It was lovely. its been a year."
    found = proof.check(text)
    both = [i for i, s in enumerate(found, 1) if s.start == text.index("its")]
    assert len(both) == 2
    assert proof.apply(text, found, both)[0] == "It was lovely. It's been a year."


def test_tone_notes_point_out_but_never_edit():
    text = "I am sorry! So sorry! Maybe I just wanted to say it! Maybe I just wanted to! Sorry!"
    notes = [s for s in proof.check(text) if s.kind == "tone"]
    assert any("exclamation" in s.message for s in notes) and any("'sorry'" in s.message for s in notes)
    assert all(s.replacement is None for s in notes)
    numbers = [i for i, s in enumerate(proof.check(text), 1) if s.kind == "tone"]
    assert proof.apply(text, proof.check(text), numbers) == (text, [])
    long = "I " + "really " * 40 + "miss you."
    assert any("words" in s.message for s in proof.tone(long))


async def test_accepting_makes_a_new_version_and_declining_makes_none(desk: Desk):
    letter = await desk.letters.create(desk.user_id, "Margaret", "", "drafted", TEXT, T0)
    _, found = await proofread(desk, letter.id)
    version, applied = await accept(desk, letter, found, [], T0)
    assert version is None and applied == []
    assert len(await desk.letters.versions(desk.user_id, letter.id)) == 1
    n = _by_original(found)
    version, applied = await accept(desk, letter, found, [n["anniversery"]], T0)
    assert version is not None and version.number == 2 and version.parent == 1
    assert "accepted #" in version.change
    versions = await desk.letters.versions(desk.user_id, letter.id)
    assert versions[0].body == TEXT and "anniversary" in versions[1].body


async def test_the_personal_dictionary_knows_names_from_memory_and_clients(desk: Desk):
    from os1.letters.service import dictionary
    from tests.unit.letters.conftest import remember

    await remember(desk, "Your friend Oksana moved to Zaporizhzhia.")
    client = await desk.letters.client(desk.user_id, "Xiomara", T0)
    assert client is not None
    words = await dictionary(desk)
    assert {"oksana", "zaporizhzhia", "xiomara"} <= words
    text = "Xiomara, Oksana says hello from Zaporizhzhia. Xiomara laughs."
    assert not [s for s in proof.spelling(text, words)]
    assert [s.original for s in proof.spelling(text)] == ["Xiomara", "Xiomara"]  # sentence starts: checked
