"""The problems of one routine file, collected while it is read, and the file checks it uses."""

from __future__ import annotations

import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiocoach.errors import AudiocoachError, Problem, suggest
from audiocoach.routine import readers as read
from audiocoach.routine.definitions import PHRASES
from audiocoach.routine.load import Mark, MarkedDict, MarkedList
from audiocoach.routine.model import SoundChoice
from audiocoach.routine.readers import type_name


def _no_check(*_: Any) -> None:
    return None


@dataclass(frozen=True)
class FileChecks:
    """How to check the files a routine names beyond being there; each raises
    ValueError(message, fix). The default checks nothing."""

    picture: Callable[[Path, str], None] = _no_check  # (path, name as written)
    cue_sound: Callable[[SoundChoice, str], None] = _no_check  # (choice, cue)
    music: Callable[[Path, str], None] = _no_check  # (path, name as written)
    voice_model: Callable[[str, str], None] = _no_check  # (voice.model, voice.language)

def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Problems:
    """Every problem in one file, collected instead of stopping at the first.

    Its readers return the model value, or None after recording why the value is wrong.
    """

    def __init__(self, file: str, checks: FileChecks):
        self.file = file
        self.checks = checks
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
                self.add(data.key_marks[key], join(path, key), f"unknown field `{key}`",
                         suggest(key, allowed, "known fields: " + ", ".join(allowed)))

    def read(self, data: MarkedDict, key: str, reader: Callable[[Any], Any], path: str) -> Any:
        try:
            return reader(data[key])
        except ValueError as error:
            message, fix = error.args if len(error.args) == 2 else (str(error), "")
            self.add(data.value_marks.get(key, data.mark), join(path, key), message, fix)
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
            self.add(mark, join(path, key), f"cannot open {what} '{name}': {error.strerror}",
                     f"give the path of {what}, relative to the routine file")
            return None
        if not stat.S_ISREG(mode):
            self.add(mark, join(path, key), f"'{name}' is not a file",
                     f"give the path of {what}, not a folder or device")
            return None
        if suffixes and found.suffix.lower() not in suffixes:
            self.add(mark, join(path, key), f"'{name}' is not a {' or '.join(suffixes)} file",
                     f"use a {' or '.join(s.lstrip('.').upper() for s in suffixes)} picture")
            return None
        return found

    def probed(self, data: MarkedDict, key: str, path: str, check: Callable[[], None]) -> bool:
        """Whether a file's contents pass `check` (a probe that raises ValueError(message, fix))."""
        try:
            check()
        except ValueError as error:
            self.add(data.value_marks.get(key, data.mark), join(path, key), *error.args)
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
                self.add(item_mark, join(path, index), *error.args)
        return tuple(result) if len(result) == len(value) else None


