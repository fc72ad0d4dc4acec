"""Serve a shared folder over HTTP: byte ranges for seeking, the right types, nothing outside it."""

from __future__ import annotations

import errno
import os
import re
import socket
from pathlib import Path

from audiocoach.errors import AudiocoachError, Kind, Problem
from audiocoach.publish.addresses import web_address
from audiocoach.publish.collection import FEED, read_collection
from audiocoach.publish.feed import feed_xml
from audiocoach.publish.sidecars import CHAPTERS, VTT

# By file name ending: what a phone's player and a podcast app expect to be told.
MEDIA_TYPES = {
    ".mp3": "audio/mpeg",
    VTT: "text/vtt; charset=utf-8",
    CHAPTERS: "application/json+chapters",
    ".json": "application/json",
    FEED: "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
}


def media_type(name: str) -> str | None:
    for ending, kind in MEDIA_TYPES.items():
        if name.endswith(ending):
            return kind
    return None


# RFC 9110 §14.1.2: a byte range is `first-last` (last not before first), `first-` or `-suffix`.
BYTE_RANGE = re.compile(r"(\d+)-(\d*)|-(\d+)")
# What a Host header may be: a name or IPv4 address, or an IPv6 one in brackets, and a port.
HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


def range_is_valid(value: str) -> bool:
    """Whether a Range header is a set of byte ranges; one that is not is ignored (RFC 9110 §14.2),
    and the whole file is sent."""
    unit, equals, ranges = value.partition("=")
    specs = [spec.strip() for spec in ranges.split(",") if spec.strip()]  # a list's empty items
    if not equals or unit.strip().lower() != "bytes" or not specs:
        return False
    for spec in specs:
        match = BYTE_RANGE.fullmatch(spec)
        if match is None or (match[2] and int(match[2]) < int(match[1])):
            return False
    return True


def request_base(scope) -> str:
    """The folder's address as the client reached it: http://HOST:PORT/."""
    from starlette.datastructures import Headers

    host = Headers(scope=scope).get("host", "")
    if HOST.fullmatch(host):
        try:
            return web_address(f"{scope['scheme']}://{host}/")
        except AudiocoachError:  # a port out of range
            pass
    address, port = scope["server"]
    host = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    return web_address(f"{scope['scheme']}://{host}/")


def app(folder: Path):
    """The ASGI app: the folder's files (index.html for /), 404 for anything else.

    Starlette's StaticFiles refuses absolute paths, `..` and symlinks that lead out of the folder,
    lists no directories, and its FileResponse answers Range requests with 206. Hidden files
    (the manifest among them) are not served. The feed is rendered for each request from the
    folder's manifest with absolute URLs to this server, which a podcast app needs.
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.responses import FileResponse, Response
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

    files = SharedFiles(directory=str(folder.resolve()), html=True)

    def feed(scope) -> bytes | None:
        try:
            collection = read_collection(folder)
        except AudiocoachError:
            return None  # feed.xml as it was written
        if not collection.listings:
            return None
        return feed_xml(collection.listings, collection.title, request_base(scope))

    async def shared_folder(scope, receive, send):
        if scope["type"] == "http":
            if any(part.startswith(".") for part in scope["path"].split("/")):
                raise HTTPException(status_code=404)
            headers = scope["headers"]
            if any(k.lower() == b"range" and not range_is_valid(v.decode("latin-1"))
                   for k, v in headers):
                scope = {**scope, "headers": [(k, v) for k, v in headers if k.lower() != b"range"]}
            if scope["path"] == f"/{FEED}" and scope["method"] in ("GET", "HEAD"):
                body = await run_in_threadpool(feed, scope)
                if body is not None:
                    await Response(body, media_type=MEDIA_TYPES[FEED])(scope, receive, send)
                    return
        await files(scope, receive, send)

    return Starlette(routes=[Mount("/", app=shared_folder)])


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port for `serve`; AudiocoachError (Kind.ADDRESS) if not."""
    def refused(message: str, fix: str, option: str = "--port") -> AudiocoachError:
        return AudiocoachError(Problem(message, fix, field=option), Kind.ADDRESS)

    another = f"use another port, e.g. --port {port + 1 if port < 65535 else 8000}"
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as error:
        raise refused(f"there is no address {host} ({error.strerror})",
                      "use --host 127.0.0.1, or 0.0.0.0 to listen on every address",
                      "--host") from None
    listener = socket.socket(family, kind, protocol)
    try:
        # As uvicorn does: a restart need not wait for the last connections to time out.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise refused(f"port {port} on {host} is in use by another program",
                          f"stop that program, or {another}") from None
        if error.errno == errno.EACCES:
            raise refused(f"this user may not listen on port {port}",
                          "use a port above 1023, e.g. --port 8000") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise refused(f"{host} is not an address of this machine",
                          "use --host 127.0.0.1, or 0.0.0.0 to listen on every address",
                          "--host") from None
        raise refused(f"cannot listen on {host}:{port}: {error.strerror}", another) from None
    return listener


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


def serve(folder: Path, listener: socket.socket) -> None:
    """Serve the folder on a socket from `listen` until Ctrl-C."""
    import uvicorn

    config = uvicorn.Config(app(folder), log_level="warning", server_header=False)
    uvicorn.Server(config).run(sockets=[listener])
