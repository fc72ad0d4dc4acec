"""The Python API: load a routine, plan it, build it, or hand the track to your own code.

    import audiocoach
    routine = audiocoach.load("legs.yaml")           # a path, a bundled name, or a dict
    track = audiocoach.plan(routine, engine="piper")  # every event placed, nothing encoded
    track.save("legs.mp3")                           # or audiocoach.build(routine, "legs.mp3")
    segment = track.to_audiosegment()                # a pydub AudioSegment to edit further

Every problem a user can fix raises `audiocoach.AudiocoachError`, with file, line and a fix.
"""

from __future__ import annotations

import dataclasses
import inspect
import numbers
import os
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from audiocoach.audio.mastering import TooLoud
from audiocoach.audio.render import Report, mastered_blocks
from audiocoach.audio.track import Compiled, mixer, too_loud
from audiocoach.audio.track import build as build_compiled
from audiocoach.errors import AudiocoachError, Kind, Problem, suggest
from audiocoach.options import ROUTINE_LOUDNESS, Options, python_kind
from audiocoach.pipeline import compile_routine, read_routine, read_routine_text
from audiocoach.publish.outputs import file_format
from audiocoach.routine import readers as read
from audiocoach.routine.load import MAX_DEPTH
from audiocoach.routine.model import Routine
from audiocoach.voice.synthesize import default_workers

MAPPING = "<routine>"  # the file name in the problems of a routine given as a mapping


def load(source: str | Path | Mapping[str, Any]) -> Routine:
    """A validated routine from a file path, a bundled routine's name, or a mapping like the YAML.

    A mapping's problems are placed at the line and column its YAML would have, in the file
    `<routine>`, and name the field (`exercises[0].hold`)."""
    if isinstance(source, Mapping):
        import yaml

        text = yaml.safe_dump(_plain(source, ""), allow_unicode=True, sort_keys=False)
        return read_routine_text(text, MAPPING)
    if not isinstance(source, (str, os.PathLike)):
        raise AudiocoachError(Problem(
            f"expected a file path, a bundled routine's name or a mapping, got {python_kind(source)}",
            "pass a path such as 'legs.yaml', or a dict written like the YAML", field="routine"))
    if not str(os.fspath(source)).strip():  # Path('') is the current folder
        raise AudiocoachError(Problem("expected a file path or a bundled routine's name, got "
                                      "empty text", "pass a path such as 'legs.yaml'",
                                      field="routine"))
    return read_routine(Path(source))


def _plain(value: Any, path: str, depth: int = 0) -> Any:
    """A mapping's value as YAML can write it: numbers, text, true/false, lists and mappings."""
    if depth > MAX_DEPTH:
        raise AudiocoachError(Problem(f"lists and mappings are nested more than {MAX_DEPTH} levels "
                                      "deep (or hold themselves)", "a routine needs only a few levels",
                                      MAPPING, field=path or None))
    if isinstance(value, Mapping):
        return {key: _plain(item, f"{path}.{key}" if path else str(key), depth + 1)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value)]
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, numbers.Integral):
        if int(value).bit_length() > 10_000:  # some 3000 digits: more than YAML may write
            raise AudiocoachError(Problem("the number is thousands of digits long",
                                          "write a number of a sensible size", MAPPING,
                                          field=path or None))
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise AudiocoachError(Problem(f"{python_kind(value)} cannot be part of a routine",
                                  "use text, numbers, true or false, lists and mappings",
                                  MAPPING, field=path or None))


@dataclass
class Track:
    """A planned routine: its timeline, and the audio on demand."""

    compiled: Compiled
    report: Report | None = None  # what mastering did, once the track has been rendered

    @property
    def timeline(self):
        return self.compiled.timeline

    @property
    def sample_rate(self) -> int:
        return self.timeline.sample_rate_hz

    @property
    def duration_s(self) -> float:
        return self.timeline.seconds(self.timeline.length_samples)

    @property
    def synthesized(self) -> list[str]:
        """The texts that were not in the cache and had to be synthesized for this track."""
        return list(self.compiled.synthesis.synthesized)

    @property
    def warnings(self) -> list[str]:
        return list(self.timeline.warnings)

    def to_json(self) -> dict:
        """The `plan --json` document."""
        return self.timeline.to_json()

    def pcm(self) -> np.ndarray:
        """The mastered track as int16 samples, exactly what `save` encodes."""
        report = Report()
        try:
            blocks = list(mastered_blocks(mixer(self.compiled), self.compiled.loudness_lufs, report))
        except TooLoud as error:
            raise too_loud(error, self.compiled) from None
        self.report = report
        return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)

    def to_audiosegment(self):
        """The track as a pydub AudioSegment (mono, 16-bit, the track's rate) to edit further."""
        import warnings

        from audiocoach import ffmpeg

        with warnings.catch_warnings():  # pydub looks for a system ffmpeg, and uses audioop
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            from pydub import AudioSegment
        AudioSegment.converter = ffmpeg.executable()  # so that .export() works without one
        return AudioSegment(data=self.pcm().astype("<i2").tobytes(), sample_width=2,
                            frame_rate=self.sample_rate, channels=1)

    def save(self, out: str | Path, audio_format: str | None = None,
             threads: int | None = None) -> Report:
        """Write the track (MP3 with tags, chapters and cover, or WAV, from the extension).

        The MP3 is encoded on `threads` threads (default: one per core, `AUDIOCOACH_WORKERS`),
        the same file on any number."""
        out = _out_path(out)
        chosen = file_format(out, audio_format)
        if threads is not None:
            try:
                read.workers(threads)
            except ValueError as error:
                raise AudiocoachError(Problem(*error.args, field="threads"), Kind.USAGE) from None
        self.report = build_compiled(self.compiled, out, chosen,
                                     threads=threads or default_workers())
        return self.report


