"""The track's audio for any span of samples: every clip and sound at its event, plus the music.

Mixing is random access: a span is the sum of the events that overlap it, found by bisection, so
any block can be mixed alone (the limiter mixes a little on either side of each block) and no
pass ever holds more than a block. Nothing is ever `+=` onto a growing track.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterator, Mapping

import numpy as np

from audiocoach.audio.music import MusicBed
from audiocoach.audio.sounds import SoundSet
from audiocoach.routine.durations import Samples
from audiocoach.speech.timeline import Timeline

BLOCK_S = 10


class Mixer:
    """The unmastered track: every clip and sound added at its planned sample, over the music."""

    def __init__(self, timeline: Timeline, clips: Mapping[str, np.ndarray], sounds: SoundSet,
                 music: MusicBed | None = None):
        self.timeline = timeline
        self.length_samples = timeline.length_samples
        self.events = sorted(timeline.events, key=lambda e: e.start_sample)
        self.starts = [e.start_sample for e in self.events]
        self.longest = max((e.length_samples for e in self.events), default=0)
        self.audio = {e: (sounds.audio[(e.text, e.role)] if e.kind == "sound" else clips[e.text])
                      for e in self.events}
        self.music = music

    def voice(self, start: Samples, end: Samples) -> np.ndarray:
        """Speech and sounds from `start` to `end` (either may lie outside the track: silence)."""
        out = np.zeros(end - start)
        first = bisect_left(self.starts, start - self.longest)
        last = bisect_left(self.starts, end)
        for event in self.events[first:last]:
            lo, hi = max(event.start_sample, start), min(event.end_sample, end)
            if hi <= lo:
                continue
            piece = self.audio[event][lo - event.start_sample:hi - event.start_sample]
            out[lo - start:hi - start] += piece / 32767 if piece.dtype == np.int16 else piece
        return out

    def mix(self, start: Samples, end: Samples) -> np.ndarray:
        """The whole mix from `start` to `end`: voice, sounds and music."""
        out = self.voice(start, end)
        if self.music is not None:
            out += self.music.render(start, end)
        return out

    def spans(self, block_s: int = BLOCK_S, start: Samples = 0,
              end: Samples | None = None) -> Iterator[tuple[Samples, Samples]]:
        """Consecutive (start, end) blocks that cover the track, or its part from `start` to `end`."""
        end = self.length_samples if end is None else end
        block = block_s * self.timeline.sample_rate_hz
        for first in range(start, end, block):
            yield first, min(first + block, end)

    def silences(self, margin: Samples) -> list[tuple[Samples, Samples]]:
        """Where nothing plays, not even music, `margin` away from any sound: (start, end) each."""
        if self.music is not None:
            return []
        quiet: list[tuple[Samples, Samples]] = []
        heard_until = -margin
        for event in self.events:
            if event.start_sample - margin > heard_until + margin:
                quiet.append((heard_until + margin, event.start_sample - margin))
            heard_until = max(heard_until, event.end_sample)
        if self.length_samples > heard_until + margin:
            quiet.append((heard_until + margin, self.length_samples))
        return quiet
