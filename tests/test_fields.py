"""Single-field readers, above all cue phrases: a phrase `validate` accepts never fails later."""

from __future__ import annotations

from fractions import Fraction

import pytest

from audiocoach.routine import readers as fields
from audiocoach.routine.definitions import (
    ACCENTS,
    PHRASE_BLANKS,
    PHRASE_KEYS,
    PHRASES,
    ROUTINE,
    SIDES,
    VOICE,
)


@pytest.mark.parametrize("key, text, message", [
    ("reminder", "{time:d} to go", "the blank in '{time:d} to go' has a format or conversion"),
    ("reminder", "{time!z} to go", "the blank in '{time!z} to go' has a format or conversion"),
    ("reminder", "{time!r} to go", "the blank in '{time!r} to go' has a format or conversion"),
    ("reminder", "{time.real} to go", "unknown blank {time.real}"),
    ("reminder", "{time[0]} to go", "unknown blank {time[0]}"),
    ("reminder", "{} to go", "unknown blank {}"),
    ("reminder", "{time to go", "unmatched brace in '{time to go'"),
    ("set", "Round {set} of {rounds}", "unknown blank {rounds}"),
    ("end", "Relax {now}", "unknown blank {now}"),
    ("end", "Relax }", "unmatched brace"),
])
def test_a_phrase_that_cannot_be_filled_in_is_refused(key, text, message):
    with pytest.raises(ValueError) as caught:
        PHRASES[key](text)
    assert caught.value.args[0].startswith(message)


@pytest.mark.parametrize("key, text", [
    ("reminder", "{time} to go"), ("set", "Round {set} of {sets}"), ("set", "Last round"),
    ("end", "Relax"), ("start", "Press {{firmly}}"),
])
def test_a_good_phrase_is_kept_as_written(key, text):
    assert PHRASES[key](text) == text


def test_every_blank_a_phrase_may_use_is_one_the_script_fills_in():
    # The script fills reminders with a spoken duration and sets with numbers; each key's sample
    # values are what `validate` tries the phrase with.
    assert set(PHRASE_BLANKS) <= set(PHRASE_KEYS)
    assert PHRASE_BLANKS["reminder"] == {"time": "10 seconds"}
    assert set(PHRASE_BLANKS["set"]) == {"set", "sets"}


@pytest.mark.parametrize("value, seconds", [(30, 30), ("1m30s", 90), ("2.5s", Fraction(5, 2)),
                                            ("90 seconds", 90), (0, 0)])
def test_durations(value, seconds):
    assert fields.duration(value) == seconds


@pytest.mark.parametrize("reader, value, fix", [
    (fields.choice(SIDES), "bothe", "did you mean both?"),
    (fields.choice(SIDES), "up", "use one of none, both, alternate, left, right"),
    (fields.hold(1), "0.5s", "a hold must be at least 1s"),
    (VOICE["speed"], 3, "use 0.5 to 2.0"),
    (fields.count(1, 100), True, "write a number such as 3"),
])
def test_each_refusal_carries_a_fix(reader, value, fix):
    with pytest.raises(ValueError) as caught:
        reader(value)
    assert caught.value.args[1] == fix


@pytest.mark.parametrize("value, lufs", [(-19, -19.0), ("-16", -16.0), ("-23 LUFS", -23.0),
                                         (False, None), ("off", None)])
def test_loudness(value, lufs):
    assert ROUTINE["loudness"](value) == lufs  # YAML reads a bare `off` as false


@pytest.mark.parametrize("value, fix", [(-3, "use -40 to -5 (podcasts use -16 to -20)"),
                                        ("loud", "write a number such as -19, or off"),
                                        (True, "write a number such as -19, or off")])
def test_loudness_refusals(value, fix):
    with pytest.raises(ValueError) as caught:
        ROUTINE["loudness"](value)
    assert caught.value.args[1] == fix


@pytest.mark.parametrize("value, db", [("-18dB", -18.0), ("-18 dB", -18.0), (-6, -6.0), ("12db", 12.0)])
def test_decibels(value, db):
    assert fields.decibels(value) == db


@pytest.mark.parametrize("reader, value, message, fix", [
    (fields.duration, float("inf"), ".inf is not a duration", "write a number of seconds such as 30s"),
    (fields.duration, float("nan"), ".nan is not a duration", "write a number of seconds such as 30s"),
    (fields.duration, "5h", "'5h' is longer than a whole routine may last",
     "a routine lasts at most 4 hours"),
    (fields.hold(1), float("-inf"), "-.inf is not a duration", "write a number of seconds such as 30s"),
    (VOICE["speed"], float("nan"), "expected a number, got a number .nan", "write a number such as 1.0"),
    (VOICE["speed"], "fast", "expected a number, got text 'fast'", "write a number such as 1.0"),
    (fields.text, float("nan"), ".nan is a number, not text", "write words, or put quotes around '.nan'"),
    (fields.decibels, float("inf"), "expected a level in dB, got a number .inf",
     "write a level such as -18dB"),
    (fields.decibels, "9" * 400 + "dB", "'" + "9" * 37 + "...' is not a level in dB",
     "write a level such as -18dB"),
    (fields.count(1, 10), float("inf"), "expected a whole number, got a number .inf",
     "write a number such as 3"),
    (fields.choice(SIDES), ["both"], "expected one of none, both, alternate, left, right, got a list",
     "use one of none, both, alternate, left, right"),
    (VOICE["accent"], "zz", "'zz' is not an accent Google Translate has",
     "use one of " + ", ".join(ACCENTS) + "; other languages have one accent, so leave it out"),
    (VOICE["accent"], "co.u", "'co.u' is not an accent Google Translate has", "did you mean co.uk?"),
    (fields.workers, -1, "-1 is out of range", "use 0 to 1024"),
])
def test_odd_values_are_refused_in_plain_words(reader, value, message, fix):
    with pytest.raises(ValueError) as caught:
        reader(value)
    assert caught.value.args == (message, fix)


def test_the_documented_accents_are_accepted():
    assert [VOICE["accent"](a) for a in ("com", "co.uk", "com.au", "ca", "co.in", "ie")] == [
        "com", "co.uk", "com.au", "ca", "co.in", "ie"]


def test_a_whole_number_written_with_a_point_is_a_count_as_the_schema_says():
    read = fields.count(1, 100)
    assert read(2.0) == 2 and isinstance(read(2.0), int)
    with pytest.raises(ValueError, match="expected a whole number, got a number 2.5"):
        read(2.5)


def test_every_exercise_field_of_the_definitions_reaches_the_model():
    import dataclasses

    from audiocoach.routine.definitions import EXERCISE
    from audiocoach.routine.model import Exercise

    model = {f.name for f in dataclasses.fields(Exercise)}
    assert [key for key in EXERCISE if key not in model and f"{key}_s" not in model] == []
