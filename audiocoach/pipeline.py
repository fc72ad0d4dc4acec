"""The compile path: read -> validate -> script -> synthesize -> timeline.

`compile_routine` runs every stage but rendering, which `audiocoach.audio.track.build` does.
"""

from __future__ import annotations

import dataclasses
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Callable

from audiocoach.audio import probe
from audiocoach.audio.cover import (
    cover_warnings,
    drawn_cover_warnings,
)
from audiocoach.audio.render import encodable_length
from audiocoach.audio.sounds import SoundSet
from audiocoach.audio.track import Compiled
from audiocoach.errors import AudiocoachError, Kind
from audiocoach.options import Options
from audiocoach.routine.catalog import catalog_fields, resolve_routine
from audiocoach.routine.definitions import AUTO, GTTS
from audiocoach.routine.load import load_file, load_text
from audiocoach.routine.model import Routine, Voice
from audiocoach.routine.validation import FileChecks, build_routine
from audiocoach.speech.script import build_script
from audiocoach.speech.timeline import lay_out
from audiocoach.voice.cache import ClipCache, NoCache, default_dir
from audiocoach.voice.engines import choose_engine, offline
from audiocoach.voice.engines.base import Engine
from audiocoach.voice.engines.gtts import google_reachable
from audiocoach.voice.engines.piper import (
    PiperEngine,
    language_warning,
    missing_voice,
    voice_files,
)
from audiocoach.voice.synthesize import Progress, synthesize_all


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
        if voice.engine != AUTO or engine.name != GTTS or error.kind != Kind.ENGINE:
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
    sounds = SoundSet(routine.sounds, engine.sample_rate_hz, routine.file)
    # An MP3 decodes to its planned length only if that length suits the encoder's frames.
    rounding = (encodable_length,) if options.audio_format == "mp3" else ()
    timeline = lay_out(script, synthesis.lengths(), sounds, engine.sample_rate_hz, engine.name,
                       *rounding)
    # what the build found besides the routine's words: said with the plan, after the script's
    timeline.warnings.extend(_build_warnings(routine, options, voice, engine, cache))
    return Compiled(routine, timeline, synthesis, sounds, note, options.loudness(routine),
                    voice=dataclasses.replace(voice, engine=engine.name),
                    loudness_given=options.loudness_given)


def _build_warnings(routine: Routine, options: Options, voice: Voice, engine: Engine,
                    cache: ClipCache | NoCache) -> list[str]:
    """The voice that speaks another language, the cache that cannot be written, the cover."""
    warnings = []
    if isinstance(engine, PiperEngine):
        chosen_by = "--voice" if options.model is not None else "voice.model"
        mismatch = language_warning(engine, voice.language, chosen_by)
        if mismatch:
            warnings.append(mismatch)
    if cache.warning():
        warnings.append(cache.warning())
    if routine.cover is not None:
        warnings.extend(cover_warnings(routine.cover, routine.file))
    else:
        warnings.extend(drawn_cover_warnings(routine.title,
                                             [exercise.name for exercise in routine.exercises]))
    return warnings


def _said_for_option(error: AudiocoachError, options: Options, voice: Voice) -> AudiocoachError:
    """The error of a voice given with --voice that is not there, its fix naming the option."""
    missing = missing_voice(options.model, voice.language, "drop --voice") if options.model else None
    first, *rest = error.problems
    if missing is None or not first.message.endswith(missing[0]):
        return error
    return AudiocoachError([dataclasses.replace(first, fix=missing[1], field="--voice"), *rest],
                           error.kind)


