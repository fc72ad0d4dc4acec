"""How to build a routine: the settings a caller may change, from the command line or the API.

The command line and `audiocoach.plan` make one `Options`, checked as the routine's own fields
are; batch builds and the pipeline read it as it is.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiocoach.errors import AudiocoachError, Kind, Problem, suggest
from audiocoach.publish.outputs import AUDIO_FORMATS
from audiocoach.routine import readers as read
from audiocoach.routine.definitions import ROUTINE, VOICE
from audiocoach.routine.model import Routine, Voice

ROUTINE_LOUDNESS = "routine"  # Options.loudness_lufs: keep the routine's own

# The keywords that name a field otherwise: the piper voice model is `voice` to a caller
# (`--voice`), `model` in the routine.
KEYWORD_FIELDS = {"voice": "model", "loudness": "loudness_lufs"}


@dataclass(frozen=True)
class Options:
    """What a caller may change for one build; None keeps the routine's own choice.

    Each value is checked as it is given, by the rule of the routine's field of that name:
    a wrong one, an unknown field or a value without a name raises a usage AudiocoachError."""

    engine: str | None = None
    model: str | None = None  # a piper voice name or .onnx path
    language: str | None = None
    accent: str | None = None
    speed: float | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    loudness_lufs: float | None | str = ROUTINE_LOUDNESS  # a target, None for off
    audio_format: str = "mp3"  # what the track will be written as; an MP3's length is padded

    # written out rather than generated, so that a wrong field or value is an AudiocoachError
    # rather than a TypeError or a failure deep inside a build
    def __init__(self, *positional: Any, **given: Any) -> None:
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        problems = []
        if positional:
            problems.append(Problem(f"got {len(positional)} value(s) without a field's name",
                                    "name each, e.g. Options(engine='piper')", field="Options"))
        for name in given:
            if name not in defaults:
                problems.append(Problem(f"`{name}` is not a field of Options", suggest(
                    name, defaults, "the fields are " + ", ".join(defaults)), field=name))
        values = {name: given.get(name, default) for name, default in defaults.items()}
        for name, value in values.items():
            try:
                values[name] = _read_field(name, value)
            except ValueError as error:
                problems.append(Problem(*error.args, field=name))
        if problems:
            raise AudiocoachError(problems, Kind.USAGE)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def checked(cls, *, engine: Any = None, voice: Any = None, language: Any = None,
                accent: Any = None, speed: Any = None, loudness: Any = ROUTINE_LOUDNESS,
                cache_dir: Any = None, use_cache: Any = True) -> Options:
        """Options from a caller's keywords (`voice`, `loudness`: the API's and command line's
        names for `model`, `loudness_lufs`), each problem's field the keyword."""
        given = {"engine": engine, "voice": voice, "language": language, "accent": accent,
                 "speed": speed, "cache_dir": cache_dir, "use_cache": use_cache,
                 "loudness": loudness}
        problems = []
        for keyword, value in given.items():
            try:
                _read_field(KEYWORD_FIELDS.get(keyword, keyword), value)
            except ValueError as error:
                problems.append(Problem(*error.args, field=keyword))
        if problems:
            raise AudiocoachError(problems, Kind.USAGE)
        return cls(**{KEYWORD_FIELDS.get(keyword, keyword): value
                      for keyword, value in given.items()})

    @property
    def loudness_given(self) -> bool:
        """Whether the loudness target is the caller's rather than the routine's."""
        return self.loudness_lufs != ROUTINE_LOUDNESS

    def loudness(self, routine: Routine) -> float | None:
        """The loudness target for `routine`: the caller's, else the routine's."""
        return self.loudness_lufs if self.loudness_given else routine.loudness_lufs

    def voice(self, routine: Routine) -> Voice:
        """The routine's voice with these options applied."""
        changes = {field: getattr(self, field) for field in VOICE
                   if getattr(self, field) is not None}
        return dataclasses.replace(routine.voice, **changes)


def _read_field(name: str, value: Any) -> Any:
    """One field's value, read as its routine field reads it; ValueError(message, fix) if wrong."""
    if name in VOICE:
        return None if value is None else VOICE[name](value)
    if name == "use_cache":
        return read.boolean(value)
    if name == "loudness_lufs":
        return value if value in (None, ROUTINE_LOUDNESS) else ROUTINE["loudness"](value)
    if name == "audio_format":
        if value not in AUDIO_FORMATS:
            raise ValueError(f"cannot write {value!r} files", "use 'mp3' or 'wav'")
        return value
    if value is None:  # cache_dir
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ValueError(f"expected a folder, got {python_kind(value)}", "give a path, or None")
    if Path(value).exists() and not Path(value).is_dir():
        raise ValueError(f"{value} is a file, not a folder",
                         "give a folder for the clip cache, or leave it out")
    return Path(value)


def python_kind(value: Any) -> str:
    """`None`, `a BytesIO`, `an object`: a Python value named by its type."""
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"
