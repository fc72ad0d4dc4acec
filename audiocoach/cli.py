"""The `audiocoach` command: the only place errors become messages and exit codes."""

from __future__ import annotations

import dataclasses
import json
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from audiocoach.api import Track, check_options, load, plan
from audiocoach.batch import Job, build_all, default_jobs
from audiocoach.errors import AudiocoachError, ExitCode
from audiocoach.files import write_if_changed
from audiocoach.publish.serve import lan_address, listen, qr_text, serve
from audiocoach.publish.share import prepare, publish
from audiocoach.routine import readers as fields
from audiocoach.routine.catalog import (
    SCHEMA_FILE,
    bundled_routines,
    is_our_schema,
    new_routine_text,
    schema_text,
    search,
)
from audiocoach.routine.definitions import (
    ACCENTS,
    DEFAULT_LUFS,
    ENGINES,
    ROUTINE,
    SPEEDS,
)
from audiocoach.routine.durations import plural
from audiocoach.routine.model import Routine
from audiocoach.speech.script import build_script
from audiocoach.voice import voices

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Compile exercise routines written in YAML into voice-guided audio tracks.",
)


EngineChoice = Enum("EngineChoice", {name: name for name in ENGINES}, type=str)


class AudioFormat(str, Enum):
    mp3 = "mp3"
    wav = "wav"


def _fail(error: AudiocoachError) -> typer.Exit:
    for problem in error.problems:
        typer.echo(f"error: {problem}" if not problem.file else str(problem), err=True)
    return typer.Exit(int(error.exit_code))


