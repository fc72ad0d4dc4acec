"""Golden timelines for every "Timing" rule of docs/routine-format.md, laid out with a voice of
40 ms per character."""

from __future__ import annotations

import textwrap

from conftest import FAKE_RATE, fake_length, routine_from
from contract import check_timing_contract

from audiocoach.audio.sounds import SoundSet
from audiocoach.speech.script import build_script
from audiocoach.speech.timeline import Timeline, lay_out


def plan(text: str, length=fake_length) -> Timeline:
    """Lay a routine out with the fake voice, and hold the result against the whole contract."""
    routine = routine_from(text)
    script = build_script(routine)
    timeline = lay_out(script, {t: length(t) for t in script.texts()},
                       SoundSet(routine.sounds, FAKE_RATE), FAKE_RATE, "fake")
    check_timing_contract(script, timeline, routine.sounds)
    return timeline


def golden(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def starts(timeline: Timeline, role: str, kind: str = "speech") -> list[int]:
    return [e.start_sample for e in timeline.events if e.role == role and e.kind == kind]


def assert_no_speech_overlaps(timeline: Timeline) -> None:
    speech = [e for e in timeline.events if e.kind == "speech"]
    for before, after in zip(speech, speech[1:]):
        assert before.end_sample <= after.start_sample, (before, after)


HOLD = """
    title: T
    sounds: beep
    exercises:
      - name: Calf
        hold: 20s
        countdown: 3
        reminders: [10]
        halfway: true
    """


def test_hold_window_countdown_halfway_and_sounds():
    timeline = plan(HOLD)
    assert str(timeline) == golden("""
        T (fake, 1000 Hz, 32.760 s)
        chapter 'Calf' 0.000-32.760
            0.500     0.580  1 speech title       T.
            2.080     2.280  1 speech title       Calf.
            2.680     3.480  1 speech instruction Hold for 20 seconds.
            7.480     7.880  1 speech prepare     Get ready.
            8.880     9.060  1 sound  start       beep
            8.880     9.080  1 speech start       Hold.
           18.880    19.880  1 speech halfway     Halfway, 10 seconds left.
           25.880    26.120  1 speech countdown   Three.
           26.880    27.040  1 speech countdown   Two.
           27.880    28.040  1 speech countdown   One.
           28.880    29.060  1 sound  end         beep
           28.880    29.360  1 speech end         And release.
        """)
    (t0,), (t1,) = starts(timeline, "start"), starts(timeline, "end")
    assert t1 - t0 == 20 * FAKE_RATE  # rule 1, exactly
    assert starts(timeline, "start", "sound") == [t0] and starts(timeline, "end", "sound") == [t1]
    assert starts(timeline, "countdown") == [t1 - 3000, t1 - 2000, t1 - 1000]  # rule 2
    # Rule 3: halfway at the middle; "10 seconds left" falls there too, so one cue says both.
    assert starts(timeline, "halfway") == [t0 + 10_000]
    assert_no_speech_overlaps(timeline)


def test_reminder_lands_n_seconds_before_the_end():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Hamstring
            hold: 30s
            reminders: [10, 20]
            countdown: 3
        """)
    (t1,) = starts(timeline, "end")
    reminders = [(e.start_sample, e.text) for e in timeline.events if e.role == "reminder"]
    assert reminders == [(t1 - 20_000, "20 seconds left."), (t1 - 10_000, "10 seconds left.")]
    assert timeline.warnings == []


def test_counted_reps_with_tempo_and_sets():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Toe presses
            tempo: 3s
            reps: 4
            sets: 2
            set_rest: 20s
        """)
    assert str(timeline) == golden("""
        T (fake, 1000 Hz, 57.120 s)
        chapter 'Toe presses' 0.000-57.120
            0.500     0.580  1 speech title       T.
            2.080     2.560  1 speech title       Toe presses.
            2.960     3.840  1 speech instruction 4 repetitions, 2 sets.
            7.000     7.440  1 speech set         Set 1 of 2.
            7.840     8.240  1 speech prepare     Get ready.
            9.240     9.400  1 speech start       One.
           12.240    12.400  1 speech rep         Two.
           15.240    15.480  1 speech rep         Three.
           18.240    18.440  1 speech rep         Four.
           21.240    21.720  1 speech end         And release.
           22.120    22.320  1 speech rest        Rest.
           39.800    40.240  1 speech set         Set 2 of 2.
           41.240    41.400  1 speech start       One.
           44.240    44.400  1 speech rep         Two.
           47.240    47.480  1 speech rep         Three.
           50.240    50.440  1 speech rep         Four.
           53.240    53.720  1 speech end         And release.
        """)
    first, second = starts(timeline, "start")
    assert [s for s in starts(timeline, "rep") if s < second] == [first + k * 3000 for k in (1, 2, 3)]
    ends = starts(timeline, "end")
    assert ends[0] == first + 4 * 3000  # rule 4: end cue at t0 + reps * tempo
    assert second - ends[0] == 20_000  # set_rest, exactly (rule 6)


