"""The user's style from kept letters: greeting, sign-off, signature, favourite phrases."""

from __future__ import annotations

from os1.letters.style import Style, learn_style, split_letter

A = "My dearest Paul,\n\nI hope this finds you well. I think of you every time I pass the bakery.\n\n" \
    "With all my love,\nTheodore"
B = "My dearest Chris,\n\nThank you for the flowers. I think of you every time I see the garden.\n\n" \
    "With all my love,\nTheodore"


def test_a_letter_is_cut_into_greeting_body_and_closing():
    parts = split_letter(A)
    assert (parts.greeting, parts.recipient, parts.sign_off, parts.signature) == \
        ("My dearest Paul,", "Paul", "With all my love,", "Theodore")
    assert parts.body.startswith("I hope") and parts.body.endswith("bakery.")
    one_line = split_letter("Hi Ana,\n\nSee you soon.\n\nLove, Theo")
    assert (one_line.recipient, one_line.sign_off, one_line.signature) == ("Ana", "Love,", "Theo")


def test_style_is_learned_from_what_the_letters_share():
    style = learn_style([(1, A), (2, B)])
    assert style.greet("Ana") == "My dearest Ana,"
    assert (style.sign_off, style.signature) == ("With all my love,", "Theodore")
    assert "i think of you every time i" in style.phrases
    assert not any("paul" in p or "chris" in p for p in style.phrases)
    assert style.letter_ids == (1, 2) and style.examples
    assert learn_style([]) == Style()
