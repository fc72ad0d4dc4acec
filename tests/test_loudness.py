"""Loudness of the finished file: the target met within 1 LU with true peaks at most -1 dBTP, as
a player decodes the MP3; what `build` prints is the file's; a target no track can reach is
refused with the loudest it can be."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pytest
from conftest import decode

import audiocoach
from audiocoach.audio.loudness import (
    TruePeakMeter,
    sample_true_peaks,
    true_peak_db,
)
from audiocoach.audio.mastering import Mastering, TooLoud
from audiocoach.errors import AudiocoachError
from audiocoach.voice import engines

RATE = 22_050
ROUTINE = """\
title: Calves
intro: Stand facing a wall with your hands on it.
exercises:
  - name: Calf stretch
    instructions: Step one foot back and press the heel into the floor.
    sides: both
    hold: 8s
    countdown: 3
  - name: Heel raise
    tempo: 2s
    reps: 4
outro: Well done, that is all for today.
"""


class SpeechLike:
    """A voice whose clips are syllables of a buzzing vowel with hiss between, like speech in
    level and spectrum (peaks about 20 dB over the loudness, highs up to 10 kHz), at 22,050 Hz."""

    name = "piper"
    voice_name = "speech-like"
    sample_rate_hz = RATE

    def __init__(self, voice):
        self.voice = voice

    def settings(self) -> dict[str, object]:
        return {"speech-like": 1}

    def synthesize(self, text: str) -> np.ndarray:
        rng = np.random.default_rng(zlib.crc32(text.encode()))
        pieces = []
        for _ in range(max(2, len(text) // 4)):
            syllable = int(RATE * rng.uniform(0.12, 0.25))
            t = np.arange(syllable) / RATE
            pitch = rng.uniform(95, 140)
            vowel = sum(np.sin(2 * np.pi * pitch * k * t + rng.uniform(0, 6.3)) / k
                        for k in range(1, 40) if pitch * k < 10_000)
            hiss = np.diff(rng.standard_normal(syllable + 1)) * 0.15  # a fricative's highs
            envelope = np.sin(np.pi * np.arange(syllable) / syllable) ** 2
            pieces += [vowel * envelope * rng.uniform(0.3, 1.0), hiss * rng.uniform(0.2, 1.0),
                       np.zeros(int(RATE * rng.uniform(0.02, 0.08)))]
        audio = np.concatenate(pieces)
        return (0.9 * audio / np.max(np.abs(audio))).astype(np.float32)  # as piper normalizes


@pytest.fixture
def speech_like(monkeypatch, tmp_path):
    monkeypatch.setitem(engines.ENGINES, "piper", SpeechLike)
    monkeypatch.setitem(engines.ENGINES, "gtts", SpeechLike)
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "calves.yaml"
    path.write_text(ROUTINE)
    return path


def build(routine, out, *options: str):
    from typer.testing import CliRunner

    from audiocoach.cli import app

    return CliRunner().invoke(app, ["build", str(routine), "-o", str(out), *map(str, options)])


def measured(path, rate: int = RATE) -> tuple[float, float]:
    """The decoded file's loudness by pyloudnorm (an independent BS.1770 meter), and its true peak."""
    import pyloudnorm  # scipy takes seconds to import: only where it is used

    pcm = decode(path, rate).astype(np.float64)
    return pyloudnorm.Meter(rate).integrated_loudness(pcm), true_peak_db(pcm)


def printed_lufs(output: str) -> float:
    return float(re.search(r"loudness (-?[\d.]+) LUFS", output).group(1))


@pytest.mark.parametrize("target", [-23, -19, -16])
def test_the_decoded_mp3_meets_the_target_and_build_prints_its_figure(speech_like, tmp_path, target):
    out = tmp_path / "calves.mp3"
    result = build(speech_like, out, "--loudness", target)
    assert result.exit_code == 0, result.output
    lufs, peak = measured(out)
    assert abs(lufs - target) <= 1.0 and peak <= -1.0, (lufs, peak)
    assert abs(printed_lufs(result.stdout) - lufs) <= 0.2, (result.stdout, lufs)


def test_a_wav_meets_the_target_and_build_prints_its_figure(speech_like, tmp_path):
    out = tmp_path / "calves.wav"
    result = build(speech_like, out, "--loudness", -16)
    assert result.exit_code == 0, result.output
    lufs, peak = measured(out)
    # the WAV holds the mastered samples themselves, brought within 0.1 LU of the target
    assert abs(lufs - (-16)) <= 0.3 and peak <= -1.0, (lufs, peak)
    assert abs(printed_lufs(result.stdout) - lufs) <= 0.2, (result.stdout, lufs)


def test_a_target_out_of_reach_is_refused_with_the_loudest_the_track_can_be(speech_like, tmp_path):
    out = tmp_path / "calves.mp3"
    result = build(speech_like, out, "--loudness", -5)
    assert result.exit_code == 1
    # the target came from the command line, so the routine's file is not blamed for it
    found = re.search(r"^error: loudness: -5 LUFS is louder than 'Calves' can be made with true "
                      r"peaks under -1 dBTP: it reaches (-[\d.]+) LUFS at most \(ask for (-[\d.]+) "
                      r"LUFS or quieter, or off; podcasts use -16 to -20\)$", result.stderr, re.M)
    assert found, result.stderr
    assert not out.exists() and "Traceback" not in result.output
    # and the figure it gives can be built, and is what the file measures
    reachable, suggested = float(found.group(1)), float(found.group(2))
    assert suggested <= reachable < suggested + 0.5
    again = build(speech_like, out, "--loudness", suggested)
    assert again.exit_code == 0, again.output
    lufs, peak = measured(out)
    assert abs(lufs - suggested) <= 1.0 and peak <= -1.0


