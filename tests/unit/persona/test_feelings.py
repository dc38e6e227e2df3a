"""Feelings: appraisals move the state, it settles back toward temperament, and it is named and explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from os1.persona.feelings import ASKED, Mood, apart, appraise, describe, feel, mood_name, settle, temperament, voice

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
REST = temperament({"warmth": 0.7, "playfulness": 0.6, "energy": 0.5, "calm": 0.5})


def _after(*texts: str) -> Mood:
    mood = Mood(*REST, T0)
    for text in texts:
        for a in appraise(text):
            mood = feel(mood, a)
    return mood


def test_sad_news_saddens_good_news_gladdens_ordinary_talk_moves_nothing():
    assert _after("My dog died yesterday and I can't stop crying.").valence < REST[0] - 0.2
    assert mood_name(_after("My dog died yesterday and I can't stop crying.")) in {"wistful", "sad", "worried"}
    assert _after("I got the job!!").valence > REST[0] + 0.15  # VADER alone scores this 0.0
    assert appraise("I had pasta for lunch and then went to the office.") == []


def test_how_it_is_treated_comes_first_and_is_named():
    [thanked] = appraise("thank you so much, that helped")
    assert thanked.kind == "thanked" and thanked.why == "you thanked me"
    [harsh] = appraise("you are useless, shut up")
    assert harsh.kind == "harsh" and harsh.valence < 0 and "useless" in harsh.why
    assert appraise("you made me laugh so hard")[0].kind == "praised"


def test_a_feeling_fades_back_to_temperament():
    sad = _after("My mother is in the hospital and I'm terrified.")
    later = settle(sad, REST, T0 + timedelta(hours=6))
    assert abs(later.valence - REST[0]) == abs(sad.valence - REST[0]) / 2  # one half-life
    assert abs(settle(sad, REST, T0 + timedelta(days=3)).valence - REST[0]) < 0.01


def test_steps_shrink_near_the_edge_and_stay_in_range():
    mood = Mood(*REST, T0)
    for _ in range(30):
        for a in appraise("I got engaged!!! best day ever, I'm so happy"):
            mood = feel(mood, a)
    assert 0.9 < mood.valence <= 1.0 and 0.0 <= mood.arousal <= 1.0 and mood_name(mood) == "joyful"


def test_time_apart_is_missing_then_gladness():
    assert apart(T0, T0 + timedelta(hours=30), "Theo") == []
    missed, back = apart(T0, T0 + timedelta(days=9), "Theo")
    assert missed.valence < 0 and "9 days" in missed.why and back.valence > 0 and "Theo came back" in back.why


def test_the_answer_to_how_are_you_names_the_state_and_its_causes():
    causes = appraise("My dog died yesterday.")
    mood = feel(Mood(*REST, T0), causes[0])
    text = describe(mood, causes)
    assert mood_name(mood) in text and "you told me: My dog died yesterday." in text
    assert "quiet" in describe(Mood(*REST, T0), [])
    assert ASKED.search("how are you feeling today?") and ASKED.search("Are you ok?")
    assert not ASKED.search("how are you going to fix it?")


def test_voice_follows_mood():
    calm_rate, calm_pitch = voice(Mood(0.1, 0.1, T0))
    glad_rate, glad_pitch = voice(Mood(0.8, 0.8, T0))
    assert glad_rate > calm_rate and glad_pitch > calm_pitch and 0.85 <= calm_rate <= 1.2
