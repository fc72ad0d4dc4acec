"""Readers for single routine fields: a raw YAML value in, the model's value out.

Each reader raises ValueError(message, fix) for a value it refuses; the model turns that into a
located problem. Readers know nothing of files or lines.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Callable

from audiocoach.errors import suggest
from audiocoach.routine.durations import parse_duration

MAX_ROUTINE_HOURS = 4  # no routine, so no single duration in it, is longer
MAX_ROUTINE_S = MAX_ROUTINE_HOURS * 3600
# The patterns below are written so that ECMAScript, which runs a JSON Schema's `pattern` in an
# editor, reads them as Python does: Python's `\s` and `\d` also take other scripts' spaces
# and digits, these classes do not.
_SPACE = r"[ \t\n\r\f\v]*"
LANGUAGE_CODE = r"[a-zA-Z]{2,3}(?:[-_][a-zA-Z]{2,4})?"
DECIBELS = rf"{_SPACE}([-+]?[0-9]+(?:\.[0-9]+)?){_SPACE}(?:[dD][bB])?{_SPACE}"
LUFS = rf"{_SPACE}(?:[oO][fF][fF]|([-+]?[0-9]+(?:\.[0-9]+)?){_SPACE}(?:[lL][uU][fF][sS])?){_SPACE}"


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "text"


def shown(value: Any) -> str:
    """A value as a message quotes it: text in quotes and cut short, `.inf` and `.nan` as YAML
    writes them, a list or mapping by its kind."""
    if isinstance(value, bool):
        return "true" if value else "false"  # as YAML writes them
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, (dict, list)) or value is None:
        return type_name(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    text = repr(value)
    if isinstance(value, float) and text.endswith(".0"):
        text = text[:-2]  # as a person writes it: `--speed 5` is read as 5.0
    return text if len(text) <= 40 else text[:37] + "..."


def described(value: Any) -> str:
    """What a value is, for `expected ..., got ...`: `a list`, `text 'three'`, `a number .nan`."""
    if isinstance(value, (dict, list, bool)) or value is None:
        return type_name(value)
    return f"{type_name(value)} {shown(value)}"


def _float(value: int | float, message: str, fix: str) -> float:
    """A number as a float, refused with `message` when it has too many digits to be one."""
    try:
        return float(value)
    except OverflowError:
        raise ValueError(message, fix) from None


def _finite(value: Any) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value))


def text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected text, got {type_name(value)}", "write a sentence")
    if not _finite(value):
        raise ValueError(f"{shown(value)} is a number, not text",
                         f"write words, or put quotes around '{shown(value)}'")
    control = next((c for c in str(value) if unicodedata.category(c) == "Cc" and c not in "\t\n\r"),
                   None)
    if control is not None:
        raise ValueError(f"contains the control character U+{ord(control):04X}",
                         "delete it; a voice cannot say it")
    words = " ".join(str(value).split())
    if not words:
        raise ValueError("is empty", "write a sentence or remove the field")
    return words


def voice_model(value: Any) -> str:
    """A piper voice's name or the path of its `.onnx` file: text, never a number."""
    if not isinstance(value, str):
        raise ValueError(f"expected a voice's name or the path of its .onnx file, got "
                         f"{described(value)}", "write a name such as de_DE-thorsten-medium, or "
                         "a path ending in .onnx")
    return text(value)


def choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected one of {', '.join(options)}, got {described(value)}",
                             "use one of " + ", ".join(options))
        if value not in options:
            raise ValueError(f"{shown(value)} is not one of {', '.join(options)}",
                             suggest(str(value), options, "use one of " + ", ".join(options), quote=""))
        return value
    return read


def count(minimum: int, maximum: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # `reps: 2.0` is two, as JSON Schema's integer holds too
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {described(value)}",
                             f"write a number such as {max(minimum, 3)}")
        if not minimum <= value <= maximum:
            raise ValueError(f"{shown(value)} is out of range", f"use {minimum} to {maximum}")
        return value
    return read


def duration(value: Any) -> Fraction:
    try:
        seconds = parse_duration(value)
    except ValueError as error:
        raise ValueError(f"{shown(value)} is not a duration", str(error)) from None
    if seconds > MAX_ROUTINE_S:
        raise ValueError(f"{shown(value)} is longer than a whole routine may last",
                         f"a routine lasts at most {MAX_ROUTINE_HOURS} hours")
    return seconds


def hold(minimum_s: int) -> Callable[[Any], Fraction]:
    """A duration of at least `minimum_s`."""
    def read(value: Any) -> Fraction:
        seconds = duration(value)
        if seconds < minimum_s:
            raise ValueError(f"a hold of {float(seconds):g} s is too short",
                             f"a hold must be at least {minimum_s}s")
        return seconds
    return read


