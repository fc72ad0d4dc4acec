"""The compile path: load -> model -> script -> synthesize -> timeline -> render.

`plan` runs every stage but the last; `build` is `plan` followed by rendering.
"""

from __future__ import annotations

import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Callable

from audiocoach.audio import probe
from audiocoach.audio.cover import (
    cover_warnings,
    draw_cover,
    drawn_cover_warnings,
    read_cover,
)
from audiocoach.audio.loudness import TooLoud
from audiocoach.audio.mix import Mixer
from audiocoach.audio.music import MusicBed
from audiocoach.audio.render import Report, encodable_length, measure_voice, render
from audiocoach.audio.sounds import SoundSet
from audiocoach.audio.tags import write_tags
from audiocoach.errors import AudiocoachError, ExitCode, Problem
from audiocoach.routine.catalog import catalog_fields, resolve_routine
from audiocoach.routine.load import load_file, load_text
from audiocoach.routine.model import Routine, Voice
from audiocoach.routine.validation import FileChecks, build_routine
from audiocoach.speech.script import build_script
from audiocoach.speech.timeline import Timeline, lay_out
from audiocoach.voice.cache import ClipCache, NoCache, default_dir
from audiocoach.voice.engines import choose_engine, offline
from audiocoach.voice.engines.gtts import google_reachable
from audiocoach.voice.engines.piper import (
    PiperEngine,
    language_warning,
    missing_voice,
    voice_files,
)
from audiocoach.voice.synthesize import Progress, Synthesis, synthesize_all

ROUTINE_LOUDNESS = "routine"  # Options.loudness_lufs: keep the routine's own


@dataclass(frozen=True)
class Options:
    """What the command line may change; None keeps the routine's own choice."""

    engine: str | None = None
    model: str | None = None
    language: str | None = None
    accent: str | None = None
    speed: float | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    loudness_lufs: float | None | str = ROUTINE_LOUDNESS  # a target, None for off

    def loudness(self, routine: Routine) -> float | None:
        return routine.loudness_lufs if self.loudness_lufs == ROUTINE_LOUDNESS else self.loudness_lufs

    def voice(self, routine: Routine) -> Voice:
        changes = {name: getattr(self, name) for name in ("engine", "model", "language", "accent", "speed")
                   if getattr(self, name) is not None}
        return dataclasses.replace(routine.voice, **changes)


@dataclass
class Compiled:
    routine: Routine
    timeline: Timeline
    synthesis: Synthesis
    sounds: SoundSet
    voice_note: str  # which engine was used and why, in one line
    loudness_lufs: float | None  # the target the track is mastered to; None: off
    voice: Voice  # the routine's voice with the options applied: its language is the script's
    loudness_given: bool = False  # the target came from the caller, not from the routine


def _voice_there(model: str, language: str) -> None:
    """Refuse a voice model given as a path whose files are not there (a name may be a voice
    still to be added)."""
    missing = voice_files(model)[2] and missing_voice(model, language, "leave `model` out")
    if missing:
        raise ValueError(*missing)


# The files a routine names, checked while it is read: sounds and music decode, the cover
# opens, a voice model's files are there.
FILE_CHECKS = FileChecks(picture=probe.picture, cue_sound=probe.cue_sound, music=probe.music,
                         voice_model=_voice_there)


def read_routine(path: Path) -> Routine:
    """A validated routine from a file path or a bundled routine's name."""
    path = resolve_routine(path)
    return build_routine(load_file(path), str(path), catalog_fields(), FILE_CHECKS)


def read_routine_text(text: str, file: str) -> Routine:
    """A validated routine from YAML text, its problems placed in `file`."""
    return build_routine(load_text(text, file), file, catalog_fields(), FILE_CHECKS)


def compile_routine(routine: Routine, options: Options, progress: Progress | None = None,
                    reachable: Callable[[], bool] | None = None,
                    on_voice: Callable[[str], None] | None = None,
                    pool: Pool | None = None) -> Compiled:
    voice = options.voice(routine)
    try:
        engine, note = choose_engine(voice, reachable or google_reachable)
    except AudiocoachError as error:
        raise _said_for_option(error, options, voice) from None
    if on_voice:
        on_voice(note)
    cache = (ClipCache(options.cache_dir or default_dir()) if options.use_cache else NoCache())
    script = build_script(routine, voice.language, engine.voice_name)
    try:
        synthesis = synthesize_all(script.texts(), engine, cache, progress, pool=pool)
    except AudiocoachError as error:
        if voice.engine != "auto" or engine.name != "gtts" or error.exit_code != ExitCode.ENGINE:
            raise
        # Google answered the probe, then stopped: the whole track uses the offline voice, as
        # voices are never mixed; what Google did send stays cached for next time.
        stopped = f"Google stopped answering: {error.problems[0].message}"
        engine = offline(voice, stopped)
        if on_voice:
            on_voice(f"Voice: piper, offline {engine.voice_name} ({stopped})")
        # The offline voice's region may say the numbers otherwise (pt_BR).
        script = build_script(routine, voice.language, engine.voice_name)
        synthesis = synthesize_all(script.texts(), engine, cache, progress, pool=pool)
    if isinstance(engine, PiperEngine):
        chosen_by = "--voice" if options.model is not None else "voice.model"
        mismatch = language_warning(engine, voice.language, chosen_by)
        if mismatch:
            script.warnings.append(mismatch)
    if cache.warning():
        script.warnings.append(cache.warning())
    if routine.cover is not None:
        script.warnings.extend(cover_warnings(routine.cover, routine.file))
    else:
        script.warnings.extend(drawn_cover_warnings(routine.title,
                                                    [exercise.name for exercise in routine.exercises]))
    sounds = SoundSet(routine.sounds, engine.sample_rate, routine.file)
    timeline = lay_out(script, synthesis.lengths(), sounds, engine.sample_rate, engine.name,
                       encodable_length)
    return Compiled(routine, timeline, synthesis, sounds, note, options.loudness(routine),
                    voice=voice, loudness_given=options.loudness_lufs != ROUTINE_LOUDNESS)


def _said_for_option(error: AudiocoachError, options: Options, voice: Voice) -> AudiocoachError:
    """The error of a voice given with --voice that is not there, its fix naming the option."""
    missing = missing_voice(options.model, voice.language, "drop --voice") if options.model else None
    first, *rest = error.problems
    if missing is None or not first.message.endswith(missing[0]):
        return error
    return AudiocoachError([dataclasses.replace(first, fix=missing[1], field="--voice"), *rest],
                           error.exit_code)


def mixer(compiled: Compiled) -> Mixer:
    """The compiled track's mix, music and all, with the music set relative to the voice."""
    routine, timeline = compiled.routine, compiled.timeline
    bed = MusicBed(routine.music, timeline, routine.file) if routine.music else None
    mix = Mixer(timeline, compiled.synthesis.clips, compiled.sounds, bed)
    if bed is not None:
        bed.voice_lufs = measure_voice(mix)
    return mix


def cover(compiled: Compiled) -> tuple[bytes, str]:
    """The picture for the MP3: the routine's `cover`, or one drawn for it."""
    routine, timeline = compiled.routine, compiled.timeline
    if routine.cover is not None:
        return read_cover(routine.cover, routine.file)
    return draw_cover(routine.title, timeline.seconds(timeline.length),
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
