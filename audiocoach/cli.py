"""The `audiocoach` command: the only place errors become messages and exit codes."""

from __future__ import annotations

import dataclasses
import functools
import json
import shlex
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from audiocoach.api import load
from audiocoach.batch import Job, build_all, check_jobs, default_jobs
from audiocoach.cli_options import (
    BUILD_OPTIONS,
    ROUTINE,
    ROUTINES,
    as_options,
    checked_options,
    planned,
    progress_bar,
    say,
    with_options,
)
from audiocoach.cli_servers import serve_command, studio_command
from audiocoach.cli_voices import voices_app
from audiocoach.cluster import ADDRESS_VARIABLE, build_on_cluster, cluster_address
from audiocoach.errors import AudiocoachError, Kind
from audiocoach.files import write_if_changed
from audiocoach.options import Options
from audiocoach.publish.outputs import AUDIO_FORMATS, in_folder, targets
from audiocoach.publish.share import prepare, publish, summary
from audiocoach.routine.catalog import (
    SCHEMA_FILE,
    bundled_routines,
    schema_text,
    search,
)
from audiocoach.routine.durations import plural
from audiocoach.routine.starter import write_new_routine
from audiocoach.speech.proofread import script_json, script_rows
from audiocoach.speech.script import build_script

EXIT_CODES = {None: 0, Kind.ROUTINE: 1, Kind.USAGE: 2, Kind.ENGINE: 3, Kind.ADDRESS: 4, Kind.CLUSTER: 5}


