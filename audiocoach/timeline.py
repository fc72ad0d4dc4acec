"""Lay the script out at absolute sample positions: the one intermediate form `plan` and `build` share.

Every position is an integer sample index; seconds appear only in `__str__` and `to_json`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping

from .durations import display, plural, spoken, to_samples
from .errors import AudiocoachError, Problem
from .model import MAX_ROUTINE_S
from .script import (
    SPEECH_GAP_S,
    Chapter,
    EndChapter,
    Gap,
    Line,
    Pause,
    Script,
    Speak,
    Window,
)

CUE_GAP_S = Fraction(1, 5)  # least silence between a cue inside a hold and its neighbours
MARGIN_S = Fraction(1)  # silence before a start cue after the speech of a rest (SPEC §2 rule 6)
TIP_DELAY_S = Fraction(2)  # a tip waits this long after the previous cue, so it never crowds it
TIP_SPACING_S = Fraction(8)  # one tip at a time: the next starts at least this much later


@dataclass(frozen=True)
class Event:
    start: int  # sample index
    length: int  # samples
    kind: str  # "speech" or "sound"
    role: str
    text: str  # the words spoken, or the sound's name
    chapter: int  # 1-based, 0 outside every chapter

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class ChapterSpan:
    title: str
    start: int
    end: int


@dataclass
class Timeline:
    title: str
    sample_rate: int
    engine: str
    length: int  # samples in the rendered track
    events: list[Event] = field(default_factory=list)
    chapters: list[ChapterSpan] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def seconds(self, samples: int) -> float:
        return round(samples / self.sample_rate, 6)

    def to_json(self) -> dict:
        """The `plan --json` document of SPEC §3."""
        return {
            "title": self.title,
            "duration_s": self.seconds(self.length),
            "sample_rate": self.sample_rate,
            "engine": self.engine,
            "chapters": [{"title": c.title, "start_s": self.seconds(c.start),
                          "end_s": self.seconds(c.end)} for c in self.chapters],
            "events": [{"start_s": self.seconds(e.start), "end_s": self.seconds(e.end),
                        "kind": e.kind, "role": e.role, "text": e.text, "chapter": e.chapter}
                       for e in self.events],
            "warnings": list(self.warnings),
        }

    def __str__(self) -> str:
        rows = [f"{self.title} ({self.engine}, {self.sample_rate} Hz, {self.seconds(self.length):.3f} s)"]
        for c in self.chapters:
            rows.append(f"chapter {c.title!r} {self.seconds(c.start):.3f}-{self.seconds(c.end):.3f}")
        for e in self.events:
            rows.append(f"{self.seconds(e.start):9.3f} {self.seconds(e.end):9.3f} {e.chapter:>2} "
                        f"{e.kind:<6} {e.role:<11} {e.text}")
        rows.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(rows)

    def table(self) -> str:
        """A readable table of time, role and text for `plan`."""
        rows = [f"{'time':>10}  {'role':<11} text"]
        for e in self.events:
            if e.kind == "speech":
                rows.append(f"{display(self.seconds(e.start)):>10}  {e.role:<11} {e.text}")
        rows.append(f"total {display(self.seconds(self.length))} ({self.seconds(self.length):.3f} s), "
                    f"{plural(len(self.chapters), 'chapter')}, engine {self.engine}")
        rows.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(rows)


class _Layout:
    def __init__(self, script: Script, clip_lengths: Mapping[str, int], sound_kind: str,
                 sound_lengths: Mapping[str, int], sample_rate: int, engine: str):
        self.rate = sample_rate
        self.script = script
        self.file = script.file
        self.clips = clip_lengths
        self.sound_kind = sound_kind
        self.sound_lengths = sound_lengths
        self.timeline = Timeline(script.title, sample_rate, engine, 0)
        self.cursor = 0  # earliest start of the next speech
        self.speech_end = 0  # end of the latest speech
        self.last_end_cue: int | None = None  # t1 of the window just laid out
        self.chapter = 0
        self.chapter_start = 0
        self.chapter_title = ""
        self.dropped: Counter[tuple[str, str]] = Counter()
        self.tip_turn: dict[str, int] = {}
        self.tips_said: dict[str, set[str]] = {}

    def s(self, seconds: Fraction) -> int:
        return to_samples(seconds, self.rate)

    def say(self, line: Line, at: int) -> Event:
        event = Event(at, self.clips[line.text], "speech", line.role, line.text, self.chapter)
        self.timeline.events.append(event)
        self.speech_end = max(self.speech_end, event.end)
        return event

    def sound(self, role: str, at: int) -> None:
        if self.sound_kind != "none":
            self.timeline.events.append(Event(at, self.sound_lengths[role], "sound", role,
                                              self.sound_kind, self.chapter))

    def run(self) -> Timeline:
        script = self.script
        for step in script.steps:
            after_window = self.last_end_cue
            self.last_end_cue = None
            if isinstance(step, Speak):
                self.speak(step)
            elif isinstance(step, Pause):
                self.cursor += self.s(step.seconds)
            elif isinstance(step, Chapter):
                self.chapter = len(self.timeline.chapters) + 1
                self.chapter_start = self.cursor
                self.chapter_title = step.title
            elif isinstance(step, EndChapter):
                end = max(e.end for e in self.timeline.events if e.chapter == self.chapter)
                self.timeline.chapters.append(ChapterSpan(self.chapter_title, self.chapter_start, end))
                self.chapter = 0
                self.last_end_cue = after_window
            elif isinstance(step, Gap):
                self.gap(step, after_window)
            elif isinstance(step, Window):
                self.window(step)
        timeline = self.timeline
        timeline.events.sort(key=lambda e: (e.start, e.kind != "sound"))
        timeline.length = max([self.cursor] + [e.end for e in timeline.events])
        for window in (step for step in script.steps if isinstance(step, Window)):
            for tip in window.tips:
                if tip.text not in self.tips_said.get(window.group, set()):
                    self.dropped[(window.group, f"tip '{tip.text}' never fits in a hold and was dropped")] = 1
        for (group, message), count in self.dropped.items():
            timeline.warnings.append(f"{group}: {message}" + (f" ({count} times)" if count > 1 else ""))
        return timeline

    def speak(self, step: Speak) -> None:
        for index, line in enumerate(step.lines):
            event = self.say(line, self.cursor)
            last = index == len(step.lines) - 1
            self.cursor = event.end + self.s(step.pause_after_s if last else SPEECH_GAP_S)

    def run_of(self, lines: tuple[Line, ...]) -> int:
        """Samples that lines said one after another take."""
        if not lines:
            return 0
        return sum(self.clips[line.text] for line in lines) + (len(lines) - 1) * self.s(SPEECH_GAP_S)

    def gap(self, gap: Gap, end_cue: int | None) -> None:
        anchor = end_cue if end_cue is not None else self.cursor
        position = self.cursor
        for line in gap.after:
            position = self.say(line, position).end + self.s(SPEECH_GAP_S)
        measured_from = self.speech_end if gap.from_after and gap.after else anchor
        target = measured_from + self.s(gap.nominal_s)
        if gap.before:
            required = position + self.run_of(gap.before) + self.s(MARGIN_S)
        else:
            required = self.speech_end + self.s(MARGIN_S) if (gap.after or end_cue is not None) else anchor
        start = max(target, required)
        if required > target:
            needed = Fraction(start - measured_from, self.rate)
            self.dropped[(gap.label, f"{float(gap.nominal_s):g} s is too short for what is said "
                          f"in it; lengthened to {float(needed):.1f} s")] += 1
        position = start - self.s(MARGIN_S) - self.run_of(gap.before)
        for line in gap.before:
            position = self.say(line, position).end + self.s(SPEECH_GAP_S)
        self.cursor = start

    def window(self, window: Window) -> None:
        t0 = self.cursor
        t1 = t0 + self.s(window.length_s)
        start = self.say(window.start, t0)
        self.sound("start", t0)
        if start.end + self.s(CUE_GAP_S) > t1:
            raise AudiocoachError(Problem(
                f"{window.label}: the start cue '{window.start.text}' takes "
                f"{start.length / self.rate:.1f} s, longer than the {float(window.length_s):g} s effort",
                "shorten the start phrase or lengthen the hold or tempo", self.file,
                field="phrases.start"))
        busy = [(start.start, start.end)]
        end_length = self.clips[window.end.text]
        busy.append((t1, t1 + end_length))
        group = window.group

        def fits(at: int, length: int) -> bool:
            gap = self.s(CUE_GAP_S)
            if at < t0 or at + length + gap > t1:
                return False
            return all(at + length + gap <= b_start or at >= b_end + gap for b_start, b_end in busy)

        def place(line: Line, at: int, what: str) -> None:
            if fits(at, self.clips[line.text]):
                busy.append((at, self.say(line, at).end))
            else:
                self.dropped[(group, f"{what} '{line.text}' does not fit and was dropped")] += 1

        for k, line in enumerate(window.counts, start=2):
            place(line, t0 + self.s((k - 1) * window.tempo_s), "rep count")
        for n, line in enumerate(window.countdown[::-1], start=1):  # "one" first: it matters most
            place(line, t1 - self.s(Fraction(n)), "countdown")
        if window.halfway:
            place(window.halfway, t0 + self.s(window.hold_s / 2), "halfway")
        for seconds, line in window.reminders:
            place(line, t1 - self.s(seconds), "reminder")
        self.tips(window, group, fits, busy, t0)

        self.say(window.end, t1)
        self.sound("end", t1)
        self.cursor = t1 + end_length + self.s(SPEECH_GAP_S)
        self.last_end_cue = t1

    def tips(self, window: Window, group: str, fits, busy: list[tuple[int, int]], t0: int) -> None:
        """Say tips in the free time of a hold, taking turns across the exercise's efforts."""
        if not window.tips:
            return
        said = self.tips_said.setdefault(group, set())
        turn = self.tip_turn.get(group, 0)
        earliest = busy[0][1] + self.s(TIP_DELAY_S)
        for offset in range(len(window.tips)):
            line = window.tips[(turn + offset) % len(window.tips)]
            length = self.clips[line.text]
            at = next((t for t in sorted([earliest] + [end + self.s(TIP_DELAY_S) for _, end in busy])
                       if t >= earliest and fits(t, length)), None)
            if at is None:
                break
            busy.append((at, self.say(line, at).end))
            said.add(line.text)
            earliest = at + self.s(TIP_SPACING_S)
            self.tip_turn[group] = turn + offset + 1


def lay_out(script: Script, clip_lengths: Mapping[str, int], sound_kind: str,
            sound_lengths: Mapping[str, int], sample_rate: int, engine: str) -> Timeline:
    """Place every line and sound of the script at its sample index (SPEC §2).

    `clip_lengths` maps each text to its clip's length in samples; `sound_lengths` maps the
    roles `start` and `end` to their sound's length.
    """
    timeline = _Layout(script, clip_lengths, sound_kind, sound_lengths, sample_rate, engine).run()
    if timeline.length > MAX_ROUTINE_S * sample_rate:
        raise AudiocoachError(Problem(
            f"the track would last {spoken(Fraction(timeline.length, sample_rate))}, over the 4-hour limit",
            "shorten holds or rests, or split the routine", script.file))
    return timeline