def _progress(label: str = "Synthesizing speech") -> tuple[Callable[[int, int], None] | None,
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


def _plan(routine: Path | Routine, options: dict[str, Any]) -> Track:
    update, close = _progress()
    try:
        return plan(routine, progress=update, on_voice=lambda note: typer.echo(note, err=True),
                    **options)
    finally:
        close()


# Options `build` and `plan` share.
EngineOption = typer.Option(None, "--engine", help="Voice engine (default: the routine's, else auto).")
VoiceOption = typer.Option(None, "--voice", help="Piper voice name or .onnx path.")
LanguageOption = typer.Option(None, "--language", help="Language code, e.g. en, de.")
AccentOption = typer.Option(None, "--accent", help="gTTS accent (a Google domain): "
                            + ", ".join(ACCENTS) + ".")
SpeedOption = typer.Option(None, "--speed", help="Speaking speed, {} to {}.".format(*SPEEDS))
CacheDir = typer.Option(None, "--cache-dir", help="Clip cache folder (default: the user cache "
                        "folder, or $AUDIOCOACH_CACHE_DIR).")
NoCacheOption = typer.Option(False, "--no-cache", help="Synthesize every clip afresh and store none.")
LoudnessOption = typer.Option(None, "--loudness", help="Target loudness in LUFS, e.g. -16, or off "
                              f"(default: the routine's, else {DEFAULT_LUFS:g}).", show_default=False)


def _options(engine: EngineChoice | None, voice: str | None, language: str | None,
             accent: str | None, speed: float | None, cache_dir: Path | None,
             no_cache: bool) -> dict[str, Any]:
    """`audiocoach.plan`'s keywords for the voice and cache options given, refused as the API
    refuses them (a usage error naming the option)."""
    options = {"engine": engine.value if engine else None, "voice": voice, "language": language,
               "accent": accent, "speed": speed, "cache_dir": cache_dir, "use_cache": not no_cache}
    _check(**options)
    return options


def _check(**options: Any) -> None:
    try:
        check_options(**options)
    except AudiocoachError as error:
        raise _option_error(error) from None


def _option_error(error: AudiocoachError) -> typer.Exit:
    """A usage error whose problems' fields are keywords, said with the options' names."""
    return _fail(AudiocoachError([dataclasses.replace(p, field=f"--{p.field.replace('_', '-')}")
                                  for p in error.problems], ExitCode.USAGE))


@app.command("build")
def build_command(
    routines: list[Path] = typer.Argument(..., help="Routine files, or names of bundled routines.",
                                          show_default=False),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output",
        help="Output .mp3 or .wav file (one routine) or folder. Default: output/<routine>.mp3"),
    engine: Optional[EngineChoice] = EngineOption,
    voice: Optional[str] = VoiceOption,
    language: Optional[str] = LanguageOption,
    accent: Optional[str] = AccentOption,
    speed: Optional[float] = SpeedOption,
    audio_format: Optional[AudioFormat] = typer.Option(
        None, "--format", help="Audio format (default: from the -o file's extension, else mp3)."),
    cache_dir: Optional[Path] = CacheDir,
    no_cache: bool = NoCacheOption,
    loudness: Optional[str] = LoudnessOption,
    sidecars: bool = typer.Option(False, "--sidecars", help="Also write STEM.chapters.json "
                                  "(Podcasting 2.0 chapters) and STEM.vtt (transcript) beside it."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Encoders at once: routines built at once, "
                             "or parts of one routine's track. 0, the default, is one per core.",
                             show_default=False),
) -> None:
    """Build each routine into one narrated, exactly timed audio file.

    With several routines, one that is wrong does not stop the others; the exit code is the
    worst of them.
    """
    options = _with_loudness(_options(engine, voice, language, accent, speed, cache_dir, no_cache),
                             loudness)
    try:
        fields.workers(jobs)
    except ValueError as error:
        raise _usage(f"--jobs: {error.args[0]} ({error.args[1]})") from None
    chosen_format, targets = _targets(routines, output, audio_format)
    work = [Job(path, out, options, chosen_format, sidecars) for path, out in zip(routines, targets)]
    workers = jobs or default_jobs()
    one_at_a_time = workers <= 1 or len(work) == 1
    update, close = _progress() if one_at_a_time else (None, lambda: None)
    on_voice = (lambda note: typer.echo(note, err=True)) if one_at_a_time else None
    worst = int(ExitCode.OK)
    try:
        for outcome in build_all(work, workers, update, on_voice):
            close()
            for note in outcome.notes:
                typer.echo(note, err=True)
            for line in outcome.lines:
                typer.echo(line)
            worst = max(worst, outcome.exit_code)
    finally:
        close()
    if worst:
        raise typer.Exit(worst)


def _with_loudness(options: dict[str, Any], loudness: str | None) -> dict[str, Any]:
    if loudness is None:
        return options
    try:
        return {**options, "loudness": ROUTINE["loudness"](loudness)}
    except ValueError as error:
        raise _usage(f"--loudness: {error.args[0]} ({error.args[1]})") from None


