"""The cues a listener can tune: each cue's words with their blanks filled in, the count into each
effort (the lead-in) and what comes next at the end of a rest ("Timing" rules 7 and 8)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from audiocoach.routine.definitions import TICK
from audiocoach.routine.model import Exercise
from audiocoach.speech.languages import ONE, Pack

PROGRESS_MIN_REPS = 4  # from this many holds in a row, the coach says how many are left
# The countdown's numbers, and the marks of a lead-in into a hold, are this far apart; a sound
# that marks them must end before the next one starts.
COUNT_GAP_S = Fraction(1)
COUNTDOWN_MARK = "countdown"  # a mark that is the routine's `sounds.countdown`
# The roles in which each cue's sound is heard on the timeline: the countdown's sound marks the
# countdown numbers and the lead-in alike.
CUE_ROLES = {"start": ("start",), "end": ("end",), "finish": ("outro",),
             "countdown": ("countdown", "lead_in")}
EVENT_ROLES = {cue: roles[0] for cue, roles in CUE_ROLES.items()}


def sentence(text: str, pack: Pack | None = None) -> str:
    """Text as one spoken sentence: capitalised as its language writes it, ending in punctuation."""
    text = text.strip()
    if not text:
        return text
    text = pack.capitalize(text) if pack else text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


@dataclass(frozen=True)
class Line:
    """One clip of speech and its role in `plan` output."""

    text: str
    role: str


@dataclass(frozen=True)
class LeadIn:
    """N marks into a start cue, the k-th beginning k beats before it.

    Before a hold the marks are the words N ... 1, one a second; before counted reps they are
    ticks on the beats, so the tempo is heard before "One". With `sounds.countdown` every mark is
    that sound. `group` names the exercise in the warning when the marks cannot fit.
    """

    group: str
    count: int
    beat_s: Fraction
    words: tuple[Line, ...] = ()  # N ... 1; empty when each mark is the sound `mark`
    mark: str = TICK  # or COUNTDOWN_MARK

    def offsets_s(self) -> list[Fraction]:
        """How long before the start cue each mark begins, first mark first."""
        return [k * self.beat_s for k in range(self.count, 0, -1)]


class Phrases:
    """Cue words: the language's pack, under the routine's and the exercise's own `phrases`.

    Every phrase may use the blanks `{exercise}`, `{number}` and `{total}`, given here once.
    """

    def __init__(self, pack: Pack, overrides: Mapping[str, str], **blanks: object):
        self.pack = pack
        self.named = set(overrides)  # the cues the routine words itself
        self.words = {**pack.phrases, **overrides}
        self.blanks = blanks

    def number(self, n: int) -> str:
        return self.pack.number(n)

    def duration(self, seconds: Fraction) -> str:
        return self.pack.duration(seconds)

    def words_for(self, key: str, one: bool = False, **values: object) -> str:
        """The cue's words filled in; the pack's singular form when its number is one ("Queda un
        minuto"), unless the routine words the cue itself."""
        template = self.words[key]
        if one and key not in self.named and key + ONE in self.words:
            template = self.words[key + ONE]
        return self.pack.contract(template.format(**{**self.blanks, **values}))

    def line(self, key: str, role: str, one: bool = False, **values: object) -> Line:
        return Line(sentence(self.words_for(key, one, **values), self.pack), role)

    def reminder(self, seconds: Fraction) -> Line:
        return self.line("reminder", "reminder", self.pack.is_one(seconds),
                         time=self.duration(seconds))

    def optional(self, key: str, role: str, **values: object) -> tuple[Line, ...]:
        """The cue, or nothing when the routine turned it off (`phrases: {last: off}`)."""
        return (self.line(key, role, **values),) if self.words[key] else ()

    def progress(self, exercise: Exercise, side: str | None, rep: int) -> tuple[Line, ...]:
        """"Last one" before the last of four or more holds in a row, "Five more" halfway through.

        With alternating sides the holds in a row are both sides': "Last one" is said once,
        before the very last of them.
        """
        position, in_a_row = rep, exercise.efforts_per_side
        if exercise.sides == "alternate":
            sides = len(exercise.side_order)
            position = (rep - 1) * sides + exercise.side_order.index(side) + 1
            in_a_row *= sides
        if exercise.dose != "hold" or in_a_row < PROGRESS_MIN_REPS:
            return ()
        if position == in_a_row:
            return self.optional("last", "prepare")
        if position == in_a_row // 2 + 1:
            return self.optional("more", "prepare", count=self.number(in_a_row - position + 1))
        return ()

    def side(self, side: str | None) -> tuple[Line, ...]:
        return (self.line(side, "side"),) if side else ()

    def title(self) -> Line:
        """The exercise's announcement (`title`, by default its name)."""
        return self.line("title", "title")

    def countdown(self, count: int) -> tuple[Line, ...]:
        return tuple(Line(sentence(self.number(n), self.pack), "countdown") for n in range(count, 0, -1))


def exercise_phrases(pack: Pack, routine_phrases: Mapping[str, str], exercise: Exercise,
                     number: int, total: int) -> Phrases:
    """The cue words of one exercise, its blanks filled with its name and its `number` (from 1)
    among the routine's `total` exercises."""
    return Phrases(pack, {**routine_phrases, **exercise.phrases}, exercise=exercise.name,
                   number=number, total=total)


def lead_in(exercise: Exercise, phrases: Phrases, countdown_sound: bool) -> LeadIn | None:
    """The count into each effort of `exercise`, or None when it has none (`lead_in: 0`).

    An effort with steps is counted into at its first step; the later steps follow their own
    words straight away.
    """
    if not exercise.lead_in:
        return None
    tempo_s = exercise.steps[0].tempo_s if exercise.steps else exercise.tempo_s
    if tempo_s is not None:
        return LeadIn(exercise.name, exercise.lead_in, tempo_s)
    if countdown_sound:
        return LeadIn(exercise.name, exercise.lead_in, COUNT_GAP_S, mark=COUNTDOWN_MARK)
    words = tuple(Line(line.text, "lead_in") for line in phrases.countdown(exercise.lead_in))
    return LeadIn(exercise.name, exercise.lead_in, COUNT_GAP_S, words)


def next_up(pack: Pack, routine_phrases: Mapping[str, str], following: Exercise | None,
            number: int, total: int) -> tuple[Line, ...]:
    """"Next: Calf stretch", said at the end of a rest block when an exercise follows it (the
    `number`-th of `total`), or nothing when none does or the routine turned it off."""
    if following is None:
        return ()
    return exercise_phrases(pack, routine_phrases, following, number, total).optional("next", "next")
