"""Master the mix and encode it once: MP3 (with tags, chapters and cover) or WAV.

Mastering is one gain to the routine's loudness, measured on the whole mix beforehand, and a
look-ahead limiter that keeps true peaks under the ceiling. Every pass walks the track block by
block, so memory stays flat however long it is, and no sample ever moves.
"""

from __future__ import annotations

import math
import wave
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .clips import to_int16
from .files import write_atomically
from .hooks import pause_at
from .islands import IslandMaster
from .loudness import Limiter, LoudnessMeter, Mastering
from .mix import Mixer
from .mp3 import ENCODER_DELAY, Mp3Writer, frame_samples

MP3_KBPS = 64  # plenty for a mono voice
# LAME's quality 7, measured on the 30-minute legs-hips-low-back: 1.6 s of CPU for a speech SNR
# of 25.6 dB, where 2 took 3.0 s for 23.3 dB and 5 1.9 s for 24.4 dB; 8 and 9 gained nothing.
MP3_QUALITY = 7
ENCODING_AHEAD = 2  # blocks handed to the encoder and not yet encoded
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


def mastered_blocks(mixer: Mixer, target_lufs: float | None, report: Report) -> Iterator[np.ndarray]:
    """The track as int16 blocks, at `target_lufs` (None: as mixed), filling in `report`.

    Without music, each distinct island of sound is mastered once (islands.py); with music,
    which never stops, the whole track is mixed, measured, and limited block by block.
    """
    if target_lufs is None:
        for start, end in mixer.spans():
            yield to_int16(mixer.mix(start, end))
        return
    pause_at("mixing")
    islands = IslandMaster(mixer) if mixer.music is None else None
    measured = islands.measure() if islands else measure(mixer.mix, mixer)
    mastering = Mastering.to_target(measured, target_lufs)
    report.mastering = mastering
    gain = 10 ** (mastering.gain_db / 20)
    limiter = Limiter(mixer.timeline.sample_rate, mastering.ceiling_dbtp)
    if islands:
        yield from islands.blocks(gain, limiter)
        output_lufs, peak = islands.output_lufs, islands.peak
    else:
        context = limiter.context_samples
        meter = LoudnessMeter(mixer.timeline.sample_rate)
        peak = 0.0
        for start, end in mixer.spans():
            limited, block_peak = limiter.apply(mixer.mix(start - context, end + context) * gain,
                                                context)
            peak = max(peak, block_peak)
            meter.add(limited)
            yield to_int16(limited)
        output_lufs = meter.integrated_lufs()
    report.output_lufs = output_lufs
    report.true_peak_dbtp = 20 * math.log10(peak) if peak > 0 else -math.inf


def _encode_mp3(blocks: Iterator[np.ndarray], rate: int, target: Path) -> None:
    """Encode on a thread of its own while the next blocks are mixed on this one."""
    with open(target, "wb") as file, ThreadPoolExecutor(1) as encoding:
        writer = Mp3Writer(file, rate, MP3_KBPS, MP3_QUALITY)
        pending: deque[Future] = deque()
        for number, block in enumerate(blocks):
            pending.append(encoding.submit(writer.write, block))
            if len(pending) > ENCODING_AHEAD:
                pending.popleft().result()
            if number == 1:
                pause_at("encoding")
        for future in pending:
            future.result()
        writer.close()


def _encode_wav(blocks: Iterator[np.ndarray], rate: int, target: Path) -> None:
    with wave.open(str(target), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        for block in blocks:
            writer.writeframes(block.astype("<i2").tobytes())


def render(mixer: Mixer, out: Path, audio_format: str, target_lufs: float | None,
           tag: Callable[[Path], None] | None = None) -> Report:
    """Master and encode the mix into `out`; `tag` adds the MP3's tags before it is renamed."""
    report = Report()
    rate = mixer.timeline.sample_rate

    def write(temporary: Path) -> None:
        blocks = mastered_blocks(mixer, target_lufs, report)
        if audio_format == "wav":
            _encode_wav(blocks, rate, temporary)
        else:
            _encode_mp3(blocks, rate, temporary)
            if tag is not None:
                pause_at("tagging")
                tag(temporary)

    write_atomically(out, write)
    return report
