"""The short sounds of a track at its rate: built-in tones or the routine's own files for the
start, end, finish and countdown cues, and the tick that marks a counted beat when its count word
cannot fit and each beat of a lead-in into counted reps (docs/routine-format.md, "Timing" rules 3
and 7)."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from audiocoach import ffmpeg
from audiocoach.errors import AudiocoachError, Problem
from audiocoach.routine.definitions import BEEP, BUILTIN_SOUNDS, CHIME, GONG, TICK
from audiocoach.routine.model import SoundChoice
from audiocoach.speech.cues import COUNT_GAP_S, CUE_ROLES
from audiocoach.speech.efforts import CUE_GAP_S
from audiocoach.voice.clips import INAUDIBLE_PEAK, fade_out, trim_silence

SOUND_PEAK = 0.25  # -12 dBFS: heard under the voice, and voice plus tone stays below full scale
MAX_SOUND_S = 3.0  # a cue sound longer than this would run into what follows it
# Countdown marks are a second apart and each needs a cue gap of silence after it; a longer
# sound would keep every mark after the first from being heard.
MAX_COUNTDOWN_SOUND_S = float(COUNT_GAP_S - CUE_GAP_S)
FILE_SILENCE = 10 ** (-50 / 20)  # a file's lead-in below this (after levelling) is trimmed


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
    """A built-in for any cue: the `chime` or `beep` (shorter for a count), the long `gong` made to
    close a track, or the short `tick` of a beat."""
    if kind == TICK:
        # A short woodblock-like knock: clear on a phone speaker, over in 60 ms so it never
        # blurs into the next beat even at fast tempos.
        return _tone(sample_rate_hz, 0.06, [(1600.0, 1.0), (3900.0, 0.4)], 60.0)
    if kind == GONG:
        # Low and long, with inharmonic partials: unlike any cue, so it can only mean "done".
        return _tone(sample_rate_hz, 2.5, [(196.0, 1.0), (293.0, 0.5), (415.0, 0.35), (587.0, 0.2)],
                     1.6)
    if kind == CHIME:
        # A bell-like partial series; the start rings higher than the end.
        base = 880.0 if role == "start" else 660.0
        return _tone(sample_rate_hz, 0.6, [(base, 1.0), (base * 2.76, 0.3), (base * 5.4, 0.1)], 6.0)
    if kind == BEEP:
        if role in ("countdown", "lead_in"):
            # Shorter and between the two cue beeps: a count, never mistaken for "go" or "stop".
            return _tone(sample_rate_hz, 0.12, [(880.0, 1.0)], 6.0)
        hz = 1000.0 if role == "start" else 750.0
        return _tone(sample_rate_hz, 0.18, [(hz, 1.0)], 4.0)
    raise ValueError(f"unknown sound {kind!r}")


def _from_file(choice: SoundChoice, role: str, sample_rate_hz: int, routine_file: str) -> np.ndarray:
    """A sound file decoded at the track's rate, levelled like the built-ins, starting on its onset."""
    def problem(message: str, fix: str) -> AudiocoachError:
        return AudiocoachError(Problem(message, fix, routine_file, choice.line, choice.col, f"sounds.{role}"))

    try:
        audio = ffmpeg.decode(choice.path, sample_rate_hz, max_seconds=MAX_SOUND_S + 10)
    except ffmpeg.DecodeError as error:
        raise problem(f"cannot read the sound '{choice.name}': {error}",
                      ffmpeg.READABLE) from None
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < INAUDIBLE_PEAK:
        raise problem(f"the sound '{choice.name}' is silent", "choose a file you can hear")
    # No margin before the onset: the sound begins exactly on its cue ("Timing" rule 1).
    audio = trim_silence(audio * np.float32(SOUND_PEAK / peak), FILE_SILENCE)
    if audio.size > MAX_SOUND_S * sample_rate_hz:
        raise problem(f"the sound '{choice.name}' lasts {audio.size / sample_rate_hz:.1f} s, "
                      f"longer than the {MAX_SOUND_S:g} s a cue sound may last", "trim the file")
    return fade_out(audio.astype(np.float32), int(0.01 * sample_rate_hz))


def _fits_cue(audio: np.ndarray, choice: SoundChoice, cue: str, sample_rate_hz: int,
              routine_file: str) -> np.ndarray:
    """The audio, if it is short enough for its cue: the countdown's sound must end before the
    next mark of the countdown begins."""
    length_s = audio.size / sample_rate_hz
    if cue != "countdown" or length_s <= MAX_COUNTDOWN_SOUND_S:
        return audio
    fitting = [name for name in BUILTIN_SOUNDS
               if sound(name, cue, sample_rate_hz).size <= MAX_COUNTDOWN_SOUND_S * sample_rate_hz]
    what = f"the {choice.name}" if choice.path is None else f"'{choice.name}'"
    choices = ", ".join(fitting[:-1]) + f" or {fitting[-1]}"
    fix = ("trim the file, or use " if choice.path is not None else "use ") + choices
    raise AudiocoachError(Problem(
        f"a countdown sound must last at most {MAX_COUNTDOWN_SOUND_S:g} s, as its marks are a second "
        f"apart; {what} lasts {length_s:.1f} s", fix, routine_file, choice.line, choice.col,
        "sounds.countdown"))


# The roles a cue's sound has in the timeline (routine format, "What comes out"): the finish
# sound follows the outro, and the countdown's sound marks both a hold's last seconds and the
# lead-in into a start.


class SoundSet:
    """The audio of every sound a track may use, by (name, role), at the track's rate.

    `names` says which sound each cue (`start`, `end`, `finish`, `countdown`) plays; a cue missing
    from it is silent (the countdown is spoken). The tick is always there: a beat must be heard
    even when `sounds` is `none`.
    """

    def __init__(self, chosen: Mapping[str, SoundChoice], sample_rate_hz: int, routine_file: str = ""):
        self.names = {cue: choice.name for cue, choice in chosen.items()}
        tick = sound(TICK, "rep", sample_rate_hz)
        self.audio: dict[tuple[str, str], np.ndarray] = {(TICK, "rep"): tick, (TICK, "lead_in"): tick}
        for cue, choice in chosen.items():
            file_audio = (None if choice.path is None
                          else _from_file(choice, cue, sample_rate_hz, routine_file))
            for role in CUE_ROLES[cue]:
                audio = sound(choice.name, role, sample_rate_hz) if file_audio is None else file_audio
                self.audio[(choice.name, role)] = _fits_cue(audio, choice, cue, sample_rate_hz,
                                                            routine_file)

    def lengths(self) -> dict[tuple[str, str], int]:
        return {key: audio.size for key, audio in self.audio.items()}
