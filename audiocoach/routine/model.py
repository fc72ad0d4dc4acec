"""The validated routine: every field of SPEC §1 checked, merged with defaults and the catalog."""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Mapping

from audiocoach.audio import probe
from audiocoach.errors import AudiocoachError, Problem, suggest
from audiocoach.routine import readers as read
from audiocoach.routine.definitions import (
    COVER_TYPES,
    CUE_SOUNDS,
    DEFAULTS,
    EXERCISE,
    MUSIC,
    PHRASES,
    REST_ITEM,
    ROUTINE,
    SAY_ITEM,
    SOUND_CUES,
    STEP,
    VOICE,
)
from audiocoach.routine.load import Mark, MarkedDict, MarkedList
from audiocoach.routine.readers import MAX_ROUTINE_S, type_name

DOSE_KEYS = ("hold", "tempo", "steps")


@dataclass(frozen=True)
class Voice:
    engine: str = VOICE["engine"].value
    language: str = VOICE["language"].value
    accent: str = VOICE["accent"].value
    model: str | None = VOICE["model"].value
    speed: float = VOICE["speed"].value


@dataclass(frozen=True)
class Step:
    say: str
    hold_s: Fraction | None = None
    reps: int | None = None
    tempo_s: Fraction | None = None

    @property
    def length_s(self) -> Fraction:
        return self.hold_s if self.hold_s is not None else self.tempo_s * self.reps


@dataclass(frozen=True)
class Exercise:
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
        repetitions inside one effort (SPEC §1)."""
        return 1 if self.dose == "tempo" else self.reps

    @property
    def effort_s(self) -> Fraction:
        """The length of one effort, start cue to end cue."""
        if self.dose == "hold":
            return self.hold_s
        if self.dose == "tempo":
            return self.tempo_s * self.reps
        return sum((step.length_s for step in self.steps), Fraction(0))

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
class SoundChoice:
    """The sound of one cue: a built-in, or an audio file found relative to the routine."""

    name: str  # the built-in's name, or the file as the routine writes it
    line: int
    path: Path | None = None  # the file; None for a built-in
    col: int | None = None


@dataclass(frozen=True)
class Music:
    """A music bed under the whole track (SPEC §5.1)."""

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
    """SPEC v1's `sounds: chime | beep | none`: the tone under every start and end cue."""
    if kind == "none":
        return {}
    return {cue: SoundChoice(kind, line) for cue in ("start", "end")}


@dataclass(frozen=True)
class Routine:
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


