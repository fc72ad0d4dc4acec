"""The studio's server: who may use it, what it reads and writes, and that its figures are the CLI's."""

from __future__ import annotations

import difflib
import io
import json
import os
import socket
import threading
import time
import wave
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
import pytest
import requests

from audiocoach.errors import Problem
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


@contextmanager
def served(app, port: int):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def studio(fake_engine, tmp_path, monkeypatch):
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
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def routine_of(client) -> dict:
    return client.get("/api/state").json()["routine"]


# -- who may use it


def test_a_foreign_origin_is_refused_and_nothing_is_written(studio):
    client, path = studio()
    before = files_of(path.parent)
    routine = routine_of(client)
    routine["title"] = "Changed"
    answer = client.post("/api/save", json={"routine": routine},
                         headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403
    assert "another site" in answer.json()["problems"][0]["message"]
    assert files_of(path.parent) == before
    # the studio's own page may
    assert client.post("/api/save", json={"routine": routine},
                       headers={"Origin": f"http://{client.host}"}).status_code == 200
    assert "title: Changed" in path.read_text()


def test_a_foreign_host_is_refused_and_nothing_is_written(studio):
    """A DNS-rebinding page reaches the studio's address under its own name: refused."""
    client, path = studio()
    routine = routine_of(client)
    before = files_of(path.parent)
    answer = client.post("/api/save", json={"routine": routine},
                         headers={"Host": f"rebind.example:{client.port}"})
    assert answer.status_code == 403
    assert client.post("/api/build", json={"routine": routine},
                       headers={"Host": "localhost:9999"}).status_code == 403
    assert client.get("/api/state", headers={"Host": "evil.example"}).status_code == 403
    assert files_of(path.parent) == before


@pytest.mark.parametrize("raw_path", [
    b"/files/../secret.txt",
    b"/files/%2e%2e/secret.txt",
    b"/files/..%2fsecret.txt",
    b"/files/%2E%2E%2Fsecret.txt",
    b"/files//" + b"%s",  # an absolute path, filled in below
    b"/files/out/secret.txt",  # a symbolic link that leads out of the folder
], ids=["dot-dot", "percent-dots", "percent-slash", "percent-upper", "absolute", "symlink"])
def test_a_path_outside_the_folder_is_not_served(studio, tmp_path, raw_path):
    client, path = studio()
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the page")
    (path.parent / "out").symlink_to(tmp_path, target_is_directory=True)
    if raw_path.endswith(b"%s"):
        raw_path = raw_path.replace(b"%s", str(secret).lstrip("/").encode())
    before = files_of(tmp_path / "work")
    assert client.raw(raw_path) == 404
    assert files_of(tmp_path / "work") == before
    # a file of the folder is served
    (path.parent / "notes.txt").write_text("inside")
    assert client.get("/files/notes.txt").text == "inside"


@pytest.mark.parametrize("folder", ["../shared", "/tmp/shared-elsewhere", "out/shared"])
def test_a_share_folder_outside_the_folder_is_refused_and_nothing_is_written(studio, tmp_path,
                                                                             folder):
    client, path = studio()
    (path.parent / "out").symlink_to(tmp_path, target_is_directory=True)
    before = files_of(tmp_path)
    answer = client.post("/api/share", json={"routine": routine_of(client), "folder": folder})
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == "folder"
    assert files_of(tmp_path) == before
    assert not Path("/tmp/shared-elsewhere").exists()


def test_another_address_needs_the_token(studio):
    client, _ = studio(token="s3cret", host="192.0.2.7")
    assert client.get("/api/state").status_code == 403
    assert client.get("/api/state?token=wrong").status_code == 403
    assert client.get("/api/state", headers={"X-Studio-Token": "s3cret"}).status_code == 200
    assert client.get("/api/state?token=s3cret").json()["file"] == "routine.yaml"
    # and the loopback names stay its own too
    assert client.get("/api/state?token=s3cret",
                      headers={"Host": f"localhost:{client.port}"}).status_code == 200


# -- saving


def one_line_changed(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0,
                                                  lineterm="")
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_saving_one_changed_hold_changes_exactly_that_line(studio):
    client, path = studio()
    routine = routine_of(client)
    routine["exercises"][1]["hold"] = "15s"
    answer = client.post("/api/save", json={"routine": routine})
    assert answer.status_code == 200
    assert answer.json()["saved"] == "routine.yaml" and answer.json()["problems"] == []
    saved = path.read_text(encoding="utf-8")
    assert one_line_changed(COMMENTED, saved) == ['-    hold: 8s', '+    hold: 15s']
    assert answer.json()["yaml"] == saved


def test_saving_keeps_comments_key_order_and_quoting_of_what_did_not_change(studio):
    client, path = studio()
    routine = routine_of(client)
    routine["exercises"][0]["rest"] = "7s"
    routine["exercises"].append({"name": "Wall push", "hold": "5s"})
    client.post("/api/save", json={"routine": routine})
    saved = path.read_text(encoding="utf-8")
    assert one_line_changed(COMMENTED, saved) == [
        "-    rest: 5s", "+    rest: 7s", "+  - name: Wall push", "+    hold: 5s"]
    for kept in ("# Evening stretch, for the class on Tuesdays", "# what the player shows",
                 "  # warm up first", "    hold: 10s      # gentle", '  - name: "Calf raise"'):
        assert kept in saved


def test_a_second_save_into_the_same_file_builds_on_the_first(studio):
    client, path = studio()
    routine = routine_of(client)
    routine["title"] = "Evening stretch, longer"
    client.post("/api/save", json={"routine": routine})
    first = path.read_text(encoding="utf-8")
    routine["exercises"][2]["hold"] = "20s"
    assert client.post("/api/save", json={"routine": routine}).status_code == 200
    second = path.read_text(encoding="utf-8")
    assert one_line_changed(first, second) == ["-    hold: 12s", "+    hold: 20s"]
    assert "title: Evening stretch, longer # what the player shows" in second


@pytest.mark.parametrize("name", ["my routine.yaml", "Übungen für Jürgen.yaml", "a#b?c&d%20.yaml"])
def test_a_new_file_of_any_name_is_created_with_the_routine(studio, name):
    client, path = studio(name, text=None)
    state = client.get("/api/state").json()
    assert state["file"] == name and state["exists"] is False
    routine = {"title": "Neu", "exercises": [{"name": "Kniebeuge", "hold": "30s"}]}
    answer = client.post("/api/save", json={"routine": routine})
    assert answer.json()["saved"] == name
    assert path.read_text(encoding="utf-8") == (
        "title: Neu\nexercises:\n  - name: Kniebeuge\n    hold: 30s\n")
    assert client.get("/api/state").json()["exists"] is True
    assert [p.name for p in path.parent.iterdir()] == [name]  # no temporary file left


def test_a_save_that_fails_leaves_no_half_file(studio, monkeypatch):
    client, path = studio("new.yaml", text=None)

    def full_disk(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("audiocoach.files.os.replace", full_disk)
    answer = client.post("/api/save", json={"routine": {"title": "T", "exercises": []}})
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["message"] == "cannot write new.yaml: No space left on device"
    assert list(path.parent.iterdir()) == []


def test_yaml_text_from_the_text_view_is_saved_as_typed(studio):
    client, path = studio()
    text = COMMENTED.replace("hold: 10s      # gentle", "hold: 11s      # a little longer")
    answer = client.post("/api/save", json={"yaml": text})
    assert answer.status_code == 200
    assert path.read_text(encoding="utf-8") == text
