"""The gTTS engine against a fake Google at its HTTP boundary (requests.Session.send)."""

from __future__ import annotations

import numpy as np
import pytest
import requests
from conftest import PAD_S, TONE_S

from audiocoach.clips import finish
from audiocoach.engines import choose_engine
from audiocoach.engines.gtts import SAMPLE_RATE, GttsEngine, google_reachable
from audiocoach.errors import AudiocoachError, ExitCode
from audiocoach.model import Voice


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