_MODEL_NAMES = {
    "hold": "hold_s", "tempo": "tempo_s", "rest": "rest_s", "set_rest": "set_rest_s",
    "prepare": "prepare_s", "reminders": "reminders_s",
}
# The readers of `audiocoach.plan`'s and the command line's voice options too.
VOICE_FIELDS = VOICE


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Problems:
    """Every problem in one file, collected instead of stopping at the first.

    Its readers return the model value, or None after recording why the value is wrong.
    """

    def __init__(self, file: str):
        self.file = file
        self.file_name = file  # where relative paths in the routine start from
        self.found: list[Problem] = []

    def add(self, mark: Mark | None, path: str, message: str, fix: str = "") -> None:
        problem = Problem(message, fix, self.file, mark.line if mark else None,
                          mark.col if mark else None, path or None)
        if problem not in self.found:  # a bad default is seen once per exercise using it
            self.found.append(problem)

    def raise_if_any(self) -> None:
        if self.found:
            raise AudiocoachError(sorted(self.found, key=lambda p: (p.line or 0, p.col or 0)))

    def keys(self, data: MarkedDict, allowed: Mapping[str, Any], path: str) -> None:
        """Refuse every key that is not one of the `allowed` fields."""
        for key in data:
            if key not in allowed:
                self.add(data.key_marks[key], _join(path, key), f"unknown field `{key}`",
                         suggest(key, allowed, "known fields: " + ", ".join(allowed)))

    def read(self, data: MarkedDict, key: str, reader: Callable[[Any], Any], path: str) -> Any:
        try:
            return reader(data[key])
        except ValueError as error:
            message, fix = error.args if len(error.args) == 2 else (str(error), "")
            self.add(data.value_marks.get(key, data.mark), _join(path, key), message, fix)
            return None

    def mapping(self, value: Any, mark: Mark, path: str, what: str) -> MarkedDict | None:
        if isinstance(value, MarkedDict):
            return value
        self.add(mark, path, f"expected {what}, got {type_name(value)}",
                 f"write {what} as `key: value` lines")
        return None

    def phrases(self, value: Any, mark: Mark, path: str) -> dict[str, str] | None:
        raw = self.mapping(value, mark, path, "a mapping of cue words")
        if raw is None:
            return None
        self.keys(raw, PHRASES, path)
        values = {key: self.read(raw, key, PHRASES[key], path) for key in raw if key in PHRASES}
        if any(v is None for v in values.values()) or len(values) != len(raw):
            return None
        return values

    def existing_file(self, data: MarkedDict, key: str, path: str, what: str,
             suffixes: tuple[str, ...] = ()) -> Path | None:
        """A file the routine names, relative to the routine's folder: it must be a regular file."""
        name = self.read(data, key, read.text, path)
        if name is None:
            return None
        found = Path(self.file_name).parent / Path(name).expanduser()
        mark = data.value_marks.get(key, data.mark)
        try:
            mode = found.stat().st_mode
        except OSError as error:
            self.add(mark, _join(path, key), f"cannot open {what} '{name}': {error.strerror}",
                     f"give the path of {what}, relative to the routine file")
            return None
        if not stat.S_ISREG(mode):
            self.add(mark, _join(path, key), f"'{name}' is not a file",
                     f"give the path of {what}, not a folder or device")
            return None
        if suffixes and found.suffix.lower() not in suffixes:
            self.add(mark, _join(path, key), f"'{name}' is not a {' or '.join(suffixes)} file",
                     f"use a {' or '.join(s.lstrip('.').upper() for s in suffixes)} picture")
            return None
        return found

    def probed(self, data: MarkedDict, key: str, path: str, check: Callable[[], None]) -> bool:
        """Whether a file's contents pass `check` (a probe that raises ValueError(message, fix))."""
        try:
            check()
        except ValueError as error:
            self.add(data.value_marks.get(key, data.mark), _join(path, key), *error.args)
            return False
        return True

    def list_of(self, value: Any, mark: Mark, path: str, reader: Callable[[Any], Any],
                what: str) -> tuple | None:
        if not isinstance(value, MarkedList):
            self.add(mark, path, f"expected a list of {what}, got {type_name(value)}",
                     f"write a list of {what}")
            return None
        result = []
        for index, (item, item_mark) in enumerate(zip(value, value.marks)):
            try:
                result.append(reader(item))
            except ValueError as error:
                self.add(item_mark, _join(path, index), *error.args)
        return tuple(result) if len(result) == len(value) else None


