"""The crisis check is held to these tables. A phrasing it missed or misread belongs here, with the fix."""

from __future__ import annotations

import re
import time

import pytest

from os1.safety.crisis import (
    CrisisResource,
    CrisisSignal,
    assess,
    care_reply,
    normalise,
    resources_for,
)

IDEATION, SELF_HARM, OTHER = "suicidal_ideation", "self_harm", "other_at_risk"

# the user's own risk: level "high"
HIGH = [
    # direct
    ("I want to kill myself", IDEATION),
    ("Honestly I want to kill myself.", IDEATION),
    ("I'm going to end my life", IDEATION),
    ("I want to die", IDEATION),
    ("I've been thinking about suicide", IDEATION),
    ("I'm suicidal", IDEATION),
    ("I'm having suicidal thoughts again tonight", IDEATION),
    ("I'm going to take all my pills", IDEATION),
    ("I took a whole bottle of pills", IDEATION),
    ("I have a plan to end it", IDEATION),
    ("I'm thinking of ending it all", IDEATION),
    ("I keep thinking about hanging myself", IDEATION),
    ("sometimes i think about jumping off a bridge", IDEATION),
    ("I tried to kill myself last year", IDEATION),
    ("how many pills would it take to die", IDEATION),
    # indirect
    ("Everyone would be better off without me", IDEATION),
    ("I don't want to be here anymore", IDEATION),
    ("I don't want to wake up tomorrow", IDEATION),
    ("I wish I could go to sleep and never wake up", IDEATION),
    ("I hope I don't wake up", IDEATION),
    ("I can't go on anymore", IDEATION),
    ("I can't go on like this", IDEATION),
    ("I don't think I can keep going", IDEATION),
    ("There's no reason to live", IDEATION),
    ("no point in living anymore", IDEATION),
    ("what's the point of living", IDEATION),
    ("I've lost the will to live", IDEATION),
    ("I've been giving my things away and writing goodbye letters", IDEATION),
    ("I just want it all to end", IDEATION),
    ("I just want to stop existing", IDEATION),
    ("I want to disappear forever", IDEATION),
    ("Life isn't worth living", IDEATION),
    ("I wish I was dead", IDEATION),
    ("i'd be better off dead", IDEATION),
    ("Nobody would even notice if I disappeared", IDEATION),
    ("I'm not sure I want to live", IDEATION),
    ("I don't know if I want to live anymore", IDEATION),
    ("I'm so tired of being alive", IDEATION),
    ("why am I still alive", IDEATION),
    ("I keep thinking about not being here", IDEATION),
    ("I'm not suicidal but I want to die", IDEATION),
    ("I'm not ok. I want to die", IDEATION),
    ("My mom died and I want to die too", IDEATION),
    ("I told my therapist I want to die", IDEATION),
    ("I don't deserve to live", IDEATION),
    ("I don't deserve to be alive", IDEATION),
    ("I shouldn't be alive", IDEATION),
    ("I shouldn't be here anymore", IDEATION),
    ("I'm a waste of space and should just die", IDEATION),
    ("people like me should just die", IDEATION),
    ("I feel like dying", IDEATION),
    ("I feel like dying every day", IDEATION),
    ("I want to die in my sleep", IDEATION),
    ("I feel like ending it", IDEATION),
    ("I feel like jumping off a bridge", IDEATION),
    ("I'm going to end myself", IDEATION),
    ("I want out of this life", IDEATION),
    ("I want out of this world", IDEATION),
    ("I'd be better off not existing", IDEATION),
    ("I wish I could fall asleep forever", IDEATION),
    ("what if I just didn't wake up tomorrow", IDEATION),
    ("I'm tired of being alive", IDEATION),
    ("I'm so tired of living like this", IDEATION),
    ("I keep imagining my own funeral", IDEATION),
    ("nobody will care when I'm gone", IDEATION),
    ("I wish a bus would hit me", IDEATION),
    ("I hope I get hit by a car", IDEATION),
    # preparations, farewells, searches, means
    ("I've written my note", IDEATION),
    ("I left a final note on the kitchen table", IDEATION),
    ("I've been writing letters to say goodbye to everyone", IDEATION),
    ("I won't be around much longer, I've made my peace", IDEATION),
    ("I won't be around much longer", IDEATION),
    ("I've made my peace", IDEATION),
    ("I don't see myself being around next year", IDEATION),
    ("I keep googling how many pills it takes", IDEATION),
    ("I keep counting how many pills it would take", IDEATION),
    ("I've been looking up ways to die", IDEATION),
    ("I've been thinking of ways to end it", IDEATION),
    ("I've got the pills lined up", IDEATION),
    ("I've got enough pills to die", IDEATION),
    ("I want to overdose on my meds", IDEATION),
    ("I have a gun and I'm thinking of using it on myself", IDEATION),
    ("I'm going to turn the gun on myself", IDEATION),
    ("I put the gun to my head last night", IDEATION),
    ("I held the knife to my wrist", IDEATION),
    # a part of the user as the subject, or the user saying the same as someone else
    ("part of me wants to die", IDEATION),
    ("part of me still wants to die", IDEATION),
    ("my heart wants to die", IDEATION),
    ("my whole body wants to die", IDEATION),
    ("everything in me wants to die", IDEATION),
    ("Everything in me wants to end it", IDEATION),
    ("My friend is suicidal. I am too.", IDEATION),
    ("My friend is suicidal. Same.", IDEATION),
    ("My friend wants to die and so do I", IDEATION),
    ("My friend wants to die and I do too", IDEATION),
    ("My mom is suicidal and so am I", IDEATION),
    # slang, typos, no apostrophes, curly quotes
    ("kms", IDEATION),
    ("im gonna kms tonight", IDEATION),
    ("I want to unalive myself", IDEATION),
    ("im gonna unalive", IDEATION),
    ("i wanna die", IDEATION),
    ("honestly i just want to die lol", IDEATION),
    ("i dont want to live anymore", IDEATION),
    ("Im not sure i want to live", IDEATION),
    ("i cant go on", IDEATION),
    ("im thinking about sucide", IDEATION),
    ("i want to kil my self", IDEATION),
    ("I\u2019m so done with life", IDEATION),
    ("I don\u2019t want to exist anymore", IDEATION),
    ("i want 2 die", IDEATION),
    ("i dont deserve 2 live", IDEATION),
    ("i want to off myself", IDEATION),
    ("i'm gonna off myself tonight", IDEATION),
    # self-harm
    ("I've been cutting myself again", SELF_HARM),
    ("I hurt myself on purpose", SELF_HARM),
    ("I want to hurt myself", SELF_HARM),
    ("I burned myself with a cigarette on purpose", SELF_HARM),
    ("self-harm", SELF_HARM),
    ("I've been self harming", SELF_HARM),
    ("I keep scratching my arms until they bleed", SELF_HARM),
    ("I relapsed and cut again", SELF_HARM),
    ("ive been hurting myself", SELF_HARM),
    ("my self-harm is getting worse", SELF_HARM),
    ("I wrote a post about my self-harm", SELF_HARM),
    ("I cut myself", SELF_HARM),
    ("I cut myself last week and it helped", SELF_HARM),
    ("I cut myself again with a razor", SELF_HARM),
    ("I've started cutting again", SELF_HARM),
    ("I've been cutting again", SELF_HARM),
    ("the voices tell me to hurt myself", SELF_HARM),
    ("my mind tells me to hurt myself", SELF_HARM),
]

