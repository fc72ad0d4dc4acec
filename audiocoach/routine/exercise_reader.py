"""One exercise read from its layers: defaults, a `use`d catalog entry, and its own fields."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from audiocoach.errors import suggest
from audiocoach.routine.definitions import DOSE_KEYS, EXERCISE, STEP, STEP_DOSE_KEYS
from audiocoach.routine.load import Mark, MarkedDict, MarkedList
from audiocoach.routine.model import Exercise, Step
from audiocoach.routine.problems import Problems, join
from audiocoach.routine.readers import type_name

# A field that is a time in seconds keeps its unit in the model's name: `hold` -> `hold_s`.
_MODEL_NAMES = {key: f"{key}_s" for key in EXERCISE
                if f"{key}_s" in {f.name for f in dataclasses.fields(Exercise)}}


def unknown_catalog_id(name: str, ids: Iterable[str]) -> tuple[str, str]:
    """What is wrong with a catalog id that names no exercise, and the fix, as (message, fix)."""
    return (f"no catalog exercise `{name}`",
            suggest(name, ids, "run `audiocoach catalog` to see the ids"))


class ExerciseReader:
    """One exercise from its layers: defaults, then a `use`d catalog entry, then the item itself."""

    def __init__(self, problems: Problems, catalog: Mapping[str, MarkedDict]):
        self.problems = problems
        self.catalog = catalog

    def exercise(self, entry: MarkedDict, path: str, defaults: MarkedDict) -> Exercise | None:
        before = len(self.problems.found)
        self.problems.keys(entry, EXERCISE, path)
        layers = self.layers(entry, path, defaults)
        # an empty dose is its own problem (not a duration), not a second dose
        own_doses = [key for key in DOSE_KEYS if key in entry and entry[key] is not None]
        if len(own_doses) > 1:
            self.problems.add(entry.key_marks[own_doses[1]], join(path, own_doses[1]),
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
                self.problems.add(entry.value_marks["use"], join(path, "use"),
                                  *unknown_catalog_id(use, self.catalog))
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
            self.problems.add(entry.mark, join(path, "name"), "an exercise needs a name",
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
        where = join(path, key)
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
        steps = [self.step(raw, item_mark, join(path, index))
                 for index, (raw, item_mark) in enumerate(zip(value, value.marks))]
        return tuple(steps) if all(steps) else None

    def step(self, raw: Any, mark: Mark, where: str) -> Step | None:
        entry = self.problems.mapping(raw, mark, where, "a step")
        if entry is None:
            return None
        self.problems.keys(entry, STEP, where)
        if "say" not in entry:
            self.problems.add(entry.mark, join(where, "say"), "a step needs `say`",
                              "add `say: ...` to tell what to do")
        say, hold, tempo, reps = (self.problems.read(entry, key, STEP[key], where) if key in entry
                                  else None for key in ("say", "hold", "tempo", "reps"))
        if sum(key in entry for key in STEP_DOSE_KEYS) != 1:
            self.problems.add(entry.mark, where, "a step needs exactly one of "
                              + " or ".join(f"`{key}`" for key in STEP_DOSE_KEYS),
                              "add `hold: 10s`, or `tempo: 2s` with `reps: 5`")
            return None
        if ("tempo" in entry) != ("reps" in entry):
            self.problems.add(entry.mark, where, "`reps` and `tempo` go together in a step",
                              "write `tempo: 2s` with `reps: 5`, or only `hold: 10s`")
            return None
        if say and (hold or (tempo and reps)):
            return Step(say=say, hold_s=hold, reps=reps if tempo else None, tempo_s=tempo)
        return None


