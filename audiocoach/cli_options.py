"""The command line's shared options: the voice, cache and loudness options `build`, `share`
and `plan` take, handed to each command as one checked `Options`; and its progress bars."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from audiocoach.api import Track, plan_with
from audiocoach.errors import AudiocoachError, Kind
from audiocoach.options import ROUTINE_LOUDNESS, Options
from audiocoach.routine.definitions import ACCENTS, DEFAULT_LUFS, ENGINES, SPEEDS

ROUTINES = typer.Argument(..., help="Routine files, or names of bundled routines.",
                          show_default=False)
ROUTINE = typer.Argument(..., help="Routine file, or a bundled routine's name.", show_default=False)
EngineChoice = Enum("EngineChoice", {name: name for name in ENGINES}, type=str)


def progress_bar(label: str = "Synthesizing speech") -> tuple[Callable[[int, int], None] | None,
                                                          Callable[[], None]]:
    """A progress bar, fed (done, total), when a person is watching; else nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    state: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = typer.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state["bar"].pos)

    def close() -> None:
        if "bar" in state:
            state.pop("bar").__exit__(None, None, None)  # the next routine gets a bar of its own

    return update, close


# The options `build`, `share` and `plan` share, as (parameter, type, option); `loudness` last.
BUILD_OPTIONS = [
    ("engine", Optional[EngineChoice], typer.Option(
        None, "--engine", help="Voice engine (default: the routine's, else auto).")),
    ("voice", Optional[str], typer.Option(None, "--voice", help="Piper voice name or .onnx path.")),
    ("language", Optional[str], typer.Option(None, "--language", help="Language code, e.g. en, de.")),
    ("accent", Optional[str], typer.Option(None, "--accent", help="gTTS accent (a Google domain): "
                                           + ", ".join(ACCENTS) + ".")),
    ("speed", Optional[float], typer.Option(None, "--speed",
                                            help="Speaking speed, {} to {}.".format(*SPEEDS))),
    ("cache_dir", Optional[Path], typer.Option(None, "--cache-dir", help="Clip cache folder "
                                               "(default: the user cache folder, or "
                                               "$AUDIOCOACH_CACHE_DIR).")),
    ("no_cache", bool, typer.Option(False, "--no-cache",
                                    help="Synthesize every clip afresh and store none.")),
    ("loudness", Optional[str], typer.Option(
        None, "--loudness", show_default=False, help="Target loudness in LUFS, e.g. -16, or off "
        f"(default: the routine's, else {DEFAULT_LUFS:g}).")),
]


def with_options(loudness: bool = True) -> Callable[[Callable], Callable]:
    """Give a command the options `BUILD_OPTIONS` (without --loudness unless `loudness`),
    handed to it checked, as one `options: Options`."""
    given = BUILD_OPTIONS if loudness else BUILD_OPTIONS[:-1]

    def decorate(command: Callable) -> Callable:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "options"]
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option,
                                   annotation=kind) for name, kind, option in given]

        @functools.wraps(command)
        def run(**values: Any) -> Any:
            chosen = {name: values.pop(name) for name, _, _ in given}
            return command(options=checked_options(**chosen), **values)

        run.__signature__ = signature.replace(parameters=own + added)
        return run
    return decorate


def checked_options(engine: EngineChoice | None = None, no_cache: bool = False,
             loudness: str | None = None, **given: Any) -> Options:
    """The options given, refused as the API refuses them, each problem named by its option."""
    try:
        return Options.checked(engine=engine.value if engine else None, use_cache=not no_cache,
                               loudness=ROUTINE_LOUDNESS if loudness is None else loudness, **given)
    except AudiocoachError as error:
        raise as_options(error) from None


def as_options(error: AudiocoachError) -> AudiocoachError:
    """A usage error whose problems' fields are keywords, said with the options' names."""
    return AudiocoachError([dataclasses.replace(p, field=f"--{p.field.replace('_', '-')}")
                            for p in error.problems], Kind.USAGE)


def say(note: str) -> None:
    """A note for the person watching: on stderr, so that stdout stays the command's output."""
    typer.echo(note, err=True)


def planned(routine: Any, options: Options) -> Track:
    """`plan_with`, its progress shown as a bar and the voice chosen said."""
    update, close = progress_bar()
    try:
        return plan_with(routine, options, progress=update, on_voice=say)
    finally:
        close()
