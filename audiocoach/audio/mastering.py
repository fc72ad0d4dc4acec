"""Bring a track to a target loudness: one gain, then a true-peak limiter.

The limiter sees the track block by block, so memory stays flat however long it is. Nothing
here moves a sample in time: the limiter only scales samples down, looking ahead of each peak
by a fixed number of samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from audiocoach.audio.loudness import (
    CEILING_DBTP,
    HOLD_S,
    INTERPOLATOR_REACH,
    LOOKAHEAD_S,
    sample_true_peaks,
)

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
        self.context_samples = self.lookahead + self.hold + self.lookahead + INTERPOLATOR_REACH + 1
        self.peak_floor = self.ceiling / 4  # quieter samples cannot reach the ceiling between them

    def apply(self, padded: np.ndarray, context: int,
              peaks: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """The middle of `padded` (after `context` samples, before the last `context`), limited,
        and the largest true peak in it after limiting (linear). `peaks`, when given, are
        `padded`'s sample true peaks, oversampled at least where they pass a quarter of the
        ceiling (`sample_true_peaks` with `floor` no higher than `peak_floor`)."""
        if context < self.context_samples:
            raise ValueError("not enough context for the limiter")
        if peaks is None:
            peaks = sample_true_peaks(padded, floor=self.peak_floor)
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