def positive_duration(value: Any) -> Fraction:
    seconds = duration(value)
    if seconds <= 0:
        raise ValueError("must be longer than zero", "try 2s")
    return seconds


def phrase(blanks: Mapping[str, object], may_be_off: bool = False) -> Callable[[Any], str]:
    """Cue words whose blanks are exactly `{name}` for the names in `blanks` (the values the
    script fills in); `off` (or YAML's false) gives "" when the cue `may_be_off`."""
    names = ["{" + b + "}" for b in blanks]
    fix = (f"use {', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else f"use {names[0]}") \
        if names else "this phrase takes no {blanks}; write plain words"

    def read(value: Any) -> str:
        if may_be_off and (value is False or value == "off"):
            return ""  # YAML reads a bare `off` as false
        words = text(value)
        try:
            parts = list(string.Formatter().parse(words))
        except ValueError:
            raise ValueError(f"unmatched brace in {words!r}",
                             "write {{ or }} for a brace that is not a blank; " + fix) from None
        for _, name, spec, conversion in parts:
            if name is None:
                continue
            if name not in blanks:
                raise ValueError(f"unknown blank {{{name}}} in {words!r}", fix)
            if spec or conversion:
                raise ValueError(f"the blank in {words!r} has a format or conversion",
                                 f"write the blank as plain {{{name}}}")
        try:
            words.format(**blanks)  # exactly how the script fills it in
        except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
            raise ValueError(f"{words!r} cannot be filled in: {error}", fix) from None
        return words
    return read


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {described(value)}", "write true or false")
    return value


def number(minimum: float, maximum: float) -> Callable[[Any], float]:
    def read(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
            raise ValueError(f"expected a number, got {described(value)}",
                             "write a number such as 1.0")
        if not minimum <= value <= maximum:
            raise ValueError(f"{shown(value)} is out of range", f"use {minimum} to {maximum}")
        return float(value)
    return read


def accent(options: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"{shown(value)} is not an accent Google Translate has",
                             suggest(str(value), options, "use one of " + ", ".join(options) +
                                     "; other languages have one accent, so leave it out", quote=""))
        return value
    return read


def language(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(LANGUAGE_CODE, value):
        raise ValueError(f"{shown(value)} is not a language code", "use a code such as en, de or fr")
    return value


def workers(value: Any) -> int:
    """How many encoders (or threads) at once; 0 means one per core."""
    return count(0, 1024)(value)


def decibels(value: Any, example: str = "-18dB") -> float:
    """A level in dB: `-18dB`, `12 dB` or a bare number; `example` is the one a fix shows."""
    fix = f"write a level such as {example}"
    if isinstance(value, bool) or not _finite(value):
        raise ValueError(f"expected a level in dB, got {described(value)}", fix)
    if isinstance(value, (int, float)):
        return _float(value, f"{shown(value)} is not a level in dB", fix)
    match = re.fullmatch(DECIBELS, value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{shown(value)} is not a level in dB", fix)
    level = float(match.group(1))
    if not math.isfinite(level):  # hundreds of digits
        raise ValueError(f"{shown(value)} is not a level in dB", fix)
    return level


def level(minimum: float, maximum: float, fix: str,
          example: str = "-18dB") -> Callable[[Any], float]:
    """A level in dB from `minimum` to `maximum`; `fix` says the range to a person, and
    `example` is the level a fix shows for what is no level at all."""
    def read(value: Any) -> float:
        found = decibels(value, example)
        if not minimum <= found <= maximum:
            raise ValueError(f"{found:g} dB is out of range", fix)
        return found
    return read


def loudness(minimum: float, maximum: float) -> Callable[[Any], float | None]:
    """Target loudness in LUFS, or None for `off` (YAML reads a bare `off` as false)."""
    def read(value: Any) -> float | None:
        if value is False:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected a loudness in LUFS or off, got {type_name(value)}",
                             "write a number such as -19, or off")
        if isinstance(value, str):
            match = re.fullmatch(LUFS, value)
            if match and match.group(1) is None:
                return None  # off
            lufs = float(match.group(1)) if match else math.nan
        else:
            lufs = _float(value, f"{shown(value)} is not a loudness", "write a number such as -19, or off")
        if not math.isfinite(lufs):  # not a number, or hundreds of digits
            raise ValueError(f"{shown(value)} is not a loudness", "write a number such as -19, or off")
        if not minimum <= lufs <= maximum:
            raise ValueError(f"{lufs:g} LUFS is out of range",
                             f"use {minimum:g} to {maximum:g} (podcasts use -16 to -20)")
        return lufs
    return read
