"""The routine's types: what a validated routine is made of (docs/routine-format.md).

`audiocoach.routine.validation` builds them from a file; every later stage reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from audiocoach.routine.definitions import EXERCISE, MUSIC, NO_SOUND, ROUTINE, VOICE


@dataclass(frozen=True)
class Voice:
    """The routine's `voice:` settings: which engine speaks, in which language and voice model."""

    engine: str = VOICE["engine"].value
    language: str = VOICE["language"].value
    accent: str = VOICE["accent"].value
    model: str | None = VOICE["model"].value
    speed: float = VOICE["speed"].value


def effort_length_s(hold_s: Fraction | None, tempo_s: Fraction | None, reps: int | None) -> Fraction:
    """How long one effort (or step) lasts: its hold, else its tempo times its reps."""
    return hold_s if hold_s is not None else tempo_s * reps


@dataclass(frozen=True)
class Step:
    """One step of a `steps:` exercise: its words and how long it lasts."""

    say: str
    hold_s: Fraction | None = None
    reps: int | None = None
    tempo_s: Fraction | None = None

    @property
    def length_s(self) -> Fraction:
        return effort_length_s(self.hold_s, self.tempo_s, self.reps)


@dataclass(frozen=True)
class Exercise:
    """One exercise, its fields merged from defaults, its catalog entry and its own."""

    name: str
    line: int
    instructions: str = ""
    hold_s: Fraction | None = None
    reps: int = EXERCISE["reps"].value
    tempo_s: Fraction | None = None
    steps: tuple[Step, ...] = ()
    rest_s: Fraction = EXERCISE["rest"].value
    sets: int = EXERCISE["sets"].value
    set_rest_s: Fraction = EXERCISE["set_rest"].value
    sides: str = EXERCISE["sides"].value
    first_side: str = EXERCISE["first_side"].value
    prepare_s: Fraction = EXERCISE["prepare"].value
    countdown: int = EXERCISE["countdown"].value
    lead_in: int = EXERCISE["lead_in"].value
    reminders_s: tuple[Fraction, ...] = EXERCISE["reminders"].value
    halfway: bool = EXERCISE["halfway"].value
    tips: tuple[str, ...] = EXERCISE["tips"].value
    phrases: Mapping[str, str] = field(default_factory=dict)
    use: str | None = None  # the catalog entry it was made from

    @property
    def dose(self) -> str:
        if self.steps:
            return "steps"
        return "tempo" if self.tempo_s is not None else "hold"

    @property
    def efforts_per_side(self) -> int:
        """Efforts per side per set: `reps`, except with `tempo`, where `reps` counts the
        repetitions inside one effort (docs/routine-format.md, "Exercise fields")."""
        return 1 if self.dose == "tempo" else self.reps

    @property
    def effort_s(self) -> Fraction:
        """The length of one effort, start cue to end cue."""
        if self.steps:
            return sum((step.length_s for step in self.steps), Fraction(0))
        return effort_length_s(self.hold_s, self.tempo_s, self.reps)

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
    """A break between exercises, with optional words."""

    rest_s: Fraction
    line: int
    say: str = ""


@dataclass(frozen=True)
class Say:
    """An announcement between exercises."""

    say: str
    line: int


Item = Exercise | Rest | Say

@dataclass(frozen=True)
class SoundChoice:
    """The sound of one cue: a built-in, or an audio file found relative to the routine."""

    name: str  # the built-in's name, or the file as the routine writes it
    line: int
    path: Path | None = None  # the file; None for a built-in
    col: int | None = None


@dataclass(frozen=True)
class Music:
    """A music bed under the whole track (docs/routine-format.md, "The sound of the track")."""

    name: str  # the file as the routine writes it
    path: Path
    line: int
    level_db: float = MUSIC["level"].value  # below the voice, between speech
    duck_db: float = MUSIC["duck"].value  # further down while anything is said
    col: int | None = None


@dataclass(frozen=True)
class Picture:
    """The routine's own cover picture."""

    name: str  # the file as the routine writes it
    path: Path
    line: int
    col: int | None = None


def default_sounds(kind: str = ROUTINE["sounds"].default, line: int = 1) -> dict[str, SoundChoice]:
    """`sounds: chime | beep | none`: the tone under every start and end cue."""
    if kind == NO_SOUND:
        return {}
    return {cue: SoundChoice(kind, line) for cue in ("start", "end")}


@dataclass(frozen=True)
class Routine:
    """A validated routine: its items in order and the settings of the whole track."""

    title: str
    file: str
    items: tuple[Item, ...]
    description: str = ""
    voice: Voice = Voice()
    sounds: Mapping[str, SoundChoice] = field(default_factory=default_sounds)  # by cue: a cue
    intro: str = ""  # missing from it has no sound
    outro: str = ""
    phrases: Mapping[str, str] = field(default_factory=dict)  # routine-wide cue words
    loudness_lufs: float | None = ROUTINE["loudness"].value  # None: clip levels only
    loudness_place: tuple[int, int | None] | None = None  # line and column, where the file sets it
    music: Music | None = None
    cover: Picture | None = None

    @property
    def exercises(self) -> list[Exercise]:
        return [item for item in self.items if isinstance(item, Exercise)]
