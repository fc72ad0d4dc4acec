"""Bring a track to a target loudness: a streaming BS.1770 meter, one gain, a true-peak limiter.

The meter and the limiter both see the track block by block, so memory stays flat however long
it is. Nothing here moves a sample in time: the limiter only scales samples down, looking ahead
of each peak by a fixed number of samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

DEFAULT_LUFS = -19.0  # spoken-word podcasts (AES TD1008 recommends -16 to -20 LUFS)
CEILING_DBTP = -1.5  # leaves room for the MP3 encoder's own overshoot under -1 dBTP
OVERSAMPLING = 4  # BS.1770-4 Annex 2: true peak from a 4x oversampled signal
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LOOKAHEAD_S = 0.020  # the gain starts falling this long before a peak, and rises as slowly
HOLD_S = 0.030  # and stays down this long after it, so a run of peaks is one smooth dip


def _k_weighting(sample_rate_hz: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """BS.1770's two K-weighting stages (a +4 dB shelf above 1.5 kHz, a 38 Hz high pass),
    designed for this sample rate by pyloudnorm."""
    from pyloudnorm.iirfilter import IIRfilter

    stages = (IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, sample_rate_hz, "high_shelf"),
              IIRfilter(0.0, 0.5, 38.0, sample_rate_hz, "high_pass"))
    return [(stage.b * stage.passband_gain, stage.a) for stage in stages]


class LoudnessMeter:
    """Integrated loudness (ITU-R BS.1770-4, gated) of mono audio fed in consecutive blocks.

    Keeps one number per 100 ms of audio: 400 ms gating blocks overlap by 75 %, so each is
    the mean of four consecutive 100 ms steps.
    """

    def __init__(self, sample_rate_hz: int):
        from scipy.signal import lfilter_zi

        self.rate = sample_rate_hz
        self.filters = _k_weighting(sample_rate_hz)
        self.states = [lfilter_zi(b, a) * 0.0 for b, a in self.filters]
        self.step = max(1, round(sample_rate_hz / 10))
        self.partial = 0.0  # sum of squares of the unfinished step
        self.partial_samples = 0
        self.steps: list[float] = []  # sum of squares of each finished 100 ms step

    def add(self, block: np.ndarray) -> None:
        from scipy.signal import lfilter

        weighted = np.asarray(block, dtype=np.float64)
        for index, (b, a) in enumerate(self.filters):
            weighted, self.states[index] = lfilter(b, a, weighted, zi=self.states[index])
        squares = np.square(weighted)
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
        steps = np.asarray(self.steps)
        if steps.size < 4:
            return -math.inf
        power = (steps[:-3] + steps[1:-2] + steps[2:-1] + steps[3:]) / (4 * self.step)
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
    peaks[loud] = np.maximum(peaks[loud], np.abs(windows @ _interpolator().T).max(axis=1))
    return peaks


def true_peak_db(audio: np.ndarray) -> float:
    """The true peak of a whole signal in dBTP (4x oversampled everywhere)."""
    peak = float(np.max(sample_true_peaks(audio))) if np.size(audio) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


@dataclass(frozen=True)
class Mastering:
    """What the last stage does to the mix: one gain, then peaks held under the ceiling."""

    gain_db: float
    measured_lufs: float
    target_lufs: float
    ceiling_dbtp: float = CEILING_DBTP

    @classmethod
    def to_target(cls, measured_lufs: float, target_lufs: float) -> "Mastering":
        gain = 0.0 if not math.isfinite(measured_lufs) else target_lufs - measured_lufs
        return cls(gain, measured_lufs, target_lufs)


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
        from scipy.ndimage import minimum_filter1d, uniform_filter1d

        if context < self.context_samples:
            raise ValueError("not enough context for the limiter")
        peaks = sample_true_peaks(padded, floor=self.ceiling / 4)
        if float(np.max(peaks, initial=0.0)) <= self.ceiling:  # nothing to limit: the common case
            middle = padded[context:padded.size - context]
            return middle.copy(), float(np.max(peaks[context:padded.size - context], initial=0.0))
        with np.errstate(divide="ignore"):
            needed = np.minimum(1.0, self.ceiling / np.maximum(peaks, 1e-12))
        # scipy's window for output n is input[n - size//2 - origin :][:size]: choose the origin
        # that makes it [n - hold, n + lookahead - 1] for the minimum and [n - lookahead + 1, n]
        # for the mean.
        size = self.hold + self.lookahead
        lowest = minimum_filter1d(needed, size, mode="nearest", origin=self.hold - size // 2)
        gain = uniform_filter1d(lowest, self.lookahead, mode="nearest",
                                origin=(self.lookahead - 1) // 2)
        end = padded.size - context
        out = padded[context:end] * gain[context:end]
        peak = float(np.max(peaks[context:end] * gain[context:end])) if out.size else 0.0
        return out, peak
