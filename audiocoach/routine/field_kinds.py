"""Kinds of field value: how each is read from YAML and how a JSON Schema describes it.

A kind's `read` and `schema` sit side by side, so a reader and its schema change together; the
routine's fields themselves are in `definitions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from audiocoach.routine import readers as read
from audiocoach.routine.durations import DURATION_PATTERN


def _text(pattern: str, what: str, **number: float) -> dict[str, Any]:
    """A text matching `pattern` (yaml-language-server says `what` of one that does not), or,
    with `number` limits, also a number within them.

    One schema for both rather than a choice of two: `pattern` holds only for texts and
    `minimum` only for numbers, and an editor then names the rule broken, where from a choice
    it would say only that the other type was expected."""
    found = {"type": ["string", "number"] if number else "string", "pattern": pattern,
             "patternErrorMessage": what}
    return found | number


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


class Kind:
    """What a field's value is: `read` turns a YAML value into the model's value or raises
    ValueError(message, fix); `schema` is the same rule for an editor."""

    def read(self, value: Any) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError


class VoiceModel(Kind):
    """A piper voice's name or the path of its `.onnx` file: text, never a number."""

    def read(self, value: Any) -> str:
        return read.voice_model(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "string"}


@dataclass(frozen=True)
class Text(Kind):
    """Words (a number is read as its text, as YAML hands over `title: 1984`)."""

    def read(self, value: Any) -> str:
        return read.text(value)

    def schema(self) -> dict[str, Any]:
        return {"type": ["string", "number"]}


@dataclass(frozen=True)
class Spoken(Text):
    """Words said as written: a phrase's blank in them would be read aloud, braces and all."""

    blanks: tuple[str, ...] = ()

    def read(self, value: Any) -> str:
        words = read.text(value)
        for name in self.blanks:
            if "{" + name + "}" in words:
                raise ValueError(f"{{{name}}} would be read aloud as it stands in {words!r}",
                                 "blanks are filled in phrases only: write the words")
        return words


@dataclass(frozen=True)
class File(Kind):
    """The path of a file, relative to the routine; `suffixes` are the ones it may end in."""

    suffixes: tuple[str, ...] = ()

    def read(self, value: Any) -> str:
        return read.text(value)

    def schema(self) -> dict[str, Any]:
        if not self.suffixes:
            return {"type": "string"}
        ends = "|".join(_any_case(s.lstrip(".")) for s in self.suffixes)
        return {"type": "string", "pattern": rf"\.(?:{ends})$"}


@dataclass(frozen=True)
class Duration(Kind):
    """Seconds, as a number or a text such as `1m30s`; zero too."""

    def read(self, value: Any) -> Fraction:
        return read.duration(value)

    def schema(self) -> dict[str, Any]:
        return self._schema({"minimum": 0})

    @staticmethod
    def _schema(least: dict[str, Any]) -> dict[str, Any]:
        return _text(DURATION_PATTERN, "not a duration: write seconds, or e.g. 30s, 1m30s, 2 min",
                     **least, maximum=read.MAX_ROUTINE_S)


@dataclass(frozen=True)
class PositiveDuration(Duration):
    """A duration longer than zero."""

    def read(self, value: Any) -> Fraction:
        return read.positive_duration(value)

    def schema(self) -> dict[str, Any]:
        return self._schema({"exclusiveMinimum": 0})


@dataclass(frozen=True)
class Hold(Duration):
    """A duration of at least `minimum_s`."""

    minimum_s: int = 1

    def read(self, value: Any) -> Fraction:
        return read.hold(self.minimum_s)(value)

    def schema(self) -> dict[str, Any]:
        return self._schema({"minimum": self.minimum_s})


@dataclass(frozen=True)
class Count(Kind):
    minimum: int
    maximum: int

    def read(self, value: Any) -> int:
        return read.count(self.minimum, self.maximum)(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Number(Kind):
    minimum: float
    maximum: float

    def read(self, value: Any) -> float:
        return read.number(self.minimum, self.maximum)(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "number", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Choice(Kind):
    options: tuple[str, ...]

    def read(self, value: Any) -> str:
        return read.choice(self.options)(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.options)}


@dataclass(frozen=True)
class Accent(Choice):
    """One of Google's domains; the message says why there are so few."""

    def read(self, value: Any) -> str:
        return read.accent(self.options)(value)


@dataclass(frozen=True)
class Boolean(Kind):
    def read(self, value: Any) -> bool:
        return read.boolean(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True)
class LanguageCode(Kind):
    def read(self, value: Any) -> str:
        return read.language(value)

    def schema(self) -> dict[str, Any]:
        return _text(f"^{read.LANGUAGE_CODE}$", "not a language code: write e.g. en, de or pt-BR")


@dataclass(frozen=True)
class Level(Kind):
    """A level in dB between `minimum` and `maximum`: `-18dB`, `12 dB` or a bare number."""

    minimum: float
    maximum: float
    fix: str
    example: str = "-18dB"

    def read(self, value: Any) -> float:
        return read.level(self.minimum, self.maximum, self.fix, self.example)(value)

    def schema(self) -> dict[str, Any]:
        return _text(f"^{read.DECIBELS}$", "not a level in dB: write e.g. -18dB",
                     minimum=self.minimum, maximum=self.maximum)


@dataclass(frozen=True)
class Loudness(Kind):
    """A loudness in LUFS between `minimum` and `maximum`, or `off`."""

    minimum: float
    maximum: float

    def read(self, value: Any) -> float | None:
        return read.loudness(self.minimum, self.maximum)(value)

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [_text(f"^{read.LUFS}$", "not a loudness: write e.g. -19, or off",
                                minimum=self.minimum, maximum=self.maximum),
                          {"const": False}]}  # YAML 1.1 reads a bare `off` as false


