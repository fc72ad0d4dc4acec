"""The timing contract (docs/routine-format.md, "Timing"), checked on a laid-out script from its events alone.

The checker walks the script and the timeline's speech side by side and holds every rule against
sample positions: each effort's length, each count word or tick on its beat, each countdown number,
reminder and halfway at its time or named in a warning as dropped, every gap (rests, set rests,
getting ready, switching sides, standalone rests) exact or lengthened to its speech plus the margin
with a warning, cue sounds at their cues, and no speech over speech.
"""

from __future__ import annotations

from fractions import Fraction

from audiocoach.routine.durations import to_samples
from audiocoach.speech.script import (
    SPEECH_GAP_S,
    Chapter,
    FinishSound,
    Gap,
    Pause,
    Speak,
    Window,
)
from audiocoach.speech.timeline import MARGIN_S


class _Walk:
    def __init__(self, script, timeline, sounds):
        self.script = script
        self.cue_sounds = set(sounds)  # the cue roles that have a sound
        self.timeline = timeline
        self.sample_rate_hz = timeline.sample_rate_hz
        self.speech = [e for e in timeline.events if e.kind == "speech"]
        self.sounds = [e for e in timeline.events if e.kind == "sound"]
        self.next = 0  # index of the next speech event to account for
        self.cursor = 0  # where the next step begins, derived from the events already seen
        self.pending: tuple[Gap, int] | None = None  # a gap waiting for what ends it
        self.then_silent = 0  # nominal length of silent gaps (no words) chained after it
        self.paused = 0  # pauses since the pending gap ended
        self.closing_end: int | None = None  # where the pending rest block's "Next: ..." ends
        self.lead_in = (None, [])  # the pending gap's lead-in and the words said of it

    def s(self, seconds) -> int:
        return to_samples(Fraction(seconds), self.sample_rate_hz)

    def take(self, line):
        event = self.speech[self.next]
        assert (event.text, event.role) == (line.text, line.role), (event, line)
        self.next += 1
        return event

    def warned(self, group: str, words: str) -> bool:
        return any(w.startswith(f"{group}: ") and words in w for w in self.timeline.warnings)

    def close_gap(self, target: int) -> None:
        """The pending gap ends at `target`: exactly its length, or lengthened with a warning."""
        if self.pending is None:
            return
        gap, anchor = self.pending
        self.pending = None
        if self.closing_end is not None:
            assert target - self.closing_end >= self.s(MARGIN_S), gap.label
            self.closing_end = None
        self.cursor = target + self.paused
        target -= self.then_silent  # a silent gap after it adds exactly its own length
        self.then_silent = 0
        length = target - anchor
        if length != self.s(gap.nominal_s):
            assert length > self.s(gap.nominal_s), (gap.label, length)
            assert self.warned(gap.label, "too short for what is said in it"), gap.label
            spoken_end = max(e.end_sample for e in self.speech[:self.next] if e.start_sample < target)
            assert target == spoken_end + self.s(MARGIN_S), gap.label  # speech plus the margin

    def run(self) -> None:
        speech = self.speech
        for before, after in zip(speech, speech[1:]):  # rule 7: never speech over speech
            assert before.end_sample <= after.start_sample, (before, after)
        previous = None
        for step in self.script.steps:
            if isinstance(step, Speak):
                first = self.take(step.lines[0])
                self.close_gap(first.start_sample - self.paused)
                assert first.start_sample == self.cursor, step
                last = first
                for line in step.lines[1:]:
                    last = self.take(line)
                self.cursor = last.end_sample + self.s(step.pause_after_s)
            elif isinstance(step, Pause):
                self.cursor += self.s(step.seconds)
                if self.pending:
                    self.paused += self.s(step.seconds)
            elif isinstance(step, Gap):
                self.gap(step, previous)
            elif isinstance(step, Window):
                self.window(step)
            elif isinstance(step, FinishSound):
                (finish,) = [e for e in self.sounds if e.role == "outro"] or [None]
                assert (finish is not None) == ("finish" in self.cue_sounds)
                if finish is not None:
                    self.close_gap(finish.start_sample - self.paused)
                    assert finish.start_sample == self.cursor  # once everything has been said
                    self.cursor = finish.end_sample
            elif not isinstance(step, Chapter):
                raise AssertionError(step)
            if not isinstance(step, Chapter):
                previous = step
        self.close_gap(self.timeline.length_samples - self.paused)
        assert self.next == len(speech), speech[self.next:]

    def gap(self, gap: Gap, previous) -> None:
        after = [self.take(line) for line in gap.after]
        if self.pending is not None:
            if not after and not gap.before:
                # Nothing is said in this gap, so no event shows where the one before it ends:
                # together they last the first one's length plus this one's nominal length.
                self.then_silent += self.s(gap.nominal_s)
                return
            self.close_gap(after[0].start_sample - self.paused if after else self.cursor)
        anchor = self.end_cue if isinstance(previous, Window) else self.cursor
        if after:
            assert after[0].start_sample == self.cursor
        if gap.from_after and after:
            anchor = after[-1].end_sample  # switching sides: prepare counts from the end of the words
        for line in gap.before:
            self.take(line)
        # Timing rule 8: "Next: ..." ends a rest block a margin before its end, or is dropped.
        if gap.closing and self.upcoming(gap.closing[0]):
            self.closing_end = self.take(gap.closing[0]).end_sample
        elif gap.closing:
            assert self.warned(gap.label, f"next '{gap.closing[0].text}' does not fit"), gap.label
        self.lead_in = (gap.lead_in, [self.take(line) for line in gap.lead_in.words
                                      if self.upcoming(line)] if gap.lead_in else [])
        self.pending, self.paused = (gap, anchor), 0

    def upcoming(self, line) -> bool:
        return self.next < len(self.speech) and (self.speech[self.next].text,
                                                 self.speech[self.next].role) == (line.text, line.role)

    def lead_in_at(self, t0: int) -> None:
        """"Timing" rule 7: the k-th mark of the lead-in begins k beats before the start cue, or the
        whole lead-in is dropped with a warning."""
        lead, said = self.lead_in
        self.lead_in = (None, [])
        if lead is None:
            return
        expected = [t0 - self.s(offset) for offset in lead.offsets_s()]
        marks = ([e.start_sample for e in said] if lead.words else
                 [e.start_sample for e in self.sounds if e.role == "lead_in" and t0 - self.s(
                     lead.count * lead.beat_s) <= e.start_sample < t0])
        if marks:
            assert marks == expected, (lead, marks, expected)
        else:
            assert self.warned(lead.group, "does not fit in the time before the start cue"), lead

    def window(self, window: Window) -> None:
        start = self.take(window.start)
        self.close_gap(start.start_sample)
        assert start.start_sample == self.cursor, window.label  # rule 5: steps follow one another
        t0, t1 = start.start_sample, start.start_sample + self.s(window.length_s)
        self.lead_in_at(t0)
        inner = []
        while self.speech[self.next].role != "end" or self.speech[self.next].start_sample < t1:
            inner.append(self.speech[self.next])
            self.next += 1
        end = self.take(window.end)
        assert end.start_sample == t1, window.label  # rule 1 (and rule 4: t0 + reps * tempo)
        assert all(t0 < e.start_sample and e.end_sample <= t1 for e in inner), window.label
        for role, at in (("start", t0), ("end", t1)):
            assert self.sound_at(at, role) == (role in self.cue_sounds), (window.label, role)
        said = {(e.start_sample, e.text) for e in inner}

        def at_or_dropped(line, at, what):
            assert (at, line.text) in said or self.warned(
                window.group, f"{what} '{line.text}' does not fit and was dropped"), (window.label, line)

        for n, line in enumerate(window.countdown[::-1], start=1):  # rule 2
            at_or_dropped(line, t1 - self.s(n), "countdown")
        for n in range(1, window.countdown_sounds + 1):  # "Sounds": a sound where each number was
            assert self.sound_at(t1 - self.s(n), "countdown") or self.warned(
                window.group, "countdown"), (window.label, n)
        for seconds, line in window.reminders:  # rule 3
            at_or_dropped(line, t1 - self.s(seconds), "reminder")
        if window.halfway:
            at_or_dropped(window.halfway, t0 + self.s(window.length_s / 2), "halfway")
        if window.tempo_s is not None:  # rule 4: every beat is marked
            beats = [t0 + self.s(k * window.tempo_s) for k in range(window.reps)]
            words = [(at, line.text) for at, line in zip(beats[1:], window.counts)]
            if not all(word in said for word in words):
                assert not any(word in said for word in words), window.label  # one way for all
                assert all(self.sound_at(at, "rep") for at in beats), window.label
                assert self.warned(window.group, "every beat is marked with a tick"), window.label
        self.end_cue = t1
        self.cursor = end.end_sample + self.s(SPEECH_GAP_S)

    def sound_at(self, at: int, role: str) -> bool:
        return any(e.start_sample == at and e.role == role for e in self.sounds)


def check_timing_contract(script, timeline, sounds) -> None:
    """Fail on the first timing rule (docs/routine-format.md, "Timing") the timeline breaks; `sounds` is the routine's cue sounds
    (a mapping from cue role to sound)."""
    _Walk(script, timeline, sounds).run()
