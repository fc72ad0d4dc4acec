"""Bring a track to a target loudness: a streaming BS.1770 meter, one gain, a true-peak limiter.

The meter and the limiter both see the track block by block, so memory stays flat however long
it is. Nothing here moves a sample in time: the limiter only scales samples down, looking ahead
of each peak by a fixed number of samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

CEILING_DBTP = -1.5  # leaves room for the MP3 encoder's own overshoot under -1 dBTP
OVERSAMPLING = 4  # BS.1770-4 Annex 2: true peak from a 4x oversampled signal
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LOOKAHEAD_S = 0.020  # the gain starts falling this long before a peak, and rises as slowly
HOLD_S = 0.030  # and stays down this long after it, so a run of peaks is one smooth dip


IMPULSE_S = 0.2  # K-weighting's response is gone by then: its last 0.1 s hold 1e-21 of the energy


def _k_weighting(sample_rate_hz: int) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    """BS.1770's two K-weighting stages for this sample rate, (b, a) with a[0] = 1: a +4 dB
    shelf above 1.5 kHz and a 38 Hz high pass, the RBJ cookbook designs pyloudnorm uses."""
    w_shelf, w_pass = (2 * math.pi * f / sample_rate_hz for f in (1500.0, 38.0))
    gain = 10 ** (4.0 / 40)
    alpha = math.sin(w_shelf) / (2 / math.sqrt(2))
    root, cos = 2 * math.sqrt(gain) * alpha, math.cos(w_shelf)
    shelf_b = (gain * ((gain + 1) + (gain - 1) * cos + root), -2 * gain * ((gain - 1) + (gain + 1) * cos),
               gain * ((gain + 1) + (gain - 1) * cos - root))
    shelf_a = ((gain + 1) - (gain - 1) * cos + root, 2 * ((gain - 1) - (gain + 1) * cos),
               (gain + 1) - (gain - 1) * cos - root)
    alpha, cos = math.sin(w_pass) / (2 * 0.5), math.cos(w_pass)
    pass_b = ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2)
    pass_a = (1 + alpha, -2 * cos, 1 - alpha)
    return [(tuple(x / a[0] for x in b), tuple(x / a[0] for x in a))
            for b, a in ((shelf_b, shelf_a), (pass_b, pass_a))]


@lru_cache(maxsize=4)
def _impulse_response(sample_rate_hz: int) -> np.ndarray:
    """The K-weighting filter's impulse response, for as long as it carries any energy."""
    response = [1.0] + [0.0] * (round(IMPULSE_S * sample_rate_hz) - 1)
    for (b0, b1, b2), (_, a1, a2) in _k_weighting(sample_rate_hz):
        x1 = x2 = y1 = y2 = 0.0
        for n, x in enumerate(response):
            y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x1, x2, y1, y2 = x, x1, y, y1
            response[n] = y
    return np.array(response)


@lru_cache(maxsize=64)
def _response_spectrum(sample_rate_hz: int, size: int) -> np.ndarray:
    return np.fft.rfft(_impulse_response(sample_rate_hz), size)


@lru_cache(maxsize=1024)
def _fft_size(length: int) -> int:
    """The smallest 2^a 3^b 5^c at least `length`: an FFT size that wastes little and runs fast."""
    best = 1 << (length - 1).bit_length()
    fives = 1
    while fives < best:
        odd = fives
        while odd < best:
            size = odd
            while size < length:
                size *= 2
            best = min(best, size)
            odd *= 3
        fives *= 5
    return best


