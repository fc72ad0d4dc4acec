"""Every field of a routine file, defined once: its type, allowed values, default and meaning.

`model` reads routines with these fields' readers, `json_schema()` is the JSON Schema editors
check routines with, and the README's field table is `field_table()`: a field added here is known
to all three. The rules that tie fields together (one dose per exercise, the 4-hour limit, files
that must exist) stay in `model`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from collections.abc import Mapping
from typing import Any

from . import fields as read
from .durations import DURATION_PATTERN, spoken

ENGINES = ("auto", "piper", "gtts")
# The Google domains whose voice has an accent of its own (gTTS's "Localized accents"): English
# from Australia to Nigeria, French, Portuguese and Spanish on both sides of the Atlantic.
ACCENTS = ("com", "co.uk", "com.au", "us", "ca", "co.in", "ie", "co.za", "com.ng", "fr", "com.br",
           "pt", "com.mx", "es")
SOUNDS = ("chime", "beep", "none")  # one sound for every start and end cue
BUILTIN_SOUNDS = ("chime", "beep", "gong")
SIDES = ("none", "both", "alternate", "left", "right")
FIRST_SIDES = ("right", "left")
COVER_TYPES = (".jpg", ".jpeg", ".png")
# Spoken-word podcasts: AES TD1008 recommends -16 to -20 LUFS.
DEFAULT_LUFS = -19.0

# The blanks each cue phrase may use, e.g. `reminder: "{time} to go"`, with the kind of value the
# script fills in (so a phrase is tried exactly the way it will be used).
PHRASE_BLANKS: dict[str, dict[str, object]] = {
    "reminder": {"time": spoken(Fraction(10))},
    "set": {"set": 1, "sets": 3},
    "more": {"count": "five"},
}
OPTIONAL_PHRASES = ("more", "last")  # progress cues a routine may turn off with `off`

# ECMAScript and Python read these character classes alike (`\s` and `\d` do not: Python's
# take in other scripts' digits and spaces), so one pattern means the same in an editor and here.
_SPACE = r"[ \t\n\r\f\v]*"


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


# -- kinds: how a value is read, and how the JSON Schema describes it ------------------------

class Kind:
    """What a field's value is: `read` turns a YAML value into the model's value or raises
    ValueError(message, fix); `schema` is the same rule for an editor."""

    def read(self, value: Any) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Kind):
    """Words (a number is read as its text, as YAML hands over `title: 1984`)."""

    def read(self, value: Any) -> str:
        return read.text(value)

    def schema(self) -> dict[str, Any]:
        return {"type": ["string", "number"]}


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
    """Seconds, as a number or a text such as `1m30s`; at least `minimum_s`, or more than zero."""

    minimum_s: int = 0
    above_zero: bool = False

    def read(self, value: Any) -> Fraction:
        if self.minimum_s == 1:
            return read.hold(value)
        return read.positive_duration(value) if self.above_zero else read.duration(value)

    def schema(self) -> dict[str, Any]:
        number: dict[str, Any] = {"type": "number", "maximum": read.MAX_ROUTINE_S}
        if self.above_zero:
            number["exclusiveMinimum"] = 0
        else:
            number["minimum"] = self.minimum_s
        return {"anyOf": [number, {"type": "string", "pattern": DURATION_PATTERN}]}


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
        return {"type": "string", "pattern": f"^{read.LANGUAGE_CODE}$"}


@dataclass(frozen=True)
class Level(Kind):
    """A level in dB between `minimum` and `maximum`: `-18dB`, `12 dB` or a bare number."""

    minimum: float
    maximum: float
    fix: str

    def read(self, value: Any) -> float:
        return read.level(self.minimum, self.maximum, self.fix)(value)

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "number", "minimum": self.minimum, "maximum": self.maximum},
                          {"type": "string", "pattern": f"^{read.DECIBELS}$"}]}


@dataclass(frozen=True)
class Loudness(Kind):
    """A loudness in LUFS between `minimum` and `maximum`, or `off`."""

    minimum: float
    maximum: float

    def read(self, value: Any) -> float | None:
        return read.loudness(self.minimum, self.maximum)(value)

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "number", "minimum": self.minimum, "maximum": self.maximum},
                          {"const": False},  # YAML 1.1 reads a bare `off` as false
                          {"type": "string", "pattern": f"^{read.LUFS}$"}]}


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
    """A built-in sound, `none`, or the path of an audio file (it has a `/` or a `.`)."""

    def read(self, value: Any) -> str:
        return read.text(value)

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "string", "enum": [*BUILTIN_SOUNDS, "none"]},
                          {"type": "string", "pattern": r"[/.]"}]}


@dataclass(frozen=True)
class CatalogId(Kind):
    """The id of a catalog exercise; the schema lists them when it is made with the catalog."""

    ids: tuple[str, ...] = ()

    def read(self, value: Any) -> str:
        return read.text(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.ids)} if self.ids else {"type": "string"}


# -- fields --------------------------------------------------------------------------------

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


def _phrase_help(key: str, what: str) -> str:
    blanks = PHRASE_BLANKS.get(key, {})
    with_blanks = f" (blanks: {', '.join('{' + b + '}' for b in blanks)})" if blanks else ""
    off = "; `off` turns it off" if key in OPTIONAL_PHRASES else ""
    return f"{what}{with_blanks}{off}"


PHRASES: dict[str, Field] = {
    key: Field(Phrase(PHRASE_BLANKS.get(key, {}), key in OPTIONAL_PHRASES), _phrase_help(key, what))
    for key, what in (
        ("start", "the start cue of each effort, e.g. `Hold`"),
        ("end", "the end cue of each effort, e.g. `And release`"),
        ("rest", "said when a rest begins"),
        ("prepare", "said before the first effort, e.g. `Get ready`"),
        ("switch", "said between the sides, e.g. `Switch sides`"),
        ("halfway", "said in the middle of a hold"),
        ("reminder", "time left in a hold, e.g. `{time} left`"),
        ("set", "said before each set, e.g. `Set {set} of {sets}`"),
        ("left", "names the left side"),
        ("right", "names the right side"),
        ("more", "holds left in a long run, e.g. `{count} more`"),
        ("last", "said before the last hold, e.g. `Last one`"),
    )
}
PHRASE_KEYS = tuple(PHRASES)

STEP: dict[str, Field] = {
    "say": Field(Text(), "what to do in this part", required=True),
    "hold": Field(Duration(minimum_s=1), "length of this part (at least 1 s)"),
    "reps": Field(Count(1, 1000), "counted repetitions of this part, with `tempo`"),
    "tempo": Field(Duration(above_zero=True), "seconds per counted repetition of this part"),
}

EXERCISE: dict[str, Field] = {
    "name": Field(Text(), "spoken title and chapter title", shown_default="required"),
    "use": Field(CatalogId(), "id of a catalog exercise whose fields apply unless given here"),
    "instructions": Field(Text(), "spoken after the name"),
    "hold": Field(Duration(minimum_s=1), "length of each timed effort (at least 1 s)"),
    "reps": Field(Count(1, 1000), "efforts per side per set; with `tempo`, counted repetitions", 1),
    "tempo": Field(Duration(above_zero=True), "seconds per counted repetition"),
    "steps": Field(ListOf(Fields(STEP, needs=("hold", "tempo")), minimum=1),
                   "sub-parts of one effort, each `{say, hold}` or `{say, reps, tempo}`"),
    "rest": Field(Duration(), "pause between efforts, from one end cue to the next start cue", "10s"),
    "sets": Field(Count(1, 100), "number of sets", 1),
    "set_rest": Field(Duration(), "pause between sets", "30s"),
    "sides": Field(Choice(SIDES), "which sides are worked: " + ", ".join(f"`{s}`" for s in SIDES),
                   "none"),
    "first_side": Field(Choice(FIRST_SIDES), "the side worked first: `right` or `left`", "right"),
    "prepare": Field(Duration(), "get-ready time before the first effort (and after \"switch sides\")",
                     "5s"),
    "countdown": Field(Count(0, 10), "count the last N seconds of each hold aloud (0 = off)", 3),
    "reminders": Field(ListOf(Duration(above_zero=True)), "\"N seconds left\" cues", []),
    "halfway": Field(Boolean(), "say \"Halfway\" in the middle of each hold", False),
    "tips": Field(ListOf(Text()), "short sentences said in the free time of holds, taking turns", []),
    "phrases": Field(Fields(PHRASES), "cue words for this exercise: "
                     + ", ".join(f"`{key}`" for key in PHRASE_KEYS)
                     + "; a blank is written plainly, `{time}`, with no format"),
}


class _Without(Mapping[str, Field]):
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


# `defaults:` takes every exercise field but those that make one exercise what it is.
DEFAULTS = _Without(EXERCISE, ("name", "use"))

REST_ITEM: dict[str, Field] = {
    "rest": Field(Duration(), "a break of its own", required=True),
    "say": Field(Text(), "said as the break begins"),
}
SAY_ITEM: dict[str, Field] = {"say": Field(Text(), "an announcement", required=True)}

VOICE: dict[str, Field] = {
    "engine": Field(Choice(ENGINES), "`piper` (offline), `gtts` (online) or `auto` (gTTS when "
                    "Google answers)", "auto"),
    "language": Field(LanguageCode(), "language of the words and cues, e.g. `en`, `de`, `pt-BR`", "en"),
    "accent": Field(Accent(ACCENTS), "gTTS accent: the Google domain, e.g. `co.uk`", "com"),
    "model": Field(Text(), "piper voice: a voice name or the path of its .onnx file"),
    "speed": Field(Number(0.5, 2.0), "speaking speed, 0.5 to 2.0", 1.0),
}

MUSIC: dict[str, Field] = {
    "file": Field(File(), "the music, any format ffmpeg reads, relative to the routine",
                  required=True),
    "level": Field(Level(-60, 0, "the music sits -60dB to 0dB below the voice, e.g. -18dB"),
                   "level below the voice between speech", "-18dB"),
    "duck": Field(Level(0, 60, "duck by 0dB to 60dB, e.g. 12dB"),
                  "how much further down it goes while anything is said", "12dB"),
}

CUE_SOUNDS: dict[str, Field] = {
    "start": Field(CueSound(), "under each start cue"),
    "end": Field(CueSound(), "under each end cue"),
    "finish": Field(CueSound(), "once, after the outro"),
}
SOUND_CUES = tuple(CUE_SOUNDS)



def _exercises(exercise: Mapping[str, Field]) -> Field:
    items = OneOf((Fields(exercise, needs=("name", "use")), Fields(REST_ITEM), Fields(SAY_ITEM)))
    return Field(ListOf(items, minimum=1), "exercises (`- name:` or `- use:`), breaks (`- rest:`) "
                 "and announcements (`- say:`), in order", required=True)


ROUTINE: dict[str, Field] = {
    "title": Field(Text(), "spoken first; the MP3's title", required=True),
    "description": Field(Text(), "the MP3's comment, not spoken"),
    "voice": Field(Fields(VOICE), "who speaks, in which language, how fast"),
    "sounds": Field(OneOf((Choice(SOUNDS), Fields(CUE_SOUNDS))),
                    "`chime`, `beep` or `none` for every start and end cue, or a sound per cue",
                    "chime"),
    "defaults": Field(Fields(DEFAULTS), "exercise fields for every exercise that does not give them"),
    "intro": Field(Text(), "said after the title"),
    "exercises": _exercises(EXERCISE),
    "outro": Field(Text(), "said last"),
    "phrases": Field(Fields(PHRASES), "cue words for every exercise (an exercise's own win)"),
    "loudness": Field(Loudness(-40, -5), "LUFS of the whole track (-40 to -5), or `off`",
                      DEFAULT_LUFS),
    "music": Field(Fields(MUSIC), "music under the whole track, dipping under every word"),
    "cover": Field(File(COVER_TYPES), "a JPEG or PNG picture; drawn from the title when absent"),
}

def json_schema(catalog_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    """The routine file as a JSON Schema (draft-07, which yaml-language-server reads).

    With `catalog_ids`, `use:` offers them."""
    exercise = dict(EXERCISE, use=Field(CatalogId(tuple(catalog_ids)), EXERCISE["use"].help))
    routine = dict(ROUTINE, exercises=_exercises(exercise))
    return {"$schema": "http://json-schema.org/draft-07/schema#",
            "title": "audiocoach routine",
            "description": "An exercise routine that audiocoach compiles into a voice-guided track.",
            **Fields(routine).schema()}


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return "`[]`" if not value else f"`{value}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def field_table(fields: Mapping[str, Field] | None = None) -> str:
    """A Markdown table of fields (the exercise's by default): name, meaning and default."""
    rows = ["| field | meaning | default |", "|---|---|---|"]
    for name, f in (EXERCISE if fields is None else fields).items():
        default = f.shown_default or ("required" if f.required else _shown(f.default))
        rows.append(f"| `{name}` | {f.help} | {default} |")
    return "\n".join(rows) + "\n"

