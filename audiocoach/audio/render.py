"""Master the mix and encode it once: MP3 (with tags, chapters and cover) or WAV.

Mastering is one gain to the routine's loudness and a look-ahead limiter that keeps true peaks
under the ceiling; the loudness is measured after limiting and the gain corrected until the
target is met. An MP3 is then decoded and measured as a player would play it, and made again
in the rare case it misses. Every pass walks the track block by block, so memory stays flat
however long it is, and no sample ever moves.
"""

from __future__ import annotations

import dataclasses
import math
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from audiocoach.audio.islands import PAD_S, IslandMaster
from audiocoach.audio.loudness import CEILING_DBTP, LoudnessMeter, TruePeakMeter
from audiocoach.audio.mastering import Limiter, Mastering, TooLoud
from audiocoach.audio.mix import Mixer
from audiocoach.audio.mp3 import (
    ENCODER_DELAY,
    decoded_blocks,
    frame_samples,
    mp3_rate,
    parts,
    write_in_parts,
)
from audiocoach.files import write_atomically
from audiocoach.hooks import pause_at
from audiocoach.voice.clips import to_int16

MP3_KBPS = 64  # plenty for a mono voice
# LAME's quality 7, measured on the 30-minute legs-hips-low-back: 1.6 s of CPU for a speech SNR
# of 25.6 dB, where 2 took 3.0 s for 23.3 dB and 5 1.9 s for 24.4 dB; 8 and 9 gained nothing.
MP3_QUALITY = 7
PART_S = 30  # the track is encoded in parts of at least this long, cut in silences
LAME_DELAY = ENCODER_DELAY + 529  # samples before the audio in the decoder's output, removed again
LAME_SHORT_PADDING = 46  # a last frame padded this little or less gets a frame more...
# the finished file's true peak is at most this (docs/routine-format.md, "The sound of the track")
PEAK_LIMIT_DBTP = -1.0
# An MP3 at 64 kbps measures about this much quieter than the PCM it was made from (LAME drops
# some of the highs that K-weighting counts; 0.4 to 0.5 LU on the bundled routines), so the PCM
# is mastered this much louder; the MP3 itself is then measured.
MP3_LOSS_LU = 0.45
MP3_TOLERANCE_LU = 0.3  # an MP3 further than this from the target is made again, corrected
MP3_TRIES = 3


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


def measure_mix(mixer: Mixer) -> tuple[float, float]:
    """The integrated loudness of the whole mix in LUFS, and its loudest sample (linear)."""
    meter = LoudnessMeter(mixer.timeline.sample_rate_hz)
    peak = 0.0
    for start, end in mixer.spans():
        block = mixer.mix(start, end)
        meter.add(block)
        peak = max(peak, float(np.max(np.abs(block), initial=0.0)))
    return meter.integrated_lufs(), peak


def measure_mp3(path: Path, sample_rate_hz: int) -> tuple[float, float]:
    """A finished MP3's integrated loudness (LUFS) and true peak (dBTP), decoded as a player
    decodes it, block by block; `sample_rate_hz` is the track's."""
    mp3_rate_hz = mp3_rate(sample_rate_hz)
    meter, peaks = LoudnessMeter(mp3_rate_hz), TruePeakMeter()
    for block in decoded_blocks(path, mp3_rate_hz, 10 * mp3_rate_hz):
        meter.add(block)
        peaks.add(block)
    return meter.integrated_lufs(), peaks.peak_db()


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

    def __init__(self, mixer: Mixer, target_lufs: float | None, report: Report,
                 ceiling_dbtp: float = CEILING_DBTP, loudest: bool = False):
        """A target out of reach raises `TooLoud`, or with `loudest` gives the loudest track
        there can be (`at_loudest` then says so)."""
        self.mixer, self.report = mixer, report
        self.islands: IslandMaster | None = None
        self.limiter: Limiter | None = None
        self.gain = 1.0
        self.at_loudest = False
        if target_lufs is None:
            return
        pause_at("mixing")
        limiter = Limiter(mixer.timeline.sample_rate_hz, ceiling_dbtp)
        self.islands = IslandMaster(mixer) if mixer.music is None else None
        if self.islands is not None:
            islands = self.islands
            measured, peak = islands.measure(), islands.raw_peak

            def limited(gain_db: float) -> float:
                return islands.limited_lufs(10 ** (gain_db / 20), limiter)
        else:
            measured, peak = measure_mix(mixer)

            def limited(gain_db: float) -> float:
                return self._limited_lufs(limiter, gain_db)
        try:
            mastering = Mastering.to_target(measured, target_lufs, _db(peak), limited, ceiling_dbtp)
        except TooLoud as error:
            if not loudest or error.loudest is None:
                raise
            mastering, self.at_loudest = error.loudest, True
        report.mastering = mastering
        self.gain = 10 ** (mastering.gain_db / 20)
        self.limiter = limiter

    def silences(self) -> list[tuple[int, int]]:
        """Where the mastered track is digital silence, clear of every island: none with music."""
        return self.mixer.silences(round(PAD_S * self.mixer.timeline.sample_rate_hz))

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

    def _limited(self, gain: float, limiter: Limiter) -> Iterator[tuple[np.ndarray, float]]:
        """The whole mix times `gain`, limited block by block: each block and its true peak."""
        context = limiter.context_samples
        for first, last in self.mixer.spans():
            yield limiter.apply(self.mixer.mix(first - context, last + context) * gain, context)

    def _limited_lufs(self, limiter: Limiter, gain_db: float) -> float:
        meter = LoudnessMeter(self.mixer.timeline.sample_rate_hz)
        for limited, _ in self._limited(10 ** (gain_db / 20), limiter):
            meter.add(limited)
        return meter.integrated_lufs()

    def _limited_blocks(self, start: int, end: int | None) -> Iterator[np.ndarray]:
        if (start, end) not in ((0, None), (0, self.mixer.length_samples)):
            raise ValueError("a track with music is mastered whole: its loudness meter runs on")
        meter = LoudnessMeter(self.mixer.timeline.sample_rate_hz)
        peak = 0.0
        for limited, block_peak in self._limited(self.gain, self.limiter):
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
    sample_rate_hz = mixer.timeline.sample_rate_hz
    spans = parts(mixer.length_samples, master.silences(), sample_rate_hz, PART_S * sample_rate_hz)

    def blocks(start: int, end: int) -> Iterator[np.ndarray]:
        for number, block in enumerate(master.blocks(start, end)):
            if start == 0 and number == 1:
                pause_at("encoding")
            yield block

    with open(target, "wb") as file:
        write_in_parts(file, sample_rate_hz, MP3_KBPS, MP3_QUALITY, spans, blocks, threads,
                       target.parent)


