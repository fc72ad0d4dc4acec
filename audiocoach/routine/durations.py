"""Durations: parse what routine authors write, convert to samples, and say them aloud."""

from __future__ import annotations

import math
import re
from fractions import Fraction

_UNITS = {
    "s": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
}
# ASCII only (re.ASCII), so that DURATION_PATTERN, which editors run as ECMAScript, reads the
# same texts: Python's `\d` and `\s` would also take other scripts' digits and spaces.
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*", re.ASCII)
_NUMBER = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*", re.ASCII)
# Far more digits than any duration needs (Python will not even read past 4300).
_MAX_DIGITS = 30


def _pattern() -> str:
    """The texts `parse_duration` accepts, as one regular expression that ECMAScript (a JSON
    Schema's `pattern`) and Python read alike: a bare number, or parts whose units come
    hours, minutes, seconds, each at most once, with at most `_MAX_DIGITS` digits in all."""
    space = r"[ \t\n\r\f\v]*"
    number = r"[0-9]+(?:\.[0-9]+)?"
    by_size: dict[int, list[str]] = {}
    for name, seconds in _UNITS.items():
        by_size.setdefault(seconds, []).append(
            "".join(f"[{c}{c.upper()}]" for c in name))
    parts = [f"{space}{number}{space}(?:{'|'.join(sorted(names, key=len, reverse=True))}){space}"
             for _, names in sorted(by_size.items(), reverse=True)]
    # each unit once, larger first, at least one: (h m? s? | m s? | s)
    units = "|".join("".join([parts[i]] + [f"(?:{p})?" for p in parts[i + 1:]])
                     for i in range(len(parts)))
    bare = rf"{space}(?:{number}|-0+(?:\.0+)?){space}"  # `-0` is zero, not negative
    return rf"^(?!(?:[^0-9]*[0-9]){{{_MAX_DIGITS + 1}}})(?:{bare}|{units})$"


DURATION_PATTERN = _pattern()


def parse_duration(value: object) -> Fraction:
    """Seconds from `30`, `2.5`, `30s`, `1m30s`, `90 seconds` or `2 min`.

    Each unit is written at most once, hours before minutes before seconds. Raises ValueError
    with a suggested fix as its message.
    """
    if isinstance(value, bool):
        raise ValueError("write a number of seconds such as 30s")
    if isinstance(value, int):
        seconds = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("write a number of seconds such as 30s")
        if value < 0:  # before rounding to the millisecond, which makes -0.0000001 zero
            raise ValueError("durations cannot be negative")
        seconds = Fraction(value).limit_denominator(1000)
    elif isinstance(value, str):
        seconds = _parse_text(value)
    else:
        raise ValueError("write a number of seconds such as 30s")
    if seconds < 0:
        raise ValueError("durations cannot be negative")
    return seconds


def _parse_text(text: str) -> Fraction:
    if sum(c.isdigit() for c in text) > _MAX_DIGITS:
        raise ValueError("write a number of seconds such as 30s")
    bare = _NUMBER.fullmatch(text)
    if bare:
        return Fraction(bare.group(1))
    total = Fraction(0)
    position = 0
    lowered = text.lower()
    previous_unit = None
    while position < len(lowered):
        part = _PART.match(lowered, position)
        if not part or part.group(2) not in _UNITS:
            raise ValueError(_suggest(lowered))
        unit = _UNITS[part.group(2)]
        if previous_unit is not None and unit >= previous_unit:
            # `1m1m` or `30s1m`: a typo, not a sum the author meant
            raise ValueError("write each unit once, hours then minutes then seconds, e.g. 1m30s")
        previous_unit = unit
        total += Fraction(part.group(1)) * unit
        position = part.end()
    if position == 0:
        raise ValueError(_suggest(lowered))
    return total


def _suggest(text: str) -> str:
    if text.strip().startswith("-"):
        return "durations cannot be negative"
    if re.fullmatch(r"\s*\+?\d+(?:\.\d+)?e[-+]?\d+\s*[a-z]*\s*", text):
        return "write the number in plain digits, without an exponent, e.g. 30s"
    # what was probably meant: `.5s` is 0.5s, and `1m30` is 1m30s (the next unit down)
    repaired = re.sub(r"(?<![\d.])\.(\d)", r"0.\1", text.strip())
    repaired = re.sub(r"([hm])\s*(\d+(?:\.\d+)?)$",
                      lambda m: f"{m[1]}{m[2]}{'m' if m[1] == 'h' else 's'}", repaired)
    if repaired != text.strip():
        try:
            _parse_text(repaired)
            return f"try {repaired}"
        except ValueError:
            pass
    number = re.search(r"\d+(?:\.\d+)?", text)
    unit = re.search(r"[a-z]", text)
    if number:
        letter = unit.group(0) if unit and unit.group(0) in "smh" else "s"
        return f"try {number.group(0)}{letter}"
    return "try 30s, 1m or 1m30s"


# A position or a length on the track, counted in samples at the track's rate. Timing is kept in
# samples from layout to rendering; seconds exist only for people (tables, JSON, speech).
Samples = int


def to_samples(seconds: Fraction, sample_rate_hz: int) -> Samples:
    """The nearest whole sample to a duration."""
    return round(seconds * sample_rate_hz)


def plural(count: int, noun: str) -> str:
    """`1 chapter`, `3 chapters`."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def display(seconds: float) -> str:
    """A time on the track as `m:ss.mmm` for tables."""
    minutes, millis = divmod(round(seconds * 1000), 60_000)
    return f"{minutes}:{millis / 1000:06.3f}"


def clock(seconds: float) -> str:
    """A time on the track as `m:ss`, the part of a second cut off as a player's elapsed time does.

    Round first for a length (`clock(round(length_s))`), so that 59.6 s reads 1:00.
    """
    minutes, millis = divmod(round(seconds * 1000), 60_000)
    return f"{minutes}:{millis // 1000:02d}"


def timestamp(seconds: float) -> str:
    """A time on the track as `hh:mm:ss.mmm`, as WebVTT captions and Podlove chapters write it."""
    hours, millis = divmod(round(seconds * 1000), 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d}.{millis % 1000:03d}"
