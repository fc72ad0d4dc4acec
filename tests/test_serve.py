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
    (site / ".hidden").write_text("outside")
    (site / ".audiocoach-share.json").write_text('{"outside": 1}')
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


@pytest.mark.parametrize("header", [
    "bytes=5-2",  # last before first
    "bytes=abc", "bytes=", "bytes=1-2,x", "bytes 0-9", "items=0-9", "=0-9", "bytes=0-9-",
])
def test_a_malformed_range_is_ignored_and_the_whole_file_sent(server, header):
    port, site = server
    response, body = request(port, "GET", "/a.mp3", {"Range": header})
    assert response.status == 200, header
    assert body == (site / "a.mp3").read_bytes()
    assert response.getheader("Content-Range") is None


@pytest.mark.parametrize("header, first, last", [
    ("bytes=-10", 10230, 10239), ("bytes=10230-", 10230, 10239), ("bytes=0-0", 0, 0),
    ("bytes=5-99999", 5, 10239), ("bytes=, 3-4", 3, 4),  # an empty list item is allowed
])
def test_a_valid_range_still_gets_its_bytes(server, header, first, last):
    port, site = server
    response, body = request(port, "GET", "/a.mp3", {"Range": header})
    assert response.status == 206, header
    assert body == (site / "a.mp3").read_bytes()[first:last + 1]


def test_a_range_beyond_the_end_is_not_satisfiable(server):
    port, site = server
    response, _ = request(port, "GET", "/a.mp3", {"Range": "bytes=20000-"})
    assert response.status == 416
    assert response.getheader("Content-Range") == f"bytes */{(site / 'a.mp3').stat().st_size}"


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
    "//etc/passwd", "/%2fetc%2fpasswd", "/link.txt", "/nothing.mp3", "/.hidden",
    "/.audiocoach-share.json",
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

    from audiocoach.publish.serve import qr_text

    rows = qr_text("http://192.168.1.20:8000/").splitlines()
    width, height = segno.make("http://192.168.1.20:8000/", error="m").symbol_size(border=4)
    # compact: one character per module across, two modules per line down
    assert {len(row) for row in rows} == {width} and len(rows) == (height + 1) // 2


def test_a_port_in_use_is_one_message_with_its_own_exit_code_before_any_address(tmp_path):
    import socket

    from typer.testing import CliRunner

    from audiocoach.cli import app

    (tmp_path / "index.html").write_text("<!doctype html><title>Routines</title>")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 4
    assert result.stdout == ""  # no "Serving ... at" for an address it does not serve
    assert result.stderr == (f"error: --port: port {port} on 127.0.0.1 is in use by another "
                             f"program (stop that program, or use another port, e.g. --port "
                             f"{port + 1})\n")


def test_a_host_that_is_not_here_is_refused_with_the_same_exit_code(tmp_path):
    from typer.testing import CliRunner

    from audiocoach.cli import app

    (tmp_path / "index.html").write_text("<!doctype html><title>Routines</title>")
    result = CliRunner().invoke(app, ["serve", str(tmp_path), "--host", "192.0.2.1"])
    assert result.exit_code == 4 and result.stdout == ""
    assert result.stderr == ("error: --host: 192.0.2.1 is not an address of this machine (use "
                             "--host 127.0.0.1, or 0.0.0.0 to listen on every address)\n")


def test_the_feed_served_has_absolute_urls_to_this_server(run, write_routine, tmp_path):
    import feedparser

    path = write_routine("title: Calves\nexercises:\n  - {name: Calf stretch, hold: 3s}\n",
                         "my calves.yaml")
    result = run("share", path, "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert ("The feed's links are relative to it: a podcast app can subscribe through "
            "`audiocoach serve`; for a web server, share with --base-url") in result.stdout
    written = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert written.entries[0].enclosures[0].href == "my%20calves.mp3"  # relative on disk
    with serving(tmp_path / "site") as port:
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            response, body = request(port, "GET", "/feed.xml", {"Host": host})
            assert response.status == 200
            assert response.getheader("Content-Type") == "application/rss+xml; charset=utf-8"
            (entry,) = feedparser.parse(body).entries
            base = f"http://{host}/"
            assert entry.link == base + "my%20calves.html"
            (enclosure,) = entry.enclosures
            assert enclosure.href == base + "my%20calves.mp3"
            audio, data = request(port, "GET", enclosure.href.removeprefix(base[:-1]))
            assert audio.status == 200 and len(data) == int(enclosure.length)
        head, body = request(port, "HEAD", "/feed.xml")
        assert head.status == 200 and body == b""
        # A Host header that is no host name gives the server's own address.
        for host in ("<evil>", "localhost:99999", "a b"):
            _, body = request(port, "GET", "/feed.xml", {"Host": host})
            assert feedparser.parse(body).entries[0].link == (
                f"http://127.0.0.1:{port}/my%20calves.html"), host