def _said(command: Callable) -> Callable:
    """The command, its AudiocoachError said on stderr and turned into the kind's exit code."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AudiocoachError as error:
            for line in error.lines():
                typer.echo(line, err=True)
            raise typer.Exit(EXIT_CODES[error.kind]) from None
    return run


class _App(typer.Typer):
    """Typer, each command's and callback's errors said by `_said`."""

    def command(self, *args: Any, **kwargs: Any) -> Callable:
        return lambda command: super(_App, self).command(*args, **kwargs)(_said(command))

    def add_typer(self, group: typer.Typer, **kwargs: Any) -> None:
        for command in group.registered_commands:
            command.callback = _said(command.callback)
        if group.registered_callback is not None:
            group.registered_callback.callback = _said(group.registered_callback.callback)
        super().add_typer(group, **kwargs)


app = _App(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
           help="Compile exercise routines written in YAML into voice-guided audio tracks.")
app.add_typer(voices_app, name="voices")
AudioFormat = Enum("AudioFormat", {name: name for name in AUDIO_FORMATS}, type=str)


@app.command("build")
@with_options()
def build_command(
    routines: list[Path] = ROUTINES,
    output: Optional[Path] = typer.Option(
        None, "-o", "--output",
        help="Output .mp3 or .wav file (one routine) or folder. Default: output/<routine>.mp3"),
    audio_format: Optional[AudioFormat] = typer.Option(
        None, "--format", help="Audio format (default: from the -o file's extension, else mp3)."),
    sidecars: bool = typer.Option(False, "--sidecars", help="Also write STEM.chapters.json "
                                  "(Podcasting 2.0 chapters) and STEM.vtt (transcript) beside it."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Encoders at once: routines built at once, "
                             "or parts of one routine's track. 0, the default, is one per core.",
                             show_default=False),
    cluster: Optional[str] = typer.Option(
        None, "--cluster", show_default=False,
        help="Build on a Dask cluster: its scheduler's address, e.g. tcp://host:8786 "
        f"(--jobs then does not apply). Needs audiocoach\\[cluster]. Or set {ADDRESS_VARIABLE}."),
    options: Options = Options(),
) -> None:
    """Build each routine into one narrated, exactly timed audio file.

    With several routines, one that is wrong does not stop the others; the exit code is the
    worst of them.
    """
    check_jobs(jobs)
    chosen, outs = targets(routines, output, audio_format.value if audio_format else None)
    options = dataclasses.replace(options, audio_format=chosen)
    work = [Job(path, out, options, sidecars) for path, out in zip(routines, outs)]
    address = cluster_address(cluster)
    workers = jobs or default_jobs()
    one_at_a_time = workers <= 1 or len(work) == 1
    update, close = progress_bar() if one_at_a_time else (None, lambda: None)
    worst = 0
    try:
        for outcome in (build_on_cluster(work, *address) if address
                        else build_all(work, workers, update, say if one_at_a_time else None)):
            close()
            for note in outcome.notes:
                say(note)
            for line in outcome.lines:
                typer.echo(line)
            worst = max(worst, EXIT_CODES[outcome.error.kind if outcome.error else None])
    finally:
        close()
    if worst:
        raise typer.Exit(worst)


@app.command("share")
@with_options()
def share_command(
    routines: list[Path] = ROUTINES,
    output: Path = typer.Option(Path("output/share"), "-o", "--output", help="The folder to write."),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="Where the folder will be served from, e.g. "
        "https://example.org/stretches/ (a podcast app needs it to subscribe; default: the "
        "folder's from its last share).", show_default=False),
    title: Optional[str] = typer.Option(None, "--title", help="The feed's and index's title "
                                        "(default: the folder's, else one in its routines' language).",
                                        show_default=False),
    prune: bool = typer.Option(False, "--prune", help="Remove the routines the folder holds "
                               "that are not named here, files and all."),
    options: Options = Options(),
) -> None:
    """Add routines to a folder to share: a player page each, an index, the MP3s and a podcast feed.

    The routines the folder already holds stay in it, unless --prune.
    """
    if output.exists() and not output.is_dir():
        raise AudiocoachError.usage(f"-o {output} is a file, not a folder (give the folder to "
                                    "share into, e.g. -o output/share)")
    stems = [target.stem for target in in_folder(routines, output, "mp3")]
    parsed = [load(path) for path in routines]  # every routine checked before any is built
    collection = prepare(output, stems, title, base_url, prune)
    compiled = [(stem, planned(routine, options).compiled) for routine, stem in zip(parsed, stems)]
    result = publish(collection, compiled, prune)
    for stem, track in compiled:
        for warning in track.timeline.warnings:
            say(f"warning: {stem}: {warning}")
    for line in summary(result, collection):
        typer.echo(line)


app.command("serve")(serve_command)
app.command("studio")(studio_command)


@app.command("plan")
@with_options(loudness=False)
def plan_command(
    routine: Path = ROUTINE,
    as_json: bool = typer.Option(False, "--json", help="Print the timeline as JSON."),
    options: Options = Options(),
) -> None:
    """Show when every word and sound will play, without encoding audio."""
    track = planned(routine, options)
    typer.echo(json.dumps(track.to_json(), indent=2, ensure_ascii=False) if as_json
               else track.timeline.table())


@app.command("script")
def script_command(
    routine: Path = ROUTINE,
    as_json: bool = typer.Option(False, "--json", help="Print the lines as JSON."),
    language: Optional[str] = BUILD_OPTIONS[2][2],
) -> None:
    """Every line the coach will say, in order, without any voice: for proofreading."""
    checked_options(language=language)
    parsed = load(routine)
    script = build_script(parsed, language)
    if as_json:
        typer.echo(json.dumps(script_json(script, parsed, language), indent=2, ensure_ascii=False))
        return
    for row in script_rows(script):
        typer.echo(row)
    for warning in script.warnings:
        say(f"warning: {warning}")


@app.command("validate")
def validate_command(
    routines: list[Path] = typer.Argument(..., help="Routine files to check.", show_default=False),
) -> None:
    """Check routine files without synthesizing anything."""
    failed = None
    for path in routines:
        try:
            routine = load(path)
        except AudiocoachError as error:
            failed = error.kind
            for problem in error.problems:
                say(str(problem))
            continue
        typer.echo(f"{path}: ok ({plural(len(routine.exercises), 'exercise')})")
    if failed:
        raise typer.Exit(EXIT_CODES[failed])


@app.command("routines")
def routines_command() -> None:
    """List the bundled ready routines; build one with `audiocoach build NAME`."""
    for name, path in bundled_routines().items():
        routine = load(path)
        typer.echo(f"{name:<26} {routine.title} ({len(routine.exercises)} exercises)")


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
        raise as_options(error) from None
    if as_json:
        typer.echo(json.dumps([entry.to_json() for entry in found], indent=2, ensure_ascii=False))
        return
    for entry in found:
        typer.echo(f"{entry.id:<28} {entry.name} [{entry.position}"
                   f"{'; ' + ', '.join(entry.equipment) if entry.equipment else ''}]")
        typer.echo(f"{'':<28} helps with: {', '.join(entry.helps_with)}")
    say(plural(len(found), "exercise"))


@app.command("new")
def new_command(
    file: Path = typer.Argument(..., help="The routine file to write.", show_default=False),
    from_ids: str = typer.Option(..., "--from", help="Catalog ids, comma-separated."),
    title: str = typer.Option("My routine", "--title", help="The routine's title."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write an editable routine made of catalog exercises, and the schema editors check it with.

    The schema, `audiocoach.schema.json`, goes beside the routine (refreshed if it is there)."""
    if write_new_routine(file, from_ids, title, force):
        typer.echo(f"Made the folder {file.parent}")
    typer.echo(f"Wrote {file} (and {SCHEMA_FILE}, with which editors complete and check it): "
               f"edit it, then run `audiocoach build {shlex.quote(str(file))}`")


@app.command("schema")
def schema_command(
    out: Optional[Path] = typer.Option(None, "-o", "--output", help="Write it to this file.",
                                       dir_okay=False, show_default=False),
) -> None:
    """Print the routine format as a JSON Schema (draft-07), for editors' completion and checking."""
    if out is None:
        typer.echo(schema_text(), nl=False)
        return
    write_if_changed(out, schema_text().encode("utf-8"))
    say(f"Wrote {out}: a routine's first line `# yaml-language-server: $schema=PATH` points "
         "editors to it (PATH relative to the routine)")


def main() -> None:
    app()