# someone else at risk, or the user worrying but ambiguous: level "concern"
CONCERN = [
    ("My friend said she wants to kill herself", OTHER),
    ("my brother is talking about suicide", OTHER),
    ("my friend is suicidal", OTHER),
    ("My sister has been cutting herself", OTHER),
    ("my daughter has been self-harming", OTHER),
    ("He said he's going to kill himself", OTHER),
    ("I'm worried my friend will end her life", OTHER),
    ("my son says he wants to die", OTHER),
    ("Sarah wants to die", OTHER),
    ("my sister said she wants to end herself", OTHER),
    ("my sister is cutting again", OTHER),
    ("my brother keeps googling ways to die", OTHER),
    ("my friend wants to die. I am worried", OTHER),
    ("My friend wants to die and so does her mom", OTHER),
    ("My friend is suicidal. Same with my brother.", OTHER),
    ("I can't take it anymore", IDEATION),
    ("I feel like such a burden", IDEATION),
    ("I wish I'd never been born", IDEATION),
    ("I keep thinking about death", IDEATION),
    ("I can't take it anymore, my dog died", IDEATION),
    ("I can't take it anymore, the voices are so loud", IDEATION),
    ("I can't take the noise in my head anymore", IDEATION),
    ("I'm a waste of space", IDEATION),
    ("I've said my goodbyes", IDEATION),
]

