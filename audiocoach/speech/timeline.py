"""Lay the script out at absolute sample positions: the one intermediate form `plan` and `build` share.

Every position is an integer sample index; seconds appear only in `__str__` and `to_json`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Callable, Mapping, Protocol

from audiocoach.errors import AudiocoachError, Problem
from audiocoach.routine.durations import Samples, display, plural, to_samples
from audiocoach.routine.readers import MAX_ROUTINE_S
from audiocoach.speech.cues import EVENT_ROLES, TICK, LeadIn
from audiocoach.speech.efforts import CUE_GAP_S, Effort, Warnings
from audiocoach.speech.languages import spoken
from audiocoach.speech.script import (
    SPEECH_GAP_S,
    Chapter,
    FinishSound,
    Gap,
    Line,
    Pause,
    Script,
    Speak,
    Window,
)

MARGIN_S = Fraction(1)  # silence before a start cue after the speech of a rest ("Timing" rule 5)


class Sounds(Protocol):
    """What the layout needs of a track's sounds (audio.sounds.SoundSet): which sound each cue
    plays, and each sound's length in samples by (name, role)."""

    names: Mapping[str, str]

    def lengths(self) -> Mapping[tuple[str, str], Samples]: ...


@dataclass(frozen=True)
class Event:
    """One clip of speech or one sound, at its sample in the track."""

    start_sample: Samples
    length_samples: Samples
    kind: str  # "speech" or "sound"
    role: str
    text: str  # the words spoken, or the sound's name
    chapter: int  # 1-based, 0 outside every chapter

    @property
    def end_sample(self) -> Samples:
        return self.start_sample + self.length_samples


@dataclass(frozen=True)
class ChapterSpan:
    title: str
    start_sample: Samples
    end_sample: Samples


@dataclass
class Timeline:
    """Every event of the track at its sample, with the chapters and what `plan` warns of."""

    title: str
    sample_rate_hz: int
    engine: str
    length_samples: Samples  # of the rendered track
    events: list[Event] = field(default_factory=list)
    chapters: list[ChapterSpan] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def seconds(self, samples: Samples) -> float:
        return round(samples / self.sample_rate_hz, 6)

    def to_json(self) -> dict:
        """The `plan --json` document described in docs/routine-format.md, "What comes out"."""
        return {
            "title": self.title,
            "duration_s": self.seconds(self.length_samples),
            "sample_rate": self.sample_rate_hz,
            "engine": self.engine,
            "chapters": [{"title": c.title, "start_s": self.seconds(c.start_sample),
                          "end_s": self.seconds(c.end_sample)} for c in self.chapters],
            "events": [{"start_s": self.seconds(e.start_sample), "end_s": self.seconds(e.end_sample),
                        "kind": e.kind, "role": e.role, "text": e.text, "chapter": e.chapter}
                       for e in self.events],
            "warnings": list(self.warnings),
        }

    def __str__(self) -> str:
        length_s = self.seconds(self.length_samples)
        rows = [f"{self.title} ({self.engine}, {self.sample_rate_hz} Hz, {length_s:.3f} s)"]
        for c in self.chapters:
            rows.append(f"chapter {c.title!r} "
                        f"{self.seconds(c.start_sample):.3f}-{self.seconds(c.end_sample):.3f}")
        for e in self.events:
            rows.append(f"{self.seconds(e.start_sample):9.3f} {self.seconds(e.end_sample):9.3f} "
                        f"{e.chapter:>2} "
                        f"{e.kind:<6} {e.role:<11} {e.text}")
        rows.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(rows)

    def table(self) -> str:
        """A readable table of time, role and text for `plan`; a sound shows as its name in
        brackets (`[beep]`), so a lead-in or countdown given as sounds can be seen."""
        rows = [f"{'time':>10}  {'role':<11} text"]
        for e in self.events:
            text = e.text if e.kind == "speech" else f"[{e.text}]"
            rows.append(f"{display(self.seconds(e.start_sample)):>10}  {e.role:<11} {text}")
        length_s = self.seconds(self.length_samples)
        rows.append(f"total {display(length_s)} ({length_s:.3f} s), "
                    f"{plural(len(self.chapters), 'chapter')}, engine {self.engine}")
        rows.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(rows)


def _cover_with_chapters(timeline: Timeline, chapter_starts: list[tuple[str, Samples]]) -> None:
    """Chapters that cover the whole track ("The sound of the track"): the first from 0 s, each
    until the next begins, the last until the end; every event belongs to the chapter it starts
    in."""
    if not chapter_starts:
        return
    starts = [0] + [start for _, start in chapter_starts[1:]]
    ends = starts[1:] + [timeline.length_samples]
    timeline.chapters = [ChapterSpan(title, start, end)
                         for (title, _), start, end in zip(chapter_starts, starts, ends)]
    timeline.events = [replace(e, chapter=bisect_right(starts, e.start_sample)) for e in timeline.events]