class _ExerciseReader:
    """One exercise from its layers: defaults, then a `use`d catalog entry, then the item itself."""

    def __init__(self, problems: _Problems, catalog: Mapping[str, MarkedDict]):
        self.problems = problems
        self.catalog = catalog

    def exercise(self, entry: MarkedDict, path: str, defaults: MarkedDict) -> Exercise | None:
        before = len(self.problems.found)
        self.problems.keys(entry, EXERCISE, path)
        layers = self.layers(entry, path, defaults)
        # an empty dose is its own problem (not a duration), not a second dose
        own_doses = [key for key in DOSE_KEYS if key in entry and entry[key] is not None]
        if len(own_doses) > 1:
            self.problems.add(entry.key_marks[own_doses[1]], _join(path, own_doses[1]),
                              f"an exercise has one dose, but this one has both `{own_doses[0]}` "
                              f"and `{own_doses[1]}`", f"keep `{own_doses[0]}` or `{own_doses[1]}`, not both")
        values = self.values(layers)
        # Missing parts are reported only when nothing else was wrong: a misspelt `hodl` is
        # the problem, not a missing dose.
        if len(self.problems.found) != before:
            return None
        return self.complete(values, entry, path)

    def layers(self, entry: MarkedDict, path: str, defaults: MarkedDict) -> list[tuple[MarkedDict, str]]:
        layers = [(defaults, "defaults")]
        if "use" in entry:
            use = self.problems.read(entry, "use", EXERCISE["use"], path)
            if use is not None and use not in self.catalog:
                self.problems.add(entry.value_marks["use"], _join(path, "use"),
                                  f"no catalog exercise `{use}`",
                                  suggest(use, self.catalog, "run `audiocoach catalog` to see the ids"))
            elif use is not None:
                layers.append((self.catalog[use], f"catalog `{use}`"))
        layers.append((entry, path))
        return layers

    def values(self, layers: list[tuple[MarkedDict, str]]) -> dict[str, Any]:
        """Each field from the most specific layer that has it; a dose comes whole from one layer."""
        dose_layer = next((layer for layer, _ in reversed(layers)
                           if any(key in layer for key in DOSE_KEYS)), None)
        values: dict[str, Any] = {}
        for layer, layer_path in layers:
            for key in EXERCISE:
                if key not in layer or key == "use" or (key in DOSE_KEYS and layer is not dose_layer):
                    continue
                value = self.field(layer, key, layer_path)
                if value is not None:
                    values[key] = value
        return values

    def complete(self, values: dict[str, Any], entry: MarkedDict, path: str) -> Exercise | None:
        if "name" not in values:
            self.problems.add(entry.mark, _join(path, "name"), "an exercise needs a name",
                              "add `name: ...`")
            return None
        if not any(key in values for key in DOSE_KEYS):
            self.problems.add(entry.mark, path, f"`{values['name']}` has no dose",
                              "add `hold: 30s`, `tempo: 2s` with `reps: 10`, or `steps:`")
            return None
        if "tempo" in values and "reps" not in values:
            self.problems.add(entry.mark, path, "`tempo` counts repetitions but `reps` is missing",
                              "add `reps: 10`")
            return None
        model_fields = {_MODEL_NAMES.get(key, key): value for key, value in values.items()}
        use = entry.get("use") if isinstance(entry.get("use"), str) else None
        return Exercise(line=entry.mark.line, use=use, **model_fields)

    def field(self, layer: MarkedDict, key: str, path: str) -> Any:
        value = layer[key]
        mark = layer.value_marks.get(key, layer.mark)
        where = _join(path, key)
        if key == "steps":
            return self.steps(value, mark, where)
        if key == "reminders":
            return self.problems.list_of(value, mark, where, EXERCISE[key].kind.item.read,
                                         "durations such as [10s]")
        if key == "tips":
            return self.problems.list_of(value, mark, where, EXERCISE[key].kind.item.read,
                                         "sentences")
        if key == "phrases":
            return self.problems.phrases(value, mark, where)
        return self.problems.read(layer, key, EXERCISE[key], path)

    def steps(self, value: Any, mark: Mark, path: str) -> tuple[Step, ...] | None:
        if not isinstance(value, MarkedList) or not value:
            self.problems.add(mark, path, f"expected a list of steps, got {type_name(value)}",
                              "write each step as `- {say: ..., hold: 10s}`")
            return None
        steps = [self.step(raw, item_mark, _join(path, index))
                 for index, (raw, item_mark) in enumerate(zip(value, value.marks))]
        return tuple(steps) if all(steps) else None

    def step(self, raw: Any, mark: Mark, where: str) -> Step | None:
        entry = self.problems.mapping(raw, mark, where, "a step")
        if entry is None:
            return None
        self.problems.keys(entry, STEP, where)
        if "say" not in entry:
            self.problems.add(entry.mark, _join(where, "say"), "a step needs `say`",
                              "add `say: ...` to tell what to do")
        say, hold, tempo, reps = (self.problems.read(entry, key, STEP[key], where) if key in entry
                                  else None for key in ("say", "hold", "tempo", "reps"))
        if ("hold" in entry) == ("tempo" in entry):
            self.problems.add(entry.mark, where, "a step needs exactly one of `hold` or `tempo`",
                              "add `hold: 10s`, or `tempo: 2s` with `reps: 5`")
            return None
        if ("tempo" in entry) != ("reps" in entry):
            self.problems.add(entry.mark, where, "`reps` and `tempo` go together in a step",
                              "write `tempo: 2s` with `reps: 5`, or only `hold: 10s`")
            return None
        if say and (hold or (tempo and reps)):
            return Step(say=say, hold_s=hold, reps=reps if tempo else None, tempo_s=tempo)
        return None


