"""Get a finished clip for every text of a script, synthesizing only what the cache lacks."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from .cache import ClipCache, NoCache, clip_key
from .clips import finish, to_int16
from .engines import Engine
from .hooks import pause_at

Progress = Callable[[int, int], None]  # (done, total) of the clips being synthesized


class Synthesis:
    """Clips by text as int16 at the engine's rate, and how many had to be synthesized."""

    def __init__(self, clips: dict[str, np.ndarray], synthesized: list[str]):
        self.clips = clips
        self.synthesized = synthesized

    def lengths(self) -> dict[str, int]:
        return {text: clip.size for text, clip in self.clips.items()}


def synthesize_all(texts: Iterable[str], engine: Engine, cache: ClipCache | NoCache,
                   progress: Progress | None = None) -> Synthesis:
    settings = engine.settings()
    clips: dict[str, np.ndarray] = {}
    missing: list[tuple[str, str]] = []
    for text in dict.fromkeys(texts):
        key = clip_key(engine.name, settings, engine.sample_rate, text)
        clip = cache.get(key, engine.sample_rate)
        if clip is None:
            missing.append((text, key))
        else:
            clips[text] = clip
    for done, (text, key) in enumerate(missing, start=1):
        clip = to_int16(finish(engine.synthesize(text), engine.sample_rate))
        if clip.size == 0:
            # A text with nothing to say (only punctuation) still needs a place on the timeline.
            clip = np.zeros(1, dtype=np.int16)
        cache.put(key, engine.sample_rate, clip)
        clips[text] = clip
        if done == 1:
            pause_at("synthesis")
        if progress:
            progress(done, len(missing))
    return Synthesis(clips, [text for text, _ in missing])
