"""Master a track without music one island of sound at a time, each distinct island once.

Without music a routine's track is speech and sounds with silence between them, and the same
islands come back again and again: a count, "switch sides", a chime with its cue. Mastering is
local: the K-weighting filter forgets its input within 0.1 s (to 1e-21 of the energy) and the
limiter looks 0.07 s around each sample. So an island with 0.1 s of silence on each side is
measured and limited exactly as it would be inside the whole track, and each distinct island
is worked out once however often it plays; the silence between costs nothing.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

import numpy as np

from audiocoach.audio.loudness import (
    gated_lufs,
    k_weighted_squares,
    sample_true_peaks,
    step_samples,
)
from audiocoach.audio.mastering import Limiter
from audiocoach.audio.mix import Mixer
from audiocoach.routine.durations import Samples
from audiocoach.voice.clips import to_int16

PAD_S = 0.1  # silence kept on each side of an island; islands closer than twice this are one
PEAK_BAND_DB = 6.0  # gains this close share an island's true peaks
CACHE_BYTES = 64 << 20  # islands worked out are kept up to this much, least recently used out

T = TypeVar("T")


@dataclass(frozen=True)
class Island:
    """Sounds closer together than twice the padding, with the padding on each side."""

    start_sample: Samples
    end_sample: Samples
    key: tuple  # what plays in it and where, relative to its start: equal keys sound the same


def find_islands(mixer: Mixer, pad: Samples) -> list[Island]:
    islands: list[Island] = []
    start = end = 0
    members: list[tuple] = []
    for event in mixer.events:
        if members and event.start_sample - pad < end:
            end = max(end, event.end_sample + pad)
        else:
            if members:
                islands.append(Island(start, end, tuple(members)))
            start, end, members = event.start_sample - pad, event.end_sample + pad, []
        # the role picks a sound's audio (a chime at the start of a set or at its end)
        members.append((event.kind, event.text, event.role if event.kind == "sound" else "",
                        event.start_sample - start))
    if members:
        islands.append(Island(start, end, tuple(members)))
    return islands


class _Kept:
    """The most recently used results, up to a number of bytes: memory stays flat."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0
        self.entries: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self.lock = threading.Lock()  # parts of a track are mastered on several threads

    def get(self, key: tuple, make: Callable[[], T], size: Callable[[T], int]) -> T:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key][0]  # type: ignore[return-value]
        value = make()  # two threads may both make it: the same value, kept once
        with self.lock:
            if key not in self.entries:
                self.entries[key] = (value, size(value))
                self.used += size(value)
            while self.used > self.limit and len(self.entries) > 1:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.used -= dropped
        return value


@dataclass
class _Mastered:
    pcm: np.ndarray  # int16, the whole padded island
    squares: np.ndarray  # its K-weighted squares, for the output meter
    peak: float  # its largest true peak (linear)


