"""Bring any engine's audio to the track's format: mono float32 at the track rate, trimmed, levelled.

Every engine's output passes through `finish` at the engine boundary, so the renderer meets one
format and every clip speaks at the same loudness. A cue sound from a file is cut and faded with
the same `trim_silence` and `fade_out`, levelled to its own peak instead.
"""

from __future__ import annotations

import numpy as np

TARGET_RMS = 10 ** (-20 / 20)  # speech level: -20 dBFS RMS over the voiced part
PEAK_CEILING = 10 ** (-3 / 20)  # leaves room for a sound mixed under speech without clipping
SILENCE = 10 ** (-40 / 20)  # below this (after levelling) a clip's ends count as silence
INAUDIBLE_PEAK = 1e-4  # -80 dBFS: a sound file whose every sample is below this cannot be heard
EDGE_S = 0.004  # a short fade at each trimmed edge, so the cut never clicks


def finish(samples: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """Level the clip and trim its leading and trailing silence, so it starts on its first word."""
    audio = np.asarray(samples, dtype=np.float32).reshape(-1)
    if audio.size == 0:
        return audio
    voiced = np.abs(audio) > max(float(np.max(np.abs(audio))) * 0.05, 1e-6)
    if not voiced.any():
        return np.zeros(0, dtype=np.float32)
    rms = float(np.sqrt(np.mean(np.square(audio[voiced], dtype=np.float64))))
    gain = min(TARGET_RMS / rms, PEAK_CEILING / float(np.max(np.abs(audio))))
    edge = max(1, int(EDGE_S * sample_rate_hz))
    audio = trim_silence(audio * np.float32(gain), SILENCE, edge)
    audio[: min(edge, audio.size)] *= np.linspace(0.0, 1.0, min(edge, audio.size), dtype=np.float32)
    return fade_out(audio, edge)


def trim_silence(audio: np.ndarray, threshold: float, margin_samples: int = 0) -> np.ndarray:
    """A copy from the first to the last sample louder than `threshold`, `margin_samples` wider
    on each side; empty when no sample is."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio[:0].copy()
    first = max(0, int(loud[0]) - margin_samples)
    last = min(audio.size, int(loud[-1]) + 1 + margin_samples)
    return audio[first:last].copy()


def fade_out(audio: np.ndarray, fade_samples: int) -> np.ndarray:
    """The audio with its last `fade_samples` faded to silence in place, so a cut never clicks."""
    fade = min(fade_samples, audio.size)
    audio[audio.size - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return audio


def to_int16(audio: np.ndarray) -> np.ndarray:
    return np.round(np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)


def from_int16(audio: np.ndarray) -> np.ndarray:
    return audio.astype(np.float32) / 32767
