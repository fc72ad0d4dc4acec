"""The studio's web server: the page, its files, and the JSON routes it calls (see `Session`)."""

from __future__ import annotations

import json
import socket
import webbrowser
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from audiocoach import __version__
from audiocoach.errors import AudiocoachError, Problem
from audiocoach.routine.catalog import (
    EQUIPMENT,
    POSITIONS,
    routine_exercise,
    schema_text,
    search,
)
from audiocoach.routine.definitions import BUILTIN_SOUNDS, ENGINES
from audiocoach.routine.load import MAX_FILE_BYTES
from audiocoach.studio.guard import Guard, is_loopback, new_token, own_hosts
from audiocoach.studio.session import Session, inside, problems_json, stopped

HERE = Path(__file__).resolve().parent
DEFAULT_PORT = 8765
MAX_BODY_BYTES = 4 * MAX_FILE_BYTES  # a routine file's limit, with room for JSON's quoting


def _package_folder(name: str) -> Path:
    try:
        return Path(str(resources.files("audiocoach.studio") / name))
    except ModuleNotFoundError:
        return HERE / name


def refused(error: AudiocoachError, status: int = 422) -> JSONResponse:
    return JSONResponse({"problems": problems_json(error.problems)}, status_code=status)


async def _body(request: Request) -> Any:
    """The request's JSON; AudiocoachError when it is not JSON, or too big to be a routine."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise AudiocoachError(Problem(
                f"the request is over {MAX_BODY_BYTES // 1_000_000} MB, more than any routine",
                "send one routine"))
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise AudiocoachError(Problem(f"the request is not JSON: {error}",
                                      "send a JSON object")) from None
    except RecursionError:
        raise AudiocoachError(Problem("the request is not JSON a routine can be: it nests "
                                      "thousands of levels deep", "send one routine")) from None


def studio_app(path: Path, *, token: str | None, allowed_hosts: Iterable[str]) -> Starlette:
    """The studio for the routine file `path` (it may not exist yet), answering only requests
    whose Host is one of `allowed_hosts` ("127.0.0.1:8765") and, with a `token`, carry it."""
    session = Session(path)
    templates = _package_folder("templates")

    def work(method: Callable[[Any], dict]) -> Callable:
        async def route(request: Request) -> Response:
            try:
                body = await _body(request)
            except AudiocoachError as error:
                return refused(error, 400)
            try:
                return JSONResponse(await run_in_threadpool(method, body))
            except AudiocoachError as error:
                return refused(error)
            except Exception as error:  # noqa: BLE001 - an answer the page can show, not a trace
                return refused(AudiocoachError(stopped(error)), 500)
        return route

    async def page(request: Request) -> Response:
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        environment = Environment(loader=FileSystemLoader(str(templates)),
                                  autoescape=select_autoescape(default=True))
        html = environment.get_template("studio.html").render(
            file=session.name, token=token or "", version=__version__)
        return HTMLResponse(html, headers={"cache-control": "no-store"})

    async def state(request: Request) -> Response:
        from audiocoach.speech.languages import pack_codes
        from audiocoach.voice import voices

        answer = await run_in_threadpool(session.state)
        answer.update(schema=json.loads(schema_text()), engines=list(ENGINES),
                      voices=[voice.name for voice in voices.installed()],
                      languages=pack_codes(), sounds=list(BUILTIN_SOUNDS))
        return JSONResponse(answer)

    async def catalog(request: Request) -> Response:
        query = request.query_params
        try:
            found = search(query.get("q", ""), query.get("position") or None,
                           query.get("equipment") or None, query.get("helps") or None)
        except AudiocoachError as error:
            return refused(error)
        return JSONResponse({"entries": [catalog_entry(entry) for entry in found],
                             "positions": list(POSITIONS), "equipment": list(EQUIPMENT)})

    async def events(request: Request) -> Response:
        from sse_starlette.sse import EventSourceResponse

        return EventSourceResponse(session.hub.listen(), ping=15)

    async def preview_file(request: Request) -> Response:
        audio = session.previews.get(request.path_params["key"])
        if audio is None:  # only the latest few are kept
            return refused(AudiocoachError(Problem("this preview is no longer kept",
                                                   "press play again")), 404)
        return Response(audio, media_type="audio/wav")

    async def files(request: Request) -> Response:
        target = inside(session.folder, request.path_params["path"])
        if target is None or not target.is_file():
            return Response("not found", status_code=404)
        return FileResponse(target)

    routes = [
        Route("/", page),
        Route("/api/state", state),
        Route("/api/catalog", catalog),
        Route("/api/check", work(session.check), methods=["POST"]),
        Route("/api/save", work(session.save), methods=["POST"]),
        Route("/api/preview", work(session.preview), methods=["POST"]),
        Route("/api/build", work(session.build), methods=["POST"]),
        Route("/api/share", work(session.share), methods=["POST"]),
        Route("/api/events", events),
        Route("/preview/{key}.wav", preview_file),
        Route("/files/{path:path}", files),
        Mount("/static", StaticFiles(directory=str(_package_folder("static")), check_dir=False)),
    ]
    app = Starlette(routes=routes)
    app.state.session = session
    app.add_middleware(Guard, hosts=allowed_hosts, token=token)
    return app


def catalog_entry(entry) -> dict:
    """A catalog entry as the page lists it, and the exercise the routine gets when it is added."""
    return {"id": entry.id, "name": entry.name, "helps_with": list(entry.helps_with),
            "position": entry.position, "equipment": list(entry.equipment),
            "instructions": entry.exercise.instructions, "cautions": list(entry.cautions),
            "exercise": routine_exercise(entry)}


def run(file: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT, open_browser: bool = True,
        say: Callable[[str], None] = print) -> None:
    """Serve the studio for `file` until Ctrl-C, saying its address (and opening a browser)."""
    import uvicorn

    from audiocoach.publish.serve import lan_address, listen

    if file.exists() and not file.is_file():
        raise AudiocoachError(Problem("is a folder, not a routine file",
                                      "name a .yaml file, e.g. routine.yaml", str(file)))
    listener = listen(host, port)
    port = listener.getsockname()[1]
    token = None if is_loopback(host) else new_token()
    shown = host
    also: list[str] = []
    if host in ("0.0.0.0", "::"):
        shown = lan_address() or "127.0.0.1"
        # the names a device on the network may use for this machine (the token is asked too)
        name = socket.gethostname().lower()
        also += [shown, name, f"{name}.local"]
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    url += f"?token={token}" if token else ""
    app = studio_app(file, token=token, allowed_hosts=own_hosts(host, port, also))
    say(f"Studio: {url} (editing {file}). Ctrl-C stops.")
    if open_browser:
        try:
            webbrowser.open(url)
        except webbrowser.Error:
            pass
    config = uvicorn.Config(app, log_level="warning", server_header=False)
    try:
        uvicorn.Server(config).run(sockets=[listener])
    except KeyboardInterrupt:
        pass
    say("Stopped.")
