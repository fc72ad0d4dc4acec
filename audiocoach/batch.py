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
from typing import Any, Callable, Iterator

from audiocoach.api import Track, plan
from audiocoach.errors import AudiocoachError, ExitCode, Problem
from audiocoach.publish.sidecars import write_sidecars
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
    exit_code: int = int(ExitCode.OK)


@dataclass(frozen=True)
class Job:
    routine: Path | Routine  # a file or bundled name, or a routine already read
    out: Path
    options: dict[str, Any]  # `audiocoach.plan`'s keywords: engine, voice, loudness...
    audio_format: str
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
        track = plan(job.routine, progress=progress, on_voice=on_voice or outcome.notes.append,
                     pool=pool, **job.options)
    except AudiocoachError as error:
        return failed(outcome, error), None
    return outcome, track


def render_one(job: Job, outcome: Outcome, track: Track, threads: int = 1,
               into: Path | None = None) -> Outcome:
    """Write the track (and sidecars) to `job.out`, or under its name in the folder `into`
    (the messages still name `job.out`, where the files will be put)."""
    target = into / job.out.name if into else job.out
    try:
        report = track.save(target, job.audio_format, threads)
        if job.sidecars:
            write_sidecars(track.timeline, target)
    except AudiocoachError as error:
        return failed(outcome, error)
    written = [f"{track.duration_s:.1f} s"]
    if job.audio_format == "mp3":  # a WAV has nowhere to keep chapters
        written.append(plural(len(track.timeline.chapters), "chapter"))
    written.append(f"{plural(len(track.synthesized), 'clip')} synthesized; {report}")
    outcome.lines.append(f"Wrote {job.out} ({', '.join(written)})")
    outcome.notes += [f"warning: {w}" for w in track.warnings]
    return outcome


def failed(outcome: Outcome, error: AudiocoachError) -> Outcome:
    outcome.notes += [str(p) if p.file else f"error: {p}" for p in error.problems]
    outcome.exit_code = int(error.exit_code)
    return outcome


def _render(work: tuple[Job, Outcome, Track]) -> Outcome:
    return render_one(*work)


def in_folder(routines: list[Path], folder: Path, extension: str) -> list[Path]:
    """`FOLDER/<stem>.<extension>` for each routine; two routines of one name are refused."""
    targets = [folder / f"{routine.stem}.{extension}" for routine in routines]
    first_for: dict[Path, Path] = {}
    for routine, target in zip(routines, targets):
        if target in first_for:
            raise AudiocoachError(Problem(
                f"{first_for[target]} and {routine} would both be written to {target}",
                "rename one of them, or build them into different folders"), ExitCode.USAGE)
        first_for[target] = routine
    return targets


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
                            key=lambda i: -compiled[i][2].timeline.length):
            pending[index] = pool.apply_async(_render, (compiled[index],))
        for index, (_, outcome, _) in enumerate(compiled):
            yield pending[index].get() if index in pending else outcome
