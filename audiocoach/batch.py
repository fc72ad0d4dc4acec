"""Build several routines at once, with one set of worker processes, one per core.

The routines are compiled in turn, their missing clips synthesized by the workers (each loads
the voice once for the whole batch; a clip two routines share is synthesized once: the second
finds it in the cache). Then the workers mix and encode the tracks, the longest first, so none
is left with a long one at the end. Each routine's messages are collected and handed back in
the order the routines were given, so the output reads the same however many run at once, and
one routine's mistake stops only that routine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Callable, Iterator

from audiocoach.api import Track, plan_with
from audiocoach.errors import AudiocoachError
from audiocoach.options import Options
from audiocoach.publish.sidecars import write_sidecars
from audiocoach.routine import readers as read
from audiocoach.routine.durations import plural
from audiocoach.routine.model import Routine
from audiocoach.voice.synthesize import default_workers, worker_pool


@dataclass
class Outcome:
    """What building one routine printed, and how it ended."""

    routine: Path
    out: Path
    lines: list[str] = field(default_factory=list)  # for stdout
    notes: list[str] = field(default_factory=list)  # for stderr: the voice, warnings, errors
    error: AudiocoachError | None = None  # what stopped it, if anything


@dataclass(frozen=True)
class Job:
    """One routine to build into one file."""

    routine: Path | Routine  # a file or bundled name, or a routine already read
    out: Path
    options: Options  # the audio format among them
    sidecars: bool


def build_one(job: Job, progress: Callable[[int, int], None] | None = None,
              on_voice: Callable[[str], None] | None = None, threads: int = 1) -> Outcome:
    """Build one routine, turning its problems into messages rather than letting them escape.

    The voice note goes to `on_voice` as soon as the voice is chosen when one is given (a
    person watching one build), else into the outcome's notes. The MP3 is encoded on `threads`.
    """
    outcome, compiled = compile_one(job, progress, on_voice)
    return render_one(job, outcome, compiled, threads) if compiled else outcome


def compile_one(job: Job, progress: Callable[[int, int], None] | None = None,
                on_voice: Callable[[str], None] | None = None,
                pool: Pool | None = None) -> tuple[Outcome, Track | None]:
    outcome = Outcome(job.routine, job.out)
    try:
        track = plan_with(job.routine, job.options, progress=progress,
                          on_voice=on_voice or outcome.notes.append, pool=pool)
    except AudiocoachError as error:
        return failed(outcome, error), None
    return outcome, track


def render_one(job: Job, outcome: Outcome, track: Track, threads: int = 1,
               into: Path | None = None) -> Outcome:
    """Write the track (and sidecars) to `job.out`, or under its name in the folder `into`
    (the messages still name `job.out`, where the files will be put)."""
    target = into / job.out.name if into else job.out
    try:
        report = track.save(target, job.options.audio_format, threads)
        if job.sidecars:
            write_sidecars(track.timeline, target)
    except AudiocoachError as error:
        return failed(outcome, error)
    written = [f"{track.duration_s:.1f} s"]
    if job.options.audio_format == "mp3":  # a WAV has nowhere to keep chapters
        written.append(plural(len(track.timeline.chapters), "chapter"))
    written.append(f"{plural(len(track.synthesized), 'clip')} synthesized; {report}")
    outcome.lines.append(f"Wrote {job.out} ({', '.join(written)})")
    outcome.notes += [f"warning: {w}" for w in track.warnings]
    return outcome


def failed(outcome: Outcome, error: AudiocoachError) -> Outcome:
    """The outcome of a routine that stopped on `error`, said as the command line says it."""
    outcome.notes += error.lines()
    outcome.error = error
    return outcome


def _render(work: tuple[Job, Outcome, Track]) -> Outcome:
    return render_one(*work)


def check_jobs(jobs: int) -> None:
    """Refuse a number of encoders (`--jobs`) out of range; 0 means one per core."""
    try:
        read.workers(jobs)
    except ValueError as error:
        raise AudiocoachError.usage(f"--jobs: {error.args[0]} ({error.args[1]})") from None


def default_jobs() -> int:
    return default_workers()


def build_all(jobs: list[Job], workers: int, progress: Callable[[int, int], None] | None = None,
              on_voice: Callable[[str], None] | None = None) -> Iterator[Outcome]:
    """Each job's outcome, in the order given, with `workers` processes synthesizing, mixing
    and encoding (one routine: its track encoded in parts on `workers` threads).

    One at a time, `progress` and `on_voice` report as the work goes; several at a time, each
    routine's messages come back with its outcome.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:  # `workers` encoders at once: each track's parts on that many threads
            yield build_one(job, progress, on_voice, workers)
        return
    with worker_pool(workers) as pool:
        compiled = [(job, *compile_one(job, pool=pool)) for job in jobs]
        pending: dict[int, AsyncResult] = {}
        # the longest first, so that no worker is left with a long track when the others are done
        for index in sorted((i for i, (_, _, track) in enumerate(compiled) if track),
                            key=lambda i: -compiled[i][2].timeline.length_samples):
            pending[index] = pool.apply_async(_render, (compiled[index],))
        for index, (_, outcome, _) in enumerate(compiled):
            yield pending[index].get() if index in pending else outcome