def _encode_wav(blocks: Iterator[np.ndarray], sample_rate_hz: int, target: Path) -> None:
    with wave.open(str(target), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate_hz)
        for block in blocks:
            writer.writeframes(block.astype("<i2").tobytes())


def render(mixer: Mixer, out: Path, audio_format: str, target_lufs: float | None,
           tag: Callable[[Path], None] | None = None, threads: int = 1) -> Report:
    """Master and encode the mix into `out` (an MP3 on `threads` threads); `tag` adds the MP3's
    tags before it is renamed. The report gives the finished file's loudness and true peak.

    Raises `TooLoud` when the track cannot reach `target_lufs` within 1 LU with true peaks at
    most -1 dBTP, giving the loudest the file can be."""
    report = Report()

    def write(temporary: Path) -> None:
        if audio_format == "wav":
            master = Master(mixer, target_lufs, report)
            _encode_wav(master.blocks(), mixer.timeline.sample_rate_hz, temporary)
            master.finish()  # the WAV holds the mastered samples themselves: their figures
            return
        if target_lufs is None:
            _encode_mp3(Master(mixer, None, report), temporary, threads)
        else:
            _encode_mp3_at(mixer, target_lufs, temporary, threads, report)
        if tag is not None:
            pause_at("tagging")
            tag(temporary)

    write_atomically(out, write)
    return report


def _encode_mp3_at(mixer: Mixer, target_lufs: float, temporary: Path, threads: int,
                   report: Report) -> None:
    """The MP3 mastered so that it, decoded, meets `target_lufs` with its true peak at most
    `PEAK_LIMIT_DBTP`; each try is measured and the next one corrected by what it missed."""
    aim, ceiling = target_lufs + MP3_LOSS_LU, CEILING_DBTP
    for _ in range(MP3_TRIES):
        master = Master(mixer, aim, report, ceiling, loudest=True)
        if report.mastering is not None:  # the target is the file's; the PCM's is `aim`
            report.mastering = dataclasses.replace(report.mastering, target_lufs=target_lufs)
        _encode_mp3(master, temporary, threads)
        report.output_lufs, report.true_peak_dbtp = measure_mp3(temporary, mixer.timeline.sample_rate_hz)
        if not math.isfinite(report.output_lufs):  # a silent track: no loudness to meet
            return
        missed = target_lufs - report.output_lufs
        over = report.true_peak_dbtp - PEAK_LIMIT_DBTP
        if abs(missed) <= MP3_TOLERANCE_LU and over <= 0:
            return
        if missed > 0 and master.at_loudest:  # this is as loud as the file gets
            raise TooLoud(target_lufs, report.output_lufs)
        aim += missed
        ceiling -= max(0.0, over + 0.1)
    if abs(missed) > 1.0 or over > 0:
        raise TooLoud(target_lufs, report.output_lufs)