def test_a_target_out_of_reach_in_the_routine_is_refused_at_its_line(speech_like, tmp_path):
    speech_like.write_text(ROUTINE.replace("title: Calves\n", "title: Calves\nloudness: -5\n"))
    out = tmp_path / "calves.mp3"
    result = build(speech_like, out)
    assert result.exit_code == 1
    assert re.search(rf"^{re.escape(str(speech_like))}:2:11: loudness: -5 LUFS is louder than this "
                     r"track can be made with true peaks under -1 dBTP: it reaches -[\d.]+ LUFS at "
                     r"most \(set loudness to -[\d.]+ or quieter, or off; podcasts use -16 to -20\)$",
                     result.stderr, re.M), result.stderr
    assert not out.exists()


def test_the_api_takes_the_command_lines_loudness_limits(speech_like, tmp_path):
    for wrong in (5, -60, "loud", True):
        with pytest.raises(AudiocoachError) as raised:
            audiocoach.build(speech_like, tmp_path / "calves.mp3", loudness=wrong)
        problem = raised.value.problems[0]
        assert problem.field == "loudness" and problem.file is None, problem
        assert "-19" in problem.fix or "-40 to -5" in problem.fix, problem
    assert not (tmp_path / "calves.mp3").exists()
    assert audiocoach.plan(speech_like, loudness="-16 LUFS").compiled.loudness_lufs == -16.0


def test_the_api_refuses_a_target_out_of_reach_with_its_own_exception(speech_like):
    track = audiocoach.plan(speech_like, loudness=-5)
    with pytest.raises(AudiocoachError, match="-5 LUFS is louder than 'Calves' can be made"):
        track.pcm()


def test_gain_is_corrected_until_the_limited_loudness_meets_the_target():
    # a limiter that takes back ever more of the gain: 1 dB of gain gives 1/(1 + gain/10) LU
    def limited(gain_db: float) -> float:
        return -30 + 10 * np.log1p(max(gain_db, 0) / 10)

    calls = []
    mastering = Mastering.to_target(-30.0, -20.0, -3.0, lambda g: calls.append(g) or limited(g))
    assert abs(mastering.limited_lufs - (-20.0)) <= 0.1
    assert abs(limited(mastering.gain_db) - (-20.0)) <= 0.1
    assert len(calls) <= 6
    with pytest.raises(TooLoud) as raised:
        Mastering.to_target(-30.0, -10.0, -3.0, limited)
    assert raised.value.reachable_lufs == pytest.approx(limited(-1.5 + 3.0 + 20.0))


def test_true_peaks_metered_in_blocks_are_those_of_the_whole():
    rng = np.random.default_rng(1)
    audio = np.repeat(rng.uniform(-1, 1, 400), 3) * np.hanning(1200)
    whole = float(np.max(sample_true_peaks(audio)))
    for size in (1, 5, 13, 64, 1200):
        meter = TruePeakMeter()
        for start in range(0, audio.size, size):
            meter.add(audio[start:start + size])
        assert meter.peak_db() == pytest.approx(20 * np.log10(whole), abs=1e-9), size


def test_the_offline_voice_is_brought_to_a_loud_target_in_the_decoded_mp3(tmp_path, monkeypatch):
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    path = tmp_path / "short.yaml"
    path.write_text("title: Short\nintro: Sit tall at the front of the chair.\nexercises:\n"
                    "  - {name: Heel press, instructions: Press both heels into the floor., "
                    "hold: 6s, countdown: 3}\noutro: Well done.\n")
    out = tmp_path / "short.mp3"
    result = build(path, out, "--engine", "piper", "--loudness", -16, "--cache-dir", tmp_path / "c")
    assert result.exit_code == 0, result.output
    lufs, peak = measured(out)
    assert abs(lufs - (-16)) <= 1.0 and peak <= -1.0, (lufs, peak)
    assert abs(printed_lufs(result.stdout) - lufs) <= 0.2, (result.stdout, lufs)


def test_gain_is_found_where_more_gain_makes_the_track_quieter():
    # music under a squashed voice: past +8 dB the gating counts more of the quiet stretches
    def limited(gain_db: float) -> float:
        return -30 + gain_db if gain_db <= 8 else -22 - 0.5 * (gain_db - 8)

    mastering = Mastering.to_target(-30.0, -22.5, -3.0, limited)
    assert abs(mastering.limited_lufs - (-22.5)) <= 0.1 and mastering.gain_db < 8
    mastering = Mastering.to_target(-30.0, -22.05, -3.0, limited)  # near the loudest
    assert abs(mastering.limited_lufs - (-22.05)) <= 0.1
    with pytest.raises(TooLoud) as raised:
        Mastering.to_target(-30.0, -16.0, -3.0, limited)
    assert raised.value.reachable_lufs == pytest.approx(-22.0, abs=0.15)
    assert raised.value.loudest.gain_db == pytest.approx(8.0, abs=0.3)
