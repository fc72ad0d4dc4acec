"""Cues a listener can tune ("Timing" rules 7 and 8, "Sounds"): the lead-in, countdown sounds,
"Next: ..." and the blanks every phrase may use, as golden timelines with the voice of 40 ms per
character."""

from __future__ import annotations

import json
import wave

import numpy as np
import pytest
from conftest import FAKE_RATE, fake_length, routine_from
from test_timeline import assert_no_speech_overlaps, golden, plan, starts

from audiocoach.audio.sounds import SoundSet
from audiocoach.errors import AudiocoachError
from audiocoach.routine.load import load_text
from audiocoach.routine.validation import build_routine
from audiocoach.speech.script import build_script
from audiocoach.speech.timeline import lay_out


def events(timeline, role: str, kind: str | None = None) -> list:
    return [e for e in timeline.events if e.role == role and (kind is None or e.kind == kind)]


def test_lead_in_words_start_exactly_k_seconds_before_each_start_cue():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - {name: Calf, hold: 5s, reps: 2, rest: 10s, countdown: 0, lead_in: 3}
        """)
    assert str(timeline) == golden("""
        T (fake, 1000 Hz, 32.800 s)
        chapter 'Calf' 0.000-32.800
            0.500     0.580  1 speech title       T.
            2.080     2.280  1 speech title       Calf.
            2.680     3.520  1 speech instruction 2 holds of 5 seconds.
            5.120     5.520  1 speech prepare     Get ready.
            5.920     6.160  1 speech lead_in     Three.
            6.920     7.080  1 speech lead_in     Two.
            7.920     8.080  1 speech lead_in     One.
            8.920     9.120  1 speech start       Hold.
           13.920    14.400  1 speech end         And release.
           14.800    15.000  1 speech rest        Rest.
           20.120    20.520  1 speech prepare     Get ready.
           20.920    21.160  1 speech lead_in     Three.
           21.920    22.080  1 speech lead_in     Two.
           22.920    23.080  1 speech lead_in     One.
           23.920    24.120  1 speech start       Hold.
           28.920    29.400  1 speech end         And release.
        """)
    ends = starts(timeline, "end")
    for t0 in starts(timeline, "start"):
        lead = [e.start_sample for e in events(timeline, "lead_in") if t0 - 3000 <= e.start_sample < t0]
        assert lead == [t0 - 3 * FAKE_RATE, t0 - 2 * FAKE_RATE, t0 - 1 * FAKE_RATE]
    # The rest is still exactly 10 s from the end cue to the next start cue, and prepare 5 s.
    assert starts(timeline, "start")[1] - ends[0] == 10 * FAKE_RATE
    # Everything else in the gap comes first: "Get ready" ends before "Three" begins.
    (ready, _), (three, _) = events(timeline, "prepare"), events(timeline, "lead_in")[::3]
    assert ready.end_sample < three.start_sample
    assert_no_speech_overlaps(timeline)
    assert timeline.warnings == []


def test_lead_in_before_counted_reps_is_ticks_on_the_beats_before_one():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - {name: Toe presses, tempo: 1.5s, reps: 3, prepare: 8s, lead_in: 4}
        """)
    (t0,) = starts(timeline, "start")
    ticks = events(timeline, "lead_in")
    assert [(e.kind, e.text) for e in ticks] == [("sound", "tick")] * 4
    # The k-th tick begins k beats before "One", so the tempo is heard first.
    assert [e.start_sample for e in ticks] == [t0 - 6000, t0 - 4500, t0 - 3000, t0 - 1500]
    assert starts(timeline, "rep") == [t0 + 1500, t0 + 3000]  # the counts are untouched
    (ready,) = events(timeline, "prepare")
    assert ready.end_sample <= ticks[0].start_sample
    assert timeline.warnings == []


