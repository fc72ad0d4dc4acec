"""The gTTS engine against a fake Google at its HTTP boundary (requests.Session.send)."""

from __future__ import annotations

import numpy as np
import pytest
import requests
from conftest import PAD_S, TONE_S

from audiocoach.errors import AudiocoachError, Kind
from audiocoach.routine.model import Voice
from audiocoach.voice.clips import finish
from audiocoach.voice.engines import choose_engine
from audiocoach.voice.engines.gtts import SAMPLE_RATE, GttsEngine, google_reachable


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
    assert caught.value.kind == Kind.ENGINE
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


def test_retry_after_is_honoured_and_capped(google):
    fake = google((429, b"", {"Retry-After": "3"}), (429, b"", {"Retry-After": "3600"}), 200)
    gtts, sleeps = engine()
    assert gtts.synthesize("Hold.").size > 0
    assert sleeps == [3.0, 60.0] and len(fake.requests) == 3


def test_an_answer_that_is_not_audio_is_retried_and_never_kept(google, tmp_path):
    html = b"<html><body>Our systems have detected unusual traffic</body></html>"
    fake = google((200, html, {}), 200)
    gtts, sleeps = engine()
    assert gtts.synthesize("Hold.").size > 0
    assert len(sleeps) == 1 and len(fake.requests) == 2
    google((200, html, {}))
    gtts, sleeps = engine()
    with pytest.raises(AudiocoachError) as caught:
        gtts.synthesize("Hold.")
    assert "Google answered with something that is not MP3 audio" in str(caught.value)
    assert "after 5 attempts" in str(caught.value) and caught.value.kind == Kind.ENGINE


def test_a_connection_dropped_mid_build_is_retried(google):
    fake = google(200, requests.ConnectionError("connection reset by peer"), 200)
    gtts, sleeps = engine()
    assert gtts.synthesize("Hold.").size > 0 and sleeps == []  # Google answers this build once...
    assert gtts.synthesize("Two.").size > 0 and len(sleeps) == 1  # ...so a reset is retried
    fake.statuses, fake.requests = [requests.ReadTimeout("read timed out"), 200], []
    fresh, sleeps = engine()  # a slow answer is worth a retry even on the first request
    assert fresh.synthesize("Hold.").size > 0 and len(sleeps) == 1


GERMAN = """\
title: Waden
voice: {language: de, engine: %s}
exercises:
  - {name: Wadendehnung, hold: 5s, countdown: 0}
"""


def test_gtts_failing_mid_build_exits_3_and_keeps_what_it_made(google, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from audiocoach.cli import app

    monkeypatch.setattr("audiocoach.voice.engines.gtts.time.sleep", lambda s: None)
    monkeypatch.chdir(tmp_path)  # the track goes to output/ here
    routine = tmp_path / "r.yaml"
    routine.write_text(GERMAN % "gtts")
    fake = google(200, 200, 200, 503)  # three clips, then Google fails for good
    runner = CliRunner()
    result = runner.invoke(app, ["build", str(routine), "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 3
    assert "Google TTS failed: 503 (Service Unavailable)" in result.stderr
    assert "clips made so far are kept" in result.stderr
    assert len(list((tmp_path / "cache").rglob("*.clip"))) == 3
    fake.statuses, fake.requests, fake.texts = [200], [], []
    again = runner.invoke(app, ["build", str(routine), "--cache-dir", str(tmp_path / "cache")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "output" / "r.mp3").stat().st_size > 10_000
    # The rerun asks Google only for what the first run did not get.
    assert len(fake.texts) == len(set(fake.texts)) and len(list((tmp_path / "cache").rglob("*.clip"))) \
        == 3 + len(fake.texts)


def test_auto_rebuilds_the_whole_track_offline_when_google_stops(google, tmp_path, monkeypatch, fake_engine):
    from typer.testing import CliRunner

    from audiocoach.cli import app
    from audiocoach.voice import engines
    from audiocoach.voice.engines.gtts import GttsEngine

    monkeypatch.setitem(engines.ENGINES, "gtts", GttsEngine)  # the fake voice stands in for piper
    monkeypatch.setattr("audiocoach.voice.engines.gtts.time.sleep", lambda s: None)
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: True)
    routine = tmp_path / "r.yaml"
    routine.write_text(GERMAN % "auto")
    google(200, 503)
    result = CliRunner().invoke(app, ["plan", str(routine), "--json", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("Voice:")]
    assert notes[-1].startswith("Voice: piper, offline fake voice (Google stopped answering:")
    import json

    assert json.loads(result.stdout)["engine"] == "fake"


def test_a_truncated_answer_is_retried_not_kept(google, google_mp3):
    from conftest import rpc_body

    whole = rpc_body(google_mp3)
    fake = google((200, whole[: len(whole) // 2], {}), (200, whole, {}))
    gtts, sleeps = engine()
    clip = gtts.synthesize("Hold.")
    assert len(fake.requests) == 2 and len(sleeps) == 1
    assert abs(clip.size / SAMPLE_RATE - (TONE_S + 2 * PAD_S)) < 0.1  # the whole answer, not half


@pytest.mark.parametrize("language, google", [("de", "de"), ("de-DE", "de"), ("pt_BR", "pt"),
                                               ("pt-pt", "pt-PT"), ("fr-CA", "fr-CA")])
def test_a_language_with_a_region_reaches_google_by_the_code_google_knows(language, google):
    gtts, _ = engine(language=language)
    assert gtts.language == google and gtts.voice_name == f"{google} via translate.google.com"


def test_a_language_google_does_not_have_is_an_engine_error():
    with pytest.raises(AudiocoachError) as caught:
        engine(language="qq")
    assert caught.value.kind == Kind.ENGINE
    assert "Google TTS has no language 'qq'" in str(caught.value)
