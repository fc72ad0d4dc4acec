"""The validated routine: every field of SPEC §1 checked, merged with defaults and the catalog."""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

from .durations import parse_duration
from .errors import AudiocoachError, Problem
from .load import Mark, MarkedDict, MarkedList

MAX_ROUTINE_S = 4 * 3600
ENGINES = ("auto", "piper", "gtts")
SOUNDS = ("chime", "beep", "none")
SIDES = ("none", "both", "alternate", "left", "right")
FIRST_SIDES = ("right", "left")
PHRASE_KEYS = (
    "start", "end", "rest", "prepare", "switch", "halfway", "reminder", "set", "left", "right",
)
# The blanks each cue phrase may use, e.g. `reminder: "{time} to go"`.
PHRASE_BLANKS = {"reminder": ("time",), "set": ("set", "sets")}
DOSE_KEYS = ("hold", "tempo", "steps")


@dataclass(frozen=True)
class Voice:
    engine: str = "auto"
    language: str = "en"
    accent: str = "com"
    model: str | None = None
    speed: float = 1.0


@dataclass(frozen=True)
class Step:
    say: str
    hold_s: Fraction | None = None
    reps: int | None = None
    tempo_s: Fraction | None = None


@dataclass(frozen=True)
class Exercise:
    name: str
    line: int
    instructions: str = ""
    hold_s: Fraction | None = None
    reps: int = 1
    tempo_s: Fraction | None = None
    steps: tuple[Step, ...] = ()
    rest_s: Fraction = Fraction(10)
    sets: int = 1
    set_rest_s: Fraction = Fraction(30)
    sides: str = "none"
    first_side: str = "right"
    prepare_s: Fraction = Fraction(5)
    countdown: int = 3
    reminders_s: tuple[Fraction, ...] = ()
    halfway: bool = False
    tips: tuple[str, ...] = ()
    phrases: Mapping[str, str] = field(default_factory=dict)

    @property
    def dose(self) -> str:
        if self.steps:
            return "steps"
        return "tempo" if self.tempo_s is not None else "hold"

    @property
    def side_order(self) -> tuple[str | None, ...]:
        """The sides of one set, in the order they are worked."""
        other = "left" if self.first_side == "right" else "right"
        if self.sides in ("both", "alternate"):
            return (self.first_side, other)
        if self.sides in ("left", "right"):
            return (self.sides,)
        return (None,)


@dataclass(frozen=True)
class Rest:
    rest_s: Fraction
    line: int
    say: str = ""


@dataclass(frozen=True)
class Say:
    say: str
    line: int


Item = Exercise | Rest | Say


@dataclass(frozen=True)
class Routine:
    title: str
    file: str
    items: tuple[Item, ...]
    description: str = ""
    voice: Voice = Voice()
    sounds: str = "chime"
    intro: str = ""
    outro: str = ""

    @property
    def exercises(self) -> list[Exercise]:
        return [item for item in self.items if isinstance(item, Exercise)]


