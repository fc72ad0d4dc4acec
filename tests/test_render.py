"""Mixing and mastering: every event at exactly its planned sample, then one gain and a limiter."""

from __future__ import annotations

import wave

import numpy as np
import pytest
from conftest import expected_mix

from audiocoach.audio.loudness import LoudnessMeter, true_peak_db
from audiocoach.audio.mix import BLOCK_S
from audiocoach.audio.track import build, mixer
from audiocoach.options import Options
from audiocoach.pipeline import compile_routine, read_routine

ROUTINE = """\
title: Calves
sounds: chime
intro: Stand facing a wall.
exercises:
  - name: Calf stretch
    sides: both
    hold: 12s
    reminders: [5]
    tips: [Keep the back heel down]
  - rest: 3s
  - name: Toe taps
    tempo: 0.4s
    reps: 6
  - name: Heel press
    tempo: 2s
    reps: 4
outro: Well done.
"""


def compiled(write_routine, tmp_path, **options):
    return compile_routine(read_routine(write_routine(ROUTINE)),
                           Options(cache_dir=tmp_path / "cache", **options), reachable=lambda: False)


def read_wav(path) -> np.ndarray:
    with wave.open(str(path)) as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")


def test_wav_holds_every_event_at_its_planned_sample(fake_engine, write_routine, tmp_path):
    track = compiled(write_routine, tmp_path, loudness_lufs=None)
    timeline = track.timeline
    assert timeline.length_samples > 3 * BLOCK_S * timeline.sample_rate_hz  # events cross block borders
    assert {e.text for e in timeline.events if e.kind == "sound"} == {"chime", "tick"}
    build(track, tmp_path / "calves.wav", "wav")
    pcm = read_wav(tmp_path / "calves.wav")
    expected = expected_mix(timeline, track.synthesis.clips, track.sounds)
    assert pcm.size == expected.size == timeline.length_samples
    # At 0 samples: a shift of one sample anywhere would leave differences far above 1 LSB.
    assert np.max(np.abs(pcm.astype(np.int32) - expected.astype(np.int32))) <= 1
    for event in timeline.events:
        assert np.any(pcm[event.start_sample:event.start_sample + 5] != 0), event  # sound starts on its sample
        if event.start_sample > 0:
            assert pcm[event.start_sample - 1] == expected[event.start_sample - 1]


def test_mastering_is_one_gain_to_the_target_with_peaks_held_under_the_ceiling(
        fake_engine, write_routine, tmp_path):
    track = compiled(write_routine, tmp_path, loudness_lufs=-16.0)
    report = build(track, tmp_path / "calves.wav", "wav")
    pcm = read_wav(tmp_path / "calves.wav").astype(np.float64) / 32767
    raw = expected_mix(track.timeline, track.synthesis.clips, track.sounds).astype(np.float64) / 32767
    meter = LoudnessMeter(track.timeline.sample_rate_hz)
    meter.add(pcm)
    assert abs(meter.integrated_lufs() - (-16.0)) < 0.5
    assert true_peak_db(pcm) <= -1.0
    # Where the limiter had nothing to do, the output is the mix times one gain, sample for sample.
    gain = 10 ** (report.mastering.gain_db / 20)
    peaks = np.flatnonzero(np.abs(raw) * gain > 10 ** (-1.5 / 20) / 2)
    near_a_peak = np.zeros(raw.size, dtype=bool)
    for offset in range(-60, 61):  # the limiter's look-ahead and hold at 1000 Hz, both sides
        near_a_peak[np.clip(peaks + offset, 0, raw.size - 1)] = True
    quiet = ~near_a_peak & (np.abs(raw) > 0.01)
    assert quiet.sum() > 2_000
    assert np.allclose(pcm[quiet] / raw[quiet], gain, rtol=0.01)
    assert str(report).startswith("loudness -16.")


def test_blocks_mix_like_the_whole(fake_engine, write_routine, tmp_path):
    track = compiled(write_routine, tmp_path)
    mix = mixer(track)
    whole = mix.mix(0, mix.length_samples)
    joined = np.concatenate([mix.mix(start, end) for start, end in mix.spans()])
    assert np.array_equal(whole, joined)
    assert np.array_equal(mix.mix(-100, 0), np.zeros(100))  # outside the track: silence


@pytest.mark.parametrize("lufs", [-23.0, -19.0, -14.0])
def test_the_meter_agrees_with_pyloudnorm(lufs):
    import pyloudnorm

    rate = 22_050
    rng = np.random.default_rng(7)
    t = np.arange(12 * rate) / rate
    signal = (np.sin(2 * np.pi * 440 * t) * (t % 3 < 2) + 0.1 * rng.standard_normal(t.size)) * 0.1
    signal *= 10 ** ((lufs - pyloudnorm.Meter(rate).integrated_loudness(signal)) / 20)
    meter = LoudnessMeter(rate)
    for start in range(0, signal.size, 10_000):  # blocks that do not line up with 100 ms steps
        meter.add(signal[start:start + 10_000])
    assert meter.integrated_lufs() == pytest.approx(lufs, abs=0.01)


