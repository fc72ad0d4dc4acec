"""The compile path: load -> model -> script -> synthesize -> timeline -> render.

`plan` runs every stage but the last; `build` is `plan` followed by rendering.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .cache import ClipCache, NoCache, default_dir
from .catalog import catalog_fields, resolve_routine
from .engines import choose_engine
from .engines.gtts import google_reachable
from .load import load_file
from .model import Routine, Voice, build_routine
from .render import render
from .script import build_script
from .sounds import sound_lengths
from .synthesize import Progress, Synthesis, synthesize_all
from .timeline import Timeline, lay_out


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

    def voice(self, routine: Routine) -> Voice:
        changes = {name: getattr(self, name) for name in ("engine", "model", "language", "accent", "speed")
                   if getattr(self, name) is not None}
        return dataclasses.replace(routine.voice, **changes)


@dataclass
class Compiled:
    routine: Routine
    timeline: Timeline
    synthesis: Synthesis
    voice_note: str  # which engine was used and why, in one line


def read_routine(path: Path) -> Routine:
    """A validated routine from a file path or a bundled routine's name."""
    path = resolve_routine(path)
    return build_routine(load_file(path), str(path), catalog_fields())


def compile_routine(routine: Routine, options: Options, progress: Progress | None = None,
                    reachable: Callable[[], bool] | None = None,
                    on_voice: Callable[[str], None] | None = None) -> Compiled:
    engine, note = choose_engine(options.voice(routine), reachable or google_reachable)
    if on_voice:
        on_voice(note)
    cache = (ClipCache(options.cache_dir or default_dir()) if options.use_cache else NoCache())
    script = build_script(routine)
    synthesis = synthesize_all(script.texts(), engine, cache, progress)
    timeline = lay_out(script, synthesis.lengths(), routine.sounds,
                       sound_lengths(routine.sounds, engine.sample_rate), engine.sample_rate,
                       engine.name)
    return Compiled(routine, timeline, synthesis, note)


def build(compiled: Compiled, out: Path, audio_format: str = "mp3") -> None:
    render(compiled.timeline, compiled.synthesis.clips, out, audio_format, compiled.routine.description)