def plan(routine: Routine | str | Path | Mapping[str, Any], *, engine: str | None = None,
         voice: str | None = None, language: str | None = None, accent: str | None = None,
         speed: float | None = None, loudness: float | None | str = ROUTINE_LOUDNESS,
         cache_dir: str | Path | None = None, use_cache: bool = True,
         progress: Callable[[int, int], None] | None = None,
         on_voice: Callable[[str], None] | None = None, pool: Pool | None = None,
         **unknown: Any) -> Track:
    """Synthesize what is missing and place every event; nothing is encoded yet.

    Keyword arguments override the routine's voice; `loudness` is a LUFS target or None for off.
    Missing clips are synthesized by one worker process per core (`AUDIOCOACH_WORKERS`), or by
    `pool`, from `audiocoach.voice.synthesize.worker_pool`, to share workers across many plans.
    Any other keyword is refused (AudiocoachError, with the closest option).
    """
    _refuse_unknown(unknown, "plan", plan)
    options = Options.checked(engine=engine, voice=voice, language=language, accent=accent,
                              speed=speed, loudness=loudness, cache_dir=cache_dir,
                              use_cache=use_cache)
    return plan_with(routine, options, progress=progress, on_voice=on_voice, pool=pool)


def plan_with(routine: Routine | str | Path | Mapping[str, Any], options: Options, *,
              progress: Callable[[int, int], None] | None = None,
              on_voice: Callable[[str], None] | None = None, pool: Pool | None = None) -> Track:
    """`plan` with the options already made (the command line's, a batch's): an
    `audiocoach.options.Options`, checked when it was made."""
    if not isinstance(options, Options):
        raise AudiocoachError(Problem(
            f"expected an audiocoach.options.Options, got {python_kind(options)}",
            "make one, e.g. Options(engine='piper'), or call audiocoach.plan with keywords",
            field="options"), Kind.USAGE)
    if not isinstance(routine, Routine):
        routine = load(routine)
    return Track(compile_routine(routine, options, progress=progress, on_voice=on_voice, pool=pool))


def build(routine: Routine | Track | str | Path | Mapping[str, Any], out: str | Path,
          audio_format: str | None = None, **options: Any) -> Track:
    """Plan (unless given a Track) and write the track to `out`; returns the Track."""
    _refuse_unknown(options, "build", plan)
    if not isinstance(routine, Track):
        hooks = {name: options.pop(name) for name in ("progress", "on_voice", "pool")
                 if name in options}
        chosen = file_format(_out_path(out), audio_format)  # planned for it: an MP3 is padded
        made = dataclasses.replace(Options.checked(**options), audio_format=chosen)
        routine = plan_with(routine, made, **hooks)
    routine.save(out, audio_format)
    return routine


def _out_path(out: Any) -> Path:
    if not isinstance(out, (str, os.PathLike)):
        raise AudiocoachError(Problem(f"expected the path of the file to write, got {python_kind(out)}",
                                      "pass a path such as 'legs.mp3'", field="out"), Kind.USAGE)
    return Path(out)


def build_many(routines: Iterable[str | Path], out_dir: str | Path, *, client: Any = None,
               audio_format: str = "mp3", sidecars: bool = False, **options: Any) -> list:
    """Build each routine into `out_dir/<name>.<format>`, on a Dask cluster (`client`: a
    `distributed.Client` or a scheduler's address) or, without one, on every core here.

    One outcome per routine, in order (`batch.Outcome`: `error` None when written, else the
    AudiocoachError that stopped it, with its `kind` and, as str(), its message; `lines` and
    `notes` as `audiocoach build` prints them); a routine's mistake stops only itself."""
    from audiocoach.cluster import build_many as build

    _refuse_unknown(options, "build_many", build_many, Options.checked)
    checked = dataclasses.replace(Options.checked(**options), audio_format=audio_format)
    return build(routines, out_dir, client, sidecars, checked, given_as="client")


def _refuse_unknown(options: Mapping[str, Any], caller: str, *takers: Callable) -> None:
    """A usage error for each keyword that is not one of the `takers`' keyword-only options."""
    known = [name for taker in takers for name, parameter in inspect.signature(taker).parameters.items()
             if parameter.kind is inspect.Parameter.KEYWORD_ONLY]
    unknown = [name for name in options if name not in known]
    if unknown:
        raise AudiocoachError([Problem(f"`{name}` is not an option of audiocoach.{caller}",
                                       suggest(name, known, "the options are " + ", ".join(known)),
                                       field=name) for name in unknown], Kind.USAGE)


__all__ = ["AudiocoachError", "Routine", "Track", "build", "build_many", "load", "plan"]