@pytest.mark.parametrize("rate", [16_000, 22_050, 24_000, 44_100])
def test_every_track_length_decodes_from_mp3_to_exactly_its_plan(tmp_path, rate):
    from conftest import decode

    from audiocoach.audio.mp3 import frame_samples, write_in_parts
    from audiocoach.audio.render import MP3_KBPS, MP3_QUALITY, encodable_length

    frame = frame_samples(rate)
    # The last frame's fill, from nearly empty to full: LAME adds a frame when its padding is
    # short, and ffmpeg keeps that frame's extra samples unless the length avoids it.
    base = 2 * rate - (2 * rate + 1105) % frame
    for used in (0, 1, frame // 2, frame - 47, frame - 46, frame - 20, frame - 1):
        length = encodable_length(base + used, rate)
        assert 0 <= length - (base + used) <= 46
        pcm = (np.random.default_rng(used).standard_normal(length) * 2000).astype(np.int16)
        with open(tmp_path / "t.mp3", "wb") as file:
            write_in_parts(file, rate, MP3_KBPS, MP3_QUALITY, [(0, length)],
                           lambda start, end: iter([pcm[start:end]]), 1)
        assert decode(tmp_path / "t.mp3", rate).size == length, used


@pytest.mark.parametrize("seconds", [0.5, 5])  # one FFT, or pieces added up
@pytest.mark.parametrize("rate", [16_000, 22_050, 24_000, 44_100, 48_000])
def test_k_weighting_is_pyloudnorms_filter(rate, seconds):
    from pyloudnorm.iirfilter import IIRfilter
    from scipy.signal import lfilter

    from audiocoach.audio.loudness import PIECE_FFT_SIZE, k_weighted

    signal = np.random.default_rng(rate).standard_normal(round(rate * seconds))
    assert (signal.size > PIECE_FFT_SIZE) == (seconds > 1)
    expected = signal
    for stage in (IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, rate, "high_shelf"),
                  IIRfilter(0.0, 0.5, 38.0, rate, "high_pass")):
        expected = lfilter(stage.b * stage.passband_gain, stage.a, expected)
    ours = k_weighted(signal, rate)
    assert ours.size == signal.size + round(0.2 * rate) - 1
    assert np.max(np.abs(ours[:signal.size] - expected)) < 1e-9 * np.max(np.abs(expected))


class _SilentMusic:
    """A music bed of silence: the mix is the same, but it is mastered as a whole, block by block."""

    def render(self, start, end):
        return np.zeros(end - start)


@pytest.mark.parametrize("lufs", [-19.0, -9.0])  # -9: the limiter works on every word
def test_islands_master_exactly_like_the_whole_track(fake_engine, write_routine, tmp_path, lufs):
    from audiocoach.audio.islands import IslandMaster
    from audiocoach.audio.render import Report, mastered_blocks

    track = compiled(write_routine, tmp_path)
    mix = mixer(track)
    islands = IslandMaster(mix).islands
    assert len(islands) > len({island.key for island in islands})  # islands come back
    by_island, whole = Report(), Report()
    fast = np.concatenate(list(mastered_blocks(mix, lufs, by_island)))
    mix.music = _SilentMusic()
    slow = np.concatenate(list(mastered_blocks(mix, lufs, whole)))
    assert np.array_equal(fast, slow)
    assert by_island.mastering.gain_db == pytest.approx(whole.mastering.gain_db, abs=1e-9)
    assert by_island.output_lufs == pytest.approx(whole.output_lufs, abs=1e-9)
    assert by_island.true_peak_dbtp == pytest.approx(whole.true_peak_dbtp, abs=1e-9)
    if lufs == -9.0:  # the limiter took some loudness away, and more gain made it up
        mastering = by_island.mastering
        assert mastering.gain_db > lufs - mastering.measured_lufs + 0.5
    assert abs(by_island.output_lufs - lufs) <= 0.1


def test_the_limiter_gain_is_a_windowed_minimum_then_mean_as_scipy_computes_them():
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    from audiocoach.audio.loudness import sample_true_peaks
    from audiocoach.audio.mastering import Limiter

    limiter, rng = Limiter(22_050), np.random.default_rng(3)
    context = limiter.context_samples
    loud = np.sin(np.arange(40_000) * 0.05) * 1.5 * rng.random(40_000)  # peaks well over the ceiling
    padded = np.concatenate([np.zeros(context), loud, np.zeros(context)])
    limited, peak = limiter.apply(padded, context)
    needed = np.minimum(1.0, limiter.ceiling / np.maximum(sample_true_peaks(padded, limiter.ceiling / 4),
                                                          1e-12))
    size = limiter.hold + limiter.lookahead  # from n - hold to n + lookahead - 1, then its mean
    lowest = minimum_filter1d(needed, size, mode="nearest", origin=limiter.hold - size // 2)
    gain = uniform_filter1d(lowest, limiter.lookahead, mode="nearest",
                            origin=(limiter.lookahead - 1) // 2)
    assert np.max(np.abs(limited - loud * gain[context:-context])) < 1e-9
    assert np.min(gain) < 0.5 and peak <= limiter.ceiling + 1e-9
