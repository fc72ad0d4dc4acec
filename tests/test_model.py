"""The validated routine: broken files each give their own message at their own line, all at once;
good ones keep every field, with defaults and doses layered as docs/routine-format.md says."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import routine_from

from audiocoach.errors import AudiocoachError
from audiocoach.pipeline import FILE_CHECKS
from audiocoach.routine.load import load_file
from audiocoach.routine.validation import build_routine

BAD = Path(__file__).parent / "fixtures" / "bad"

# file name -> the messages it must give, each with file:line:col and field
EXPECTED = {
    "syntax_error.yaml": ["syntax_error.yaml:5:1: not valid YAML: expected ',' or ']', but got "
                           "'<stream end>', while parsing a flow sequence that starts at line 4"],
    "unknown_key.yaml": ["unknown_key.yaml:5:5: exercises[0].durration: unknown field `durration` "
                         "(known fields:"],
    "unknown_key_close.yaml": ["unknown_key_close.yaml:5:5: exercises[0].hodl: unknown field `hodl` "
                               "(did you mean `hold`?)"],
    "bad_duration.yaml": ["bad_duration.yaml:4:11: exercises[0].hold: '30 secs' is not a duration "
                          "(try 30s)"],
    "wrong_type.yaml": ["wrong_type.yaml:5:11: exercises[0].reps: expected a whole number, got text "
                        "'three' (write a number such as 3)"],
    "two_doses.yaml": ["two_doses.yaml:5:5: exercises[0].tempo: an exercise has one dose, but this "
                       "one has both `hold` and `tempo`"],
    "missing_title.yaml": ["missing_title.yaml:1:1: title: a routine needs a title "
                           "(add `title: My routine`)"],
    "empty.yaml": ["empty.yaml:1:1: the file is empty"],
    "only_start_marker.yaml": ["only_start_marker.yaml:1:1: the file is empty"],
    "only_end_marker.yaml": ["only_end_marker.yaml:1:1: the file is empty"],
    "only_null.yaml": ["only_null.yaml:1:1: the file is empty"],
    "top_list.yaml": ["top_list.yaml:1:1: the file holds a list, not a routine"],
    "bad_sides.yaml": ["bad_sides.yaml:5:12: exercises[0].sides: 'bothe' is not one of none, both, "
                       "alternate, left, right (did you mean both?)"],
    "negative.yaml": ["negative.yaml:5:11: exercises[0].rest: '-10s' is not a duration "
                      "(durations cannot be negative)"],
    "too_long.yaml": ["too_long.yaml:4:11: exercises[0].hold: '5h' is longer than a whole routine may "
                      "last (a routine lasts at most 4 hours)"],
    "too_long_total.yaml": ["too_long_total.yaml:6:5: exercises[1]: the routine passes the 4-hour limit "
                            "here: it lasts at least 4.8 hours (shorten holds, rests or reps, or split "
                            "it into several routines)"],
    "huge_number.yaml": ["huge_number.yaml:5:11: exercises[0].rest: 99999999999999999999 is longer than "
                         "a whole routine may last (a routine lasts at most 4 hours)"],
    "endless.yaml": [
        "endless.yaml:3:9: defaults.rest: .nan is not a duration (write a number of seconds such as 30s)",
        "endless.yaml:6:11: exercises[0].hold: .inf is not a duration (write a number of seconds such "
        "as 30s)",
        "endless.yaml:7:17: exercises[0].reminders[0]: -.inf is not a duration",
        "endless.yaml:8:11: exercises[1].name: .nan is a number, not text (write words, or put quotes "
        "around '.nan')",
    ],
    "repeated_unit.yaml": [
        "repeated_unit.yaml:4:11: exercises[0].hold: '1m1m' is not a duration (write each unit once, "
        "hours then minutes then seconds, e.g. 1m30s)",
        "repeated_unit.yaml:6:11: exercises[1].hold: '30s 1m' is not a duration (write each unit once",
    ],
    "no_exercises.yaml": ["no_exercises.yaml:2:12: exercises: the list of exercises is empty (add at "
                          "least one exercise as a `- name: ...` item)"],
    "latin1.yaml": ["latin1.yaml:1:11: the byte 0xE9 is not UTF-8 text (save the file as UTF-8; it may "
                    "have been saved as Latin-1 or Windows-1252)"],
    "latin1_later.yaml": ["latin1_later.yaml:5:14: the byte 0xE4 is not UTF-8 text"],
    "short_hold.yaml": ["short_hold.yaml:4:11: exercises[0].hold: a hold of 0.5 s is too short "
                        "(a hold must be at least 1s)"],
    "python_tag.yaml": ["python_tag.yaml:1:8: the tag tag:yaml.org,2002:python/object/apply:os.system "
                        "is not allowed in a routine"],
    "no_dose.yaml": ["no_dose.yaml:3:5: exercises[0]: `Calf stretch` has no dose"],
    "unknown_use.yaml": ["unknown_use.yaml:3:10: exercises[0].use: no catalog exercise `calf-strech`"],
    "bad_phrase.yaml": [
        "bad_phrase.yaml:6:25: exercises[0].phrases.reminder: unknown blank {seconds} in "
        "'{seconds} to go' (use {time}, {exercise}, {number} or {total})",
        "bad_phrase.yaml:6:49: exercises[0].phrases.end: unknown blank {now} in 'Relax {now}' "
        "(use {exercise}, {number} or {total})",
    ],
    "several.yaml": [
        "several.yaml:3:8: voice: expected a mapping, got text",
        "several.yaml:6:11: exercises[0].hold: 'long' is not a duration",
        "several.yaml:7:11: exercises[0].sets: 0 is out of range (use 1 to 100)",
        "several.yaml:8:5: exercises[1]: this item has no `name`, `rest` or `say`",
    ],
}


def errors_of(name: str) -> list[str]:
    with pytest.raises(AudiocoachError) as caught:
        build_routine(load_file(BAD / name), name, checks=FILE_CHECKS)
    return [str(problem).replace(str(BAD) + "/", "") for problem in caught.value.problems]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_routine_reports_each_problem_at_its_line(name):
    messages = errors_of(name)
    assert len(messages) == len(EXPECTED[name]), messages
    for message, expected in zip(messages, EXPECTED[name]):
        assert message.startswith(expected), message


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_problem_has_a_line_a_column_and_a_fix(name):
    with pytest.raises(AudiocoachError) as caught:
        build_routine(load_file(BAD / name), name, checks=FILE_CHECKS)
    for problem in caught.value.problems:
        assert problem.line and problem.col and problem.fix, str(problem)


def test_every_fixture_has_an_expectation():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


def test_a_good_routine_keeps_every_field():
    routine = routine_from("""\
        title: Legs
        voice: {engine: piper, speed: 1.2}
        sounds: beep
        defaults: {rest: 15s, countdown: 5}
        exercises:
          - name: Hip flexors
            instructions: Kneel on a pillow.
            sides: both
            first_side: left
            hold: 1m30s
            reps: 3
            reminders: [10, 30s]
            halfway: true
            tips: [Breathe.]
            phrases: {start: Stretch}
          - rest: 2 min
            say: Drink.
          - say: Lie down.
        """)
    hip, rest, say = routine.items
    assert (hip.hold_s, hip.reps, hip.rest_s, hip.countdown) == (90, 3, 15, 5)
    assert (hip.sides, hip.first_side, hip.side_order) == ("both", "left", ("left", "right"))
    assert hip.reminders_s == (10, 30) and hip.halfway and hip.tips == ("Breathe.",)
    assert dict(hip.phrases) == {"start": "Stretch"}
    assert (rest.rest_s, rest.say, say.say) == (120, "Drink.", "Lie down.")
    assert (routine.voice.engine, routine.voice.speed) == ("piper", 1.2)
    assert {cue: sound.name for cue, sound in routine.sounds.items()} == {"start": "beep", "end": "beep"}


def test_a_dose_from_defaults_applies_only_without_a_dose_of_its_own():
    routine = routine_from("""\
        title: T
        defaults: {hold: 30s, reps: 3}
        exercises:
          - name: A
          - name: B
            tempo: 2s
        """)
    a, b = routine.items
    assert (a.dose, a.hold_s, a.reps) == ("hold", 30, 3)
    assert (b.dose, b.hold_s, b.tempo_s, b.reps) == ("tempo", None, 2, 3)


def test_an_escaped_control_character_in_spoken_text_is_refused():
    with pytest.raises(AudiocoachError) as caught:
        routine_from('title: T\nexercises:\n  - {name: "A\\u0000b", hold: 5s}\n')
    assert str(caught.value) == ("routine.yaml:3:12: exercises[0].name: contains the control character "
                                 "U+0000 (delete it; a voice cannot say it)")


def test_right_to_left_text_with_direction_marks_and_emoji_is_valid(fake_engine, tmp_path):
    from conftest import FAKE_RATE, fake_length
    from contract import check_timing_contract

    from audiocoach.audio.sounds import SoundSet
    from audiocoach.speech.script import build_script
    from audiocoach.speech.timeline import lay_out

    routine = routine_from("title: \u200fתרגיל 🧘\nexercises:\n  - {name: \"מתיחה 🙂\", hold: 5s,"
                           " tips: [\"נשימה \u200e🌬\"]}\n")
    script = build_script(routine)
    timeline = lay_out(script, {t: fake_length(t) for t in script.texts()},
                       SoundSet(routine.sounds, FAKE_RATE), FAKE_RATE, "fake")
    check_timing_contract(script, timeline, routine.sounds)
    assert "\u200fתרגיל 🧘." in [e.text for e in timeline.events]


@pytest.mark.parametrize("fields, problems", [
    ("exercises:\n  - {name: A, hold: true}\n",
     ["3:21: exercises[0].hold: true is not a duration (write a number of seconds such as 30s)"]),
    ("exercises:\n  - {name: A, hold: 1e400}\n",
     ["3:21: exercises[0].hold: '1e400' is not a duration (write the number in plain digits, "
      "without an exponent, e.g. 30s)"]),
    ("exercises:\n  - {name: A, hold: 20s, tempo: null}\n",
     ["3:33: exercises[0].tempo: empty is not a duration (write a number of seconds such as 30s)"]),
    ("sounds: {start: {a: 1}}\nexercises:\n  - {name: A, hold: 5s}\n",
     ["2:17: sounds.start: expected a sound, got a mapping (use chime, beep, gong, tick, none, or the "
      "path of an audio file)"]),
    ("sounds: {start: bep}\nexercises:\n  - {name: A, hold: 5s}\n",
     ["2:17: sounds.start: 'bep' is not a built-in sound (did you mean beep?)"]),
    ("music: {file: m.mp3, duck: loud}\nexercises:\n  - {name: A, hold: 5s}\n",
     ["2:28: music.duck: 'loud' is not a level in dB (write a level such as 12dB)"]),
    ("music: {file: m.mp3, level: loud}\nexercises:\n  - {name: A, hold: 5s}\n",
     ["2:29: music.level: 'loud' is not a level in dB (write a level such as -18dB)"]),
])
def test_a_wrong_value_is_named_as_yaml_writes_it_with_a_fix_for_its_field(fields, problems):
    with pytest.raises(AudiocoachError) as caught:
        routine_from("title: T\n" + fields)
    assert [str(p) for p in caught.value.problems if p.field != "music.file"] == [
        f"routine.yaml:{p}" for p in problems]


@pytest.mark.parametrize("step", ["{say: Up, hold: 5s, tempo: 2s, reps: 3}", "{say: Up}"])
def test_a_step_needs_exactly_one_of_hold_or_tempo(step):
    text = f"title: T\nexercises:\n  - name: Climb\n    steps:\n      - {step}\n"
    with pytest.raises(AudiocoachError) as caught:
        routine_from(text)
    assert "exercises[0].steps[0]: a step needs exactly one of `hold` or `tempo`" in str(caught.value)
