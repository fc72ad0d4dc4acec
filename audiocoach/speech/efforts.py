"""Cues inside one timed effort: the count words or ticks on its beats, the countdown, halfway,
reminders and tips, each in the effort's free time ("Timing" rules 1 to 3 and 6)."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Mapping, Protocol

from audiocoach.routine.durations import Samples
from audiocoach.speech.cues import COUNT_GAP_S, COUNTDOWN_MARK, TICK, Line
from audiocoach.speech.script import Window

CUE_GAP_S = Fraction(1, 5)  # least silence between a cue inside a hold and its neighbours
TIP_DELAY_S = Fraction(2)  # a tip waits this long after the previous cue, so it never crowds it
TIP_SPACING_S = Fraction(8)  # one tip at a time: the next starts at least this much later


class Layout(Protocol):
    """What an effort needs of the timeline being laid out."""

    clips: Mapping[str, Samples]
    sound_names: Mapping[str, str]
    sound_lengths: Mapping[tuple[str, str], Samples]
    warnings: "Warnings"
    tip_turn: dict[str, int]
    tips_said: dict[str, set[str]]

    def samples(self, seconds: Fraction) -> Samples: ...

    def say(self, line: Line, at: Samples): ...

    def sound(self, name: str, role: str, at: Samples): ...


class Warnings:
    """What `plan` reports, counted per group and message so a repeated drop is one line."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, group: str, message: str, once: bool = False) -> None:
        if once and (group, message) in self.counts:
            return
        self.counts[(group, message)] += 1

    def lines(self) -> list[str]:
        return [f"{group}: {message}" + (f" ({count} times)" if count > 1 else "")
                for (group, message), count in self.counts.items()]


class Effort:
    """One effort's window and the cues in it ("Timing" rules 1 to 3, and 6 for what cannot fit).

    A cue goes only into free time: `gap` samples of silence on each side of every cue, and
    everything said inside the window ends `gap` samples before the end cue. Cues are placed
    most important first, so a later one only takes what is left.
    """

    def __init__(self, layout: Layout, window: Window, t0: Samples):
        self.layout = layout
        self.window = window
        self.t0, self.t1 = t0, t0 + layout.samples(window.length_s)
        self.gap = layout.samples(CUE_GAP_S)
        self.busy: list[tuple[Samples, Samples]] = []

    def fits(self, at: Samples, length: Samples, also: list[tuple[Samples, Samples]] = ()) -> bool:
        if at < self.t0 or at + length + self.gap > self.t1:
            return False
        return all(at + length + self.gap <= start or at >= end + self.gap
                   for start, end in [*self.busy, *also])

    def take(self, start: Samples, end: Samples) -> None:
        self.busy.append((start, end))

    def fill(self) -> None:
        window, layout = self.window, self.layout
        if window.tempo_s is not None:
            self.beats()
        for n, line in enumerate(window.countdown[::-1], start=1):  # "one" first: it matters most
            self.place(line, self.t1 - layout.samples(n * COUNT_GAP_S), "countdown")
        for n in range(1, window.countdown_sounds + 1):  # the same instants, with a sound
            self.place_sound(self.t1 - layout.samples(n * COUNT_GAP_S))
        if window.halfway:
            self.place(window.halfway, self.t0 + layout.samples(window.length_s / 2), "halfway")
        for seconds, line in window.reminders:
            self.place(line, self.t1 - layout.samples(seconds), "reminder")
        self.tips()

    def place(self, line: Line, at: Samples, what: str) -> None:
        if self.fits(at, self.layout.clips[line.text]):
            self.take(at, self.layout.say(line, at).end_sample)
        else:
            self.layout.warnings.add(self.window.group, f"{what} '{line.text}' does not fit and was dropped")

    def place_sound(self, at: Samples) -> None:
        """One mark of a countdown given as a sound ("Sounds"), where its number would begin."""
        name = self.layout.sound_names[COUNTDOWN_MARK]
        if self.fits(at, self.layout.sound_lengths[(name, "countdown")]):
            played = self.layout.sound(name, "countdown", at)
            self.take(played.start_sample, played.end_sample)
        else:
            self.layout.warnings.add(self.window.group, f"countdown '{name}' does not fit and was dropped")

    def beats(self) -> None:
        """Mark every beat of counted reps (Timing rule 3): count words, or ticks if any cannot fit.

        A beat is never left silent. When one count word is too long for its beat (a fast tempo,
        a slow voice, a long number), every beat of the effort gets the same tick instead, so the
        rhythm stays even; the start cue is still said on the first beat.
        """
        window, layout = self.window, self.layout
        beat_starts = [self.t0 + layout.samples(k * window.tempo_s) for k in range(window.reps)]
        counts = list(zip(window.counts, beat_starts[1:]))
        accepted: list[tuple[Samples, Samples]] = []
        for line, at in counts:
            if not self.fits(at, layout.clips[line.text], accepted):
                break
            accepted.append((at, at + layout.clips[line.text]))
        else:
            for line, at in counts:
                self.take(at, layout.say(line, at).end_sample)
            return
        for at in beat_starts:
            tick = layout.sound(TICK, "rep", at)
            self.take(tick.start_sample, tick.end_sample)
        layout.warnings.add(window.group, f"the count words do not fit a {float(window.tempo_s):g} s "
                            "beat, so every beat is marked with a tick instead", once=True)

    def tips(self) -> None:
        """Say tips in the free time, taking turns across the exercise's efforts."""
        window, layout = self.window, self.layout
        if not window.tips:
            return
        group = window.group
        said = layout.tips_said.setdefault(group, set())
        turn = layout.tip_turn.get(group, 0)
        delay = layout.samples(TIP_DELAY_S)
        earliest = self.busy[0][1] + delay  # after the start cue
        for offset in range(len(window.tips)):
            line = window.tips[(turn + offset) % len(window.tips)]
            length = layout.clips[line.text]
            candidates = sorted([earliest] + [end + delay for _, end in self.busy])
            at = next((t for t in candidates if t >= earliest and self.fits(t, length)), None)
            if at is None:
                break
            self.take(at, layout.say(line, at).end_sample)
            said.add(line.text)
            earliest = at + layout.samples(TIP_SPACING_S)
            layout.tip_turn[group] = turn + offset + 1