def k_weighted(audio: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """`audio` K-weighted, the filter starting at rest, with the response's tail after it
    (0.2 s longer than `audio`). A convolution by FFT: the same as running the two filters,
    to a part in 1e10, at a fraction of the cost."""
    audio = np.asarray(audio, dtype=np.float64)
    length = audio.size + _impulse_response(sample_rate_hz).size - 1
    size = _fft_size(length)
    spectrum = np.fft.rfft(audio, size) * _response_spectrum(sample_rate_hz, size)
    return np.fft.irfft(spectrum, size)[:length]


def step_samples(sample_rate_hz: int) -> int:
    """The meter's step: 100 ms."""
    return max(1, round(sample_rate_hz / 10))


class LoudnessMeter:
    """Integrated loudness (ITU-R BS.1770-4, gated) of mono audio fed in consecutive blocks.

    Keeps one number per 100 ms of audio: 400 ms gating blocks overlap by 75 %, so each is
    the mean of four consecutive 100 ms steps.
    """

    def __init__(self, sample_rate_hz: int):
        self.rate = sample_rate_hz
        self.tail = np.zeros(0)  # the filter's response to what came before, still to add
        self.step = step_samples(sample_rate_hz)
        self.partial = 0.0  # sum of squares of the unfinished step
        self.partial_samples = 0
        self.steps: list[float] = []  # sum of squares of each finished 100 ms step

    def add(self, block: np.ndarray) -> None:
        size = np.size(block)
        weighted = k_weighted(block, self.rate)  # always longer than the tail, by `size`
        weighted[:self.tail.size] += self.tail
        self.tail = weighted[size:]
        squares = np.square(weighted[:size])
        position = 0
        while position < squares.size:
            take = min(self.step - self.partial_samples, squares.size - position)
            self.partial += float(np.sum(squares[position:position + take]))
            self.partial_samples += take
            position += take
            if self.partial_samples == self.step:
                self.steps.append(self.partial)
                self.partial, self.partial_samples = 0.0, 0

    def integrated_lufs(self) -> float:
        """The gated loudness so far; -inf for silence or under 400 ms of audio."""
        return gated_lufs(np.asarray(self.steps), self.step)


def integrated_lufs(audio: np.ndarray, sample_rate_hz: int, block_s: int = 10) -> float:
    """The integrated loudness of a whole signal, metered `block_s` seconds at a time so that
    the filter's working memory stays small however long it is.

    A signal that BS.1770's -70 LUFS gate silences whole, yet is not silent, gets its ungated
    loudness: the mean K-weighted power of all of it."""
    meter = LoudnessMeter(sample_rate_hz)
    block = block_s * sample_rate_hz
    for start in range(0, np.size(audio), block):
        meter.add(audio[start:start + block])
    gated = meter.integrated_lufs()
    if math.isfinite(gated) or not any(meter.steps):
        return gated
    return -0.691 + 10 * math.log10(sum(meter.steps) / (len(meter.steps) * meter.step))


def k_weighted_squares(audio: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """The squared K-weighted signal of `audio` and its tail, the filter starting at rest."""
    return np.square(k_weighted(audio, sample_rate_hz))


def gated_lufs(steps: np.ndarray, step: int) -> float:
    """BS.1770 gated loudness from the sums of squares of consecutive `step`-sample steps
    (100 ms each); -inf for silence or under 400 ms of audio."""
    if steps.size < 4:
        return -math.inf
    power = (steps[:-3] + steps[1:-2] + steps[2:-1] + steps[3:]) / (4 * step)
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(power)
    above = power[loudness >= ABSOLUTE_GATE_LUFS]
    if above.size == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(np.mean(above))) + RELATIVE_GATE_LU
    gated = power[(loudness >= ABSOLUTE_GATE_LUFS) & (loudness > relative)]
    return -0.691 + 10 * math.log10(float(np.mean(gated)))


_REACH = 6  # input samples on each side that the interpolator uses


@lru_cache(maxsize=1)
def _interpolator() -> np.ndarray:
    """Windowed-sinc taps for the values 0, 1/4, 2/4 and 3/4 of the way to the next sample."""
    offsets = np.arange(-_REACH + 1, _REACH + 1)  # x[n-5] ... x[n+6]
    taps = []
    for phase in range(OVERSAMPLING):
        distance = phase / OVERSAMPLING - offsets
        weights = np.sinc(distance) * np.cos(np.pi * distance / (2 * _REACH + 1)) ** 2
        taps.append(weights / weights.sum())
    return np.array(taps)


def sample_true_peaks(audio: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """For each sample n, the largest magnitude of the 4x oversampled signal from n to n + 1.

    Only where a sample is above `floor` is the signal oversampled (a true peak more than
    12 dB above both neighbouring samples does not happen in speech, tones or music); elsewhere
    the sample's own magnitude stands in, which keeps this cheap for a quiet track.
    """
    audio = np.asarray(audio, dtype=np.float64)
    peaks = np.abs(audio)
    loud = np.flatnonzero(peaks > floor)
    if loud.size == 0:
        return peaks
    loud = np.unique(np.concatenate([loud - 1, loud]))
    loud = loud[(loud >= 0) & (loud < audio.size)]
    padded = np.pad(audio, _REACH)
    windows = padded[loud[:, None] + np.arange(1, 2 * _REACH + 1)]  # x[n-5] ... x[n+6]
    # einsum rather than `@`: BLAS would start threads that spin on after each call, taking a
    # third more CPU from the encoder and from other builds for no gain in time
    oversampled = np.einsum("nk,pk->np", windows, _interpolator())
    peaks[loud] = np.maximum(peaks[loud], np.abs(oversampled).max(axis=1))
    return peaks


def true_peak_db(audio: np.ndarray) -> float:
    """The true peak of a whole signal in dBTP (4x oversampled)."""
    audio = np.asarray(audio, dtype=np.float64)
    peak = _largest_true_peak(audio, 0, audio.size)
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def _largest_true_peak(audio: np.ndarray, start: int, end: int, at_least: float = 0.0) -> float:
    """The largest of `at_least`, the samples of `audio` and its 4x oversampled values from
    sample `start` to `end` (whose interpolation windows must lie in `audio`, or be silence).

    An interpolated value is at most the sum of its taps' magnitudes times the largest sample
    they weigh, so only where a sample comes that close to the largest found is anything
    oversampled: a few samples, where `sample_true_peaks` takes every loud one.
    """
    largest = max(at_least, float(np.max(np.abs(audio), initial=0.0)))
    near = np.flatnonzero(np.abs(audio) * np.abs(_interpolator()).sum(axis=1).max() > largest)
    if near.size == 0:
        return largest
    positions = np.unique((near[:, None] - np.arange(-_REACH + 1, _REACH + 1)).ravel())
    positions = positions[(positions >= start) & (positions < end)]
    windows = np.pad(audio, _REACH)[positions[:, None] + np.arange(1, 2 * _REACH + 1)]
    oversampled = np.einsum("nk,pk->np", windows, _interpolator())  # einsum: see above
    return max(largest, float(np.max(np.abs(oversampled), initial=0.0)))


class TruePeakMeter:
    """The true peak of audio fed in consecutive blocks, as `true_peak_db` finds it on the
    whole: the last samples of each block wait for the next one's to be interpolated."""

    def __init__(self):
        self.held = np.zeros(0)  # the last 2 * _REACH samples; the later half not yet measured
        self.started = False
        self.peak = 0.0

    def add(self, block: np.ndarray) -> None:
        audio = np.concatenate([self.held, np.asarray(block, dtype=np.float64)])
        if audio.size < 2 * _REACH:
            self.held = audio
            return
        first = _REACH if self.started else 0  # before the first sample is silence, as padded
        self.peak = _largest_true_peak(audio, first, audio.size - _REACH, self.peak)
        self.held, self.started = audio[-2 * _REACH:], True

    def peak_db(self) -> float:
        """The true peak so far in dBTP, the audio taken to end here."""
        peak = _largest_true_peak(self.held, _REACH if self.started else 0, self.held.size, self.peak)
        return 20 * math.log10(peak) if peak > 0 else -math.inf


TOLERANCE_LU = 0.1  # mastering stops this close to the target
MAX_PASSES = 8  # of the limited track's loudness, as the gain closes in on the target
# The limiter takes no more than this off the loudest peak. Speech needs much of it for a loud
# target (-16 LUFS took 16 dB on hip-to-heel, whose loudest sample is 21 dB above its loudness);
# beyond it each dB more gains about 0.1 LU, and the voice comes out flattened.
MAX_LIMITING_DB = 20.0


class TooLoud(Exception):
    """No gain brings the limited track to the target: `reachable_lufs` is the loudest it gets,
    with `loudest` (when known) the mastering that gets it there."""

    def __init__(self, target_lufs: float, reachable_lufs: float, loudest: "Mastering | None" = None):
        super().__init__(f"{target_lufs:g} LUFS is out of reach: at most {reachable_lufs:.1f} LUFS")
        self.target_lufs, self.reachable_lufs, self.loudest = target_lufs, reachable_lufs, loudest


@dataclass(frozen=True)
class Mastering:
    """What the last stage does to the mix: one gain, then peaks held under the ceiling."""

    gain_db: float
    measured_lufs: float  # the mix as it is
    target_lufs: float
    ceiling_dbtp: float = CEILING_DBTP
    limited_lufs: float = -math.inf  # the mix after the gain and the limiter

    @classmethod
    def to_target(cls, measured_lufs: float, target_lufs: float, peak_db: float,
                  limited_lufs: Callable[[float], float],
                  ceiling_dbtp: float = CEILING_DBTP) -> "Mastering":
        """The gain that brings the mix, once limited, within `TOLERANCE_LU` of the target.

        The limiter takes back part of any gain that drives peaks over the ceiling, so the
        loudness is measured after limiting (`limited_lufs(gain_db)`) and the gain corrected:
        by the secant method while the loudness rises with the gain, else between a gain too
        quiet and one loud enough. It need not rise: music under a squashed voice comes up
        relative to it, and the gating then counts more of the quiet stretches. `peak_db` is the
        mix's loudest sample. Raises `TooLoud` with the loudest mastering there is when the
        target needs more than `MAX_LIMITING_DB` of limiting."""
        if not math.isfinite(measured_lufs):
            return cls(0.0, measured_lufs, target_lufs, ceiling_dbtp, measured_lufs)
        most = ceiling_dbtp - peak_db + MAX_LIMITING_DB
        tried: dict[float, float] = {}

        def loudness(gain: float) -> float:
            if gain not in tried:
                tried[gain] = limited_lufs(gain)
            return tried[gain]

        def done() -> bool:
            return any(abs(lufs - target_lufs) <= TOLERANCE_LU for lufs in tried.values())

        gain = min(target_lufs - measured_lufs, most)
        previous: tuple[float, float] | None = None
        while not done() and len(tried) < MAX_PASSES:  # the secant method, upwards or down
            lufs = loudness(gain)
            slope = 1.0 if previous is None else (lufs - previous[1]) / (gain - previous[0])
            if slope <= 0.01 or any(v > target_lufs for v in tried.values()) and lufs < target_lufs:
                break  # past the loudest, or the target lies between two gains tried
            following = min(gain + (target_lufs - lufs) / slope, most)
            if following == gain:
                break
            previous, gain = (gain, lufs), following
        if not done():
            loud_enough = [g for g, v in tried.items() if v >= target_lufs]
            if not loud_enough:
                # up to the ceiling nothing is limited: the loudest lies between it and `most`
                _search_loudest(loudness, min(ceiling_dbtp - peak_db, min(tried)), most)
                loudest = max(tried, key=tried.__getitem__)
                if tried[loudest] < target_lufs - TOLERANCE_LU:
                    raise TooLoud(target_lufs, tried[loudest], cls(
                        loudest, measured_lufs, target_lufs, ceiling_dbtp, tried[loudest]))
                loud_enough = [loudest]
            _search_between(loudness, done, target_lufs, min(tried, key=lambda g: (
                tried[g] >= target_lufs, -g)), min(loud_enough), 2 * MAX_PASSES)
        gain = min(tried, key=lambda g: abs(tried[g] - target_lufs))
        return cls(gain, measured_lufs, target_lufs, ceiling_dbtp, tried[gain])


def _search_loudest(loudness: Callable[[float], float], low: float, high: float,
                    within_db: float = 0.25) -> None:
    """Golden-section search for the gain between `low` and `high` that gives the most."""
    ratio = (math.sqrt(5) - 1) / 2
    inner, outer = high - ratio * (high - low), low + ratio * (high - low)
    while high - low > within_db:
        if loudness(inner) >= loudness(outer):
            high, outer, inner = outer, inner, outer - ratio * (outer - low)
        else:
            low, inner, outer = inner, outer, inner + ratio * (high - inner)


def _search_between(loudness: Callable[[float], float], done: Callable[[], bool], target: float,
                    quiet: float, loud: float, passes: int) -> None:
    """Regula falsi between a gain too quiet for `target` and one loud enough, until `done`."""
    quiet_lufs, loud_lufs = loudness(quiet), loudness(loud)
    for _ in range(passes):
        if done() or loud_lufs <= quiet_lufs:
            return
        gain = quiet + (target - quiet_lufs) * (loud - quiet) / (loud_lufs - quiet_lufs)
        if loudness(gain) < target:
            quiet, quiet_lufs = gain, loudness(gain)
        else:
            loud, loud_lufs = gain, loudness(gain)


def _trailing_min(values: np.ndarray, size: int) -> np.ndarray:
    """out[n] = min(values[n - size + 1 .. n]) (fewer at the start), in linear time: each window
    spans at most two blocks of `size`, so it is the minimum of one block's suffix and the
    next one's prefix (van Herk, Gil and Werman)."""
    blocks = -(-values.size // size)
    padded = np.full(blocks * size, np.inf)
    padded[:values.size] = values
    rows = padded.reshape(blocks, size)
    prefix = np.minimum.accumulate(rows, axis=1).ravel()
    suffix = np.minimum.accumulate(rows[:, ::-1], axis=1)[:, ::-1].ravel()
    out = prefix.copy()
    out[size - 1:] = np.minimum(suffix[:padded.size - size + 1], prefix[size - 1:])
    return out[:values.size]


class Limiter:
    """A look-ahead true-peak limiter for a track rendered in blocks that can be mixed at random.

    `context_samples` is how much audio it needs on each side of a block; given that, every
    block comes out exactly as if the whole track had been processed at once, and a block's
    samples never move. The gain for sample n is the mean, over the `lookahead` samples up to n,
    of the smallest gain needed anywhere from `hold` samples before to `lookahead` after: it
    falls linearly before each peak, holds, and recovers as smoothly.
    """

    def __init__(self, sample_rate_hz: int, ceiling_dbtp: float = CEILING_DBTP):
        self.ceiling = 10 ** (ceiling_dbtp / 20)
        self.lookahead = max(1, round(LOOKAHEAD_S * sample_rate_hz))
        self.hold = round(HOLD_S * sample_rate_hz)
        self.context_samples = self.lookahead + self.hold + self.lookahead + _REACH + 1

    def apply(self, padded: np.ndarray, context: int) -> tuple[np.ndarray, float]:
        """The middle of `padded` (after `context` samples, before the last `context`), limited,
        and the largest true peak in it after limiting (linear)."""
        if context < self.context_samples:
            raise ValueError("not enough context for the limiter")
        peaks = sample_true_peaks(padded, floor=self.ceiling / 4)
        if float(np.max(peaks, initial=0.0)) <= self.ceiling:  # nothing to limit: the common case
            middle = padded[context:padded.size - context]
            return middle.copy(), float(np.max(peaks[context:padded.size - context], initial=0.0))
        with np.errstate(divide="ignore"):
            needed = np.minimum(1.0, self.ceiling / np.maximum(peaks, 1e-12))
        # lowest[n]: the least gain needed from n - hold to n + lookahead - 1, and gain[n] its
        # mean from n - lookahead + 1 to n. Only the middle is kept, whose windows lie inside.
        lowest = np.empty_like(needed)
        lowest[:needed.size - self.lookahead + 1] = _trailing_min(needed, self.hold + self.lookahead)[
            self.lookahead - 1:]
        lowest[needed.size - self.lookahead + 1:] = 1.0
        sums = np.concatenate(([0.0], np.cumsum(lowest)))
        gain = np.ones_like(lowest)
        gain[self.lookahead - 1:] = (sums[self.lookahead:] - sums[:-self.lookahead]) / self.lookahead
        end = padded.size - context
        out = padded[context:end] * gain[context:end]
        peak = float(np.max(peaks[context:end] * gain[context:end])) if out.size else 0.0
        return out, peak
