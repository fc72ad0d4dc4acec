"""A music bed under the whole track: looped with a crossfade, faded in and out, ducked under speech.

Music never moves an event: it is one more layer added to the mix, rendered for any span of
samples on demand, so memory holds only as much of the music file as the track plays (at most
`MAX_MUSIC_S` of it).
"""

from __future__ import annotations

import math
from bisect import bisect_left

import numpy as np

from audiocoach import ffmpeg
from audiocoach.audio.loudness import integrated_lufs
from audiocoach.errors import AudiocoachError, Problem
from audiocoach.routine.durations import Samples
from audiocoach.routine.model import Music
from audiocoach.speech.timeline import Timeline
from audiocoach.voice.clips import INAUDIBLE_PEAK

MAX_MUSIC_S = 600.0  # longer files are cut here and looped: ten minutes is plenty of variety
CROSSFADE_S = 2.0  # where the loop joins, the end fades out while the start fades in
FADE_IN_S = 3.0
FADE_OUT_S = 4.0  # after the last speech, or shorter if the track ends sooner
ATTACK_S = 0.25  # the music starts ducking this long before a word...
RELEASE_S = 0.5  # ...and comes back up over this long after it


class MusicBed:
    """The music layer of one track, set relative to the voice's loudness `voice_lufs`."""

    def __init__(self, music: Music, timeline: Timeline, routine_file: str, voice_lufs: float):
        sample_rate_hz = timeline.sample_rate_hz
        self.music = music
        self.sample_rate_hz = sample_rate_hz
        self.length_samples = timeline.length_samples
        self.audio = self._decode(music, sample_rate_hz, routine_file)
        # The loudness of what plays, not of the whole file.
        self.music_lufs = integrated_lufs(self.audio, sample_rate_hz)
        if not math.isfinite(self.music_lufs):
            # only a constant offset has no K-weighted power left (the filter takes out the bass)
            raise self._problem(routine_file, f"the music '{music.name}' is silent",
                                "choose a music file you can hear", music)
        size = self.audio.size
        self.crossfade = min(round(CROSSFADE_S * sample_rate_hz), size // 4)
        self.period = size - self.crossfade
        # where the loop joins, the start fades in over the end; the rest of each pass is the audio
        ramp = np.linspace(0.0, 1.0, self.crossfade, endpoint=False, dtype=np.float32)
        self.joined = self.audio[:self.crossfade] * ramp + self.audio[self.period:] * (1.0 - ramp)
        speech = sorted((e.start_sample, e.end_sample) for e in timeline.events if e.kind == "speech")
        self.speech_starts = [start for start, _ in speech]
        self.speech = speech
        self.longest_speech = max((end - start for start, end in speech), default=0)
        self.last_speech_end = max((end for _, end in speech), default=0)
        self.voice_lufs = voice_lufs

    @staticmethod
    def _problem(routine_file: str, message: str, fix: str, music: Music) -> AudiocoachError:
        return AudiocoachError(Problem(message, fix, routine_file, music.line, music.col, "music.file"))

    def _decode(self, music: Music, sample_rate_hz: int, routine_file: str) -> np.ndarray:
        # the track plays its first `length` samples; a crossfade more means a longer file
        # never loops, and the rest of it is never read
        seconds = min(MAX_MUSIC_S, self.length_samples / sample_rate_hz + CROSSFADE_S)
        try:
            audio = ffmpeg.decode(music.path, sample_rate_hz, max_seconds=seconds)
        except ffmpeg.DecodeError as error:
            raise self._problem(routine_file, f"cannot read the music '{music.name}': {error}",
                                ffmpeg.READABLE, music) from None
        if audio.size < sample_rate_hz or float(np.max(np.abs(audio))) < INAUDIBLE_PEAK:
            raise self._problem(routine_file, f"the music '{music.name}' is silent or shorter than "
                                "a second", "choose a music file you can hear", music)
        return audio

    def looped(self, start: Samples, end: Samples) -> np.ndarray:
        """The music from `start` to `end`, repeating with a crossfade where it loops."""
        positions = np.arange(start, end)
        within = positions % self.period
        out = self.audio[within].astype(np.float64)
        joins = (within < self.crossfade) & (positions >= self.period)  # not the very first start
        out[joins] = self.joined[within[joins]]
        return out

    def ducking(self, start: Samples, end: Samples) -> np.ndarray:
        """0 where the music plays at its level, 1 where it is fully ducked under speech."""
        attack = round(ATTACK_S * self.sample_rate_hz)
        release = round(RELEASE_S * self.sample_rate_hz)
        duck = np.zeros(end - start)
        first = bisect_left(self.speech_starts, start - self.longest_speech - release)
        last = bisect_left(self.speech_starts, end + attack)
        positions = np.arange(start, end)
        for s, e in self.speech[first:last]:
            lo, hi = max(start, s - attack), min(end, e + release)
            if lo >= hi:
                continue
            at = positions[lo - start:hi - start]
            shape = np.minimum(1.0, np.minimum((at - (s - attack)) / attack, ((e + release) - at) / release))
            shape = np.where((at >= s) & (at < e), 1.0, np.clip(shape, 0.0, 1.0))
            duck[lo - start:hi - start] = np.maximum(duck[lo - start:hi - start], shape)
        return duck

    def fades(self, start: Samples, end: Samples) -> np.ndarray:
        positions = np.arange(start, end, dtype=np.float64)
        fade_in = np.clip(positions / (FADE_IN_S * self.sample_rate_hz), 0.0, 1.0)
        out_start = self.last_speech_end
        fade_samples = round(FADE_OUT_S * self.sample_rate_hz)
        out_length = max(1, min(fade_samples, self.length_samples - out_start))
        fade_out = np.clip(1.0 - (positions - out_start) / out_length, 0.0, 1.0)
        return fade_in * fade_out

    def render(self, start: Samples, end: Samples) -> np.ndarray:
        """The music layer for samples `start` to `end`, outside the track silent."""
        if self.voice_lufs is None:
            raise RuntimeError("set voice_lufs first: the music's level is relative to the voice")
        lo, hi = max(start, 0), min(end, self.length_samples)
        out = np.zeros(end - start)
        if lo >= hi:
            return out
        level_db = self.voice_lufs + self.music.level_db - self.music_lufs
        if not math.isfinite(level_db):  # no voice at all: play the music at its own loudness
            level_db = self.music.level_db
        gain_db = level_db - self.music.duck_db * self.ducking(lo, hi)
        out[lo - start:hi - start] = self.looped(lo, hi) * 10 ** (gain_db / 20) * self.fades(lo, hi)
        return out
