"""The built-in exercise catalog and the bundled routines, both shipped inside the package."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from audiocoach.errors import AudiocoachError, Kind, Problem, suggest
from audiocoach.routine import readers as read
from audiocoach.routine.definitions import CHIME, EXERCISE, SCHEMA_TITLE, json_schema
from audiocoach.routine.exercise_reader import unknown_catalog_id
from audiocoach.routine.load import MarkedDict, load_file
from audiocoach.routine.model import Exercise
from audiocoach.routine.validation import build_exercise

POSITIONS = ("chair", "standing", "floor")
EQUIPMENT = ("chair", "wall", "towel", "band", "belt", "pillow")
_META = ("id", "cautions", "helps_with", "position", "equipment", "source")


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    cautions: tuple[str, ...]
    helps_with: tuple[str, ...]
    position: str
    equipment: tuple[str, ...]
    source: str
    fields: MarkedDict  # the exercise fields a routine's `use:` takes
    exercise: Exercise  # those fields validated

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "helps_with": list(self.helps_with),
                "position": self.position, "equipment": list(self.equipment),
                "source": self.source, "cautions": list(self.cautions),
                "dose": dose_fields(self)}

    def words(self) -> str:
        return " ".join([self.id, self.name, *self.helps_with, self.position, *self.equipment,
                         self.exercise.instructions]).lower()


def _assets() -> Path:
    try:
        return Path(str(resources.files("audiocoach.assets")))
    except ModuleNotFoundError:
        # Run from a source checkout without installing: the top-level assets/ folder.
        return Path(__file__).resolve().parents[2] / "assets"


def _exercise_fields(raw: MarkedDict) -> MarkedDict:
    fields = MarkedDict(raw.mark)
    for key, value in raw.items():
        if key not in _META:
            fields[key] = value
            fields.key_marks[key] = raw.key_marks[key]
            fields.value_marks[key] = raw.value_marks[key]
    return fields


def _meta_problem(path: Path, raw: MarkedDict, key: str, message: str) -> Problem:
    mark = raw.value_marks.get(key, raw.mark)
    return Problem(message, "fix the catalog entry", str(path), mark.line, mark.col, key)


@lru_cache(maxsize=1)
def catalog() -> dict[str, Entry]:
    """Every catalog entry by id, validated like a routine's exercises."""
    path = _assets() / "catalog.yaml"
    raw_entries = load_file(path)
    problems: list[Problem] = []
    entries: dict[str, Entry] = {}
    for raw in raw_entries:
        fields = _exercise_fields(raw)
        try:
            exercise = build_exercise(fields, str(path))
        except AudiocoachError as error:
            problems.extend(error.problems)
            continue
        if raw.get("position") not in POSITIONS:
            problems.append(_meta_problem(path, raw, "position", f"position must be one of {POSITIONS}"))
        if not set(raw.get("equipment", [])) <= set(EQUIPMENT):
            problems.append(_meta_problem(path, raw, "equipment", f"equipment must be from {EQUIPMENT}"))
        entries[raw["id"]] = Entry(
            id=raw["id"], name=exercise.name, cautions=tuple(raw.get("cautions", ())),
            helps_with=tuple(raw.get("helps_with", ())), position=raw.get("position"),
            equipment=tuple(raw.get("equipment", ())), source=raw["source"], fields=fields,
            exercise=exercise)
    if problems:
        raise AudiocoachError(problems)
    return entries


def catalog_fields() -> dict[str, MarkedDict]:
    return {id_: entry.fields for id_, entry in catalog().items()}


def search(query: str = "", position: str | None = None, equipment: str | None = None,
           helps: str | None = None) -> list[Entry]:
    """Entries whose text holds every word of the query and that match each filter given.

    Every filter ignores letter case; a position or equipment the catalog does not know is
    refused (a usage error whose field is the filter's name) rather than matching nothing."""
    words = query.lower().split()
    position = _known(position, POSITIONS, "position")
    equipment = _known(equipment, EQUIPMENT, "equipment")
    found = []
    for entry in catalog().values():
        text = entry.words()
        if not all(word in text for word in words):
            continue
        if position and entry.position != position:
            continue
        if equipment and equipment not in entry.equipment:
            continue
        if helps and not any(helps.lower() in h.lower() for h in entry.helps_with):
            continue
        found.append(entry)
    return found