@app.command("share")
def share_command(
    routines: list[Path] = typer.Argument(..., help="Routine files, or names of bundled routines.",
                                          show_default=False),
    output: Path = typer.Option(Path("output/share"), "-o", "--output",
                                help="The folder to write."),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="Where the folder will be served from, e.g. "
        "https://example.org/stretches/ (a podcast app needs it to subscribe; default: the "
        "folder's from its last share).", show_default=False),
    title: Optional[str] = typer.Option(None, "--title", help="The feed's and index's title "
                                        "(default: the folder's, else 'Exercise routines').",
                                        show_default=False),
    prune: bool = typer.Option(False, "--prune", help="Remove the routines the folder holds "
                               "that are not named here, files and all."),
    engine: Optional[EngineChoice] = EngineOption,
    voice: Optional[str] = VoiceOption,
    language: Optional[str] = LanguageOption,
    accent: Optional[str] = AccentOption,
    speed: Optional[float] = SpeedOption,
    cache_dir: Optional[Path] = CacheDir,
    no_cache: bool = NoCacheOption,
    loudness: Optional[str] = LoudnessOption,
) -> None:
    """Add routines to a folder to share: a player page each, an index, the MP3s and a podcast feed.

    The routines the folder already holds stay in it, unless --prune.
    """
    options = _with_loudness(_options(engine, voice, language, accent, speed, cache_dir, no_cache),
                             loudness)
    if output.exists() and not output.is_dir():
        raise _usage(f"-o {output} is a file, not a folder (give the folder to share into, e.g. "
                     "-o output/share)")
    stems = [target.stem for target in _in_folder(routines, output, "mp3")]
    try:
        parsed = [load(path) for path in routines]  # every routine checked before any is built
        collection = prepare(output, stems, title, base_url, prune)
        compiled = [(stem, _plan(routine, options).compiled)
                    for routine, stem in zip(parsed, stems)]
        result = publish(collection, compiled, prune)
    except AudiocoachError as error:
        raise _fail(error) from None
    for stem, track in compiled:
        for warning in track.timeline.warnings:
            typer.echo(f"warning: {stem}: {warning}", err=True)
    for track in result.shared:
        report = result.reports[track.stem] or "unchanged"
        typer.echo(f"{output / track.page}: {track.title} ({track.length}; {report})")
    if result.kept:
        typer.echo(f"Kept {plural(len(result.kept), 'other routine')} of the folder: "
                   f"{', '.join(track.stem for track in result.kept)} "
                   "(--prune removes those not named).")
    if result.dropped:
        typer.echo(f"Removed {', '.join(track.stem for track in result.dropped)} "
                   f"({plural(len(result.removed), 'file')}).")
    typer.echo(f"Wrote {plural(len(result.written), 'file')} to {output} "
               f"({len(result.unchanged)} unchanged). Open {output / 'index.html'}, "
               f"or run `audiocoach serve {output}`.")
    if collection.base_url:
        typer.echo(f"Feed: {collection.base_url}feed.xml once the folder is there.")
    else:
        typer.echo("The feed's links are relative to it: a podcast app can subscribe through "
                   "`audiocoach serve`; for a web server, share with --base-url and the "
                   "folder's address there.")


