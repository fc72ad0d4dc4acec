"""Shared fixtures: a fake voice whose clip length depends on the text, and routine helpers."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import textwrap
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
import requests

from audiocoach import ffmpeg
from audiocoach.pipeline import FILE_CHECKS
from audiocoach.routine.load import load_text
from audiocoach.routine.model import Routine, Voice
from audiocoach.routine.validation import build_routine
from audiocoach.voice import engines

# The suite runs a test process per core (`pytest -n auto`), so a build synthesizes in its test's
# own process, where the voice stays loaded from one test to the next, instead of forking a pool
# of its own for each build. The pool is tested where it matters: test_synthesize,
# test_end_to_end (any number of workers, the same bytes) and test_interrupted (builds as users
# run them).
os.environ.setdefault("AUDIOCOACH_WORKERS", "1")

# The commands the tests start (`python -m audiocoach ...`, a cluster's workers) import this
# working tree too, not an installed copy, whatever folder they start in.
ROOT = Path(__file__).resolve().parent.parent
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])

# The tests that take longest, the bundled routines built with the real voice, start first, so
# that the cores finish together: work stealing then evens out the quick tests at the end,
# instead of one core building a half-hour routine while the others have nothing left to do.
LONGEST_FIRST = ("test_routines.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)  # stable: order kept within


@pytest.fixture(scope="session", autouse=True)
def user_cache_folder(tmp_path_factory) -> Path:
    """The user cache folder (`XDG_CACHE_HOME`) of this test run, for this process and the
    commands it starts: the offline voice is prepared there once per run (piper_graph.py), not in
    the home folder of whoever runs the tests."""
    folder = tmp_path_factory.mktemp("user-cache")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    return folder


FAKE_RATE = 1000  # one sample per millisecond keeps golden timelines readable
MS_PER_CHAR = 40


def fake_length(text: str) -> int:
    return MS_PER_CHAR * len(text) * FAKE_RATE // 1000


class FakeEngine:
    """A tone whose length is 40 ms per character: fast, deterministic, honest about length."""

    name = "fake"
    voice_name = "fake voice"
    sample_rate_hz = FAKE_RATE
    calls: list[str] = []

    def __init__(self, voice: Voice):
        self.voice = voice

    def settings(self) -> dict[str, object]:
        return {"language": self.voice.language, "accent": self.voice.accent,
                "speed": self.voice.speed, "model": self.voice.model}

    def synthesize(self, text: str) -> np.ndarray:
        FakeEngine.calls.append(text)
        t = np.arange(fake_length(text)) / self.sample_rate_hz
        return (0.5 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)


@pytest.fixture
def fake_engine(monkeypatch):
    """Every engine name, `auto` included, gives the fake voice."""
    FakeEngine.calls = []
    monkeypatch.setitem(engines.ENGINES, "piper", FakeEngine)
    monkeypatch.setitem(engines.ENGINES, "gtts", FakeEngine)
    return FakeEngine


class FakeEngineAt22k(FakeEngine):
    """The fake voice at the offline voice's rate, for what is measured as a listener hears it
    (loudness weighting, music under the voice)."""

    sample_rate_hz = 22_050

    def synthesize(self, text: str) -> np.ndarray:
        FakeEngine.calls.append(text)
        t = np.arange(MS_PER_CHAR * len(text) * self.sample_rate_hz // 1000) / self.sample_rate_hz
        return (0.5 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)


@pytest.fixture(scope="module")
def fake_voice_in_module():
    """Every engine name gives the fake voice (at 22.05 kHz) for a whole test module, so that a
    module's shared builds need no real voice."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(engines.ENGINES, "piper", FakeEngineAt22k)
        patch.setitem(engines.ENGINES, "gtts", FakeEngineAt22k)
        patch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
        yield FakeEngineAt22k


@pytest.fixture
def run(fake_engine, tmp_path, monkeypatch):
    """The command line with the fake voice, in a fresh folder with its own cache."""
    from typer.testing import CliRunner

    from audiocoach.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def offline(fake_engine, monkeypatch, tmp_path):
    """The API with the fake voice, Google out of reach, and a cache of its own."""
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "cache"))
    return fake_engine


def decode(path: Path, sample_rate_hz: int) -> np.ndarray:
    """An audio file as mono float32 PCM, decoded the way a player would."""
    result = subprocess.run([ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-i", str(path),
                             "-f", "s16le", "-ac", "1", "-ar", str(sample_rate_hz), "pipe:1"],
                            capture_output=True, check=True)
    return np.frombuffer(result.stdout, dtype="<i2").astype(np.float32) / 32768


def routine_from(text: str, file: str = "routine.yaml") -> Routine:
    return build_routine(load_text(textwrap.dedent(text), file), file, checks=FILE_CHECKS)


