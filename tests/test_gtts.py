"""The gTTS engine against a fake Google at its HTTP boundary (requests.Session.send)."""

from __future__ import annotations

import base64
import subprocess

import numpy as np
import pytest
import requests

from audiocoach.clips import finish
from audiocoach.engines import choose_engine
from audiocoach.engines.gtts import SAMPLE_RATE, GttsEngine, google_reachable
from audiocoach.errors import AudiocoachError, ExitCode
from audiocoach.ffmpeg import executable as ffmpeg
from audiocoach.model import Voice

TONE_S, PAD_S = 0.5, 0.3


@pytest.fixture(scope="module")
def google_mp3() -> bytes:
    """What Google sends: 24 kHz mono MP3, here a tone with silence on both sides."""
    tone = f"sine=frequency=440:duration={TONE_S}:sample_rate={SAMPLE_RATE}"
    pad = f"anullsrc=r={SAMPLE_RATE}:cl=mono:d={PAD_S}"
    result = subprocess.run(
        [ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", pad, "-f", "lavfi",
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
    """Answers each request with the next status in `statuses` (the last one repeats)."""

    def __init__(self, mp3: bytes, statuses: list[int | Exception]):
        self.mp3 = mp3
        self.statuses = statuses
        self.requests: list[tuple[str, object]] = []

    def send(self, session, request, **kwargs):
        self.requests.append((request.url, kwargs.get("timeout")))
        status = self.statuses[min(len(self.requests) - 1, len(self.statuses) - 1)]
        if isinstance(status, Exception):
            raise status
        return response(status, rpc_body(self.mp3) if status == 200 else b"", request)


@pytest.fixture
def google(monkeypatch, google_mp3):
    def install(*statuses):
        fake = FakeGoogle(google_mp3, list(statuses))
        monkeypatch.setattr(requests.Session, "send", lambda s, request, **kw: fake.send(s, request, **kw))
        return fake
    return install


def engine(**voice) -> tuple[GttsEngine, list[float]]:
    sleeps: list[float] = []
    return GttsEngine(Voice(engine="gtts", **voice), sleep=sleeps.append), sleeps


def test_success_decodes_google_audio_and_trims_its_silence(google):
    fake = google(200)
    gtts, sleeps = engine(accent="co.uk")
    audio = gtts.synthesize("Hold.")
    assert abs(audio.size / SAMPLE_RATE - (TONE_S + 2 * PAD_S)) < 0.06
    trimmed = finish(audio, SAMPLE_RATE)
    assert abs(trimmed.size / SAMPLE_RATE - TONE_S) < 0.03  # leading and trailing silence gone
    assert np.max(np.abs(trimmed)) <= 10 ** (-3 / 20) + 1e-6
    (url, timeout), = fake.requests
    assert url.startswith("https://translate.google.co.uk/") and timeout == 10.0
    assert sleeps == []


def test_throttled_once_then_success_backs_off_and_retries(google):
    fake = google(429, 200)
    gtts, sleeps = engine()
    audio = gtts.synthesize("Hold.")
    assert audio.size > 0 and len(fake.requests) == 2
    assert len(sleeps) == 1 and 1.0 <= sleeps[0] <= 2.0  # first backoff 1 s plus up to 100 % jitter


def test_persistent_server_errors_give_a_clear_engine_error(google):
    fake = google(503)
    gtts, sleeps = engine()
    with pytest.raises(AudiocoachError) as caught:
        gtts.synthesize("Hold.")
    assert caught.value.exit_code == ExitCode.ENGINE
    assert "503 (Service Unavailable) from TTS API" in str(caught.value)
    assert "--engine piper" in str(caught.value)
    assert len(fake.requests) == 5
    # Four waits between five tries, doubling from 1 s, each with up to 100 % jitter.
    assert len(sleeps) == 4
    assert all(2 ** k <= wait <= 2 ** (k + 1) for k, wait in enumerate(sleeps))


def test_no_connection_fails_at_once_without_retries(google):
    fake = google(requests.ConnectionError("no route"))
    gtts, sleeps = engine()
    with pytest.raises(AudiocoachError) as caught:
        gtts.synthesize("Hold.")
    assert "Failed to connect" in str(caught.value) and sleeps == [] and len(fake.requests) == 1


def test_auto_uses_gtts_when_google_answers(google):
    google(200)
    chosen, note = choose_engine(Voice())
    assert chosen.name == "gtts" and note == "Voice: gtts, en via translate.google.com (Google answered)"


def test_auto_falls_back_to_the_offline_voice(google):
    fake = google(requests.ConnectionError("no route"))
    assert google_reachable() is False
    chosen, note = choose_engine(Voice())
    assert chosen.name == "piper" and chosen.voice_name == "en_US-joe-medium"
    assert note == "Voice: piper, offline en_US-joe-medium (Google TTS cannot be reached)"
    assert fake.requests[0] == ("https://translate.google.com/", 3.0)


def test_unknown_language_is_refused_before_any_request(google):
    fake = google(200)
    with pytest.raises(AudiocoachError) as caught:
        GttsEngine(Voice(engine="gtts", language="xx"))
    assert "Google TTS has no language 'xx'" in str(caught.value) and fake.requests == []