@app.command("serve")
def serve_command(
    folder: Path = typer.Argument(Path("output/share"), help="The shared folder."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 0.0.0.0 lets "
                             "phones on your network in."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve a shared folder over HTTP, with seeking, until Ctrl-C."""
    if folder.exists() and not folder.is_dir():
        typer.echo(f"error: {folder} is a file, not a shared folder (give the folder "
                   "`audiocoach share` wrote, e.g. `audiocoach serve output/share`)", err=True)
        raise typer.Exit(int(ExitCode.USAGE))
    if not (folder / "index.html").is_file():
        typer.echo(f"error: {folder} has no index.html (write it with `audiocoach share ... -o "
                   f"{folder}`)", err=True)
        raise typer.Exit(int(ExitCode.ROUTINE))
    try:
        listener = listen(host, port)  # before saying where: the port may be taken
    except AudiocoachError as error:
        raise _fail(error) from None
    shown_host = host
    if host in ("0.0.0.0", "::"):
        shown_host = lan_address() or "127.0.0.1"
    url = f"http://{shown_host}:{port}/"
    typer.echo(f"Serving {folder} at {url} (feed: {url}feed.xml). Ctrl-C stops.")
    if shown_host != host or host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo("Open it on a phone on the same network by scanning this:")
        typer.echo(qr_text(url))
    try:
        serve(folder, listener)
    except KeyboardInterrupt:
        pass
    typer.echo("Stopped.")


@app.command("studio")
def studio_command(
    file: Path = typer.Argument(Path("routine.yaml"),
                                help="The routine file to edit (new or existing)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; any other than "
                             "this machine's own asks for the token printed with the address."),
    port: int = typer.Option(8765, "--port", min=0, max=65535,
                             help="Port to listen on (0: any free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
) -> None:
    """Compose a routine in the browser: catalog, forms, problems and plan as you type, preview,
    build and share."""
    from audiocoach.studio.server import run

    try:
        run(file, host, port, not no_browser, typer.echo)
    except AudiocoachError as error:
        raise _fail(error) from None


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(int(ExitCode.USAGE))


def _targets(routines: list[Path], output: Path | None,
             audio_format: AudioFormat | None) -> tuple[str, list[Path]]:
    """The audio format and each routine's output file, refused before any work when they clash.

    One routine with `-o FILE`: the file's extension gives the format unless `--format` does, and
    the two must agree. Otherwise each routine goes to `FOLDER/<stem>.<format>`, and two routines
    may not share a name there.
    """
    single_file = output is not None and len(routines) == 1 and not output.is_dir() and output.suffix
    if output is not None and len(routines) > 1 and output.suffix and not output.is_dir():
        raise _usage(f"with several routines, -o names a folder, and {output} has a file "
                     f"extension (give a folder, e.g. -o {output.with_suffix('')}, or build one "
                     "routine at a time)")
    if output is not None and output.exists() and not output.is_dir() and not output.suffix:
        raise _usage(f"-o {output} is neither a folder nor a .mp3 or .wav file (give a folder to "
                     "write into, or a file name ending in .mp3 or .wav)")
    if single_file:
        extension = output.suffix.lower().lstrip(".")
        if extension not in AudioFormat.__members__:
            raise _usage(f"{output}: audiocoach writes .mp3 or .wav files, not .{extension} "
                         "(name the file .mp3 or .wav)")
        if audio_format is not None and audio_format.value != extension:
            raise _usage(f"-o {output} is a .{extension} file but --format is {audio_format.value} "
                         f"(drop --format, or name the file .{audio_format.value})")
        return extension, [output]
    chosen = audio_format.value if audio_format else AudioFormat.mp3.value
    folder = output if output is not None else Path("output")
    return chosen, _in_folder(routines, folder, chosen)


def _in_folder(routines: list[Path], folder: Path, extension: str) -> list[Path]:
    """`FOLDER/<stem>.<extension>` for each routine; two routines of one name are refused."""
    targets = [folder / f"{routine.stem}.{extension}" for routine in routines]
    first_for: dict[Path, Path] = {}
    for routine, target in zip(routines, targets):
        if target in first_for:
            raise _usage(f"{first_for[target]} and {routine} would both be written to {target} "
                         "(rename one of them, or build them into different folders)")
        first_for[target] = routine
    return targets


@app.command("plan")
def plan_command(
    routine: Path = typer.Argument(..., help="Routine file, or a bundled routine's name.",
                                   show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print the timeline as JSON."),
    engine: Optional[EngineChoice] = EngineOption,
    voice: Optional[str] = VoiceOption,
    language: Optional[str] = LanguageOption,
    accent: Optional[str] = AccentOption,
    speed: Optional[float] = SpeedOption,
    cache_dir: Optional[Path] = CacheDir,
    no_cache: bool = NoCacheOption,
) -> None:
    """Show when every word and sound will play, without encoding audio."""
    options = _options(engine, voice, language, accent, speed, cache_dir, no_cache)
    try:
        track = _plan(routine, options)
    except AudiocoachError as error:
        raise _fail(error) from None
    if as_json:
        typer.echo(json.dumps(track.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(track.timeline.table())


@app.command("script")
def script_command(
    routine: Path = typer.Argument(..., help="Routine file, or a bundled routine's name.",
                                   show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print the lines as JSON."),
    language: Optional[str] = LanguageOption,
) -> None:
    """Every line the coach will say, in order, without any voice: for proofreading."""
    _check(language=language)
    try:
        parsed = load(routine)
        script = build_script(parsed, language)
    except AudiocoachError as error:
        raise _fail(error) from None
    lines = script.in_order()
    if as_json:
        document = {"title": script.title, "language": language or parsed.voice.language,
                    "lines": [{"role": line.role, "exercise": exercise, "text": line.text}
                              for line, exercise in lines],
                    "warnings": script.warnings}
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    for line, exercise in lines:
        typer.echo(f"{exercise[:24]:<24}  {line.role:<11} {line.text}")
    for warning in script.warnings:
        typer.echo(f"warning: {warning}", err=True)


@app.command("validate")
def validate_command(
    routines: list[Path] = typer.Argument(..., help="Routine files to check.", show_default=False),
) -> None:
    """Check routine files without synthesizing anything."""
    failed = False
    for path in routines:
        try:
            routine = load(path)
        except AudiocoachError as error:
            failed = True
            for problem in error.problems:
                typer.echo(str(problem), err=True)
            continue
        typer.echo(f"{path}: ok ({plural(len(routine.exercises), 'exercise')})")
    if failed:
        raise typer.Exit(int(ExitCode.ROUTINE))


@app.command("routines")
def routines_command() -> None:
    """List the bundled ready routines; build one with `audiocoach build NAME`."""
    try:
        for name, path in bundled_routines().items():
            routine = load(path)
            typer.echo(f"{name:<26} {routine.title} ({len(routine.exercises)} exercises)")
    except AudiocoachError as error:
        raise _fail(error) from None


@app.command("catalog")
def catalog_command(
    query: str = typer.Argument("", help="Words to look for, e.g. 'knee pain'.", show_default=False),
    position: Optional[str] = typer.Option(None, "--position", help="chair, standing or floor."),
    equipment: Optional[str] = typer.Option(None, "--equipment",
                                            help="chair, wall, towel, band, belt or pillow."),
    helps: Optional[str] = typer.Option(None, "--helps", help="What it helps with, e.g. sciatica."),
    as_json: bool = typer.Option(False, "--json", help="Print the entries as JSON."),
) -> None:
    """Search the built-in exercise catalog."""
    try:
        found = search(query, position, equipment, helps)
    except AudiocoachError as error:
        raise _option_error(error) from None
    if as_json:
        typer.echo(json.dumps([entry.to_json() for entry in found], indent=2, ensure_ascii=False))
        return
    for entry in found:
        typer.echo(f"{entry.id:<28} {entry.name} [{entry.position}"
                   f"{'; ' + ', '.join(entry.equipment) if entry.equipment else ''}]")
        typer.echo(f"{'':<28} helps with: {', '.join(entry.helps_with)}")
    typer.echo(plural(len(found), "exercise"), err=True)


@app.command("new")
def new_command(
    file: Path = typer.Argument(..., help="The routine file to write.", show_default=False),
    from_ids: str = typer.Option(..., "--from", help="Catalog ids, comma-separated."),
    title: str = typer.Option("My routine", "--title", help="The routine's title."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write an editable routine made of catalog exercises, and the schema editors check it with.

    The schema, `audiocoach.schema.json`, goes beside the routine (refreshed if it is there)."""
    if file.is_dir():
        raise _usage(f"{file} is a folder (name the routine file to write, e.g. "
                     f"{file / 'my-routine.yaml'})")
    if file.exists() and not force:
        raise _usage(f"{file} exists (use --force to overwrite it)")
    if file.name == SCHEMA_FILE:
        raise _usage(f"{SCHEMA_FILE} is the schema `new` writes beside the routine (give the "
                     "routine another name)")
    try:
        fields.text(title)
    except ValueError as error:
        raise _usage(f"--title: the title {error.args[0]} (give one, e.g. --title 'Evening "
                     "stretch')") from None
    schema = file.parent / SCHEMA_FILE
    if schema.exists() and not is_our_schema(schema):
        raise _usage(f"{schema} is not the schema audiocoach writes, and `new` would replace it "
                     "(move it away, or write the routine in another folder)")
    written = file
    try:
        text = new_routine_text([i.strip() for i in from_ids.split(",") if i.strip()], title)
        made = not file.parent.exists()
        file.parent.mkdir(parents=True, exist_ok=True)
        written = schema
        write_if_changed(schema, schema_text().encode("utf-8"))
        written = file
        file.write_text(text, encoding="utf-8")
    except AudiocoachError as error:
        raise _fail(error) from None
    except OSError as error:
        typer.echo(f"error: {written}: {error.strerror}", err=True)
        raise typer.Exit(int(ExitCode.ROUTINE)) from None
    if made:
        typer.echo(f"Made the folder {file.parent}")
    typer.echo(f"Wrote {file} (and {schema.name}, with which editors complete and check it): "
               f"edit it, then run `audiocoach build {shlex.quote(str(file))}`")


@app.command("schema")
def schema_command(
    out: Optional[Path] = typer.Option(None, "-o", "--output", help="Write it to this file.",
                                       dir_okay=False, show_default=False),
) -> None:
    """Print the routine format as a JSON Schema (draft-07), for editors' completion and checking."""
    try:
        text = schema_text()
        if out is None:
            typer.echo(text, nl=False)
            return
        write_if_changed(out, text.encode("utf-8"))
    except AudiocoachError as error:
        raise _fail(error) from None
    except OSError as error:
        typer.echo(f"error: {out}: {error.strerror}", err=True)
        raise typer.Exit(int(ExitCode.ROUTINE)) from None
    typer.echo(f"Wrote {out}: a routine's first line `# yaml-language-server: $schema=PATH` "
               "points editors to it (PATH relative to the routine)", err=True)


voices_app = typer.Typer(help="List, add and remove offline (piper) voices.", no_args_is_help=False)
app.add_typer(voices_app, name="voices")


@voices_app.callback(invoke_without_command=True)
def voices_command(
    context: typer.Context,
    available: bool = typer.Option(False, "--available",
                                   help="List the voices that can be added, from the repository."),
    language: Optional[str] = typer.Option(None, "--language", help="Only this language, e.g. de."),
) -> None:
    """The bundled and installed voices (name, language, quality, size, folder)."""
    if context.invoked_subcommand is not None:
        return
    _check(language=language)
    try:
        if available:
            offered = voices.available(voices.fetch_index(), language)
            for name, code, quality, size in offered:
                typer.echo(f"{name:<36} {code:<8} {quality:<8} {size / 1e6:6.1f} MB")
            if not offered and language:
                typer.echo(f"the voices repository ({voices.base_url()}) has no voice for "
                           f"language '{language}'", err=True)
            return
        found = voices.installed(language)
        for voice in found:
            where = "bundled" if voice.bundled else str(voice.where)
            typer.echo(f"{voice.name:<36} {voice.language:<8} {voice.quality:<8} "
                       f"{voice.size_bytes / 1e6:6.1f} MB  {where}")
        if not found and language:
            typer.echo(voices.none_installed(language), err=True)
    except AudiocoachError as error:
        raise _fail(error) from None


@voices_app.command("add")
def voices_add_command(
    names: list[str] = typer.Argument(..., help="Voice names, e.g. de_DE-thorsten-medium.",
                                      show_default=False),
) -> None:
    """Download piper voices into the voices folder, checking each file before it is used."""
    try:
        index = voices.fetch_index()
        for name in names:
            update, close = _progress(f"Downloading {name}")
            try:
                paths = voices.add(name, update, index)
            finally:
                close()
            typer.echo(f"Added {name} ({sum(p.stat().st_size for p in paths) / 1e6:.1f} MB) to "
                       f"{paths[0].parent}")
    except AudiocoachError as error:
        raise _fail(error) from None


@voices_app.command("remove")
def voices_remove_command(
    names: list[str] = typer.Argument(..., help="Installed voice names.", show_default=False),
) -> None:
    """Delete installed voices."""
    try:
        for name in names:
            voices.remove(name)
            typer.echo(f"Removed {name}")
    except AudiocoachError as error:
        raise _fail(error) from None


def main() -> None:
    app()