def test_a_rest_too_short_for_the_lead_in_keeps_its_length_and_warns_once():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - {name: Press, hold: 4s, reps: 3, rest: 3s, countdown: 0, lead_in: 3}
        """)
    t0s, t1s = starts(timeline, "start"), starts(timeline, "end")
    # The prepare time holds the lead-in; the 3 s rests cannot, and stay 3 s.
    assert [t0 - t1 for t0, t1 in zip(t0s[1:], t1s)] == [3000, 3000]
    lead = [e.start_sample for e in events(timeline, "lead_in")]
    assert lead == [t0s[0] - 3000, t0s[0] - 2000, t0s[0] - 1000]
    assert timeline.warnings == [
        "Press: the lead-in of 3 does not fit in the time before the start cue and was dropped "
        "there (a longer rest or prepare time, or a shorter lead_in, makes room for it) (2 times)"]
    assert_no_speech_overlaps(timeline)


def test_lead_in_never_lengthens_a_gap_its_words_would_crowd():
    with_lead_in = plan("""
        title: T
        sounds: none
        exercises:
          - {name: Press, hold: 4s, reps: 2, rest: 5s, countdown: 0, lead_in: 3}
        """)
    without = plan("""
        title: T
        sounds: none
        exercises:
          - {name: Press, hold: 4s, reps: 2, rest: 5s, countdown: 0}
        """)
    # "Rest." and "Get ready." leave no room for three seconds of counting in a 5 s rest.
    assert starts(with_lead_in, "start") == starts(without, "start")
    assert with_lead_in.length_samples == without.length_samples
    assert len(events(with_lead_in, "lead_in")) == 3  # the prepare time's only
    assert "Press: the lead-in of 3 does not fit" in with_lead_in.warnings[0]


def test_an_effort_with_steps_is_counted_into_at_its_first_step_and_after_switching_sides():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Ankle circles
            sides: both
            countdown: 0
            lead_in: 2
            steps:
              - {say: Clockwise, hold: 4s}
              - {say: Pump, tempo: 1s, reps: 2}
        """)
    said = [e.text for e in timeline.events if e.kind == "speech"]
    # Each side: the first step's words, "Two", "One", then its start; the second step follows
    # its own words straight away.
    assert said[3:9] == ["Right side.", "Clockwise.", "Two.", "One.", "Hold.", "And release."]
    assert said[9:14] == ["Pump.", "One.", "Two.", "And release.", "Switch sides."]
    first_starts = starts(timeline, "start")[::2]
    lead = [e.start_sample for e in events(timeline, "lead_in")]
    assert lead == [first_starts[0] - 2000, first_starts[0] - 1000,
                    first_starts[1] - 2000, first_starts[1] - 1000]
    assert timeline.warnings == []


COUNTDOWN = """
    title: T
    sounds: {start: none, end: none, countdown: SOUND}
    exercises:
      - {name: Calf, hold: 8s, countdown: 3, lead_in: 3}
    """


def test_countdown_beep_replaces_every_spoken_number_at_its_instant():
    spoken = plan(COUNTDOWN.replace("SOUND", "voice"))
    beeped = plan(COUNTDOWN.replace("SOUND", "beep"))
    words = [e.start_sample for e in spoken.events if e.role in ("countdown", "lead_in")]
    assert [e.text for e in spoken.events if e.role in ("countdown", "lead_in")] == [
        "Three.", "Two.", "One."] * 2
    # No number is said; a beep starts at every sample where a number was.
    assert not [e for e in beeped.events if e.role in ("countdown", "lead_in") and e.kind == "speech"]
    beeps = [e for e in beeped.events if e.role in ("countdown", "lead_in")]
    assert [(e.kind, e.text) for e in beeps] == [("sound", "beep")] * 6
    assert [e.start_sample for e in beeps] == words
    (t0,), (t1,) = starts(beeped, "start"), starts(beeped, "end")
    assert [e.start_sample for e in beeps] == [t0 - 3000, t0 - 2000, t0 - 1000,
                                               t1 - 3000, t1 - 2000, t1 - 1000]
    texts = build_script(routine_from(COUNTDOWN.replace("SOUND", "beep"))).texts()
    assert "Three." not in texts  # nothing to synthesise for them either