class _Checker:
    """Collects every problem in one file instead of stopping at the first."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, mark: Mark | None, path: str, message: str, fix: str = "") -> None:
        problem = Problem(message, fix, self.file, mark.line if mark else None,
                          mark.col if mark else None, path or None)
        if problem not in self.problems:  # a bad default is seen once per exercise using it
            self.problems.append(problem)

    def keys(self, data: MarkedDict, allowed: tuple[str, ...], path: str) -> None:
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                fix = f"did you mean `{close[0]}`?" if close else "known fields: " + ", ".join(allowed)
                self.add(data.key_marks[key], _join(path, key), f"unknown field `{key}`", fix)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
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


# Each field reader takes the raw value and returns the model value, or raises ValueError(message, fix).
def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected text, got {_type_name(value)}", "write a sentence")
    text = " ".join(str(value).split())
    if not text:
        raise ValueError("is empty", "write a sentence or remove the field")
    return text


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            close = difflib.get_close_matches(str(value), options, n=1)
            fix = f"did you mean {close[0]}?" if close else "use one of " + ", ".join(options)
            raise ValueError(f"{value!r} is not one of {', '.join(options)}", fix)
        return value
    return read


def _count(minimum: int, maximum: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {_type_name(value)} {value!r}",
                             f"write a number such as {max(minimum, 3)}")
        if not minimum <= value <= maximum:
            raise ValueError(f"{value} is out of range", f"use {minimum} to {maximum}")
        return value
    return read


def _duration(value: Any) -> Fraction:
    try:
        return parse_duration(value)
    except ValueError as error:
        shown = f"'{value}'" if isinstance(value, str) else repr(value)
        raise ValueError(f"{shown} is not a duration", str(error)) from None


def _hold(value: Any) -> Fraction:
    seconds = _duration(value)
    if seconds < 1:
        raise ValueError(f"a hold of {float(seconds):g} s is too short", "a hold must be at least 1s")
    return seconds


def _positive_duration(value: Any) -> Fraction:
    seconds = _duration(value)
    if seconds <= 0:
        raise ValueError("must be longer than zero", "try 2s")
    return seconds


def _phrase(key: str) -> Callable[[Any], str]:
    allowed = PHRASE_BLANKS.get(key, ())

    def read(value: Any) -> str:
        text = _text(value)
        try:
            blanks = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:
            blanks = {"?"}
        wrong = sorted(blanks - set(allowed))
        if wrong:
            fix = ("use " + " and ".join("{" + b + "}" for b in allowed)) if allowed \
                else "this phrase takes no {blanks}; write plain words"
            raise ValueError(f"unknown blank {{{wrong[0]}}} in {text!r}", fix)
        return text
    return read


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}", "write true or false")
    return value


def _speed(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {_type_name(value)}", "write a number such as 1.0")
    if not 0.5 <= value <= 2.0:
        raise ValueError(f"{value} is out of range", "use 0.5 to 2.0")
    return float(value)


def _accent(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]{2,3}(\.[a-z]{2,3})?", value):
        raise ValueError(f"{value!r} is not a Google domain", "use com, co.uk, com.au, ca, co.in or ie")
    return value


def _language(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-zA-Z]{2,3}([-_][a-zA-Z]{2,4})?", value):
        raise ValueError(f"{value!r} is not a language code", "use a code such as en, de or fr")
    return value


_EXERCISE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": _text,
    "use": _text,
    "instructions": _text,
    "hold": _hold,
    "reps": _count(1, 1000),
    "tempo": _positive_duration,
    "steps": lambda value: value,  # checked by _steps, which needs the marks
    "rest": _duration,
    "sets": _count(1, 100),
    "set_rest": _duration,
    "sides": _choice(SIDES),
    "first_side": _choice(FIRST_SIDES),
    "prepare": _duration,
    "countdown": _count(0, 10),
    "reminders": lambda value: value,  # checked by _list
    "halfway": _bool,
    "tips": lambda value: value,  # checked by _list
    "phrases": lambda value: value,  # checked by _phrases
}
_MODEL_NAMES = {
    "hold": "hold_s", "tempo": "tempo_s", "rest": "rest_s", "set_rest": "set_rest_s",
    "prepare": "prepare_s", "reminders": "reminders_s",
}
_VOICE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "engine": _choice(ENGINES),
    "language": _language,
    "accent": _accent,
    "model": _text,
    "speed": _speed,
}
_TOP_FIELDS = ("title", "description", "voice", "sounds", "defaults", "intro", "exercises", "outro")
_STEP_FIELDS = ("say", "hold", "reps", "tempo")


class _RoutineBuilder:
    def __init__(self, file: str, catalog: Mapping[str, MarkedDict]):
        self.check = _Checker(file)
        self.catalog = catalog

    def read(self, data: MarkedDict, key: str, reader: Callable[[Any], Any], path: str) -> Any:
        """The field's model value, or None after recording why it is wrong."""
        try:
            return reader(data[key])
        except ValueError as error:
            message, fix = error.args if len(error.args) == 2 else (str(error), "")
            self.check.add(data.value_marks.get(key, data.mark), _join(path, key), message, fix)
            return None

    def mapping(self, value: Any, mark: Mark, path: str, what: str) -> MarkedDict | None:
        if isinstance(value, MarkedDict):
            return value
        self.check.add(mark, path, f"expected {what}, got {_type_name(value)}",
                       f"write {what} as `key: value` lines")
        return None

    def routine(self, data: Any) -> Routine:
        if not isinstance(data, MarkedDict):
            mark = getattr(data, "mark", Mark(1, 1))
            self.check.add(mark, "", f"the file holds {_type_name(data)}, not a routine",
                           "start the file with `title:` and `exercises:` at the left margin")
            raise AudiocoachError(self.check.problems)
        self.check.keys(data, _TOP_FIELDS, "")
        title = self.read(data, "title", _text, "") if "title" in data else None
        if "title" not in data:
            self.check.add(data.mark, "title", "a routine needs a title", "add `title: My routine`")
        voice = self.voice(data)
        sounds = self.read(data, "sounds", _choice(SOUNDS), "") if "sounds" in data else "chime"
        texts = {key: self.read(data, key, _text, "") if key in data else "" for key in
                 ("description", "intro", "outro")}
        defaults = MarkedDict(data.mark)
        if "defaults" in data:
            defaults = self.mapping(data["defaults"], data.value_marks["defaults"], "defaults",
                                    "a mapping of exercise fields") or defaults
            self.check.keys(defaults, tuple(k for k in _EXERCISE_FIELDS if k not in ("name", "use")),
                            "defaults")
        items = self.items(data, defaults)
        if self.check.problems:
            raise AudiocoachError(sorted(self.check.problems, key=lambda p: (p.line or 0, p.col or 0)))
        routine = Routine(title=title, file=self.check.file, items=tuple(items), voice=voice,
                          sounds=sounds, **texts)
        minimum_s = sum(_minimum_s(item) for item in routine.items)
        if minimum_s > MAX_ROUTINE_S:
            raise AudiocoachError(Problem(
                f"the routine lasts at least {float(minimum_s) / 3600:.1f} hours, over the 4-hour limit",
                "shorten holds or rests, or split it into several routines", self.check.file, 1, 1))
        return routine

    def voice(self, data: MarkedDict) -> Voice:
        if "voice" not in data:
            return Voice()
        raw = self.mapping(data["voice"], data.value_marks["voice"], "voice", "a mapping")
        if raw is None:
            return Voice()
        self.check.keys(raw, tuple(_VOICE_FIELDS), "voice")
        values = {key: self.read(raw, key, reader, "voice")
                  for key, reader in _VOICE_FIELDS.items() if key in raw}
        return Voice(**{k: v for k, v in values.items() if v is not None})

    def items(self, data: MarkedDict, defaults: MarkedDict) -> list[Item]:
        if "exercises" not in data:
            self.check.add(data.mark, "exercises", "a routine needs a list of exercises",
                           "add `exercises:` with at least one `- name: ...` item")
            return []
        raw = data["exercises"]
        if not isinstance(raw, MarkedList) or not raw:
            self.check.add(data.value_marks["exercises"], "exercises",
                           f"expected a list of exercises, got {_type_name(raw)}",
                           "write each exercise as a `- name: ...` item")
            return []
        items = []
        for index, (value, mark) in enumerate(zip(raw, raw.marks)):
            path = _join("exercises", index)
            entry = self.mapping(value, mark, path, "an exercise")
            if entry is None:
                continue
            item = self.item(entry, path, defaults)
            if item is not None:
                items.append(item)
        return items

    def item(self, entry: MarkedDict, path: str, defaults: MarkedDict) -> Item | None:
        line = entry.mark.line
        if "name" in entry or "use" in entry:
            return self.exercise(entry, path, defaults)
        if "rest" in entry:
            self.check.keys(entry, ("rest", "say"), path)
            rest_s = self.read(entry, "rest", _duration, path)
            say = self.read(entry, "say", _text, path) if "say" in entry else ""
            return Rest(rest_s, line, say or "") if rest_s is not None else None
        if "say" in entry:
            self.check.keys(entry, ("say",), path)
            say = self.read(entry, "say", _text, path)
            return Say(say, line) if say else None
        self.check.add(entry.mark, path, "this item has no `name`, `rest` or `say`",
                       "add `name:` for an exercise, `rest:` for a break or `say:` for an announcement")
        return None

    def exercise(self, entry: MarkedDict, path: str, defaults: MarkedDict) -> Exercise | None:
        problems_before = len(self.check.problems)
        self.check.keys(entry, tuple(_EXERCISE_FIELDS), path)
        layers = [(defaults, "defaults")]
        if "use" in entry:
            use = self.read(entry, "use", _text, path)
            if use is not None and use not in self.catalog:
                close = difflib.get_close_matches(use, list(self.catalog), n=1)
                fix = f"did you mean `{close[0]}`?" if close else "run `audiocoach catalog` to see the ids"
                self.check.add(entry.value_marks["use"], _join(path, "use"),
                               f"no catalog exercise `{use}`", fix)
            elif use is not None:
                layers.append((self.catalog[use], f"catalog `{use}`"))
        layers.append((entry, path))
        own_doses = [key for key in DOSE_KEYS if key in entry]
        if len(own_doses) > 1:
            self.check.add(entry.key_marks[own_doses[1]], _join(path, own_doses[1]),
                           f"an exercise has one dose, but this one has both `{own_doses[0]}` and "
                           f"`{own_doses[1]}`", f"keep `{own_doses[0]}` or `{own_doses[1]}`, not both")
        # A dose comes whole from the most specific layer that has one (SPEC §1).
        dose_layer = next((layer for layer, _ in reversed(layers)
                           if any(key in layer for key in DOSE_KEYS)), None)
        values: dict[str, Any] = {}
        ok = len(own_doses) <= 1
        for layer, layer_path in layers:
            for key, reader in _EXERCISE_FIELDS.items():
                if key not in layer or key == "use" or (key in DOSE_KEYS and layer is not dose_layer):
                    continue
                value = self.field(layer, key, reader, layer_path)
                if value is None:
                    ok = False
                else:
                    values[key] = value
        # Missing parts are reported only when nothing else was wrong: a misspelt `hodl` is
        # the problem, not a missing dose.
        ok = ok and len(self.check.problems) == problems_before
        if "name" not in values:
            if ok:
                self.check.add(entry.mark, _join(path, "name"), "an exercise needs a name",
                               "add `name: ...`")
            return None
        if not ok:
            return None
        if not any(key in values for key in DOSE_KEYS):
            self.check.add(entry.mark, path, f"`{values['name']}` has no dose",
                           "add `hold: 30s`, `tempo: 2s` with `reps: 10`, or `steps:`")
            return None
        if "tempo" in values and "reps" not in values:
            self.check.add(entry.mark, path, "`tempo` counts repetitions but `reps` is missing",
                           "add `reps: 10`")
            return None
        fields = {_MODEL_NAMES.get(key, key): value for key, value in values.items()}
        return Exercise(line=entry.mark.line, **fields)

    def field(self, layer: MarkedDict, key: str, reader: Callable[[Any], Any], path: str) -> Any:
        value = self.read(layer, key, reader, path)
        mark = layer.value_marks.get(key)
        where = _join(path, key)
        if value is None:
            return None
        if key == "steps":
            return self.steps(value, mark, where)
        if key == "reminders":
            return self.list_of(value, mark, where, _positive_duration, "durations such as [10s]")
        if key == "tips":
            return self.list_of(value, mark, where, _text, "sentences")
        if key == "phrases":
            return self.phrases(value, mark, where)
        return value

    def list_of(self, value: Any, mark: Mark, path: str, reader: Callable[[Any], Any],
                what: str) -> tuple | None:
        if not isinstance(value, MarkedList):
            self.check.add(mark, path, f"expected a list of {what}, got {_type_name(value)}",
                           f"write a list of {what}")
            return None
        result = []
        for index, (item, item_mark) in enumerate(zip(value, value.marks)):
            try:
                result.append(reader(item))
            except ValueError as error:
                self.check.add(item_mark, _join(path, index), *error.args)
        return tuple(result) if len(result) == len(value) else None

    def phrases(self, value: Any, mark: Mark, path: str) -> dict[str, str] | None:
        raw = self.mapping(value, mark, path, "a mapping of cue words")
        if raw is None:
            return None
        self.check.keys(raw, PHRASE_KEYS, path)
        values = {key: self.read(raw, key, _phrase(key), path) for key in raw if key in PHRASE_KEYS}
        if any(v is None for v in values.values()) or len(values) != len(raw):
            return None
        return values

    def steps(self, value: Any, mark: Mark, path: str) -> tuple[Step, ...] | None:
        if not isinstance(value, MarkedList) or not value:
            self.check.add(mark, path, f"expected a list of steps, got {_type_name(value)}",
                           "write each step as `- {say: ..., hold: 10s}`")
            return None
        steps = []
        for index, (raw, item_mark) in enumerate(zip(value, value.marks)):
            where = _join(path, index)
            entry = self.mapping(raw, item_mark, where, "a step")
            if entry is None:
                continue
            self.check.keys(entry, _STEP_FIELDS, where)
            say = self.read(entry, "say", _text, where) if "say" in entry else None
            if "say" not in entry:
                self.check.add(entry.mark, _join(where, "say"), "a step needs `say`",
                               "add `say: ...` to tell what to do")
            hold = self.read(entry, "hold", _hold, where) if "hold" in entry else None
            tempo = self.read(entry, "tempo", _positive_duration, where) if "tempo" in entry else None
            reps = self.read(entry, "reps", _count(1, 1000), where) if "reps" in entry else None
            if ("hold" in entry) == ("tempo" in entry):
                self.check.add(entry.mark, where, "a step needs exactly one of `hold` or `tempo`",
                               "add `hold: 10s`, or `tempo: 2s` with `reps: 5`")
                continue
            if ("tempo" in entry) != ("reps" in entry):
                self.check.add(entry.mark, where, "`reps` and `tempo` go together in a step",
                               "write `tempo: 2s` with `reps: 5`, or only `hold: 10s`")
                continue
            if say and (hold or (tempo and reps)):
                steps.append(Step(say=say, hold_s=hold, reps=reps if tempo else None, tempo_s=tempo))
        return tuple(steps) if len(steps) == len(value) else None


def _minimum_s(item: Item) -> Fraction:
    """A lower bound on an item's length, to refuse impossible routines before synthesis."""
    if isinstance(item, Rest):
        return item.rest_s
    if isinstance(item, Say):
        return Fraction(0)
    if item.dose == "hold":
        effort = item.hold_s
    elif item.dose == "tempo":
        effort = item.tempo_s * item.reps
    else:
        effort = sum((s.hold_s or s.tempo_s * s.reps for s in item.steps), Fraction(0))
    per_set = len(item.side_order) * (item.reps if item.dose != "tempo" else 1)
    return item.sets * per_set * effort + (item.sets - 1) * item.set_rest_s


def build_routine(data: Any, file: str, catalog: Mapping[str, MarkedDict] | None = None) -> Routine:
    """Validate loaded data into a Routine; raise AudiocoachError listing every problem."""
    return _RoutineBuilder(file, catalog or {}).routine(data)
