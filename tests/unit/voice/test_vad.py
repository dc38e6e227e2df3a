from __future__ import annotations

from os1.voice.vad import Endpointer, Endpointing, VadState, finishedness, is_backchannel

SPEECH, QUIET = VadState(True, 0.9), VadState(False, 0.05)


def run(ends: Endpointer, pattern: list[tuple[VadState, int]]) -> list[str]:
    edges = []
    for state, ms in pattern:
        for _ in range(ms // 20):
            edge = ends.step(state, 20)
            if edge:
                edges.append(edge)
    return edges


def test_a_click_is_not_speech_and_a_word_is():
    ends = Endpointer(Endpointing(start_ms=64, hangover_ms=160))
    assert run(ends, [(SPEECH, 40), (QUIET, 400)]) == []
    assert not ends.heard
    assert run(ends, [(SPEECH, 400), (QUIET, 200)]) == ["start", "end"]
    assert ends.heard and abs(ends.segment_ms - 400) <= 40


def test_short_gaps_stay_inside_one_segment():
    ends = Endpointer(Endpointing(hangover_ms=160))
    assert run(ends, [(SPEECH, 300), (QUIET, 100), (SPEECH, 300), (QUIET, 200)]) == ["start", "end"]


def test_the_turn_waits_longer_after_words_that_trail_off():
    timing = Endpointing(finished_ms=300, unclear_ms=700, trailing_ms=1400)
    ends = Endpointer(timing)
    run(ends, [(SPEECH, 500), (QUIET, 400)])
    assert ends.turn_over("I went to the market.")
    assert not ends.turn_over("I went to the market and")
    assert not ends.turn_over("I went to the market, um")
    assert not ends.turn_over("I went to the market")  # no punctuation: unclear
    run(ends, [(QUIET, 400)])
    assert ends.turn_over("I went to the market")
    assert not ends.turn_over("so I was thinking that...")
    run(ends, [(QUIET, 700)])
    assert ends.turn_over("so I was thinking that...")


def test_no_turn_before_speech_and_none_while_speaking():
    ends = Endpointer()
    run(ends, [(QUIET, 3000)])
    assert not ends.turn_over("Hello.")
    run(ends, [(SPEECH, 2000)])
    assert ends.in_segment and not ends.turn_over("Hello.")


def test_finishedness_and_backchannels():
    assert finishedness("How are you?") == "finished"
    assert finishedness("Because") == "trailing"
    assert finishedness("I think, ") == "trailing"
    assert finishedness("") == "trailing"
    assert finishedness("Okay sounds good") == "unclear"
    for text in ("Mm-hm.", "Yeah.", "uh-huh", "Okay.", "", "Right, right."):
        assert is_backchannel(text), text
    for text in ("Wait, stop.", "No, that's wrong.", "Yeah, but listen to me."):
        assert not is_backchannel(text), text


def test_a_transcript_that_starts_over_is_cut():
    from os1.voice.stt import unrepeat

    assert unrepeat("Do you remember what I told you? Do you remember what I") == "Do you remember what I told you?"
    assert unrepeat("I went to the market. I went to the") == "I went to the market."
    assert unrepeat("Yes yes yes.") == "Yes yes yes."  # too short to tell
    assert unrepeat("Hello there, how are you today?") == "Hello there, how are you today?"


def heard_over_after(pattern: list[tuple[VadState, float, int]], text: str = "I went to the market.") -> int:
    """Feeds (VAD decision, loudest sample, ms) chunks after 400 ms of loud speech; returns the ms of the pattern
    after which the turn was over (-1: never)."""
    ends = Endpointer()
    for _ in range(20):
        ends.step(SPEECH, 20, 0.5)
    at = 0
    for state, level, ms in pattern:
        for _ in range(ms // 20):
            ends.step(state, 20, level)
            at += 20
            if ends.turn_over(text):
                return at
    return -1


def test_in_a_quiet_room_silence_counts_from_where_the_sound_stopped():
    # the VAD goes on hearing "speech" for 100 ms after the sound stops; the turn is over 240 ms after the sound
    assert heard_over_after([(SPEECH, 0.001, 100), (QUIET, 0.0, 600)]) == 240
    assert heard_over_after([(SPEECH, 0.5, 100), (QUIET, 0.0, 600)]) == 340  # sound until the VAD let go


def test_in_a_noisy_room_the_vad_alone_decides():
    assert heard_over_after([(SPEECH, 0.05, 100), (QUIET, 0.05, 600)]) == 340


def test_a_soft_voice_the_vad_heard_is_not_taken_for_silence():
    # half a second of speech at 1 % of the peak: too quiet for the level, but the VAD heard it
    over = heard_over_after([(SPEECH, 0.005, 500), (QUIET, 0.0, 600)])
    assert over >= 500 + 240 - 128