class _Layout:
    """Walks the script once, keeping a cursor in samples, and places every event."""

    def __init__(self, script: Script, clip_lengths: Mapping[str, Samples], sounds: Sounds,
                 sample_rate_hz: int, engine: str, round_length: Callable[[Samples, int], Samples]):
        self.sample_rate_hz = sample_rate_hz
        self.round_length = round_length
        self.script = script
        self.clips = clip_lengths
        self.sound_names = sounds.names
        self.sound_lengths = sounds.lengths()
        self.timeline = Timeline(script.title, sample_rate_hz, engine, 0)
        self.warnings = Warnings()
        self.cursor: Samples = 0  # earliest start of the next speech
        self.speech_end: Samples = 0  # end of the latest speech
        self.last_end_cue: Samples | None = None  # t1 of the window just laid out
        self.chapter_starts: list[tuple[str, Samples]] = []
        self.tip_turn: dict[str, int] = {}
        self.tips_said: dict[str, set[str]] = {}

    def samples(self, seconds: Fraction) -> Samples:
        return to_samples(seconds, self.sample_rate_hz)

    def say(self, line: Line, at: Samples) -> Event:
        event = Event(at, self.clips[line.text], "speech", line.role, line.text, 0)
        self.timeline.events.append(event)
        self.speech_end = max(self.speech_end, event.end_sample)
        return event

    def sound(self, name: str, role: str, at: Samples) -> Event:
        event = Event(at, self.sound_lengths[(name, role)], "sound", role, name, 0)
        self.timeline.events.append(event)
        return event

    def cue_sound(self, cue: str, at: Samples) -> Event | None:
        if cue in self.sound_names:
            return self.sound(self.sound_names[cue], EVENT_ROLES[cue], at)
        return None

    def run(self) -> Timeline:
        for step in self.script.steps:
            after_window = self.last_end_cue
            self.last_end_cue = None
            if isinstance(step, Speak):
                self.speak(step)
            elif isinstance(step, Pause):
                self.cursor += self.samples(step.seconds)
            elif isinstance(step, Chapter):
                self.chapter_starts.append((step.title, self.cursor))
                self.last_end_cue = after_window
            elif isinstance(step, Gap):
                self.gap(step, after_window)
            elif isinstance(step, Window):
                self.window(step)
            elif isinstance(step, FinishSound):
                played = self.cue_sound("finish", self.cursor)
                self.cursor = played.end_sample if played else self.cursor
        return self.finish()

    def finish(self) -> Timeline:
        timeline = self.timeline
        timeline.events.sort(key=lambda e: (e.start_sample, e.kind != "sound"))
        last_sample = max([self.cursor] + [e.end_sample for e in timeline.events])
        timeline.length_samples = self.round_length(last_sample, self.sample_rate_hz)
        _cover_with_chapters(timeline, self.chapter_starts)
        for window in (step for step in self.script.steps if isinstance(step, Window)):
            for tip in window.tips:
                if tip.text not in self.tips_said.get(window.group, set()):
                    self.warnings.add(window.group,
                                      f"tip '{tip.text}' never fits in a hold and was dropped", once=True)
        timeline.warnings.extend(self.script.warnings + self.warnings.lines())
        return timeline

    def speak(self, step: Speak) -> None:
        for index, line in enumerate(step.lines):
            event = self.say(line, self.cursor)
            last = index == len(step.lines) - 1
            self.cursor = event.end_sample + self.samples(step.pause_after_s if last else SPEECH_GAP_S)

    def run_of(self, lines: tuple[Line, ...]) -> Samples:
        """Samples that lines said one after another take."""
        if not lines:
            return 0
        return sum(self.clips[line.text] for line in lines) + (len(lines) - 1) * self.samples(SPEECH_GAP_S)

    def gap(self, gap: Gap, end_cue: Samples | None) -> None:
        """Lay out the time before a start cue: the gap rule ("Timing" rules 5, 7 and 8).

        A gap runs from its anchor to the next start cue, exactly `nominal_s` later. The anchor
        is the previous end cue, or the cursor where there was none, or (switching sides,
        `from_after`) the end of the words said first, so the whole prepare time comes after
        them. In the gap, in this order and never over one another:
        1. `after` ("Rest"), from the cursor, one line after another;
        2. `before` (side, set, how many are left, "Get ready"), ending one margin before the
           start cue so there is a second to get set; in a rest block, `closing` ("Next: ...");
        3. the lead-in, its k-th mark k beats before the start cue; `before` then ends one
           speech gap before the first mark instead.
        Only 1 and 2 may make the gap longer than asked, with a warning: words the routine asks
        for are never cut. The lead-in and `closing` never lengthen it: where they do not fit
        they are dropped, with a warning.
        """
        anchor = end_cue if end_cue is not None else self.cursor
        margin = self.samples(MARGIN_S)
        position = self.cursor
        for line in gap.after:
            position = self.say(line, position).end_sample + self.samples(SPEECH_GAP_S)
        measured_from = self.speech_end if gap.from_after and gap.after else anchor
        target = measured_from + self.samples(gap.nominal_s)
        if gap.before:
            required = position + self.run_of(gap.before) + margin
        else:
            # Nothing to say before the start: it still waits one margin after the last words.
            required = self.speech_end + margin if (gap.after or end_cue is not None) else anchor
        start = max(target, required)
        if required > target:
            needed = Fraction(start - measured_from, self.sample_rate_hz)
            self.warnings.add(gap.label, f"{float(gap.nominal_s):g} s is too short for what is said "
                              f"in it; lengthened to {float(needed):.1f} s")
        before = gap.before
        if gap.closing and position + self.run_of(gap.closing) + margin <= start:
            before = gap.closing
        elif gap.closing:
            self.warnings.add(gap.label, f"next '{gap.closing[0].text}' does not fit in the "
                              f"{float(gap.nominal_s):g} s rest and was dropped")
        free_from = position + self.run_of(before) if before else self.speech_end
        marks = self.lead_in(gap.lead_in, start, free_from) if gap.lead_in else []
        before_end = marks[0][0] - self.samples(SPEECH_GAP_S) if marks else start - margin
        position = before_end - self.run_of(before)
        for line in before:
            position = self.say(line, position).end_sample + self.samples(SPEECH_GAP_S)
        for at, mark in marks:
            if isinstance(mark, Line):
                self.say(mark, at)
            else:
                self.sound(mark, "lead_in", at)
        self.cursor = start

    def lead_in(self, lead: LeadIn, start: Samples, free_from: Samples) -> list[tuple[Samples, Line | str]]:
        """The lead-in's marks (a word, or a sound's name) at their samples before the start cue
        at `start`; none, with a warning, when they cannot all fit after `free_from`, where the
        gap's other words end."""
        name = TICK if lead.mark == TICK else self.sound_names[lead.mark]
        marks: list[Line | str] = list(lead.words) or [name] * lead.count
        lengths = [self.clips[m.text] if isinstance(m, Line) else self.sound_lengths[(m, "lead_in")]
                   for m in marks]
        ats = [start - self.samples(offset_s) for offset_s in lead.offsets_s()]
        cue_gap = self.samples(CUE_GAP_S)
        # Each mark is over one cue gap before the next begins, the last one before the start cue.
        fits = free_from + self.samples(SPEECH_GAP_S) <= ats[0] and all(
            at + length + cue_gap <= following
            for at, length, following in zip(ats, lengths, ats[1:] + [start]))
        if not fits:
            self.warnings.add(lead.group, f"the lead-in of {lead.count} does not fit in the time before "
                              "the start cue and was dropped there (a longer rest or prepare time, "
                              "or a shorter lead_in, makes room for it)")
            return []
        return list(zip(ats, marks))

    def window(self, window: Window) -> None:
        effort = Effort(self, window, self.cursor)
        t0, t1 = effort.t0, effort.t1
        start = self.say(window.start, t0)
        self.cue_sound("start", t0)
        if start.end_sample + effort.gap > t1:
            raise AudiocoachError(Problem(
                f"{window.label}: the start cue '{window.start.text}' takes "
                f"{start.length_samples / self.sample_rate_hz:.1f} s, longer than the "
                f"{float(window.length_s):g} s effort",
                "shorten the start phrase or lengthen the hold or tempo", self.script.file,
                field="phrases.start"))
        effort.take(start.start_sample, start.end_sample)
        effort.take(t1, t1 + self.clips[window.end.text])
        effort.fill()
        end = self.say(window.end, t1)
        self.cue_sound("end", t1)
        self.cursor = end.end_sample + self.samples(SPEECH_GAP_S)
        self.last_end_cue = t1


def lay_out(script: Script, clip_lengths: Mapping[str, Samples], sounds: Sounds,
            sample_rate_hz: int, engine: str,
            round_length: Callable[[Samples, int], Samples] = lambda length, _: length) -> Timeline:
    """Place every line and sound of the script at its sample index (routine format, "Timing").

    `clip_lengths` maps each text to its clip's length; `sounds` says which sound each cue
    plays and how long it is; `round_length(length, sample_rate_hz)` may lengthen the silence at
    the end (for an encoder that needs it).
    """
    timeline = _Layout(script, clip_lengths, sounds, sample_rate_hz, engine, round_length).run()
    if timeline.length_samples > MAX_ROUTINE_S * sample_rate_hz:
        raise AudiocoachError(Problem(
            f"the track would last {spoken(Fraction(timeline.length_samples, sample_rate_hz))}, "
            "over the 4-hour limit",
            "shorten holds or rests, or split the routine", script.file))
    return timeline