def test_steps_follow_each_other_after_the_end_cue():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Ankle circles
            countdown: 0
            steps:
              - {say: Clockwise, hold: 10s}
              - {say: Pump, tempo: 2s, reps: 3}
        """)
    assert str(timeline) == golden("""
        T (fake, 1000 Hz, 30.220 s)
        chapter 'Ankle circles' 0.000-30.220
            0.500     0.580  1 speech title       T.
            2.080     2.640  1 speech title       Ankle circles.
            3.040     3.360  1 speech instruction 2 steps.
            7.360     7.760  1 speech instruction Clockwise.
            8.760     8.960  1 speech start       Hold.
           18.760    19.240  1 speech end         And release.
           19.640    19.840  1 speech instruction Pump.
           20.340    20.500  1 speech start       One.
           22.340    22.500  1 speech rep         Two.
           24.340    24.580  1 speech rep         Three.
           26.340    26.820  1 speech end         And release.
        """)
    say, pump = [e for e in timeline.events if e.text in ("Clockwise.", "Pump.")]
    first_end = [e for e in timeline.events if e.role == "end"][0]
    assert pump.start_sample == first_end.end_sample + 400  # the next step's words follow the end cue (rule 5)
    assert [e.start_sample for e in timeline.events if e.role == "start"][0] - say.end_sample == 1000


def test_both_sides_rest_exactly_and_switch_after_prepare():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Quad
            sides: both
            hold: 8s
            reps: 2
            rest: 6s
            prepare: 4s
            countdown: 0
        """)
    assert str(timeline) == golden("""
        T (fake, 1000 Hz, 61.720 s)
        chapter 'Quad' 0.000-61.720
            0.500     0.580  1 speech title       T.
            2.080     2.280  1 speech title       Quad.
            2.680     4.040  1 speech instruction 2 holds of 8 seconds on each side.
            6.200     6.640  1 speech side        Right side.
            7.040     7.440  1 speech prepare     Get ready.
            8.440     8.640  1 speech start       Hold.
           16.440    16.920  1 speech end         And release.
           17.320    17.520  1 speech rest        Rest.
           21.040    21.440  1 speech prepare     Get ready.
           22.440    22.640  1 speech start       Hold.
           30.440    30.920  1 speech end         And release.
           31.320    31.840  1 speech switch      Switch sides.
           34.440    34.840  1 speech side        Left side.
           35.840    36.040  1 speech start       Hold.
           43.840    44.320  1 speech end         And release.
           44.720    44.920  1 speech rest        Rest.
           48.440    48.840  1 speech prepare     Get ready.
           49.840    50.040  1 speech start       Hold.
           57.840    58.320  1 speech end         And release.
        """)
    t0s, t1s = starts(timeline, "start"), starts(timeline, "end")
    assert t0s[1] - t1s[0] == 6000 and t0s[3] - t1s[2] == 6000  # rest, exactly
    (switch,) = [e for e in timeline.events if e.role == "switch"]
    assert t0s[2] - switch.end_sample == 4000  # prepare after the switch-sides speech