class _TrackReader:
    """SPEC §5's fields for the sound of the whole track: sounds, routine-wide phrases, loudness,
    music and cover. Files they name are checked here, relative to the routine's folder."""

    def __init__(self, problems: _Problems):
        self.problems = problems

    def fields(self, data: MarkedDict) -> dict[str, Any]:
        """The Routine fields for what the routine gives of these."""
        problems = self.problems
        extras: dict[str, Any] = {}
        if "sounds" in data:
            extras["sounds"] = self.sounds(data)
        if "phrases" in data:
            extras["phrases"] = problems.phrases(data["phrases"], data.value_marks["phrases"],
                                                 "phrases") or {}
        if "loudness" in data:
            extras["loudness_lufs"] = problems.read(data, "loudness", ROUTINE["loudness"], "")
            mark = data.value_marks["loudness"]
            extras["loudness_place"] = (mark.line, mark.col)
        if "music" in data:
            extras["music"] = self.music(data)
        if "cover" in data:
            found = problems.existing_file(data, "cover", "", "a picture", COVER_TYPES)
            name = data["cover"]
            if found is not None and problems.probed(data, "cover", "",
                                                     lambda: probe.picture(found, name)):
                mark = data.value_marks["cover"]
                extras["cover"] = Picture(read.text(name), found, mark.line, mark.col)
        return extras

    def sounds(self, data: MarkedDict) -> dict[str, SoundChoice]:
        line = data.value_marks["sounds"].line
        if not isinstance(data["sounds"], MarkedDict):
            every_cue = ROUTINE["sounds"].kind.kinds[0]  # one sound for every start and end cue
            kind = self.problems.read(data, "sounds", every_cue.read, "")
            return default_sounds(kind or ROUTINE["sounds"].default, line)
        raw = data["sounds"]
        self.problems.keys(raw, CUE_SOUNDS, "sounds")
        chosen = default_sounds(line=line)
        for cue in (cue for cue in SOUND_CUES if cue in raw):
            name = self.problems.read(raw, cue, CUE_SOUNDS[cue], "sounds")
            cue_line = raw.value_marks[cue].line
            if name is None:
                continue
            if name == CUE_SOUNDS[cue].kind.off:
                chosen.pop(cue, None)
            elif name in CUE_SOUNDS[cue].kind.builtins:
                chosen[cue] = SoundChoice(name, cue_line)
            elif not CUE_SOUNDS[cue].kind.names_a_file(name):
                self.problems.add(raw.value_marks[cue], _join("sounds", cue),
                                  f"'{name}' is not a built-in sound",
                                  suggest(name, CUE_SOUNDS[cue].kind.builtins, CUE_SOUNDS[cue].kind.fix(),
                                          quote=""))
            else:
                found = self.problems.existing_file(raw, cue, "sounds", "a sound file")
                mark = raw.value_marks[cue]
                choice = SoundChoice(name, cue_line, found, mark.col)
                if found is not None and self.problems.probed(
                        raw, cue, "sounds", lambda: probe.cue_sound(choice, cue)):
                    chosen[cue] = choice
        return chosen

    def music(self, data: MarkedDict) -> Music | None:
        raw = self.problems.mapping(data["music"], data.value_marks["music"], "music",
                                    "a mapping with `file:`")
        if raw is None:
            return None
        self.problems.keys(raw, MUSIC, "music")
        if "file" not in raw:
            self.problems.add(raw.mark, "music.file", "music needs a file",
                              "add `file: music/calm.ogg` (any format ffmpeg reads)")
            return None
        found = self.problems.existing_file(raw, "file", "music", "a music file")
        if found is not None and not self.problems.probed(
                raw, "file", "music", lambda: probe.music(found, raw["file"])):
            found = None
        levels = {key: self.problems.read(raw, key, MUSIC[key], "music")
                  for key in ("level", "duck") if key in raw}
        if found is None or None in levels.values():
            return None
        mark = raw.value_marks["file"]
        return Music(read.text(raw["file"]), found, mark.line,
                     **{f"{key}_db": value for key, value in levels.items()}, col=mark.col)


