"""Durations as authors write them, as samples, and as the coach says them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from audiocoach.routine.durations import (
    clock,
    display,
    parse_duration,
    timestamp,
    to_samples,
)
from audiocoach.speech.languages import spoken


@pytest.mark.parametrize("seconds, words", [
    (Fraction(5, 2), "2.5 seconds"),  # never rounded to 2 or 3
    (Fraction(1), "1 second"),
    (Fraction(30), "30 seconds"),
    (Fraction(60), "1 minute"),
    (Fraction(61), "1 minute and 1 second"),
    (Fraction(150), "2 minutes and 30 seconds"),
    (Fraction(181, 2), "1 minute and 30.5 seconds"),
    (Fraction(10, 3), "3.333 seconds"),
])
def test_spoken_says_exactly_the_duration(seconds, words):
    assert spoken(seconds) == words


@pytest.mark.parametrize("text, seconds", [
    ("30", 30), ("2.5", Fraction(5, 2)), ("1m30s", 90), ("90 seconds", 90), ("2 min", 120),
    ("1h", 3600), (2.5, Fraction(5, 2)),
])
def test_parse(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text, fix", [("30 secs", "try 30s"), ("-10s", "durations cannot be negative"),
                                       ("long", "try 30s, 1m or 1m30s"), (True, "write a number"),
                                       # negative, however little: as the schema's minimum says
                                       (-5.960464477539063e-08, "durations cannot be negative")])
def test_parse_refusals_suggest_a_fix(text, fix):
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value).startswith(fix)


def test_samples_are_the_nearest_whole_sample():
    assert to_samples(Fraction(5, 2), 22050) == 55125
    assert to_samples(Fraction(1, 3), 22050) == 7350
    assert to_samples(Fraction(1, 3), 44100) == 14700


@pytest.mark.parametrize("text", ["1m1m", "30s1m", "30s 1m", "1m 2h", "10s10s", "1 minute 1 minute"])
def test_each_unit_is_written_once_hours_then_minutes_then_seconds(text):
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value) == "write each unit once, hours then minutes then seconds, e.g. 1m30s"


@pytest.mark.parametrize("text, seconds", [("1h 2m 3s", 3723), ("1 hour 30 minutes", 5400),
                                           ("2m 0.5s", Fraction(241, 2))])
def test_units_in_order_add_up(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "9" * 5000 + "s",
                                   "9" * 5000])
def test_endless_and_overlong_numbers_are_refused(value):
    with pytest.raises(ValueError) as caught:
        parse_duration(value)
    assert str(caught.value) == "write a number of seconds such as 30s"


@pytest.mark.parametrize("text, fix", [("1m30", "try 1m30s"), ("1h30", "try 1h30m"), (".5s", "try 0.5s")])
def test_the_fix_for_a_near_miss_keeps_every_part_of_the_time(text, fix):
    with pytest.raises(ValueError) as raised:
        parse_duration(text)
    assert raised.value.args == (fix,)


def test_times_on_the_track_read_the_same_in_tables_pages_and_captions():
    # 59.9996 s is 1:00 once rounded to the millisecond; 61.7 s is past 1:01 on a player's clock.
    assert [display(s) for s in (0, 61.7, 59.9996, 3725.25)] == [
        "0:00.000", "1:01.700", "1:00.000", "62:05.250"]
    assert [clock(s) for s in (0, 61.7, 59.9996, 3725.25)] == ["0:00", "1:01", "1:00", "62:05"]
    assert clock(round(59.6)) == "1:00"  # a length rounds to the nearest second first
    assert [timestamp(s) for s in (0, 61.7, 3725.25)] == [
        "00:00:00.000", "00:01:01.700", "01:02:05.250"]
