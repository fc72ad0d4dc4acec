"""A routine's validation: every field checked, merged with defaults and the catalog.

Every problem of a file is collected, placed at its line and column and named by its field
path, before one AudiocoachError lists them all. Files the routine names are checked by the
caller's `FileChecks` (decoding sound, opening pictures and finding voices belong to later
stages), at the same place and in the same pass, so `validate` lists them with the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from audiocoach.routine.definitions import DEFAULTS, REST_ITEM, ROUTINE, SAY_ITEM, VOICE
from audiocoach.routine.exercise_reader import ExerciseReader
from audiocoach.routine.load import Mark, MarkedDict, MarkedList
from audiocoach.routine.model import Exercise, Item, Rest, Routine, Say, Voice
from audiocoach.routine.problems import FileChecks, Problems, join
from audiocoach.routine.readers import MAX_ROUTINE_HOURS, MAX_ROUTINE_S, type_name
from audiocoach.routine.track_reader import TrackReader

__all__ = ["FileChecks", "build_exercise", "build_routine"]


class _RoutineBuilder:
    """The whole routine: top-level fields, voice, defaults, and each item in turn."""

    def __init__(self, file: str, catalog: Mapping[str, MarkedDict], checks: FileChecks):
        self.problems = Problems(file, checks)
        self.exercises = ExerciseReader(self.problems, catalog)
        self.track = TrackReader(self.problems)

    def routine(self, data: Any) -> Routine:
        problems = self.problems
        if not isinstance(data, MarkedDict):
            # A file of only `---` or `...` is a document with nothing in it.
            what = "the file is empty" if data is None or getattr(data, "value", 0) is None \
                else f"the file holds {type_name(data)}, not a routine"
            problems.add(getattr(data, "mark", Mark(1, 1)), "", what,
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
                self.problems.add(mark, path, f"the routine passes the {MAX_ROUTINE_HOURS}-hour "
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
            self.problems.probed(raw, "model", "voice",
                                 lambda: self.problems.checks.voice_model(voice.model, voice.language))
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
            path = join("exercises", index)
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

    Every pause is at least as long as asked (docs/routine-format.md, "Timing"): `prepare` before the first effort,
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


def build_routine(data: Any, file: str, catalog: Mapping[str, MarkedDict] | None = None,
                  checks: FileChecks = FileChecks()) -> Routine:
    """Validate loaded data into a Routine; raise AudiocoachError listing every problem."""
    return _RoutineBuilder(file, catalog or {}, checks).routine(data)


def build_exercise(fields: MarkedDict, file: str) -> Exercise:
    """Validate one exercise's fields on their own (a catalog entry); raise AudiocoachError."""
    problems = Problems(file, FileChecks())
    exercise = ExerciseReader(problems, {}).exercise(fields, "", MarkedDict(fields.mark))
    problems.raise_if_any()
    return exercise
