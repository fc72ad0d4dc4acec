"""`audiocoach voices`: list, add and remove offline (piper) voices."""

from __future__ import annotations

from typing import Optional

import typer

from audiocoach.cli_options import checked_options, progress_bar
from audiocoach.voice import voices

voices_app = typer.Typer(help="List, add and remove offline (piper) voices.", no_args_is_help=False)


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
    checked_options(language=language)
    rows, none = voices.listing(language, offered=available)
    for row in rows:
        typer.echo(row)
    if none:
        typer.echo(none, err=True)


@voices_app.command("add")
def voices_add_command(
    names: list[str] = typer.Argument(..., help="Voice names, e.g. de_DE-thorsten-medium.",
                                      show_default=False),
) -> None:
    """Download piper voices into the voices folder, checking each file before it is used."""
    index = voices.fetch_index()
    for name in names:
        update, close = progress_bar(f"Downloading {name}")
        try:
            paths = voices.add(name, update, index)
        finally:
            close()
        typer.echo(f"Added {name} ({sum(p.stat().st_size for p in paths) / 1e6:.1f} MB) to "
                   f"{paths[0].parent}")


@voices_app.command("remove")
def voices_remove_command(
    names: list[str] = typer.Argument(..., help="Installed voice names.", show_default=False),
) -> None:
    """Delete installed voices, and the graphs prepared from them."""
    for name in names:
        voices.remove(name)
        typer.echo(f"Removed {name}")
