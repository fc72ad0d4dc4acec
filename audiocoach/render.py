"""Master the mix and encode it once: MP3 (with tags, chapters and cover) or WAV.

Mastering is one gain to the routine's loudness, measured on the whole mix beforehand, and a
look-ahead limiter that keeps true peaks under the ceiling. Every pass walks the track block by
block, so memory stays flat however long it is, and no sample ever moves.
"""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .clips import to_int16
from .files import write_atomically
from .hooks import pause_at
from .islands import PAD_S, IslandMaster
from .loudness import Limiter, LoudnessMeter, Mastering
from .mix import Mixer
from .mp3 import ENCODER_DELAY, frame_samples, parts, write_in_parts

MP3_KBPS = 64  # plenty for a mono voice
# LAME's quality 7, measured on the 30-minute legs-hips-low-back: 1.6 s of CPU for a speech SNR
# of 25.6 dB, where 2 took 3.0 s for 23.3 dB and 5 1.9 s for 24.4 dB; 8 and 9 gained nothing.
MP3_QUALITY = 7
PART_S = 30  # the track is encoded in parts of at least this long, cut in silences
LAME_DELAY = ENCODER_DELAY + 529  # samples before the audio in the decoder's output, removed again
LAME_SHORT_PADDING = 46  # a last frame padded this little or less gets a frame more...


def encodable_length(length: int, sample_rate_hz: int) -> int:
    """The track length, lengthened by at most 46 samples of silence so the MP3 decodes to it exactly.

    ...and ffmpeg's decoder then keeps that frame's samples (checked for every padding at 16,
    22.05, 24 and 44.1 kHz): the decoded track would be up to 46 samples longer than the plan.
    A track that needs no short padding is left as it is.
    """
    frame = frame_samples(sample_rate_hz)
    used = (length + LAME_DELAY) % frame
    return length + (frame - used if used >= frame - LAME_SHORT_PADDING else 0)


@dataclass
class Report:
    """What mastering did, for `build` to print."""

    mastering: Mastering | None = None
    output_lufs: float = -math.inf
    true_peak_dbtp: float = -math.inf

    def __str__(self) -> str:
        if self.mastering is None:
            return "loudness off"
        return (f"loudness {self.output_lufs:.1f} LUFS (gain {self.mastering.gain_db:+.1f} dB), "
                f"true peak {self.true_peak_dbtp:.1f} dBTP")


def measure(source: Callable[[int, int], np.ndarray], mixer: Mixer) -> float:
    """The integrated loudness of `source` (e.g. `mixer.mix`) over the whole track, in LUFS."""
    meter = LoudnessMeter(mixer.timeline.sample_rate)
    for start, end in mixer.spans():
        meter.add(source(start, end))
    return meter.integrated_lufs()


def measure_voice(mixer: Mixer) -> float:
    """The integrated loudness of the speech and sounds alone, in LUFS."""
    return IslandMaster(mixer).measure()


class Master:
    """The mix mastered to `target_lufs` (None: as mixed), filling in `report`: measured once,
    then given as int16 blocks, of the whole track or of parts cut in its silences.

    Without music, each distinct island of sound is mastered once (islands.py) and any part may
    be worked out on any thread; with music, which never stops, the whole track is mixed,
    measured, and limited block by block, as one part.
    """

    def __init__(self, mixer: Mixer, target_lufs: float | None, report: Report):
        self.mixer, self.report = mixer, report
        self.islands: IslandMaster | None = None
        self.limiter: Limiter | None = None
        self.gain = 1.0
        if target_lufs is None:
            return
        pause_at("mixing")
        self.islands = IslandMaster(mixer) if mixer.music is None else None
        measured = self.islands.measure() if self.islands else measure(mixer.mix, mixer)
        mastering = Mastering.to_target(measured, target_lufs)
        report.mastering = mastering
        self.gain = 10 ** (mastering.gain_db / 20)
        self.limiter = Limiter(mixer.timeline.sample_rate, mastering.ceiling_dbtp)

    def silences(self) -> list[tuple[int, int]]:
        """Where the mastered track is digital silence, clear of every island: none with music."""
        return self.mixer.silences(round(PAD_S * self.mixer.timeline.sample_rate))

    def blocks(self, start: int = 0, end: int | None = None) -> Iterator[np.ndarray]:
        """The mastered samples from `start` to `end` (a part, or the whole track)."""
        if self.limiter is None:
            for first, last in self.mixer.spans(start=start, end=end):
                yield to_int16(self.mixer.mix(first, last))
        elif self.islands is not None:
            yield from self.islands.blocks(self.gain, self.limiter, start, end)
        else:
            yield from self._limited_blocks(start, end)

    def finish(self) -> None:
        """Once every part is out: what came out, into the report."""
        if self.islands is not None and self.limiter is not None:
            self.report.output_lufs = self.islands.output_lufs
            self.report.true_peak_dbtp = _db(self.islands.peak)

    def _limited_blocks(self, start: int, end: int | None) -> Iterator[np.ndarray]:
        if (start, end) not in ((0, None), (0, self.mixer.length)):
            raise ValueError("a track with music is mastered whole: its loudness meter runs on")
        limiter, mixer = self.limiter, self.mixer
        context = limiter.context_samples
        meter = LoudnessMeter(mixer.timeline.sample_rate)
        peak = 0.0
        for first, last in mixer.spans():
            limited, block_peak = limiter.apply(mixer.mix(first - context, last + context) * self.gain,
                                                context)
            peak = max(peak, block_peak)
            meter.add(limited)
            yield to_int16(limited)
        self.report.output_lufs = meter.integrated_lufs()
        self.report.true_peak_dbtp = _db(peak)


def _db(peak: float) -> float:
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def mastered_blocks(mixer: Mixer, target_lufs: float | None, report: Report) -> Iterator[np.ndarray]:
    """The whole track as int16 blocks, at `target_lufs` (None: as mixed), filling in `report`."""
    master = Master(mixer, target_lufs, report)
    yield from master.blocks()
    master.finish()


def _encode_mp3(master: Master, target: Path, threads: int) -> None:
    """Encode the track in parts cut in its silences, on `threads` threads, into `target`.

    The parts depend only on the track, so the MP3 is the same however many threads make it.
    """
    mixer = master.mixer
    rate = mixer.timeline.sample_rate
    spans = parts(mixer.length, master.silences(), rate, PART_S * rate)

    def blocks(start: int, end: int) -> Iterator[np.ndarray]:
        for number, block in enumerate(master.blocks(start, end)):
            if start == 0 and number == 1:
                pause_at("encoding")
            yield block

    with open(target, "wb") as file:
        write_in_parts(file, rate, MP3_KBPS, MP3_QUALITY, spans, blocks, threads, target.parent)


def _encode_wav(blocks: Iterator[np.ndarray], rate: int, target: Path) -> None:
    with wave.open(str(target), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        for block in blocks:
            writer.writeframes(block.astype("<i2").tobytes())


def render(mixer: Mixer, out: Path, audio_format: str, target_lufs: float | None,
           tag: Callable[[Path], None] | None = None, threads: int = 1) -> Report:
    """Master and encode the mix into `out` (an MP3 on `threads` threads); `tag` adds the MP3's
    tags before it is renamed."""
    report = Report()

    def write(temporary: Path) -> None:
        master = Master(mixer, target_lufs, report)
        if audio_format == "wav":
            _encode_wav(master.blocks(), mixer.timeline.sample_rate, temporary)
        else:
            _encode_mp3(master, temporary, threads)
            if tag is not None:
                pause_at("tagging")
                tag(temporary)
        master.finish()

    write_atomically(out, write)
    return report