def test_alternate_sides_and_a_rest_too_short_for_its_speech():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Heel raise
            sides: alternate
            first_side: left
            hold: 5s
            reps: 2
            rest: 2s
            countdown: 0
        """)
    assert str(timeline) == golden("""
        T (fake, 1000 Hz, 40.720 s)
        chapter 'Heel raise' 0.000-40.720
            0.500     0.580  1 speech title       T.
            2.080     2.520  1 speech title       Heel raise.
            2.920     4.520  1 speech instruction 2 holds of 5 seconds, alternating sides.
            7.720     8.120  1 speech side        Left side.
            8.520     8.920  1 speech prepare     Get ready.
            9.920    10.120  1 speech start       Hold.
           14.920    15.400  1 speech end         And release.
           15.800    16.240  1 speech side        Right side.
           17.240    17.440  1 speech start       Hold.
           22.240    22.720  1 speech end         And release.
           23.120    23.520  1 speech side        Left side.
           24.520    24.720  1 speech start       Hold.
           29.520    30.000  1 speech end         And release.
           30.400    30.840  1 speech side        Right side.
           31.840    32.040  1 speech start       Hold.
           36.840    37.320  1 speech end         And release.
        warning: Heel raise: rest: 2 s is too short for what is said in it; lengthened to 2.3 s (3 times)
        """)
    # The lengthened gap is the speech in it plus a 1 s margin (rule 6).
    side = [e for e in timeline.events if e.role == "side"][1]
    assert starts(timeline, "start")[1] - side.end_sample == 1000


def test_cues_that_cannot_fit_are_dropped_in_order_with_warnings():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Pigeon
            hold: 4s
            countdown: 3
            reminders: [3]
            halfway: true
            tips: [Breathe slowly]
        """)
    assert str(timeline) == golden("""
        T (fake, 1000 Hz, 16.800 s)
        chapter 'Pigeon' 0.000-16.800
            0.500     0.580  1 speech title       T.
            2.080     2.360  1 speech title       Pigeon.
            2.760     3.520  1 speech instruction Hold for 4 seconds.
            7.520     7.920  1 speech prepare     Get ready.
            8.920     9.120  1 speech start       Hold.
            9.920    10.160  1 speech countdown   Three.
           10.920    11.080  1 speech countdown   Two.
           11.920    12.080  1 speech countdown   One.
           12.920    13.400  1 speech end         And release.
        warning: Pigeon: halfway 'Halfway.' does not fit and was dropped
        warning: Pigeon: reminder '3 seconds left.' does not fit and was dropped
        warning: Pigeon: tip 'Breathe slowly.' never fits in a hold and was dropped
        """)


def test_tips_take_turns_in_free_time_and_never_talk_over_a_cue():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Child's pose
            hold: 20s
            reps: 2
            reminders: [10]
            tips: [Let your forehead rest, Breathe into your back, Soften your shoulders]
        """)
    tips = [e for e in timeline.events if e.role == "tip"]
    # Two fit in each 20 s hold, eight seconds apart; the third waits for the second hold.
    assert [e.text for e in tips] == ["Let your forehead rest.", "Breathe into your back.",
                                      "Soften your shoulders.", "Let your forehead rest."]
    assert tips[1].start_sample - tips[0].start_sample >= 8000
    assert_no_speech_overlaps(timeline)
    assert timeline.warnings == []


def test_standalone_rest_and_announcement():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - say: Lie on your back
          - rest: 30s
            say: Take a sip of water
        outro: Well done
        """)
    rest, water = [e for e in timeline.events if e.role in ("rest", "announce")][1:]
    outro = [e for e in timeline.events if e.role == "outro"][0]
    assert (rest.text, water.text) == ("Rest for 30 seconds.", "Take a sip of water.")
    assert outro.start_sample - rest.start_sample == 30_000
    assert timeline.chapters == [] and all(e.chapter == 0 for e in timeline.events)


def test_chapters_one_per_exercise_in_order():
    timeline = plan("""
        title: T
        exercises:
          - {name: First, hold: 5s, countdown: 0}
          - {rest: 10s}
          - {name: Second, hold: 5s, countdown: 0}
        """)
    assert [c.title for c in timeline.chapters] == ["First", "Second"]
    # They cover the track ("The sound of the track"): from 0, each until the next begins, the last
    # to the end.
    first, second = timeline.chapters
    assert (first.start_sample, first.end_sample, second.end_sample) == (0, second.start_sample, timeline.length_samples)
    (second_title,) = [e for e in timeline.events if e.text == "Second."]
    assert second.start_sample == second_title.start_sample  # a chapter begins with its exercise's name
    for event in timeline.events:
        chapter = timeline.chapters[event.chapter - 1]
        assert chapter.start_sample <= event.start_sample < chapter.end_sample


def test_same_routine_gives_the_same_timeline():
    assert str(plan(HOLD)) == str(plan(HOLD))
    assert plan(HOLD).to_json() == plan(HOLD).to_json()


def test_json_matches_the_spec_shape():
    document = plan(HOLD).to_json()
    assert set(document) == {"title", "duration_s", "sample_rate", "engine", "chapters", "events",
                             "warnings"}
    assert document["chapters"] == [{"title": "Calf", "start_s": 0.0, "end_s": 32.76}]
    assert document["events"][1] == {"start_s": 2.08, "end_s": 2.28, "kind": "speech",
                                     "role": "title", "text": "Calf.", "chapter": 1}
    assert document["duration_s"] == 32.76