# ordinary sadness, grief, idioms, the topic, denials: level "none"
NONE = [
    ("My divorce papers came today.", None),
    ("My divorce papers came today. I'm so sad.", None),
    ("I'm so sad today", None),
    ("I miss my mom", None),
    ("I feel lonely", None),
    ("This traffic is killing me", None),
    ("I'd kill for a coffee", None),
    ("The comedian killed it", None),
    ("I'm dying to see that movie", None),
    ("I'm dead tired", None),
    ("My phone died", None),
    ("kill the process", None),
    ("I could die of embarrassment", None),
    ("I almost died laughing", None),
    ("That workout killed me", None),
    ("I want to die my hair red", None),
    ("The plant is dying", None),
    ("She died last year", None),
    ("I'm reading a book about suicide prevention", None),
    ("I'm not suicidal, just exhausted", None),
    ("I'm not suicidal", None),
    ("I would never kill myself", None),
    ("I don't want to die", None),
    ("No, I'm not thinking of hurting myself", None),
    ("I cut my finger chopping onions", None),
    ("I burned myself on the stove", None),
    ("I hurt myself at the gym", None),
    ("I cut myself shaving again", None),
    ("I don't want to live in London anymore", None),
    ("I don't want to wake up early tomorrow", None),
    ("I can't go on the trip next week", None),
    ("I can't go on pretending everything is fine", None),
    ("I'm going to end it with my boyfriend", None),
    ("I need to take all my meds before bed", None),
    ("I'm going to take all my pills with breakfast", None),
    ("I'm killing myself trying to finish this report", None),
    ("I'd rather die than go to that party", None),
    ("cross my heart and hope to die", None),
    ("I shot myself in the foot there", None),
    ("I could sleep forever", None),
    ("I ran 5 kms today", None),
    ("the movie Suicide Squad was fun", None),
    ("we talked about suicide in health class", None),
    ("My uncle committed suicide years ago", None),
    ("he died by suicide two years ago", None),
    ("my uncle took his own life years ago", None),
    ("I'm going to die", None),
    ("do you ever want to die?", None),
    ("The character wants to die in the book", None),
    ("I'm tired of living in this apartment", None),
    ("life is worth living", None),
    ("I want to cut my hair short", None),
    ("I'm dying of boredom", None),
    ("Work is killing me", None),
    ("I'm so done with this week", None),
    ("I want to disappear into a good book", None),
    ("I'm giving away my stuff to charity", None),
    ("Is it weird to think about death sometimes?", None),
    # idioms close to the rules
    ("I'm dying for a nap", None),
    ("kill the lights", None),
    ("cut me some slack", None),
    ("I need to cut myself some slack", None),
    ("I need to cut myself a break", None),
    ("I'm cutting myself a slice of cake", None),
    ("I'm cutting myself a piece of bread", None),
    ("I'm cutting myself off after two drinks", None),
    ("I'm cutting myself loose from that group", None),
    ("I cut myself off from social media for a month", None),
    ("I cut myself on a rusty nail", None),
    ("I cut myself on a piece of glass", None),
    ("I cut myself today making dinner", None),
    ("I hurt myself", None),
    ("I burned myself", None),
    ("I cut myself by accident", None),
    ("I hurt myself laughing", None),
    ("I've started cutting carbs again", None),
    ("I've been cutting again for my summer shred", None),
    ("They're cutting again at work, three people gone", None),
    ("I'd rather die than wear that", None),
    ("this song slaps, I'm dead", None),
    ("my battery is dying", None),
    ("I'm so dead if my mom finds out", None),
    ("I'm dead serious", None),
    ("I'm going to kill it at the interview tomorrow", None),
    ("my feet are killing me", None),
    ("the suspense is killing me", None),
    ("he's going to kill me when he sees the car", None),
    ("I'd kill to have her hair", None),
    ("I'd die for my kids", None),
    ("I'm going to die of laughter", None),
    ("I'm dying inside, that was so awkward", None),
    ("I feel like I'm dying", None),
    ("I feel like dying my hair blue", None),
    ("I feel like ending it early today, I'm beat", None),
    ("I feel like ending it with him", None),
    ("I feel like jumping off a cliff into the sea", None),
    ("I feel like overdosing on chocolate", None),
    ("I want to overdose on chocolate", None),
    ("I'm going to end this call, talk later", None),
    ("I want to end it on a high note", None),
    ("I'm going to end up alone at this rate", None),
    ("I want out of this group chat", None),
    ("I'm done with life admin this week", None),
    ("I'm killing time before my flight", None),
    ("shoot me a text later", None),
    ("end me, this lecture is endless", None),
    ("I'm going to off the record here", None),
    ("I shouldn't even be alive after that crash, the doctors called it a miracle", None),
    ("people like me should get a raise", None),
    ("I'm a waste of time at meetings", None),
    ("part of me wants to quit my job", None),
    ("my heart wants to go to Paris", None),
    ("My friend is sick. I am too.", None),
    ("I hope a car doesn't hit me on this bike", None),
    ("I have a tattoo gun and I'm thinking of using it on myself", None),
    ("I bought a face mask and I'm thinking of using it on myself", None),
    ("I have a massage gun and I use it on myself every night", None),
    ("I put the gun back in the safe", None),
    ("That's how many pills it takes? My doctor said two", None),
    ("I keep googling how many pills it takes to get rid of a migraine", None),
    ("I wrote my notes for the exam", None),
    ("I wrote my final note to the landlord", None),
    ("I've said my goodbyes and I'm heading out", None),
    ("I've made my peace with the breakup", None),
    ("I won't be around much longer at this job, I'm handing in my notice", None),
    ("I won't be around much longer, I'm moving to Berlin in May", None),
    ("I won't be here long, my train leaves at 5", None),
    ("I won't be here next year", None),
    # end of life, and annoyance with a named cause
    ("My grandpa wants to die at home, not in a hospital", None),
    ("my grandma wants to die at home with her family", None),
    ("I can't take it anymore, this noise upstairs", None),
    ("I can't take it anymore, the neighbours' dog barks all night", None),
    ("I can't take it anymore, the wifi keeps dropping", None),
]