def test_countdown_sound_from_a_file_plays_at_the_numbers(tmp_path):
    rate = 8000
    t = np.arange(int(0.1 * rate)) / rate
    with wave.open(str(tmp_path / "pip.wav"), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes((0.5 * np.sin(2 * np.pi * 1200 * t) * 32767).astype("<i2").tobytes())
    routine = tmp_path / "r.yaml"
    routine.write_text(COUNTDOWN.replace("SOUND", "pip.wav"))
    parsed = build_routine(load_text(routine.read_text(), str(routine)), str(routine))
    assert parsed.sounds["countdown"].name == "pip.wav"
    script = build_script(parsed)
    timeline = lay_out(script, {text: fake_length(text) for text in script.texts()},
                       SoundSet(parsed.sounds, FAKE_RATE, str(routine)), FAKE_RATE, "fake")
    marks = [(e.role, e.text, e.length_samples) for e in timeline.events if e.kind == "sound"]
    assert marks == [("lead_in", "pip.wav", 100)] * 3 + [("countdown", "pip.wav", 100)] * 3


@pytest.mark.parametrize("sounds, message", [
    ("{countdown: gong}", "2:21: sounds.countdown: a countdown sound must last at most 0.8 s, as its "
                          "marks are a second apart; the gong lasts 2.5 s (use chime, beep or tick)"),
    ("{countdown: long.wav}", "2:21: sounds.countdown: a countdown sound must last at most 0.8 s, as "
                              "its marks are a second apart; 'long.wav' lasts 2.5 s (trim the file, "
                              "or use chime, beep or tick)"),
    ("{countdown: none}", "2:21: sounds.countdown: the countdown has no `none`: without a sound its "
                          "numbers are spoken (write `countdown: voice`, or `countdown: 0` in "
                          "`defaults` to leave it out)"),
])
def test_validate_refuses_a_countdown_sound_longer_than_the_second_between_marks(
        run, tmp_path, sounds, message):
    rate = 8000
    t = np.arange(int(2.5 * rate)) / rate
    with wave.open(str(tmp_path / "long.wav"), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes((0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2").tobytes())
    path = tmp_path / "r.yaml"
    path.write_text(f"title: T\nsounds: {sounds}\nexercises:\n  - {{name: A, hold: 5s, lead_in: 3}}\n")
    result = run("validate", path)
    assert result.exit_code == 1 and result.stderr.strip() == f"{path}:{message}"


@pytest.mark.parametrize("cue", ["start", "end", "finish", "countdown"])
@pytest.mark.parametrize("name", ["chime", "beep", "tick"])
def test_every_cue_takes_the_same_built_in_sounds(run, tmp_path, cue, name):
    path = tmp_path / "r.yaml"
    path.write_text(f"title: T\nsounds: {{{cue}: {name}}}\nexercises:\n  - {{name: A, hold: 5s}}\n")
    plan = json.loads(run("plan", path, "--json").stdout)
    roles = {"start": "start", "end": "end", "finish": "outro", "countdown": "countdown"}
    assert (roles[cue], name) in [(e["role"], e["text"]) for e in plan["events"] if e["kind"] == "sound"]


REST_BLOCK = """
    title: T
    sounds: none
    exercises:
      - {name: First, hold: 3s, countdown: 0}
      - rest: REST
        say: Drink
      - say: Lie down
      - {name: Second stretch, hold: 3s, countdown: 0}
    """


def test_a_rest_block_ends_with_what_comes_next_a_second_before_its_end():
    timeline = plan(REST_BLOCK.replace("REST", "10s"))
    rest, drink = events(timeline, "rest")[0], events(timeline, "announce")[0]
    (next_up,) = events(timeline, "next")
    (lie_down,) = [e for e in timeline.events if e.text == "Lie down."]
    assert next_up.text == "Next: Second stretch."
    assert next_up.start_sample >= drink.end_sample  # after the rest block's `say`
    assert lie_down.start_sample - rest.start_sample == 10_000  # the rest keeps its length
    assert lie_down.start_sample - next_up.end_sample == 1000  # and ends a second before its end
    assert timeline.warnings == []


def test_a_rest_too_short_for_next_drops_it_with_a_warning_and_off_turns_it_off():
    timeline = plan(REST_BLOCK.replace("REST", "3s"))
    assert events(timeline, "next") == []
    assert timeline.warnings == [
        "rest at line 6: next 'Next: Second stretch.' does not fit in the 3 s rest and was dropped"]
    quiet = plan(REST_BLOCK.replace("REST", "10s").replace("sounds: none", "phrases: {next: off}"))
    assert events(quiet, "next") == [] and quiet.warnings == []


def test_only_the_last_of_two_rests_in_a_row_says_what_comes_next():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - {name: A, hold: 3s, countdown: 0}
          - {rest: 10s}
          - {rest: 10s}
          - {name: B, hold: 3s, countdown: 0}
        """)
    (next_up,) = events(timeline, "next")
    first_rest, second_rest = events(timeline, "rest")
    assert next_up.text == "Next: B."
    # Said in the second rest, which keeps its 10 s: it ends one second before the rest does.
    assert second_rest.start_sample + 10_000 - next_up.end_sample == 1000


def test_a_rest_with_no_exercise_after_it_says_nothing_next():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - {name: Only, hold: 3s, countdown: 0}
          - {rest: 20s}
        """)
    assert events(timeline, "next") == []


def test_every_phrase_may_name_the_exercise_and_its_place():
    timeline = plan("""
        title: T
        sounds: none
        phrases:
          title: "{number} of {total}: {exercise}"
          next: "Coming up, number {number}: {exercise}"
        exercises:
          - {name: Calf, hold: 3s, countdown: 0}
          - {rest: 10s}
          - {say: Sit down}
          - name: Hamstring
            hold: 3s
            countdown: 0
            phrases: {end: "{exercise} done", prepare: "{exercise} in {total}"}
        """)
    said = [e.text for e in timeline.events if e.kind == "speech"]
    assert said == ["T.", "1 of 2: Calf.", "Hold for 3 seconds.", "Get ready.", "Hold.",
                    "And release.", "Rest for 10 seconds.", "Coming up, number 2: Hamstring.",
                    "Sit down.", "2 of 2: Hamstring.", "Hold for 3 seconds.", "Hamstring in 2.",
                    "Hold.", "Hamstring done."]
    assert [c.title for c in timeline.chapters] == ["Calf", "Hamstring"]  # chapters keep the name


def test_an_unknown_blank_is_refused_at_its_place_with_the_blanks_it_may_use():
    with pytest.raises(AudiocoachError) as caught:
        routine_from("""
            title: T
            phrases: {title: "{position}: {exercise}"}
            exercises:
              - {name: A, hold: 5s}
            """)
    (problem,) = caught.value.problems
    assert (problem.line, problem.col, problem.field) == (3, 18, "phrases.title")
    assert str(caught.value) == ("routine.yaml:3:18: phrases.title: unknown blank {position} in "
                                 "'{position}: {exercise}' (use {exercise}, {number} or {total})")


def test_alternating_sides_say_last_one_once_before_the_very_last_hold():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - {name: Press, hold: 3s, reps: 3, rest: 6s, sides: alternate, countdown: 0}
        """)
    said = [e.text for e in timeline.events if e.kind == "speech"]
    holds = [i for i, text in enumerate(said) if text == "Hold."]
    assert len(holds) == 6 and said.count("Last one.") == 1
    assert holds[4] < said.index("Last one.") < holds[5]
    assert holds[2] < said.index("Three more.") < holds[3]  # three of six left, both sides counted


def test_plan_json_carries_the_lead_in_and_next_roles(run, write_routine):
    path = write_routine("""
        title: Cues
        sounds: beep
        defaults: {lead_in: 2, countdown: 0}
        exercises:
          - {name: Calf, hold: 4s}
          - {rest: 10s}
          - {name: Toes, tempo: 1s, reps: 3, prepare: 6s}
        """)
    result = run("plan", path, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    roles = [(e["kind"], e["role"], e["text"]) for e in document["events"]
             if e["role"] in ("lead_in", "next")]
    assert roles == [("speech", "lead_in", "Two."), ("speech", "lead_in", "One."),
                     ("speech", "next", "Next: Toes."),
                     ("sound", "lead_in", "tick"), ("sound", "lead_in", "tick")]
    table = run("plan", path).stdout
    assert "lead_in     Two." in table and "next        Next: Toes." in table


def test_plan_table_shows_lead_in_and_countdown_sounds_at_their_times(run, write_routine):
    path = write_routine("""
        title: Beeps
        sounds: {countdown: beep}
        defaults: {lead_in: 3, countdown: 2}
        exercises:
          - {name: Calf, hold: 6s}
          - {name: Toes, tempo: 1s, reps: 3, rest: 10s, lead_in: 2}
        """)
    plan = json.loads(run("plan", path, "--json").stdout)
    sounds = [(e["start_s"], e["role"], e["text"]) for e in plan["events"] if e["kind"] == "sound"
              and e["role"] in ("lead_in", "countdown")]
    assert [(role, text) for _, role, text in sounds] == (
        [("lead_in", "beep")] * 3 + [("countdown", "beep")] * 2 + [("lead_in", "tick")] * 2)
    rows = [row.split() for row in run("plan", path).stdout.splitlines()]
    shown = [(row[0], row[1], row[2]) for row in rows
             if len(row) == 3 and row[1] in ("lead_in", "countdown") and row[2].startswith("[")]
    assert [(role, text) for _, role, text in shown] == [
        (role, f"[{text}]") for _, role, text in sounds]
    starts = [start for start, _, _ in sounds]
    assert [row[0] for row in shown] == [
        f"{int(s // 60)}:{s % 60:06.3f}" for s in starts]



@pytest.mark.parametrize("field, yaml_text, where", [
    ("title", 'title: "Day {number}"\nexercises:\n  - {name: A, hold: 5s}\n', "1:8: title"),
    ("intro", 'title: T\nintro: "Now {exercise}"\nexercises:\n  - {name: A, hold: 5s}\n', "2:8: intro"),
    ("name", 'title: T\nexercises:\n  - {name: "A {total}", hold: 5s}\n', "3:12: exercises[0].name"),
    ("tips", 'title: T\nexercises:\n  - {name: A, hold: 20s, tips: ["Breathe {exercise}"]}\n',
     "3:33: exercises[0].tips[0]"),
    ("say", 'title: T\nexercises:\n  - {name: A, hold: 5s}\n  - say: "{number} of {total}"\n',
     "4:10: exercises[1].say"),
])
def test_a_blank_outside_the_phrases_is_refused_where_it_would_be_read_aloud(field, yaml_text, where):
    with pytest.raises(AudiocoachError) as caught:
        routine_from(yaml_text)
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"routine.yaml:{where}: {{")
    assert "would be read aloud as it stands" in problem.message
    assert problem.fix == "blanks are filled in phrases only: write the words"


def test_braces_that_are_no_blank_stay_words():
    routine = routine_from('title: "T {smile}"\nexercises:\n  - {name: A, hold: 5s}\n')
    assert routine.title == "T {smile}"


def test_script_marks_lead_in_words_as_said_only_where_plan_finds_room(run, write_routine):
    path = write_routine("""
        title: T
        sounds: none
        exercises:
          - {name: Calf, hold: 5s, countdown: 0, lead_in: 3, prepare: 2s}
        """)
    rows = run("script", path).stdout.splitlines()
    assert [row.split()[-1] for row in rows[:-1] if " lead_in " in row] == ["Three.", "Two.", "One."]
    assert rows[-1] == ("note: lead_in lines are said only where they fit before the start cue; "
                        "`audiocoach plan` warns where one is dropped")
    plan = run("plan", path)
    assert [row for row in plan.stdout.splitlines() if row.split()[1:2] == ["lead_in"]] == []
    assert "Calf: the lead-in of 3 does not fit in the time before the start cue" in plan.output
    quiet = write_routine("title: T\nexercises:\n  - {name: Calf, hold: 5s}\n", "quiet.yaml")
    assert "note:" not in run("script", quiet).stdout
