"""Master the mix and encode it once: MP3 (with tags, chapters and cover) or WAV.

Mastering is one gain to the routine's loudness, measured on the whole mix beforehand, and a
look-ahead limiter that keeps true peaks under the ceiling. Every pass walks the track block by
block, so memory stays flat however long it is, and no sample ever moves.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from . import ffmpeg
from .clips import to_int16
from .errors import AudiocoachError, Problem
from .files import write_atomically
from .hooks import pause_at
from .islands import IslandMaster
from .loudness import Limiter, LoudnessMeter, Mastering
from .mix import Mixer

MP3_BITRATE = "64k"  # plenty for a mono voice
# LAME's quality 7: measured on 16 min of the bundled voice, 1.5 s to encode against 2.2 s at
# ffmpeg's default, with speech SNR 25.6 dB against 21.8 dB (9 was no better, 2 slower and worse).
MP3_QUALITY = "7"
PIPE_BYTES = 1 << 20
LAME_DELAY = 1105  # samples LAME puts before the audio (576 + 529), removed again on decoding
LAME_SHORT_PADDING = 46  # a last frame padded this little or less gets a frame more...


def mp3_frame_samples(sample_rate_hz: int) -> int:
    """Samples per MP3 (layer III) frame: 1152 for MPEG-1 rates, 576 for MPEG-2 and 2.5 rates."""
    return 1152 if sample_rate_hz >= 32_000 else 576


def encodable_length(length: int, sample_rate_hz: int) -> int:
    """The track length, lengthened by at most 46 samples of silence so the MP3 decodes to it exactly.

    ...and ffmpeg's decoder then keeps that frame's samples (checked for every padding at 16,
    22.05, 24 and 44.1 kHz): the decoded track would be up to 46 samples longer than the plan.
    A track that needs no short padding is left as it is.
    """
    frame = mp3_frame_samples(sample_rate_hz)
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
    command = [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-y",
               "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
               "-c:a", "libmp3lame", "-b:a", MP3_BITRATE, "-compression_level", MP3_QUALITY,
               "-write_xing", "1",
               "-f", "mp3", str(target)]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        _widen(process.stdin)
        try:
            for number, block in enumerate(blocks):
                process.stdin.write(block.astype("<i2").tobytes())
                if number == 1:
                    pause_at("encoding")
            process.stdin.close()
        except BrokenPipeError:
            pass
        finally:
            if not process.stdin.closed:
                process.stdin.close()
            code = process.wait()
        if code != 0:
            errors.seek(0)
            raise AudiocoachError(Problem(
                f"the MP3 encoder failed: {errors.read().decode(errors='replace').strip()}",
                "check free disk space and the output folder", str(target)))


def _widen(pipe) -> None:
    """A 1 MiB pipe to the encoder (Linux allows it): it reads whole blocks with far fewer
    switches between the two processes than through the usual 64 KiB."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


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
