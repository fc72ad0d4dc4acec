"""The short tones mixed under the start and end cues, generated at the track's rate."""

from __future__ import annotations

import numpy as np

SOUND_PEAK = 0.25  # -12 dBFS: heard under the voice, and voice plus tone stays below full scale


def _tone(sample_rate_hz: int, seconds: float, partials: list[tuple[float, float]],
          decay_per_s: float) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate_hz), dtype=np.float64) / sample_rate_hz
    wave = sum(weight * np.sin(2 * np.pi * hz * t) for hz, weight in partials)
    attack = np.minimum(1.0, t / 0.005)  # 5 ms attack: no click at the onset
    envelope = attack * np.exp(-decay_per_s * t)
    envelope[-int(0.01 * sample_rate_hz):] *= np.linspace(1, 0, int(0.01 * sample_rate_hz))
    tone = wave * envelope
    return (tone / np.max(np.abs(tone)) * SOUND_PEAK).astype(np.float32)


def sound(kind: str, role: str, sample_rate_hz: int) -> np.ndarray:
    """The `chime` or `beep` for a `start` or `end` cue."""
    if kind == "chime":
        # A bell-like partial series; the start rings higher than the end.
        base = 880.0 if role == "start" else 660.0
        return _tone(sample_rate_hz, 0.6, [(base, 1.0), (base * 2.76, 0.3), (base * 5.4, 0.1)], 6.0)
    if kind == "beep":
        hz = 1000.0 if role == "start" else 750.0
        return _tone(sample_rate_hz, 0.18, [(hz, 1.0)], 4.0)
    raise ValueError(f"unknown sound {kind!r}")


def sound_lengths(kind: str, sample_rate_hz: int) -> dict[str, int]:
    if kind == "none":
        return {}
    return {role: sound(kind, role, sample_rate_hz).size for role in ("start", "end")}
