"""The fields for the sound of the whole track: sounds, phrases, loudness, music and cover."""

from __future__ import annotations

from typing import Any

from audiocoach.errors import suggest
from audiocoach.routine import readers as read
from audiocoach.routine.definitions import (
    COVER_TYPES,
    CUE_SOUNDS,
    MUSIC,
    NO_SOUND,
    ROUTINE,
    SOUND_CUES,
)
from audiocoach.routine.load import MarkedDict
from audiocoach.routine.model import Music, Picture, SoundChoice, default_sounds
from audiocoach.routine.problems import Problems, join


class TrackReader:
    """The fields for the sound of the whole track: sounds, routine-wide phrases, loudness,
    music and cover. Files they name are checked here, relative to the routine's folder."""

    def __init__(self, problems: Problems):
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
                                                     lambda: problems.checks.picture(found, name)):
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
                choice = SoundChoice(name, cue_line, col=raw.value_marks[cue].col)
                if self.problems.probed(raw, cue, "sounds",
                                        lambda: self.problems.checks.cue_sound(choice, cue)):
                    chosen[cue] = choice
            elif name == NO_SOUND:  # a cue whose word for no sound is another (the countdown's)
                self.problems.add(raw.value_marks[cue], join("sounds", cue),
                                  f"the {cue} has no `{NO_SOUND}`: without a sound its numbers are "
                                  "spoken", f"write `{cue}: {CUE_SOUNDS[cue].kind.off}`, or "
                                  f"`{cue}: 0` in `defaults` to leave it out")
            elif not CUE_SOUNDS[cue].kind.names_a_file(name):
                self.problems.add(raw.value_marks[cue], join("sounds", cue),
                                  f"'{name}' is not a built-in sound",
                                  suggest(name, CUE_SOUNDS[cue].kind.builtins,
                                          CUE_SOUNDS[cue].kind.fix(), quote=""))
            else:
                found = self.problems.existing_file(raw, cue, "sounds", "a sound file")
                mark = raw.value_marks[cue]
                choice = SoundChoice(name, cue_line, found, mark.col)
                if found is not None and self.problems.probed(
                        raw, cue, "sounds", lambda: self.problems.checks.cue_sound(choice, cue)):
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
                raw, "file", "music", lambda: self.problems.checks.music(found, raw["file"])):
            found = None
        levels = {key: self.problems.read(raw, key, MUSIC[key], "music")
                  for key in ("level", "duck") if key in raw}
        if found is None or None in levels.values():
            return None
        mark = raw.value_marks["file"]
        return Music(read.text(raw["file"]), found, mark.line,
                     **{f"{key}_db": value for key, value in levels.items()}, col=mark.col)