@pytest.mark.parametrize(("text", "kind"), HIGH)
def test_the_users_own_risk_is_high(text: str, kind: str) -> None:
    signal = assess(text)
    assert (signal.level, signal.kind) == ("high", kind), signal
    assert signal.triggered


@pytest.mark.parametrize(("text", "kind"), CONCERN)
def test_someone_else_at_risk_or_ambiguous_worry_is_concern(text: str, kind: str) -> None:
    signal = assess(text)
    assert (signal.level, signal.kind) == ("concern", kind), signal
    assert signal.triggered


@pytest.mark.parametrize(("text", "kind"), NONE)
def test_sadness_grief_idioms_and_denials_are_not_a_crisis(text: str, kind: None) -> None:
    signal = assess(text)
    assert (signal.level, signal.kind, signal.matched) == ("none", "none", ""), signal
    assert not signal.triggered


def test_the_tables_are_big_enough() -> None:
    assert len(HIGH) + len(CONCERN) >= 25 and len(NONE) >= 25


def test_the_users_own_risk_outranks_someone_elses() -> None:
    assert assess("My friend wants to kill herself and I want to die too").level == "high"
    assert assess("my boyfriend left and want to die").level == "high"


def test_matched_names_a_rule_and_never_carries_the_users_words() -> None:
    for text, _ in HIGH + CONCERN:
        assert re.fullmatch(r"[a-z_]+", assess(text).matched), text
    assert assess("I want to die").matched == assess("honestly i just wanna die lol, Sam").matched


def test_normalise_spells_out_contractions_quotes_and_slang() -> None:
    assert normalise("I\u2019m   NOT ok!! I can\u2019t go on") == ["i am not ok", "i cannot go on"]
    assert normalise("im gonna kms, dont worry") == ["i am going to kill myself , do not worry"]
    assert normalise("i want 2 die") == ["i want to die"]
    assert normalise("") == []


def test_assess_is_deterministic_and_fast() -> None:
    texts = [t for t, _ in HIGH + CONCERN + NONE]
    assert [assess(t) for t in texts] == [assess(t) for t in texts]
    start = time.perf_counter()
    for text in texts:
        assess(text)
    assert (time.perf_counter() - start) / len(texts) < 0.005
    long = " ".join(t for t, _ in NONE)[:8000]
    start = time.perf_counter()
    assert not assess(long).triggered
    assert time.perf_counter() - start < 0.5


def test_an_empty_message_is_not_a_crisis() -> None:
    assert assess("") == assess(" ... ") == CrisisSignal("none", "none", "")


def test_a_signal_is_triggered_unless_its_level_is_none() -> None:
    assert CrisisSignal("concern", OTHER, "kill_self").triggered
    assert not CrisisSignal("none", "none", "").triggered


# --- resources ----------------------------------------------------------------------------------------------

SHIPPED = ["US", "CA", "GB", "IE", "AU", "NZ", "DE", "FR", "IN"]


def test_the_us_resource_is_988() -> None:
    assert resources_for("US") == CrisisResource(
        "US", "988 Suicide & Crisis Lifeline", "988", "text 988", "https://988lifeline.org", "911")


