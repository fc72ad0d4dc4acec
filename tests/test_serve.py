"""`serve` over real HTTP on 127.0.0.1: byte ranges, media types, nothing outside the folder."""

from __future__ import annotations

import http.client

import pytest
from conftest import serving


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    site = root / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Routines</title>")
    (site / "feed.xml").write_text("<?xml version='1.0'?><rss version='2.0'><channel/></rss>")
    (site / "a.mp3").write_bytes(bytes(range(256)) * 40)
    (site / "a.vtt").write_text("WEBVTT\n")
    (site / "a.chapters.json").write_text('{"version": "1.2.0", "chapters": []}')
    (root / "secret.txt").write_text("outside")
    (site / "link.txt").symlink_to(root / "secret.txt")
    with serving(site) as port:
        yield port, site


def request(port: int, method: str, path: str, headers: dict | None = None):
    """A raw request: the path goes out exactly as written, dots and escapes included."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_a_range_request_gets_exactly_those_bytes(server):
    port, site = server
    response, body = request(port, "GET", "/a.mp3", {"Range": "bytes=100-1123"})
    assert response.status == 206
    assert body == (site / "a.mp3").read_bytes()[100:1124]
    assert response.getheader("Content-Range") == f"bytes 100-1123/{(site / 'a.mp3').stat().st_size}"
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.getheader("Content-Type") == "audio/mpeg"


@pytest.mark.parametrize("path, kind", [
    ("/feed.xml", "application/rss+xml; charset=utf-8"),
    ("/a.vtt", "text/vtt; charset=utf-8"),
    ("/a.chapters.json", "application/json+chapters"),
    ("/", "text/html; charset=utf-8"),
])
def test_each_file_has_its_media_type_for_head_and_get(server, path, kind):
    port, site = server
    for method in ("HEAD", "GET"):
        response, body = request(port, method, path)
        assert response.status == 200 and response.getheader("Content-Type") == kind
        assert (body == b"") == (method == "HEAD")


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
    "//etc/passwd", "/%2fetc%2fpasswd", "/link.txt", "/nothing.mp3",
])
def test_nothing_outside_the_folder_is_served(server, path):
    port, _ = server
    response, body = request(port, "GET", path)
    assert response.status == 404, (path, body[:80])
    assert b"outside" not in body and b"root:" not in body


def test_no_folder_listing(server, tmp_path):
    port, site = server
    (site / "sub").mkdir(exist_ok=True)
    (site / "sub" / "x.mp3").write_bytes(b"x")
    response, body = request(port, "GET", "/sub/")
    assert response.status == 404 and b"x.mp3" not in body


def test_the_serve_command_prints_its_address_and_stops_cleanly_on_ctrl_c(tmp_path):
    import signal
    import socket
    import subprocess
    import sys
    import time

    (tmp_path / "index.html").write_text("<!doctype html><title>Routines</title>")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "audiocoach", "serve", str(tmp_path),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith(f"Serving {tmp_path} at http://127.0.0.1:{port}/")
        for _ in range(100):
            try:
                response, body = request(port, "GET", "/")
                break
            except OSError:
                time.sleep(0.05)
        assert response.status == 200 and b"Routines" in body
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Stopped." in out and "Traceback" not in err


def test_serving_a_folder_that_was_not_shared_is_refused(tmp_path):
    from typer.testing import CliRunner

    from audiocoach.cli import app

    result = CliRunner().invoke(app, ["serve", str(tmp_path)])
    assert result.exit_code == 1 and "has no index.html" in result.stderr


def test_the_qr_code_is_segnos_symbol_for_the_address_drawn_in_text():
    import segno

    from audiocoach.serve import qr_text

    rows = qr_text("http://192.168.1.20:8000/").splitlines()
    width, height = segno.make("http://192.168.1.20:8000/", error="m").symbol_size(border=4)
    # compact: one character per module across, two modules per line down
    assert {len(row) for row in rows} == {width} and len(rows) == (height + 1) // 2
