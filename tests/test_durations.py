"""Durations as authors write them, as samples, and as the coach says them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from audiocoach.durations import parse_duration, spoken, to_samples


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
                                       ("long", "try 30s, 1m or 1m30s"), (True, "write a number")])
def test_parse_refusals_suggest_a_fix(text, fix):
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value).startswith(fix)


def test_samples_are_the_nearest_whole_sample():
    assert to_samples(Fraction(5, 2), 22050) == 55125
    assert to_samples(Fraction(1, 3), 22050) == 7350
    assert to_samples(Fraction(1, 3), 44100) == 14700