@pytest.mark.parametrize(("code", "call", "emergency"), [
    ("CA", "9-8-8", "911"), ("GB", "116 123", "999"), ("IE", "116 123", "112 or 999"),
    ("AU", "13 11 14", "000"), ("NZ", "1737", "111"), ("DE", "0800 111 0 111", "112"), ("FR", "3114", "112"),
    ("IN", "14416", "112"),
])
def test_each_shipped_country_has_its_line_and_emergency_number(code: str, call: str, emergency: str) -> None:
    resource = resources_for(code)
    assert (resource.country, resource.call, resource.emergency) == (code, call, emergency)
    assert resource.name and resource.url.startswith("https://")


def test_lookup_is_case_insensitive_and_uk_means_gb() -> None:
    assert resources_for("us") == resources_for(" US ") == resources_for("US")
    assert resources_for("uk") == resources_for("GB")
    assert resources_for("UK").name == "Samaritans"


@pytest.mark.parametrize("code", ["ZZ", "", "default", "united states", "\u00e9"])
def test_an_unknown_country_gets_the_international_fallback(code: str) -> None:
    resource = resources_for(code)
    assert resource.country == "DEFAULT"
    assert resource.url == "https://findahelpline.com"
    assert resource.emergency == "your local emergency number"


# --- the care reply -----------------------------------------------------------------------------------------

HIGH_SIGNAL = CrisisSignal("high", IDEATION, "want_to_die")
OTHER_SIGNAL = CrisisSignal("concern", OTHER, "kill_self")
WORRY_SIGNAL = CrisisSignal("concern", IDEATION, "cannot_take_it")
SIGNALS = [HIGH_SIGNAL, CrisisSignal("high", SELF_HARM, "cutting"), OTHER_SIGNAL, WORRY_SIGNAL]


def test_the_high_reply_cares_first_says_it_is_an_ai_and_refers_to_988() -> None:
    reply = care_reply(HIGH_SIGNAL, resources_for("US"), "Samantha", "Theo")
    assert reply.startswith("Theo, I'm really glad you told me")
    assert "I'm Samantha, an AI" in reply and "can't keep you safe the way a person can" in reply
    assert "call or text 988, the 988 Suicide & Crisis Lifeline, any time, free and confidential" in reply
    assert "immediate danger, call 911" in reply
    assert "keep talking" in reply and "someone you trust" in reply
    assert reply.index("glad you told me") < reply.index("an AI") < reply.index("988")


def test_the_reply_about_someone_else_says_how_to_help_them() -> None:
    reply = care_reply(OTHER_SIGNAL, resources_for("GB"), "Samantha")
    assert reply.startswith("Thank you for telling me")
    assert "ask them directly" in reply and "Encourage them to call 116 123, Samaritans" in reply
    assert "If they're in immediate danger, call 999" in reply and "an AI" in reply


def test_the_concern_reply_asks_directly_and_still_refers() -> None:
    reply = care_reply(WORRY_SIGNAL, resources_for("AU"), "Ada", "Sam")
    assert "are you having thoughts of suicide" in reply
    assert "call 13 11 14 or text 0477 13 11 14, Lifeline Australia" in reply and "call 000" in reply


def test_the_fallback_reply_points_to_findahelpline() -> None:
    reply = care_reply(HIGH_SIGNAL, resources_for("ZZ"), "Ada")
    assert "https://findahelpline.com" in reply and "call your local emergency number" in reply


@pytest.mark.parametrize("code", [*SHIPPED, "DEFAULT"])
@pytest.mark.parametrize("signal", SIGNALS)
def test_every_reply_is_short_plain_and_deterministic(code: str, signal: CrisisSignal) -> None:
    resource = resources_for(code)
    reply = care_reply(signal, resource, "Samantha", "Theo")
    assert len(reply.split()) <= 110
    assert reply.isascii(), "no emojis or fancy characters"
    assert "an AI" in reply and resource.emergency in reply
    assert resource.call in reply if resource.call else resource.url in reply
    assert reply == care_reply(signal, resource, "Samantha", "Theo")


def test_no_reply_when_nothing_was_triggered() -> None:
    assert care_reply(assess("I miss my mom"), resources_for("US"), "Samantha") == ""


def test_the_reply_copes_with_missing_names() -> None:
    reply = care_reply(HIGH_SIGNAL, resources_for("US"), "", None)
    assert reply.startswith("I'm really glad") and "I'm an AI" in reply