def _known(value: str | None, options: tuple[str, ...], filter_name: str) -> str | None:
    """A filter's value in the catalog's spelling, or a usage error listing the values it takes."""
    if value is None:
        return None
    wanted = value.strip().lower()
    if wanted in options:
        return wanted
    listed = ", ".join(options)
    fix = " ".join(part for part in (suggest(wanted, options, ""), f"give one of {listed}") if part)
    raise AudiocoachError(Problem(f"the catalog has no {filter_name} '{value}'", fix,
                                  field=filter_name), Kind.USAGE)


def dose_fields(entry: Entry) -> dict:
    """The entry's dose and structure as written in the catalog (durations as written)."""
    keep = [key for key in EXERCISE if key not in ("name", "use", "instructions")]
    return {key: _plain(entry.fields[key]) for key in keep if key in entry.fields}


def routine_exercise(entry: Entry) -> dict:
    """The exercise a routine gets for the entry: its id, with the catalog's dose to change."""
    return {"use": entry.id, **dose_fields(entry)}


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def bundled_routines() -> dict[str, Path]:
    """The ready routines, by name (their file stem)."""
    folder = _assets() / "routines"
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def resolve_routine(name_or_path: Path) -> Path:
    """A routine file: the path if it exists, else the bundled routine of that name."""
    if name_or_path.exists() or name_or_path.suffix in (".yaml", ".yml"):
        return name_or_path
    return bundled_routines().get(str(name_or_path), name_or_path)


SAFETY = ("Stop if anything hurts, and check with your doctor before you start anything new. "
          "This track is guidance, not medical advice.")


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[\w']+", text.lower())) + " "


def _said_once(sentences: list[str]) -> list[str]:
    """The sentences with each caution said once: a clause (between semicolons) that another
    sentence already says, word for word, is left out, and a sentence left with none goes."""
    clauses = [[c.strip() for c in sentence.rstrip(".").split(";")] for sentence in sentences]
    everything = [(i, j, _words(c)) for i, parts in enumerate(clauses) for j, c in enumerate(parts)]
    kept = []
    for i, parts in enumerate(clauses):
        own = []
        for j, clause in enumerate(parts):
            words = _words(clause)
            said_elsewhere = any(
                words in other and (words != other or (k, m) < (i, j))
                for k, m, other in everything if (k, m) != (i, j))
            if not said_elsewhere:
                own.append(clause)
        if own:
            sentence = "; ".join(own)
            kept.append(sentence[0].upper() + sentence[1:] + ".")
    return kept


# The schema `new` writes beside a routine: the modeline names it relative to the routine, so it
# works offline, wherever the folder is moved, and for any other routine put in that folder.
SCHEMA_FILE = "audiocoach.schema.json"
MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}\n"


def is_our_schema(path: Path) -> bool:
    """Whether a file is a routine schema `new` or `schema` wrote (so it may be refreshed)."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8")).get("title") == SCHEMA_TITLE
    except (OSError, ValueError, AttributeError):
        return False


def schema_text() -> str:
    """The routine format as a JSON Schema (draft-07), `use:` offering every catalog id."""
    import json

    return json.dumps(json_schema(tuple(catalog())), indent=2, ensure_ascii=False) + "\n"


def new_routine_text(ids: list[str], title: str) -> str:
    """An editable routine file made of catalog exercises, with their cautions in the intro.

    Its first line tells editors to check it against `SCHEMA_FILE` beside it."""
    import yaml

    entries = catalog()
    unknown = [i for i in ids if i not in entries]
    problems = []
    if not ids:
        problems.append(Problem("names no catalog exercise", "give ids such as heel-press,childs-pose; "
                                "run `audiocoach catalog` to see them", field="--from"))
    for i in unknown:
        problems.append(Problem(*unknown_catalog_id(i, entries), field="--from"))
    try:
        title = read.text(title)
    except ValueError as error:
        problems.append(Problem(f"the title {error.args[0]}", "give the routine a title",
                                field="--title"))
    if problems:  # every one names an option of `new`
        raise AudiocoachError(problems, Kind.USAGE)
    chosen = [entries[i] for i in ids]
    document = {
        "title": title,
        "intro": " ".join(_said_once([c for entry in chosen for c in entry.cautions] + [SAFETY])),
        "sounds": CHIME,
        "exercises": [routine_exercise(entry) for entry in chosen],
        "outro": "That is the routine. Well done.",
    }
    header = (MODELINE + "# Made from the audiocoach catalog. Each exercise takes its catalog entry (`use`);\n"
              "# the fields written under it are the catalog's dose: change them to suit you.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=88)
