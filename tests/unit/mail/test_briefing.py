"""The briefing and one message read aloud: counts, order, names not addresses, no links, numbers as words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from os1.mail.briefing import briefing, describe, number, topic, when, who
from os1.mail.message import Address, Email
from os1.mail.triage import Category, Triage

NOW = datetime(2025, 6, 12, 8, 30, tzinfo=UTC)
RAW = re.compile(r"https?://|www\.|@|\.com\b")


def mail(subject: str, sender: Address, hours_ago: float = 1, text: str = "") -> Email:
    return Email(message_id=f"<{subject}@t>", content_hash="x", subject=subject, sender=sender,
                 date=NOW - timedelta(hours=hours_ago), text=text)


def tri(category: Category, flags: tuple[Category, ...] = (), ask: str = "") -> Triage:
    return Triage(category, flags, ("because",), (), ask)


LAWYER = Address("Jo Park", "jo@law.example.com")
AMY = Address("Amy Lee", "amy@example.org")


def inbox() -> list[tuple[Email, Triage]]:
    items = [
        (mail("Re: Saturday?", AMY, 2), tri("needs_reply", ask="Are you free on Saturday?")),
        (mail("The papers", LAWYER, 20), tri("needs_reply", ("important",), ask="Please sign the papers.")),
        (mail("Budget http://x.example.com/b", Address("", "tom.hill@example.net"), 5), tri("needs_reply")),
        (mail("Sunday", Address("Lee, Sam", "sam@example.org")), tri("personal")),
        (mail("lol", Address("Tom Hill", "tom@example.net")), tri("personal", ("funny",))),
        (mail("Cartoon", Address("Ben Ode", "ben@example.net")), tri("funny")),
        (mail("You won", Address("", "x@spam.example.biz")), tri("spam")),
        (mail("Your order", Address("", "no-reply@shop.example.com")), tri("notification")),
    ]
    items += [(mail(f"Weekly {i}", Address("Garden Weekly", "news@garden.example.org")), tri("newsletter"))
              for i in range(12)]
    return items


def test_briefing_counts_and_orders_by_what_needs_the_user_most() -> None:
    b = briefing(inbox(), NOW, "Theo", names={"jo@law.example.com": "your lawyer"})
    assert b.count("need") == 3 and b.count("newsletter") == 12 and b.count("spam") == 1
    assert b.text.startswith("Good morning, Theo. You have three messages that need you: your lawyer about the papers, "
                             "Amy asking about Saturday and Tom about Budget.")
    assert "Sam and Tom wrote to you." in b.text
    assert "Ben sent something that might make you laugh." in b.text
    assert "Twelve newsletters and one notification can wait." in b.text
    assert "One looks like spam." in b.text
    assert b.lines[0].startswith("You have three messages")


def test_briefing_never_reads_out_links_or_addresses() -> None:
    b = briefing(inbox(), NOW, None)
    for text in (b.text, b.spoken, *b.lines):
        assert not RAW.search(text), text
    assert "Tom about Budget." in b.text  # the subject's URL was left out


def test_spoken_variant_spells_every_number() -> None:
    items = [(mail(f"News {i}", Address("News", "news@example.org")), tri("newsletter")) for i in range(25)]
    b = briefing(items, NOW, None)
    assert "25 newsletters can wait." in b.text
    assert "Twenty-five newsletters can wait." in b.spoken
    assert number(342, spoken=True) == "three hundred and forty-two" and number(7) == "seven"


def test_many_urgent_messages_are_named_up_to_five_then_counted() -> None:
    items = [(mail(f"Question {i}", Address(f"Person{i} Smith", f"p{i}@example.org")), tri("needs_reply"))
             for i in range(8)]
    b = briefing(items, NOW, None)
    assert "You have eight messages that need you:" in b.text
    assert b.text.count("about question") == 5 and "and three others." in b.text


def test_empty_inbox() -> None:
    b = briefing([], NOW.replace(hour=19), "Theo")
    assert b.text == "Good evening, Theo. No new mail needs you."
    assert b.counts == ()


def test_names_and_topics_for_speaking() -> None:
    assert who(mail("x", Address("", "no-reply@shop.example.com"))) == "Shop"
    assert who(mail("x", Address("", "amy.lee@example.org"))) == "Amy"
    assert who(mail("x", Address("ACME Corp Billing Department Team", "b@acme.example"))) == \
        "ACME Corp Billing Department Team"
    assert topic(mail("RE: Fwd: [garden] The tomatoes!", AMY)) == "the tomatoes"


def test_describe_reads_one_message_with_their_words_marked() -> None:
    email = mail("Saturday?", AMY, hours_ago=13, text="Hi! Are you free on Saturday? We could walk to the lake.")
    d = describe(email, tri("needs_reply", ask="Are you free on Saturday?"), NOW)
    assert d.text == "From Amy, yesterday evening, about Saturday. Amy asks: “Are you free on Saturday?”"
    assert d.spoken.endswith("Amy asks, quote: Are you free on Saturday? End of quote.")
    spam = describe(mail("WIN", Address("", "x@spam.example.biz"), text="Click http://x.biz"), tri("spam"), NOW)
    assert spam.text.startswith("This looks like spam.") and "http" not in spam.text


def test_when_is_relative_to_now() -> None:
    assert when(NOW - timedelta(hours=1), NOW) == "this morning"
    assert when(NOW - timedelta(days=3), NOW) == "on Monday"
    assert when(NOW - timedelta(days=40), NOW) == "on 3 May"
