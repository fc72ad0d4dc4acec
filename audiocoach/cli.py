"""The `audiocoach` command: the only place errors become messages and exit codes."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Callable, Optional

import typer

from .errors import AudiocoachError, ExitCode
from .model import Routine
from .pipeline import Compiled, Options, build, compile_routine, read_routine

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Compile exercise routines written in YAML into voice-guided audio tracks.",
)


class EngineChoice(str, Enum):
    auto = "auto"
    piper = "piper"
    gtts = "gtts"


class AudioFormat(str, Enum):
    mp3 = "mp3"
    wav = "wav"


def _fail(error: AudiocoachError) -> typer.Exit:
    for problem in error.problems:
        typer.echo(f"error: {problem}" if not problem.file else str(problem), err=True)
    return typer.Exit(int(error.exit_code))


def _progress() -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A progress bar for synthesis when a person is watching, else nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    state: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = typer.progressbar(length=total, label="Synthesizing speech",
                                             file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(1)

    def close() -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

    return update, close


def _compile(routine: Routine, options: Options) -> Compiled:
    update, close = _progress()
    try:
        return compile_routine(routine, options, progress=update,
                               on_voice=lambda note: typer.echo(note, err=True))
    finally:
        close()


CacheDir = typer.Option(None, "--cache-dir", help="Clip cache folder (default: the user cache "
                        "folder, or $AUDIOCOACH_CACHE_DIR).", file_okay=False)
NoCacheOption = typer.Option(False, "--no-cache", help="Synthesize every clip afresh and store none.")


@app.command("build")
def build_command(
    routines: list[Path] = typer.Argument(..., help="Routine files to build.", show_default=False),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output",
        help="Output file (one routine) or folder (several). Default: output/<routine>.mp3"),
    engine: Optional[EngineChoice] = typer.Option(None, "--engine", help="Voice engine (default: the routine's, else auto)."),
    voice: Optional[str] = typer.Option(None, "--voice", help="Piper voice name or .onnx path."),
    language: Optional[str] = typer.Option(None, "--language", help="Language code, e.g. en, de."),
    accent: Optional[str] = typer.Option(None, "--accent", help="gTTS accent domain, e.g. co.uk."),
    speed: Optional[float] = typer.Option(None, "--speed", min=0.5, max=2.0, help="Speaking speed, 0.5 to 2.0."),
    audio_format: AudioFormat = typer.Option(AudioFormat.mp3, "--format", help="Audio format."),
    cache_dir: Optional[Path] = CacheDir,
    no_cache: bool = NoCacheOption,
) -> None:
    """Build each routine into one narrated, exactly timed audio file."""
    options = Options(engine=engine.value if engine else None, model=voice, language=language,
                      accent=accent, speed=speed, cache_dir=cache_dir, use_cache=not no_cache)
    if output is not None and len(routines) > 1 and output.suffix:
        typer.echo("error: with several routines, -o names a folder (it has a file extension)", err=True)
        raise typer.Exit(int(ExitCode.USAGE))
    try:
        parsed = [read_routine(path) for path in routines]  # every file checked before any work
        for path, routine in zip(routines, parsed):
            out = _output_path(path, output, len(routines), audio_format.value)
            compiled = _compile(routine, options)
            build(compiled, out, audio_format.value)
            timeline = compiled.timeline
            typer.echo(f"Wrote {out} ({timeline.seconds(timeline.length):.1f} s, "
                       f"{len(timeline.chapters)} chapters, {len(compiled.synthesis.synthesized)} "
                       f"clips synthesized)")
            for warning in timeline.warnings:
                typer.echo(f"warning: {warning}", err=True)
    except AudiocoachError as error:
        raise _fail(error) from None


def _output_path(routine: Path, output: Path | None, count: int, extension: str) -> Path:
    name = f"{routine.stem}.{extension}"
    if output is None:
        return Path("output") / name
    if count > 1 or output.is_dir():
        return output / name
    return output


@app.command("plan")
def plan_command(
    routine: Path = typer.Argument(..., help="Routine file.", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print the timeline as JSON (SPEC §3)."),
    engine: Optional[EngineChoice] = typer.Option(None, "--engine", help="Voice engine."),
    voice: Optional[str] = typer.Option(None, "--voice", help="Piper voice name or .onnx path."),
    language: Optional[str] = typer.Option(None, "--language", help="Language code."),
    accent: Optional[str] = typer.Option(None, "--accent", help="gTTS accent domain."),
    speed: Optional[float] = typer.Option(None, "--speed", min=0.5, max=2.0, help="Speaking speed."),
    cache_dir: Optional[Path] = CacheDir,
    no_cache: bool = NoCacheOption,
) -> None:
    """Show when every word and sound will play, without encoding audio."""
    options = Options(engine=engine.value if engine else None, model=voice, language=language,
                      accent=accent, speed=speed, cache_dir=cache_dir, use_cache=not no_cache)
    try:
        compiled = _compile(read_routine(routine), options)
    except AudiocoachError as error:
        raise _fail(error) from None
    if as_json:
        typer.echo(json.dumps(compiled.timeline.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(compiled.timeline.table())


@app.command("validate")
def validate_command(
    routines: list[Path] = typer.Argument(..., help="Routine files to check.", show_default=False),
) -> None:
    """Check routine files without synthesizing anything."""
    failed = False
    for path in routines:
        try:
            routine = read_routine(path)
        except AudiocoachError as error:
            failed = True
            for problem in error.problems:
                typer.echo(str(problem), err=True)
            continue
        typer.echo(f"{path}: ok ({len(routine.exercises)} exercises)")
    if failed:
        raise typer.Exit(int(ExitCode.ROUTINE))


def main() -> None:
    app()
