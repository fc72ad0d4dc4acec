"""The ffmpeg binary that imageio-ffmpeg ships (no system install needed), and decoding with it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np


def executable() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


READABLE = "use an audio file ffmpeg reads, such as WAV, MP3, OGG or FLAC"  # the fix when it cannot


class DecodeError(Exception):
    """ffmpeg could not read the input; the message is ffmpeg's own last line."""


def decode(source: Path | bytes, sample_rate_hz: int, *, input_format: str | None = None,
           audio_filter: str | None = None, max_seconds: float | None = None) -> np.ndarray:
    """Mono float32 PCM at `sample_rate_hz` from a file or from bytes, in any format ffmpeg reads.

    ffmpeg itself resamples and mixes down, so nothing here depends on ffprobe (which
    imageio-ffmpeg does not ship).
    """
    command = [executable(), "-hide_banner", "-loglevel", "error", "-nostdin"]
    if input_format:
        command += ["-f", input_format]
    command += ["-i", "pipe:0" if isinstance(source, bytes) else str(source), "-vn"]
    if max_seconds is not None:
        command += ["-t", f"{max_seconds:.3f}"]
    if audio_filter:
        command += ["-filter:a", audio_filter]
    command += ["-f", "f32le", "-ac", "1", "-ar", str(sample_rate_hz), "pipe:1"]
    try:
        result = subprocess.run(command, input=source if isinstance(source, bytes) else None,
                                capture_output=True, check=False, timeout=300)
    except subprocess.TimeoutExpired:
        raise DecodeError("decoding took over 5 minutes") from None
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise DecodeError(lines[-1] if lines else f"ffmpeg exited with {result.returncode}")
    return np.frombuffer(result.stdout, dtype="<f4").copy()
