"""The short tones of a track, generated at its rate: cue sounds under the start and end cues, and
the tick that marks a counted beat when its count word cannot fit (SPEC §2 rule 4)."""

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


TICK = "tick"


def sound(kind: str, role: str, sample_rate_hz: int) -> np.ndarray:
    """The `chime` or `beep` for a `start` or `end` cue, or the `tick` of a beat."""
    if kind == TICK:
        # A short woodblock-like knock: clear on a phone speaker, over in 60 ms so it never
        # blurs into the next beat even at fast tempos.
        return _tone(sample_rate_hz, 0.06, [(1600.0, 1.0), (3900.0, 0.4)], 60.0)
    if kind == "chime":
        # A bell-like partial series; the start rings higher than the end.
        base = 880.0 if role == "start" else 660.0
        return _tone(sample_rate_hz, 0.6, [(base, 1.0), (base * 2.76, 0.3), (base * 5.4, 0.1)], 6.0)
    if kind == "beep":
        hz = 1000.0 if role == "start" else 750.0
        return _tone(sample_rate_hz, 0.18, [(hz, 1.0)], 4.0)
    raise ValueError(f"unknown sound {kind!r}")


def sound_lengths(kind: str, sample_rate_hz: int) -> dict[tuple[str, str], int]:
    """The length in samples of every sound a track with these cue sounds may use, by (name, role).

    The tick is always there: a beat must be heard even when `sounds` is `none`.
    """
    names = [(kind, role) for role in ("start", "end")] if kind != "none" else []
    names.append((TICK, "rep"))
    return {(name, role): sound(name, role, sample_rate_hz).size for name, role in names}