class IslandMaster:
    """Loudness and the mastered track of a mix with no music, from its islands."""

    def __init__(self, mixer: Mixer):
        self.mixer = mixer
        self.sample_rate_hz = mixer.timeline.sample_rate_hz
        self.step = step_samples(self.sample_rate_hz)
        self.islands = find_islands(mixer, round(PAD_S * self.sample_rate_hz))
        self.ends = [island.end_sample for island in self.islands]  # in order: islands never overlap
        self.kept = _Kept(CACHE_BYTES)
        # the loudness steps of what `blocks` gave
        self.output_steps = np.zeros(self.mixer.length_samples // self.step)
        self.peak = 0.0  # the largest true peak (linear) of what `blocks` gave
        self.raw_peak = 0.0  # the loudest sample of the mix (linear), once measured
        self.lock = threading.Lock()

    def measure(self) -> float:
        """The integrated loudness of the mix, in LUFS; `raw_peak` is then its loudest sample."""
        steps = np.zeros(self.mixer.length_samples // self.step)
        for island in self.islands:
            squares, peak = self.kept.get(("measure", island.key), lambda: self._measured(island),
                                          lambda measured: measured[0].nbytes)
            self.raw_peak = max(self.raw_peak, peak)
            self._add_steps(steps, island.start_sample, squares)
        return gated_lufs(steps, self.step)

    def limited_lufs(self, gain: float, limiter: Limiter) -> float:
        """The integrated loudness of the track mastered with `gain` and `limiter`, in LUFS."""
        steps = np.zeros(self.mixer.length_samples // self.step)
        for island in self.islands:
            self._add_steps(steps, island.start_sample, self._mastered(island, gain, limiter).squares)
        return gated_lufs(steps, self.step)

    def blocks(self, gain: float, limiter: Limiter, start: Samples = 0,
               end: Samples | None = None) -> Iterator[np.ndarray]:
        """The mastered track, or its part from `start` to `end` (each cut in a silence), as
        consecutive int16 blocks; once every part is out, `output_lufs` and `peak` tell what
        came out. Parts may be worked out on several threads at once."""
        islands = self.islands
        index = bisect_right(self.ends, start)  # the first island that reaches the part
        for first, last in self.mixer.spans(start=start, end=end):
            block = np.zeros(last - first, dtype=np.int16)
            # islands never overlap: from the first that reaches this block, paste each in turn
            while index < len(islands) and islands[index].end_sample <= first:
                index += 1
            ahead = index
            while ahead < len(islands) and islands[ahead].start_sample < last:
                island = islands[ahead]
                mastered = self._mastered(island, gain, limiter)
                if max(island.start_sample, 0) >= first:  # the block it begins in meters it, once
                    with self.lock:
                        self._add_steps(self.output_steps, island.start_sample, mastered.squares)
                        self.peak = max(self.peak, mastered.peak)
                lo, hi = max(island.start_sample, first), min(island.end_sample, last)
                block[lo - first:hi - first] = mastered.pcm[lo - island.start_sample:hi - island.start_sample]
                ahead += 1
            yield block

    @property
    def output_lufs(self) -> float:
        """The integrated loudness of what `blocks` gave, in LUFS."""
        return gated_lufs(self.output_steps, self.step)

    def _measured(self, island: Island) -> tuple[np.ndarray, float]:
        audio = self.mixer.voice(island.start_sample, island.end_sample)
        peak = float(np.max(np.abs(audio), initial=0.0))
        return k_weighted_squares(audio, self.sample_rate_hz), peak

    def _mastered(self, island: Island, gain: float, limiter: Limiter) -> _Mastered:
        def make() -> _Mastered:
            context = limiter.context_samples
            audio = self.mixer.voice(island.start_sample - context, island.end_sample + context)
            peaks = self._true_peaks(island, audio, gain, limiter) * gain
            limited, peak = limiter.apply(audio * gain, context, peaks)
            squares = k_weighted_squares(limited, self.sample_rate_hz)
            return _Mastered(to_int16(limited), squares, peak)

        return self.kept.get(("master", gain, island.key), make,
                             lambda m: m.pcm.nbytes + m.squares.nbytes)

    def _true_peaks(self, island: Island, audio: np.ndarray, gain: float, limiter: Limiter) -> np.ndarray:
        """The island's sample true peaks before the gain, worked out once for every gain in a
        6 dB band: true peaks grow with the gain, so only the floor of the oversampling moves
        (the limiter needs them from a quarter of its ceiling, here up to the band's top gain)."""
        band = math.floor(20 * math.log10(gain) / PEAK_BAND_DB) + 1
        floor = limiter.peak_floor / 10 ** (band * PEAK_BAND_DB / 20)
        return self.kept.get(("peaks", band, island.key), lambda: sample_true_peaks(audio, floor),
                             lambda peaks: peaks.nbytes)

    def _add_steps(self, steps: np.ndarray, start: Samples, squares: np.ndarray) -> None:
        """Add an island's squares, placed at `start`, to the 100 ms steps they fall in."""
        lo, hi = max(start, 0), min(start + squares.size, steps.size * self.step)
        if hi <= lo:
            return
        first, last = lo // self.step, (hi - 1) // self.step
        cuts = np.arange(first + 1, last + 1) * self.step
        bounds = np.concatenate(([lo], cuts)) - start
        steps[first:last + 1] += np.add.reduceat(squares[lo - start:hi - start], bounds - (lo - start))

