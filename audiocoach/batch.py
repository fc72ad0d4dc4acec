"""Build several routines at once: one process per routine at a time, all sharing the clip cache.

Each routine's messages are collected and handed back in the order the routines were given, so
the output reads the same however many run at once, and one routine's mistake stops only that
routine. Clips and tracks are written whole or not at all, so sharing the cache is safe.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .durations import plural
from .errors import AudiocoachError, ExitCode
from .pipeline import Options, build, compile_routine, read_routine
from .sidecars import write_sidecars


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
    routine: Path
    out: Path
    options: Options
    audio_format: str
    sidecars: bool


def build_one(job: Job, progress: Callable[[int, int], None] | None = None,
              on_voice: Callable[[str], None] | None = None) -> Outcome:
    """Build one routine, turning its problems into messages rather than letting them escape.

    The voice note goes to `on_voice` as soon as the voice is chosen when one is given (a
    person watching one build), else into the outcome's notes.
    """
    outcome = Outcome(job.routine, job.out)
    try:
        compiled = compile_routine(read_routine(job.routine), job.options, progress=progress,
                                   on_voice=on_voice or outcome.notes.append)
        report = build(compiled, job.out, job.audio_format)
        if job.sidecars:
            write_sidecars(compiled.timeline, job.out)
    except AudiocoachError as error:
        outcome.notes += [str(p) if p.file else f"error: {p}" for p in error.problems]
        outcome.exit_code = int(error.exit_code)
        return outcome
    timeline = compiled.timeline
    outcome.lines.append(f"Wrote {job.out} ({timeline.seconds(timeline.length):.1f} s, "
                         f"{plural(len(timeline.chapters), 'chapter')}, "
                         f"{plural(len(compiled.synthesis.synthesized), 'clip')} synthesized; {report})")
    outcome.notes += [f"warning: {w}" for w in timeline.warnings]
    return outcome


def default_jobs() -> int:
    return os.cpu_count() or 1


def build_all(jobs: list[Job], workers: int, progress: Callable[[int, int], None] | None = None,
              on_voice: Callable[[str], None] | None = None) -> Iterator[Outcome]:
    """Each job's outcome, in the order given; `workers` routines are built at a time.

    One at a time, `progress` and `on_voice` report as the work goes; several at a time, each
    routine's messages come back with its outcome.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield build_one(job, progress, on_voice)
        return
    # fork: workers start at once with what is loaded (nothing of the voice yet: it loads lazily)
    with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
        yield from pool.imap(build_one, jobs)
