"""What the studio's tests share: a studio served on a free port, and requests sent as a page's."""

from __future__ import annotations

import difflib
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from conftest import free_port, served

from audiocoach.studio.guard import own_hosts
from audiocoach.studio.server import studio_app

COMMENTED = """\
# Evening stretch, for the class on Tuesdays
title: Evening stretch   # what the player shows
voice:
  engine: piper
exercises:
  # warm up first
  - name: Neck roll
    hold: 10s      # gentle
    rest: 5s
  - name: "Calf raise"
    hold: 8s
    sides: both
  - use: seated-glute-stretch
    hold: 12s
"""


class Client:
    """Requests to a studio served by uvicorn on 127.0.0.1, sent with the Host a browser would."""

    def __init__(self, port: int, host: str):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.host = host

    def request(self, method: str, path: str, headers=None, **kwargs) -> requests.Response:
        headers = {"Host": self.host, **(headers or {})}
        return requests.request(method, self.base + path, headers=headers, timeout=120, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def raw(self, target: bytes) -> int:
        """The status of a GET whose path goes on the wire exactly as given (a client library
        would tidy away `..`)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + self.host.encode()
                               + b"\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        return int(answer.split(b" ", 2)[1])


@pytest.fixture(name="studio")
def open_studios(fake_engine, tmp_path, monkeypatch):
    """Opens a studio on a file of the folder `tmp_path/work` (fake voice, its own clip cache)."""
    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    folder = tmp_path / "work"
    folder.mkdir()
    with ExitStack() as stack:
        def open_studio(name: str = "routine.yaml", text: str | None = COMMENTED, token=None,
                        host: str = "127.0.0.1"):
            path = folder / name
            if text is not None:
                path.write_text(text, encoding="utf-8")
            port = free_port()
            app = studio_app(path, token=token, allowed_hosts=own_hosts(host, port))
            stack.enter_context(served(app, port))
            client = Client(port, f"{host}:{port}")
            client.session = app.state.session
            return client, path

        yield open_studio


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def routine_of(client) -> dict:
    return client.get("/api/state").json()["routine"]


def one_line_changed(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0,
                                                  lineterm="")
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def exercises_of(plan_document: dict, intro: bool = False) -> list[dict]:
    chapters = plan_document["chapters"][1 if intro else 0:]
    return [{"name": c["title"], "start_s": c["start_s"],
             "length_s": round(c["end_s"] - c["start_s"], 6)} for c in chapters]


def read_events(response, until: str, finished: bool = False, limit_s: float = 120):
    """(event, data) pairs of a server-sent event stream, up to the first `until` event (one
    marked finished, if asked)."""
    seen, name = [], None
    deadline = time.monotonic() + limit_s
    for line in response.iter_lines(decode_unicode=True):
        assert time.monotonic() < deadline, seen
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data = json.loads(line.split(":", 1)[1])
            seen.append((name, data))
            if name == until and (not finished or data.get("finished")):
                return seen
            if name == "failed":
                raise AssertionError(data)
    return seen


def start_studio_command(*arguments: str, cwd: Path):
    process = subprocess.Popen([sys.executable, "-m", "audiocoach", "studio", *arguments,
                                "--port", "0", "--no-browser"], cwd=cwd, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    return process, process.stdout.readline()