class _RoutineBuilder:
    """The whole routine: top-level fields, voice, defaults, and each item in turn."""

    def __init__(self, file: str, catalog: Mapping[str, MarkedDict]):
        self.problems = _Problems(file)
        self.exercises = _ExerciseReader(self.problems, catalog)
        self.track = _TrackReader(self.problems)

    def routine(self, data: Any) -> Routine:
        problems = self.problems
        if not isinstance(data, MarkedDict):
            problems.add(getattr(data, "mark", Mark(1, 1)), "",
                         f"the file holds {type_name(data)}, not a routine",
                         "start the file with `title:` and `exercises:` at the left margin")
            problems.raise_if_any()
        problems.keys(data, ROUTINE, "")
        if "title" not in data:
            problems.add(data.mark, "title", "a routine needs a title", "add `title: My routine`")
        title = problems.read(data, "title", ROUTINE["title"], "") if "title" in data else None
        voice = self.voice(data)
        texts = {key: problems.read(data, key, ROUTINE[key], "") if key in data else ""
                 for key in ("description", "intro", "outro")}
        extras = self.track.fields(data)
        placed = self.items(data, self.defaults(data))
        self.within_limit(placed)
        problems.raise_if_any()
        return Routine(title=title, file=problems.file, items=tuple(item for item, _, _ in placed),
                       voice=voice, **texts, **extras)

    def within_limit(self, placed: list[tuple[Item, Mark, str]]) -> None:
        """Refuse, at the item that crosses it, a routine that must last over the 4-hour limit."""
        minimum_s = Fraction(0)
        for item, mark, path in placed:
            minimum_s += _minimum_s(item)
            if minimum_s > MAX_ROUTINE_S:
                total_s = sum((_minimum_s(item) for item, _, _ in placed), Fraction(0))
                self.problems.add(mark, path, f"the routine passes the {MAX_ROUTINE_S // 3600}-hour "
                                  f"limit here: it lasts at least {float(total_s) / 3600:.1f} hours",
                                  "shorten holds, rests or reps, or split it into several routines")
                return

    def voice(self, data: MarkedDict) -> Voice:
        if "voice" not in data:
            return Voice()
        raw = self.problems.mapping(data["voice"], data.value_marks["voice"], "voice", "a mapping")
        if raw is None:
            return Voice()
        self.problems.keys(raw, VOICE, "voice")
        values = {key: self.problems.read(raw, key, reader, "voice")
                  for key, reader in VOICE.items() if key in raw}
        voice = Voice(**{k: v for k, v in values.items() if v is not None})
        if voice.model is not None:
            from audiocoach.voice.engines.piper import missing_voice, voice_files

            # a path must be there now; a name may be a voice still to be added
            missing = voice_files(voice.model)[2] and missing_voice(voice.model, voice.language,
                                                                    "leave `model` out")
            if missing:
                self.problems.add(raw.value_marks["model"], "voice.model", *missing)
        return voice

    def defaults(self, data: MarkedDict) -> MarkedDict:
        if "defaults" not in data:
            return MarkedDict(data.mark)
        defaults = self.problems.mapping(data["defaults"], data.value_marks["defaults"], "defaults",
                                         "a mapping of exercise fields")
        if defaults is None:
            return MarkedDict(data.mark)
        self.problems.keys(defaults, DEFAULTS, "defaults")
        # Each default is read here once, so that a wrong one is reported even where every
        # exercise gives its own (a dose, say) and none would read it.
        self.exercises.values([(defaults, "defaults")])
        return defaults

    def items(self, data: MarkedDict, defaults: MarkedDict) -> list[tuple[Item, Mark, str]]:
        """Each valid item with its place in the file and its field path."""
        if "exercises" not in data:
            self.problems.add(data.mark, "exercises", "a routine needs a list of exercises",
                              "add `exercises:` with at least one `- name: ...` item")
            return []
        raw = data["exercises"]
        if isinstance(raw, MarkedList) and not raw:
            self.problems.add(data.value_marks["exercises"], "exercises", "the list of exercises is empty",
                              "add at least one exercise as a `- name: ...` item")
            return []
        if not isinstance(raw, MarkedList):
            self.problems.add(data.value_marks["exercises"], "exercises",
                              f"expected a list of exercises, got {type_name(raw)}",
                              "write each exercise as a `- name: ...` item")
            return []
        items = []
        for index, (value, mark) in enumerate(zip(raw, raw.marks)):
            path = _join("exercises", index)
            entry = self.problems.mapping(value, mark, path, "an exercise")
            item = self.item(entry, path, defaults) if entry is not None else None
            if item is not None:
                items.append((item, mark, path))
        return items

    def item(self, entry: MarkedDict, path: str, defaults: MarkedDict) -> Item | None:
        line = entry.mark.line
        if "name" in entry or "use" in entry:
            return self.exercises.exercise(entry, path, defaults)
        if "rest" in entry:
            self.problems.keys(entry, REST_ITEM, path)
            rest_s = self.problems.read(entry, "rest", REST_ITEM["rest"], path)
            say = self.problems.read(entry, "say", REST_ITEM["say"], path) if "say" in entry else ""
            return Rest(rest_s, line, say or "") if rest_s is not None else None
        if "say" in entry:
            self.problems.keys(entry, SAY_ITEM, path)
            say = self.problems.read(entry, "say", SAY_ITEM["say"], path)
            return Say(say, line) if say else None
        self.problems.add(entry.mark, path, "this item has no `name`, `rest` or `say`",
                          "add `name:` for an exercise, `rest:` for a break or `say:` for an announcement")
        return None