def test_counts_that_cannot_fit_their_beat_become_a_tick_on_every_beat():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Fast taps
            tempo: 0.4s
            reps: 6
            sides: both
        """)
    # "Three." takes 240 ms, and with the 200 ms of silence a cue keeps it overruns a 400 ms beat:
    # so no beat gets a word and every beat gets the same tick, even with sounds: none.
    for t0 in starts(timeline, "start"):
        assert [e.start_sample for e in timeline.events if e.role == "rep" and t0 <= e.start_sample < t0 + 2400] == [
            t0 + k * 400 for k in range(6)]
    assert {(e.kind, e.text) for e in timeline.events if e.role == "rep"} == {("sound", "tick")}
    assert timeline.warnings == [
        "Fast taps: the count words do not fit a 0.4 s beat, so every beat is marked with a tick instead"]


def test_one_long_count_word_ticks_every_beat_of_the_effort():
    # The probe that found this: with a slow voice, "Eighteen." no longer fit a 0.8 s beat and
    # beats 18 and 22 to 30 were silent.
    timeline = plan("""
        title: T
        sounds: chime
        exercises:
          - {name: Toe taps, tempo: 0.8s, reps: 30}
        """, length=lambda text: 700 if text == "Eighteen." else fake_length(text))
    (t0,), (t1,) = starts(timeline, "start"), starts(timeline, "end")
    ticks = [e.start_sample for e in timeline.events if e.kind == "sound" and e.text == "tick"]
    assert ticks == [t0 + k * 800 for k in range(30)] and t1 == t0 + 24_000
    assert starts(timeline, "rep") == []  # no beat has a word when one cannot have one
    assert starts(timeline, "start", "sound") == [t0]  # the start chime still marks the start
    assert len(timeline.warnings) == 1 and "0.8 s beat" in timeline.warnings[0]


def test_halfway_reminders_and_tips_in_counted_reps_take_free_time_between_counts():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - name: Heel presses
            tempo: 3s
            reps: 9
            halfway: true
            reminders: [10]
            tips: [Breathe]
        """)
    (t0,), (t1,) = starts(timeline, "start"), starts(timeline, "end")
    assert starts(timeline, "rep") == [t0 + k * 3000 for k in range(1, 9)]  # counts untouched
    assert starts(timeline, "halfway") == [t0 + 13_500]
    assert starts(timeline, "reminder") == [t1 - 10_000]
    assert [e.text for e in timeline.events if e.role == "tip"] == ["Breathe."]
    assert timeline.warnings == []


def test_a_cue_on_a_count_is_dropped_with_a_warning():
    timeline = plan("""
        title: T
        sounds: none
        exercises:
          - {name: Heel presses, tempo: 3s, reps: 10, halfway: true, reminders: [9]}
        """)
    # 15 s is the sixth count, and 9 s before the end is the eighth: each cue is named.
    assert starts(timeline, "halfway") == starts(timeline, "reminder") == []
    assert timeline.warnings == [
        "Heel presses: halfway 'Halfway.' does not fit and was dropped",
        "Heel presses: reminder '9 seconds left.' does not fit and was dropped",
    ]


def test_the_intro_is_a_chapter_from_0_and_the_finish_sound_closes_the_track():
    timeline = plan("""
        title: Morning feet
        intro: Sit on a chair
        sounds: {start: beep, end: none, finish: gong}
        exercises:
          - {name: Toe presses, hold: 3s, countdown: 0}
        outro: Well done
        """)
    intro, exercise = timeline.chapters
    assert (intro.title, intro.start_sample, intro.end_sample) == ("Morning feet", 0, exercise.start_sample)
    assert exercise.title == "Toe presses" and exercise.end_sample == timeline.length_samples
    sounds = [(e.role, e.text) for e in timeline.events if e.kind == "sound"]
    assert sounds == [("start", "beep"), ("outro", "gong")]  # no sound under the end cue
    (outro,) = [e for e in timeline.events if e.role == "outro" and e.kind == "speech"]
    (finish,) = [e for e in timeline.events if e.role == "outro" and e.kind == "sound"]
    assert finish.start_sample == outro.end_sample + 500 and timeline.length_samples == finish.end_sample + 1000
