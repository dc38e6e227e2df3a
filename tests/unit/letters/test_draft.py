"""Drafting: the recipient's remembered details are in the letter with their ids; the model's sentence is kept
only when it invents nothing; the next letter to the same person remembers the last one."""

from __future__ import annotations

from datetime import timedelta

from os1.letters.draft import Request, check
from os1.letters.proof import english
from os1.letters.service import Desk, import_letter, new_letter
from os1.letters.weave import as_letter_sentence, occasion_line, since_line
from os1.memory.recall import HybridRecall
from os1.testing import FakeModel
from tests.unit.letters.conftest import T0, remember

PAUL = "My dearest Paul,\n\nHappy birthday, old friend. I hope this year brings you quiet mornings.\n\n" \
       "With all my love,\nTheodore\n"


async def test_a_draft_uses_the_recipients_remembered_details_and_says_where_they_came_from(desk: Desk):
    tulips, lisbon, _aunt, _home, other = await remember(
        desk, "Margaret loves tulips.", "Margaret and Tom married in Lisbon in 1984.", "Margaret is your aunt.",
        "You live in Los Angeles.", "Paul collects old maps.")
    model = FakeModel().enqueue("May the two of you have many more years together in Lisbon.")
    letter, draft = await new_letter(desk, Request("Margaret", "anniversary", ("give my love to Tom",)),
                                     HybridRecall(desk.store), model, T0)
    body = letter.body
    assert body.startswith("Dear Margaret,\n\nHappy anniversary!")
    assert "I know how much you love tulips." in body
    assert "you and Tom married in Lisbon in 1984" in body
    assert "Give my love to Tom." in body
    assert "maps" not in body and "Los Angeles" not in body  # memories about others are not hers
    woven = {(s.kind, s.ref_id) for s in draft.sources if s.use == "woven"}
    assert {("memory", tulips), ("memory", lisbon)} <= woven and ("memory", other) not in woven
    assert draft.model_text == "May the two of you have many more years together in Lisbon."
    assert body.rstrip().endswith(draft.model_text + "\n\nWith love,\nTheo")
    stored = await desk.letters.get(desk.user_id, letter.id)
    assert stored is not None and stored.current.sources == draft.sources  # provenance is kept with the version
    assert "Margaret loves tulips." in model.last_messages[-1].content  # the model saw what memory knows


async def test_the_models_invention_is_dropped_and_the_scaffold_stands(desk: Desk):
    await remember(desk, "Margaret loves tulips.")
    model = FakeModel().enqueue("I hope you and Jessica can visit us soon, my dear.")
    letter, draft = await new_letter(desk, Request("Margaret", "birthday"), HybridRecall(desk.store), model, T0)
    assert draft.model_text is None and "not used" in draft.model_note and "Jessica" in draft.model_note
    assert "Jessica" not in letter.body
    assert "I know how much you love tulips." in letter.body
    assert not any(s.kind == "model" for s in draft.sources)


async def test_the_next_letter_remembers_the_last_and_writes_in_the_kept_style(desk: Desk):
    await import_letter(desk, PAUL, T0 - timedelta(days=365), occasion="birthday",
                        written_on=T0 - timedelta(days=365))
    letter, draft = await new_letter(desk, Request("Paul", "birthday"), None, None, T0)
    assert letter.body.startswith("My dearest Paul,\n\nHappy birthday! It hardly seems possible that a whole year")
    assert "June 2024" in letter.body
    assert letter.body.rstrip().endswith("With all my love,\nTheodore")  # greeting and sign-off learned
    assert any(s.kind == "letter" for s in draft.sources) and any(s.kind == "style" for s in draft.sources)
    assert draft.model_note.startswith("not asked")


def test_check_refuses_junk_and_keeps_a_good_sentence():
    allowed = {"margaret", "tom", "lisbon", "i"}
    good = "I hope you and Tom have a lovely day."
    assert check(good, allowed, english) == (good, "kept")
    for junk in ("", "Sure! Here is a letter for you.", "<b>You</b> are great, truly great.",
                 "You and Jessica are wonderful friends.", "I hope you enjoy the 37 roses I sent.",
                 "you you you you are loved loved loved you you you you are loved loved loved.",
                 "I hope you have a lovely", "The weather is nice today in town."):
        assert check(junk, allowed, english)[0] is None, junk
    assert check("I think of the old bakery and you.", allowed, english, ["We met at the old bakery."])[0] is None


def test_memories_become_sentences_to_the_recipient():
    names = ("Margaret", "Maggie")
    assert as_letter_sentence("Margaret's garden has roses.", names) == \
        "I was thinking about how your garden has roses."
    assert as_letter_sentence("You met Margaret in Paris.", names) == "I met you in Paris."
    assert as_letter_sentence("Maggie is moving to Leeds next spring.", names) == \
        "I am so glad that you are moving to Leeds next spring."
    assert as_letter_sentence("Margaret is your aunt.", names) is None
    assert as_letter_sentence("Paul collects maps.", names) is None
    assert occasion_line("thank you for the flowers") == "I wanted to write and thank you for the flowers."
    assert since_line("birthday", "birthday", T0, T0 + timedelta(days=10)) == \
        "The last time I wrote to you was in June 2025, for your birthday."  # not "a whole year"
    assert since_line("birthday", "birthday", T0, T0 + timedelta(days=365 * 3)).startswith("It has been 3 years")
