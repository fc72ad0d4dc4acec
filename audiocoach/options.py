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

from audiocoach.errors import AudiocoachError, Kind, Problem
from audiocoach.routine import readers as read
from audiocoach.routine.definitions import ROUTINE, VOICE
from audiocoach.routine.model import Routine, Voice

ROUTINE_LOUDNESS = "routine"  # Options.loudness_lufs: keep the routine's own

# The keywords that stand for the routine's `voice:` fields: the piper voice model is `voice`
# to a caller (`--voice`), `model` in the routine.
VOICE_KEYWORDS = {"engine": "engine", "voice": "model", "language": "language",
                  "accent": "accent", "speed": "speed"}


@dataclass(frozen=True)
class Options:
    """What a caller may change for one build; None keeps the routine's own choice."""

    engine: str | None = None
    model: str | None = None  # a piper voice name or .onnx path
    language: str | None = None
    accent: str | None = None
    speed: float | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    loudness_lufs: float | None | str = ROUTINE_LOUDNESS  # a target, None for off
    audio_format: str = "mp3"  # what the track will be written as; an MP3's length is padded

    @classmethod
    def checked(cls, *, engine: Any = None, voice: Any = None, language: Any = None,
                accent: Any = None, speed: Any = None, loudness: Any = ROUTINE_LOUDNESS,
                cache_dir: Any = None, use_cache: Any = True) -> Options:
        """Options from a caller's values, refused as the routine's own fields would refuse them.

        Raises a usage error with a problem for each wrong value, its field the keyword."""
        given = {"engine": engine, "voice": voice, "language": language, "accent": accent,
                 "speed": speed, "cache_dir": cache_dir, "use_cache": use_cache}
        values: dict[str, Any] = {}
        problems = []
        for keyword, value in given.items():
            try:
                values[keyword] = None if value is None else _read(keyword, value)
            except ValueError as error:
                problems.append(Problem(*error.args, field=keyword))
        if loudness not in (None, ROUTINE_LOUDNESS):  # None: off
            try:
                loudness = ROUTINE["loudness"](loudness)
            except ValueError as error:
                problems.append(Problem(*error.args, field="loudness"))
        if problems:
            raise AudiocoachError(problems, Kind.USAGE)
        cache = values["cache_dir"]
        return cls(engine=values["engine"], model=values["voice"], language=values["language"],
                   accent=values["accent"], speed=values["speed"],
                   cache_dir=Path(cache) if cache is not None else None,
                   use_cache=values["use_cache"] is not False, loudness_lufs=loudness)

    @property
    def loudness_given(self) -> bool:
        """Whether the loudness target is the caller's rather than the routine's."""
        return self.loudness_lufs != ROUTINE_LOUDNESS

    def loudness(self, routine: Routine) -> float | None:
        """The loudness target for `routine`: the caller's, else the routine's."""
        return self.loudness_lufs if self.loudness_given else routine.loudness_lufs

    def voice(self, routine: Routine) -> Voice:
        """The routine's voice with these options applied."""
        changes = {field: getattr(self, field) for field in VOICE_KEYWORDS.values()
                   if getattr(self, field) is not None}
        return dataclasses.replace(routine.voice, **changes)


def _read(keyword: str, value: Any) -> Any:
    """One option's value, read as its routine field reads it; ValueError(message, fix) if wrong."""
    if keyword in VOICE_KEYWORDS:
        return VOICE[VOICE_KEYWORDS[keyword]](value)
    if keyword == "use_cache":
        return read.boolean(value)
    if not isinstance(value, (str, os.PathLike)):  # cache_dir
        raise ValueError(f"expected a folder, got {python_kind(value)}", "give a path, or None")
    if Path(value).exists() and not Path(value).is_dir():
        raise ValueError(f"{value} is a file, not a folder",
                         "give a folder for the clip cache, or leave it out")
    return value


def python_kind(value: Any) -> str:
    """`None`, `a BytesIO`, `an object`: a Python value named by its type."""
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"
