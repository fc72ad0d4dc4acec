"""The commands that run a local server until Ctrl-C: `serve` (a shared folder) and `studio`."""

from __future__ import annotations

from pathlib import Path

import typer

from audiocoach.publish.collection import refuse_unshared
from audiocoach.publish.serve import lan_address, listen, qr_text, serve


def serve_command(
    folder: Path = typer.Argument(Path("output/share"), help="The shared folder."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 0.0.0.0 lets "
                             "phones on your network in."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve a shared folder over HTTP, with seeking, until Ctrl-C."""
    refuse_unshared(folder)
    listener = listen(host, port)  # before saying where: the port may be taken
    shown_host = (lan_address() or "127.0.0.1") if host in ("0.0.0.0", "::") else host
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


def studio_command(
    file: Path = typer.Argument(Path("routine.yaml"),
                                help="The routine file to edit (new or existing)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; any other than "
                             "this machine's own asks for the token printed with the address."),
    port: int = typer.Option(8765, "--port", min=0, max=65535,
                             help="Port to listen on (0: any free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
) -> None:
    """Compose a routine in the browser, with its problems and plan as you type.

    Search the catalog, fill in forms, hear one exercise, save the YAML, build and share."""
    from audiocoach.studio.server import run

    run(file, host, port, not no_browser, typer.echo)
