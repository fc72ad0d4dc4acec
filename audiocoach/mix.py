"""The track's audio for any span of samples: every clip and sound at its event, plus the music.

Mixing is random access: a span is the sum of the events that overlap it, found by bisection, so
any block can be mixed alone (the limiter mixes a little on either side of each block) and no
pass ever holds more than a block. Nothing is ever `+=` onto a growing track.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterator, Mapping

import numpy as np

from .durations import Samples
from .music import MusicBed
from .sounds import SoundSet
from .timeline import Timeline

BLOCK_S = 10


class Mixer:
    def __init__(self, timeline: Timeline, clips: Mapping[str, np.ndarray], sounds: SoundSet,
                 music: MusicBed | None = None):
        self.timeline = timeline
        self.length = timeline.length
        self.events = sorted(timeline.events, key=lambda e: e.start)
        self.starts = [e.start for e in self.events]
        self.longest = max((e.length for e in self.events), default=0)
        self.audio = {e: (sounds.audio[(e.text, e.role)] if e.kind == "sound" else clips[e.text])
                      for e in self.events}
        self.music = music

    def voice(self, start: Samples, end: Samples) -> np.ndarray:
        """Speech and sounds from `start` to `end` (either may lie outside the track: silence)."""
        out = np.zeros(end - start)
        first = bisect_left(self.starts, start - self.longest)
        last = bisect_left(self.starts, end)
        for event in self.events[first:last]:
            lo, hi = max(event.start, start), min(event.end, end)
            if hi <= lo:
                continue
            piece = self.audio[event][lo - event.start:hi - event.start]
            out[lo - start:hi - start] += piece / 32767 if piece.dtype == np.int16 else piece
        return out

    def mix(self, start: Samples, end: Samples) -> np.ndarray:
        """The whole mix from `start` to `end`: voice, sounds and music."""
        out = self.voice(start, end)
        if self.music is not None:
            out += self.music.render(start, end)
        return out

    def spans(self, block_s: int = BLOCK_S) -> Iterator[tuple[Samples, Samples]]:
        """Consecutive (start, end) blocks that cover the track."""
        block = block_s * self.timeline.sample_rate
        for start in range(0, self.length, block):
            yield start, min(start + block, self.length)