@dataclass(frozen=True)
class Phrase(Kind):
    """Cue words whose blanks are exactly `blanks`; `off` too when the cue may be turned off."""

    blanks: Mapping[str, object] = field(default_factory=dict)
    may_be_off: bool = False

    def read(self, value: Any) -> str:
        return read.phrase(self.blanks, self.may_be_off)(value)

    def schema(self) -> dict[str, Any]:
        if self.may_be_off:
            return {"anyOf": [{"type": ["string", "number"]}, {"const": False}]}
        return {"type": ["string", "number"]}


@dataclass(frozen=True)
class ListOf(Kind):
    """A list whose items are each of `item` (read one by one, so each is placed in the file)."""

    item: Kind
    minimum: int = 0

    def read(self, value: Any) -> Any:
        return value  # the model reads the items, which need their own places in the file

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "array", "items": self.item.schema()}
        if self.minimum:
            found["minItems"] = self.minimum
        return found


@dataclass(frozen=True)
class Fields(Kind):
    """A mapping of known fields; any other key is refused. `needs`: keys of which one must be
    there (for an exercise, `name` or `use`)."""

    fields: Mapping[str, "Field"]
    needs: tuple[str, ...] = ()

    def read(self, value: Any) -> Any:
        return value  # the model reads each field with its own place in the file

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "object", "additionalProperties": False,
                                 "properties": {name: f.schema() for name, f in self.fields.items()}}
        required = [name for name, f in self.fields.items() if f.required]
        if required:
            found["required"] = required
        if self.needs:
            found["anyOf"] = [{"required": [key]} for key in self.needs]
        return found


@dataclass(frozen=True)
class OneOf(Kind):
    """Any of several shapes, the first that fits (a sound for all cues, or one per cue)."""

    kinds: tuple[Kind, ...]

    def read(self, value: Any) -> Any:
        return value  # the model tells the shapes apart

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [kind.schema() for kind in self.kinds]}


@dataclass(frozen=True)
class CueSound(Kind):
    """One of `builtins`, `off` (no sound), or the path of an audio file (it has a `/` or a `.`)."""

    builtins: tuple[str, ...]
    off: str  # the word for no sound: the countdown's is `voice`, as its numbers are spoken

    def read(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a sound, got {read.described(value)}", self.fix())
        return read.text(value)

    def fix(self) -> str:
        return "use " + ", ".join(self.builtins) + f", {self.off}, or the path of an audio file"

    @staticmethod
    def names_a_file(name: str) -> bool:
        """Whether a name that is no built-in is a file's (else it is a misspelt built-in)."""
        return "/" in name or "." in name

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "string", "enum": [*self.builtins, self.off]},
                          {"type": "string", "pattern": r"[/.]"}]}


@dataclass(frozen=True)
class CatalogId(Kind):
    """The id of a catalog exercise; the schema lists them when it is made with the catalog."""

    ids: tuple[str, ...] = ()

    def read(self, value: Any) -> str:
        return read.text(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.ids)} if self.ids else {"type": "string"}


@dataclass(frozen=True)
class Field:
    """One field: reading it (`field(value)`) gives the model's value or raises ValueError."""

    kind: Kind
    help: str
    default: Any = None  # as a routine would write it; None: there is none
    required: bool = False
    shown_default: str | None = None  # for the README's table, when `default` says too little

    def __call__(self, value: Any) -> Any:
        return self.kind.read(value)

    @property
    def value(self) -> Any:
        """The model's value of the default (the default as if the routine wrote it)."""
        if isinstance(self.kind, ListOf):
            return tuple(self.kind.item.read(item) for item in self.default or ())
        return None if self.default is None else self.kind.read(self.default)

    def schema(self) -> dict[str, Any]:
        found = {"description": self.help, **self.kind.schema()}
        if self.default is not None:
            found["default"] = self.default
        return found


class Without(Mapping[str, Field]):
    """The fields of `fields` but `left_out`, kept current as `fields` changes."""

    def __init__(self, fields: Mapping[str, Field], left_out: tuple[str, ...]):
        self.fields, self.left_out = fields, left_out

    def __getitem__(self, key: str) -> Field:
        if key in self.left_out:
            raise KeyError(key)
        return self.fields[key]

    def __iter__(self):
        return (key for key in self.fields if key not in self.left_out)

    def __len__(self) -> int:
        return sum(1 for _ in self)
