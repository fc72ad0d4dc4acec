"""Measure a track's loudness and true peaks (ITU-R BS.1770-4), block by block.

The meters see the track block by block, so memory stays flat however long it is;
`audiocoach.audio.mastering` brings the track to its target with what they measure.
"""

from __future__ import annotations

import math
from functools import lru_cache

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


PIECE_FFT_SIZE = 1 << 16  # longer audio is filtered in pieces of this FFT size, added up


def k_weighted(audio: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """`audio` K-weighted, the filter starting at rest, with the response's tail after it
    (0.2 s longer than `audio`). A convolution by FFT: the same as running the two filters,
    to a part in 1e10, at a fraction of the cost. Long audio is convolved piece by piece and
    the pieces' responses added (overlap-add), which takes half the time of one long FFT."""
    audio = np.asarray(audio, dtype=np.float64)
    response = _impulse_response(sample_rate_hz).size
    length = audio.size + response - 1
    size = _fft_size(length)
    if size <= PIECE_FFT_SIZE:
        spectrum = np.fft.rfft(audio, size) * _response_spectrum(sample_rate_hz, size)
        return np.fft.irfft(spectrum, size)[:length]
    weighted = np.zeros(length)
    spectrum, piece = _response_spectrum(sample_rate_hz, PIECE_FFT_SIZE), PIECE_FFT_SIZE - response + 1
    for start in range(0, audio.size, piece):
        part = audio[start:start + piece]
        filtered = np.fft.irfft(np.fft.rfft(part, PIECE_FFT_SIZE) * spectrum, PIECE_FFT_SIZE)
        weighted[start:start + part.size + response - 1] += filtered[:part.size + response - 1]
    return weighted


def step_samples(sample_rate_hz: int) -> int:
    """The meter's step: 100 ms."""
    return max(1, round(sample_rate_hz / 10))


class LoudnessMeter:
    """Integrated loudness (ITU-R BS.1770-4, gated) of mono audio fed in consecutive blocks.

    Keeps one number per 100 ms of audio: 400 ms gating blocks overlap by 75 %, so each is
    the mean of four consecutive 100 ms steps.
    """

    def __init__(self, sample_rate_hz: int):
        self.sample_rate_hz = sample_rate_hz
        self.tail = np.zeros(0)  # the filter's response to what came before, still to add
        self.step = step_samples(sample_rate_hz)
        self.partial = 0.0  # sum of squares of the unfinished step
        self.partial_samples = 0
        self.steps: list[float] = []  # sum of squares of each finished 100 ms step

    def add(self, block: np.ndarray) -> None:
        size = np.size(block)
        weighted = k_weighted(block, self.sample_rate_hz)  # always longer than the tail, by `size`
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


INTERPOLATOR_REACH = 6  # input samples on each side that the interpolator uses


@lru_cache(maxsize=1)
def _interpolator() -> np.ndarray:
    """Windowed-sinc taps for the values 0, 1/4, 2/4 and 3/4 of the way to the next sample."""
    offsets = np.arange(-INTERPOLATOR_REACH + 1, INTERPOLATOR_REACH + 1)  # x[n-5] ... x[n+6]
    taps = []
    for phase in range(OVERSAMPLING):
        distance = phase / OVERSAMPLING - offsets
        weights = np.sinc(distance) * np.cos(np.pi * distance / (2 * INTERPOLATOR_REACH + 1)) ** 2
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
    above = peaks > floor
    if not above.any():
        return peaks
    above[:-1] |= above[1:]  # and the sample before each: its interval ends at a loud one
    loud = np.flatnonzero(above)
    padded = np.pad(audio, INTERPOLATOR_REACH)
    windows = padded[loud[:, None] + np.arange(1, 2 * INTERPOLATOR_REACH + 1)]  # x[n-5] ... x[n+6]
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
    positions = np.unique((near[:, None] - np.arange(-INTERPOLATOR_REACH + 1, INTERPOLATOR_REACH + 1)).ravel())
    positions = positions[(positions >= start) & (positions < end)]
    windows = np.pad(audio, INTERPOLATOR_REACH)[positions[:, None] + np.arange(1, 2 * INTERPOLATOR_REACH + 1)]
    oversampled = np.einsum("nk,pk->np", windows, _interpolator())  # einsum: see above
    return max(largest, float(np.max(np.abs(oversampled), initial=0.0)))


class TruePeakMeter:
    """The true peak of audio fed in consecutive blocks, as `true_peak_db` finds it on the
    whole: the last samples of each block wait for the next one's to be interpolated."""

    def __init__(self):
        self.held = np.zeros(0)  # the last 2 * INTERPOLATOR_REACH samples; the later half not yet measured
        self.started = False
        self.peak = 0.0

    def add(self, block: np.ndarray) -> None:
        audio = np.concatenate([self.held, np.asarray(block, dtype=np.float64)])
        if audio.size < 2 * INTERPOLATOR_REACH:
            self.held = audio
            return
        first = INTERPOLATOR_REACH if self.started else 0  # before the first sample is silence, as padded
        self.peak = _largest_true_peak(audio, first, audio.size - INTERPOLATOR_REACH, self.peak)
        self.held, self.started = audio[-2 * INTERPOLATOR_REACH:], True

    def peak_db(self) -> float:
        """The true peak so far in dBTP, the audio taken to end here."""
        peak = _largest_true_peak(self.held, INTERPOLATOR_REACH if self.started else 0, self.held.size, self.peak)
        return 20 * math.log10(peak) if peak > 0 else -math.inf
