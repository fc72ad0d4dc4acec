"""The plan while clips are missing: the real timeline, with unsynthesized clips' lengths estimated.

Every clip that is in the cache (under the key a build would use) counts with its real length;
a missing one is given the length its text would take at the speaking rate measured from the
clips that are there (or a usual rate when none are). The layout is `lay_out`'s, so only the
missing clips' lengths can be off, and the plan says which exercises they touch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from audiocoach.api import Track
from audiocoach.audio.render import encodable_length
from audiocoach.audio.sounds import SoundSet
from audiocoach.options import Options
from audiocoach.routine.model import Routine
from audiocoach.speech.script import build_script
from audiocoach.speech.timeline import Timeline, lay_out
from audiocoach.voice.cache import ClipCache, clip_key, default_dir
from audiocoach.voice.engines import choose_engine

USUAL_CHARACTERS_PER_S = 14  # a voice at speed 1 says about this many letters a second


@dataclass
class Layout:
    """A timeline and which of its texts have no clip yet."""

    timeline: Timeline
    missing: set[str] = field(default_factory=set)


def estimated_layout(routine: Routine, reachable: Callable[[], bool]) -> Layout:
    """The routine laid out with the voice a build would choose, estimating missing clips."""
    voice = Options().voice(routine)
    engine, _ = choose_engine(voice, reachable)
    script = build_script(routine, voice.language, engine.voice_name)
    cache = ClipCache(default_dir())
    settings = engine.settings()
    known: dict[str, int] = {}
    missing: list[str] = []
    for text in script.texts():
        key = clip_key(engine.name, settings, engine.sample_rate_hz, text)
        clip = cache.get(key, engine.sample_rate_hz)
        if clip is None:
            missing.append(text)
        else:
            known[text] = clip.size
    rate = _samples_per_character(known, engine.sample_rate_hz, voice.speed)
    lengths = {**known, **{text: max(1, round(len(text) * rate)) for text in missing}}
    sounds = SoundSet(routine.sounds, engine.sample_rate_hz, routine.file)
    timeline = lay_out(script, lengths, sounds, engine.sample_rate_hz, engine.name,
                       encodable_length)
    return Layout(timeline, set(missing))


def _samples_per_character(known: dict[str, int], sample_rate: int, speed: float) -> Fraction:
    characters = sum(len(text) for text in known)
    if characters >= 40:  # a few lines of this very voice say more than any usual rate
        return Fraction(sum(known.values()), characters)
    return Fraction(sample_rate) / (Fraction(USUAL_CHARACTERS_PER_S) * Fraction(speed))


def plan_json(routine: Routine, layout: Layout | None = None, track: Track | None = None) -> dict:
    """The studio's plan: total, each exercise's start and length, warnings, what is estimated.

    From `track` (every clip synthesized: exact, as `plan` says it) or from an estimated layout."""
    timeline = track.timeline if track is not None else layout.timeline
    missing = layout.missing if layout is not None and track is None else set()
    first = 1 if routine.intro else 0  # the intro's chapter comes before the exercises'
    exercises = []
    for exercise, chapter in zip(routine.exercises, timeline.chapters[first:]):
        number = timeline.chapters.index(chapter) + 1
        guessed = any(event.kind == "speech" and event.text in missing
                      for event in timeline.events if event.chapter == number)
        exercises.append({
            "name": exercise.name,
            "start_s": timeline.seconds(chapter.start_sample),
            "length_s": timeline.seconds(chapter.end_sample - chapter.start_sample),
            "hold_s": float(exercise.hold_s) if exercise.hold_s is not None else None,
            "estimated": guessed,
        })
    return {"total_s": timeline.seconds(timeline.length_samples), "estimated": bool(missing),
            "exercises": exercises, "warnings": list(timeline.warnings)}
