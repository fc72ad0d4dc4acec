"""Get a finished clip for every text of a script, synthesizing only what the cache lacks.

Missing clips are synthesized by several worker processes at once when the engine allows it
(the offline voice: each worker loads it once and runs it on one thread). Every clip is worked
out by the same single-threaded computation whichever worker takes it, so the track is the same
byte for byte however many workers there are; each clip goes into the cache as soon as it is
done, so an interrupted cold build resumes where it stopped.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from multiprocessing.pool import Pool
from typing import Callable, Iterable, Iterator

import numpy as np

from audiocoach.errors import AudiocoachError
from audiocoach.hooks import pause_at
from audiocoach.voice.cache import ClipCache, NoCache, clip_key
from audiocoach.voice.clips import finish, to_int16
from audiocoach.voice.engines import Engine

Progress = Callable[[int, int], None]  # (done, total) of the clips being synthesized
WORKERS_VARIABLE = "AUDIOCOACH_WORKERS"


def default_workers() -> int:
    """`AUDIOCOACH_WORKERS`, or one worker per core this process may use."""
    try:
        workers = int(os.environ.get(WORKERS_VARIABLE, "0"))
    except ValueError:
        workers = 0
    if workers > 0:
        return workers
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Synthesis:
    """Clips by text as int16 at the engine's rate, and how many had to be synthesized."""

    def __init__(self, clips: dict[str, np.ndarray], synthesized: list[str]):
        self.clips = clips
        self.synthesized = synthesized

    def lengths(self) -> dict[str, int]:
        return {text: clip.size for text, clip in self.clips.items()}


def synthesize_all(texts: Iterable[str], engine: Engine, cache: ClipCache | NoCache,
                   progress: Progress | None = None, workers: int | None = None,
                   pool: Pool | None = None) -> Synthesis:
    """Every text's clip; `workers` processes synthesize what is missing (default: one per core),
    or the processes of `pool` (made by `worker_pool`) when one is given."""
    settings = engine.settings()
    clips: dict[str, np.ndarray] = {}
    missing: list[str] = []
    keys: dict[str, str] = {}
    for text in dict.fromkeys(texts):
        keys[text] = clip_key(engine.name, settings, engine.sample_rate_hz, text)
        clip = cache.get(keys[text], engine.sample_rate_hz)
        if clip is None:
            missing.append(text)
        else:
            clips[text] = clip
    for done, (text, clip) in enumerate(_synthesized(engine, missing, workers, pool), start=1):
        cache.put(keys[text], engine.sample_rate_hz, clip)
        clips[text] = clip
        if done == 1:
            pause_at("synthesis")
        if progress:
            progress(done, len(missing))
    return Synthesis(clips, missing)


def worker_pool(workers: int) -> Pool:
    """Worker processes that may synthesize clips: each loads a voice once, on its first clip.

    Forked, so they start at once with what is already loaded. Ctrl-C reaches the whole process
    group: the workers ignore it and the build stops them, with no traceback from each.
    """
    return multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts)


def _synthesized(engine: Engine, texts: list[str], workers: int | None,
                 pool: Pool | None) -> Iterator[tuple[str, np.ndarray]]:
    """(text, clip) for each text, in the order they finish."""
    workers = min(workers or default_workers(), len(texts))
    if (len(texts) <= 1 or not getattr(engine, "parallel", False)
            or (pool is None and (workers <= 1 or multiprocessing.current_process().daemon))):
        # one at a time: a single clip, an engine that must not run twice at once (Google
        # limits how fast it answers), one worker asked for, or inside a worker already
        for text in texts:
            yield text, _clip(engine, text)
        return
    if hasattr(engine, "prepare"):
        engine.prepare()  # once here, not once in every worker
    # Longest texts first, so no worker is left with a long clip while the others sit idle.
    jobs = [(engine, text) for text in sorted(texts, key=len, reverse=True)]
    if pool is not None:
        yield from _collected(pool.imap_unordered(_work, jobs))
        return
    with worker_pool(workers) as own:
        yield from _collected(own.imap_unordered(_work, jobs))


def _collected(results: Iterator[tuple[str, np.ndarray | AudiocoachError]]) -> Iterator[tuple[str, np.ndarray]]:
    for text, outcome in results:
        if isinstance(outcome, AudiocoachError):
            raise outcome
        yield text, outcome


def _clip(engine: Engine, text: str) -> np.ndarray:
    clip = to_int16(finish(engine.synthesize(text), engine.sample_rate_hz))
    # A text with nothing to say (only punctuation) still needs a place on the timeline.
    return clip if clip.size else np.zeros(1, dtype=np.int16)


def _work(job: tuple[Engine, str]) -> tuple[str, np.ndarray | AudiocoachError]:
    engine, text = job
    try:
        return text, _clip(engine, text)
    except AudiocoachError as error:
        return text, error


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
