"""A compiled routine and its rendering: the mix, the cover, the file with its tags."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from audiocoach.audio.cover import draw_cover, read_cover
from audiocoach.audio.mastering import TooLoud
from audiocoach.audio.mix import Mixer
from audiocoach.audio.music import MusicBed
from audiocoach.audio.render import Report, measure_voice, render
from audiocoach.audio.sounds import SoundSet
from audiocoach.audio.tags import write_tags
from audiocoach.errors import AudiocoachError, Problem
from audiocoach.routine.model import Routine, Voice
from audiocoach.speech.timeline import Timeline
from audiocoach.voice.synthesize import Synthesis


@dataclass
class Compiled:
    """A routine made ready to render: its timeline, clips and sounds, and the voice used."""

    routine: Routine
    timeline: Timeline
    synthesis: Synthesis
    sounds: SoundSet
    voice_note: str  # which engine was used and why, in one line
    loudness_lufs: float | None  # the target the track is mastered to; None: off
    # The routine's voice with the options applied and the engine that spoke; its language is
    # the script's.
    voice: Voice
    loudness_given: bool = False  # the target came from the caller, not from the routine


def mixer(compiled: Compiled) -> Mixer:
    """The compiled track's mix, music and all, with the music set relative to the voice."""
    routine, timeline = compiled.routine, compiled.timeline
    voice = Mixer(timeline, compiled.synthesis.clips, compiled.sounds, None)
    if not routine.music:
        return voice
    bed = MusicBed(routine.music, timeline, routine.file, voice_lufs=measure_voice(voice))
    return Mixer(timeline, compiled.synthesis.clips, compiled.sounds, bed)


def cover(compiled: Compiled) -> tuple[bytes, str]:
    """The picture for the MP3: the routine's `cover`, or one drawn for it."""
    routine, timeline = compiled.routine, compiled.timeline
    if routine.cover is not None:
        return read_cover(routine.cover, routine.file)
    return draw_cover(routine.title, timeline.seconds(timeline.length_samples),
                      [exercise.name for exercise in routine.exercises],
                      compiled.voice.language), "image/png"


def build(compiled: Compiled, out: Path, audio_format: str = "mp3",
          picture: tuple[bytes, str] | None = None, threads: int = 1) -> Report:
    """Render the compiled routine into `out` (MP3 with tags, chapters and cover, or WAV).

    `picture` is the cover when the caller already has it (bytes, MIME type); otherwise the
    routine's is read first (a bad file stops the build before it starts) or one is drawn while
    the track encodes. The MP3 is encoded on `threads` threads; it is the same on any number."""
    if audio_format == "mp3" and picture is None and compiled.routine.cover is not None:
        picture = cover(compiled)
    with ThreadPoolExecutor(1) as drawing:
        pending = drawing.submit(cover, compiled) if audio_format == "mp3" and picture is None else None

        def tag(path: Path) -> None:
            write_tags(path, compiled.timeline, compiled.routine.description,
                       pending.result() if pending else picture)

        try:
            return render(mixer(compiled), out, audio_format, compiled.loudness_lufs, tag, threads)
        except TooLoud as error:
            raise too_loud(error, compiled) from None


def too_loud(error: TooLoud, compiled: Compiled) -> AudiocoachError:
    """A loudness target the track cannot reach, said with the loudest it can be, at the place
    the target was asked for: the routine's `loudness:`, or the caller's option."""
    # both figures rounded down, so that either can be built
    reachable, most = (math.floor(error.reachable_lufs * n) / n for n in (10, 2))
    routine = compiled.routine
    track = f"'{routine.title}'" if compiled.loudness_given else "this track"
    message = (f"{error.target_lufs:g} LUFS is louder than {track} can be made with true peaks "
               f"under -1 dBTP: it reaches {reachable:.1f} LUFS at most")
    if compiled.loudness_given:
        return AudiocoachError(Problem(
            message, f"ask for {most:g} LUFS or quieter, or off; podcasts use -16 to -20",
            field="loudness"))
    line, col = routine.loudness_place or (None, None)
    return AudiocoachError(Problem(
        message, f"set loudness to {most:g} or quieter, or off; podcasts use -16 to -20",
        routine.file, line, col, "loudness"))
