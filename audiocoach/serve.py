"""Serve a shared folder over HTTP: byte ranges for seeking, the right types, nothing outside it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

# By file name ending: what a phone's player and a podcast app expect to be told.
MEDIA_TYPES = {
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".chapters.json": "application/json+chapters",
    ".json": "application/json",
    "feed.xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
}


def media_type(name: str) -> str | None:
    for ending, kind in MEDIA_TYPES.items():
        if name.endswith(ending):
            return kind
    return None


def app(folder: Path):
    """The ASGI app: the folder's files (index.html for /), 404 for anything else.

    Starlette's StaticFiles refuses absolute paths, `..` and symlinks that lead out of the folder,
    lists no directories, and its FileResponse answers Range requests with 206.
    """
    from starlette.applications import Starlette
    from starlette.responses import FileResponse
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    class SharedFiles(StaticFiles):
        def file_response(self, full_path, stat_result, scope, status_code=200):
            response = super().file_response(full_path, stat_result, scope, status_code)
            kind = media_type(os.path.basename(str(full_path)))
            if kind and isinstance(response, FileResponse):
                response.media_type = kind
                response.headers["content-type"] = kind
            return response

    return Starlette(routes=[Mount("/", app=SharedFiles(directory=str(folder.resolve()), html=True))])


def lan_address() -> str | None:
    """This machine's address on the local network, as other devices would reach it."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # a documentation address: nothing is sent
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def qr_text(url: str) -> str:
    """A QR code of `url` drawn with text blocks, for a phone's camera to read off the terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def serve(folder: Path, host: str, port: int) -> None:
    """Run the server until Ctrl-C."""
    import uvicorn

    uvicorn.run(app(folder), host=host, port=port, log_level="warning", server_header=False)