@pytest.fixture
def write_routine(tmp_path):
    def write(text: str, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return write


def expected_mix(timeline, clips, sounds) -> np.ndarray:
    """The track as it must sound before mastering: every clip and sound (from the SoundSet
    `sounds`) added whole at its planned sample.

    Written independently of the block mixer, to hold it to the timing contract
    (docs/routine-format.md, "Timing"): every event starts at its planned sample index.
    """
    mix = np.zeros(timeline.length_samples, dtype=np.float64)
    for event in timeline.events:
        if event.kind == "sound":
            audio = sounds.audio[(event.text, event.role)].astype(np.float64)
        else:
            audio = clips[event.text].astype(np.float64) / 32767
        assert audio.size == event.length_samples, event
        mix[event.start_sample:event.end_sample] += audio
    return np.round(np.clip(mix, -1, 1) * 32767).astype(np.int16)


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(app, port: int) -> Iterator[None]:
    """An ASGI app on `port` of 127.0.0.1, in a thread, until the block ends."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=1))
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


@contextmanager
def serving(folder: Path) -> Iterator[int]:
    """`audiocoach serve`'s app on a free port of 127.0.0.1, in a thread; yields the port."""
    from audiocoach.publish.serve import app

    port = free_port()
    with served(app(folder), port):
        yield port


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def headless_chromium(log_requests: bool = False):
    """Debian's headless Chromium through chromedriver, or a skip that says what is missing.

    Its console is logged, and with `log_requests` every request it makes."""
    import shutil

    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    driver_path = shutil.which("chromedriver") or (CHROMEDRIVER if os.path.exists(CHROMEDRIVER) else None)
    if not binary or not driver_path:
        pytest.skip("no Chromium here: install Debian's chromium and chromium-driver (.ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--mute-audio", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    logs = {"browser": "ALL", **({"performance": "ALL"} if log_requests else {})}
    options.set_capability("goog:loggingPrefs", logs)
    try:
        return webdriver.Chrome(service=Service(driver_path), options=options)
    except WebDriverException as error:
        pytest.skip(f"Chromium would not start: {error.msg}")


# Google Translate's TTS, faked at its HTTP boundary (requests.Session.send).
TONE_S, PAD_S = 0.5, 0.3


@pytest.fixture(scope="module")
def google_mp3() -> bytes:
    """What Google sends: 24 kHz mono MP3, here a tone with silence on both sides."""
    from audiocoach.voice.engines.gtts import SAMPLE_RATE

    tone = f"sine=frequency=440:duration={TONE_S}:sample_rate={SAMPLE_RATE}"
    pad = f"anullsrc=r={SAMPLE_RATE}:cl=mono:d={PAD_S}"
    result = subprocess.run(
        [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", pad, "-f", "lavfi",
         "-i", tone, "-f", "lavfi", "-i", pad, "-filter_complex", "[0][1][2]concat=n=3:v=0:a=1",
         "-ac", "1", "-ar", str(SAMPLE_RATE), "-b:a", "32k", "-f", "mp3", "pipe:1"],
        capture_output=True, check=True)
    return result.stdout


def response(status: int, body: bytes, request: requests.PreparedRequest) -> requests.Response:
    r = requests.Response()
    r.request = request
    r.status_code = status
    r.reason = {200: "OK", 429: "Too Many Requests", 503: "Service Unavailable"}.get(status, "")
    r._content = body
    r._content_consumed = True
    r.url = request.url
    return r


def rpc_body(mp3: bytes) -> bytes:
    payload = base64.b64encode(mp3).decode("ascii")
    return (")]}'\n\n" + '[["wrb.fr","jQ1olc","[\\"' + payload + '\\"]",null,null,null,"generic"]]\n').encode()


class FakeGoogle:
    """Answers each request with the next status in `statuses` (the last one repeats), and keeps
    what was asked: (url, timeout) per request, and the texts sent."""

    def __init__(self, mp3: bytes, statuses: list):
        """Each answer: a status, an exception to raise, or (status, body, headers)."""
        self.mp3 = mp3
        self.statuses = statuses
        self.requests: list[tuple[str, object]] = []
        self.texts: list[str] = []

    def send(self, session, request, **kwargs):
        self.requests.append((request.url, kwargs.get("timeout")))
        if request.body:  # the reachability probe is a HEAD with no body
            self.texts.append(sent_text(request))
        answer = self.statuses[min(len(self.requests) - 1, len(self.statuses) - 1)]
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer if isinstance(answer, tuple) else (answer, None, {})
        if body is None:
            body = rpc_body(self.mp3) if status == 200 else b""
        reply = response(status, body, request)
        reply.headers.update(headers)
        return reply


@pytest.fixture
def google(monkeypatch, google_mp3):
    def install(*statuses):
        fake = FakeGoogle(google_mp3, list(statuses))
        monkeypatch.setattr(requests.Session, "send", lambda s, request, **kw: fake.send(s, request, **kw))
        return fake
    return install


def sent_text(request) -> str:
    """The text gTTS put in a batchexecute request's form body."""
    import json
    from urllib.parse import parse_qs

    body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
    rpc = json.loads(parse_qs(body)["f.req"][0])
    return json.loads(rpc[0][0][1])[0]