def _minimum_s(item: Item) -> Fraction:
    """A lower bound on an item's length, to refuse impossible routines before synthesis.

    Every pause is at least as long as asked (SPEC §2 rule 6): `prepare` before the first effort,
    `set_rest` between sets, and between two efforts of a set `rest` or (switching sides)
    `prepare`."""
    if isinstance(item, Rest):
        return item.rest_s
    if isinstance(item, Say):
        return Fraction(0)
    per_set = len(item.side_order) * item.efforts_per_side
    between_efforts_s = min(item.rest_s, item.prepare_s)
    return (item.prepare_s + item.sets * (per_set * item.effort_s + (per_set - 1) * between_efforts_s)
            + (item.sets - 1) * item.set_rest_s)


def build_routine(data: Any, file: str, catalog: Mapping[str, MarkedDict] | None = None) -> Routine:
    """Validate loaded data into a Routine; raise AudiocoachError listing every problem."""
    return _RoutineBuilder(file, catalog or {}).routine(data)


def build_exercise(fields: MarkedDict, file: str) -> Exercise:
    """Validate one exercise's fields on their own (a catalog entry); raise AudiocoachError."""
    problems = _Problems(file)
    exercise = _ExerciseReader(problems, {}).exercise(fields, "", MarkedDict(fields.mark))
    problems.raise_if_any()
    return exercise
