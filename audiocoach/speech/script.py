"""What the coach says and in what order, with durations but no absolute times yet.

The script is a flat list of steps the timeline lays out one after another: sentences spoken in
turn, fixed pauses, timed efforts (a hold or counted reps with their cues) and the gaps between
efforts, whose length the timing contract fixes (docs/routine-format.md, "Timing" rule 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from audiocoach.routine.model import Exercise, Rest, Routine, Say
from audiocoach.speech.cues import (
    COUNTDOWN_MARK,
    LeadIn,
    Line,
    Phrases,
    exercise_phrases,
    lead_in,
    next_up,
    sentence,
)
from audiocoach.speech.languages import Pack, load_pack, pack_for

# "Rest" and "Get ready" are said only in rests long enough to rest in; a 3 s pause between
# presses gets only the end phrase.
REST_WORDS_MIN_S = Fraction(5)
SPEECH_GAP_S = Fraction(2, 5)  # silence between two lines said one after the other


@dataclass(frozen=True)
class Speak:
    """Lines spoken one after another from the cursor."""

    lines: tuple[Line, ...]
    pause_after_s: Fraction = Fraction(1, 2)


@dataclass(frozen=True)
class Pause:
    seconds: Fraction


@dataclass(frozen=True)
class Chapter:
    """Starts a chapter here; it lasts until the next one starts, or the track ends."""

    title: str


@dataclass(frozen=True)
class FinishSound:
    """The routine's `finish` sound, if it has one, once everything has been said."""


@dataclass(frozen=True)
class Window:
    """A timed effort: the start cue at t0, the end cue at t0 + length ("Timing" rules 1 to 3).

    Cues inside it are placed in its free time by the timeline; the count words of counted reps
    come first, as every beat must be marked.
    """

    label: str  # names this effort in errors
    group: str  # names the exercise (and step) in warnings, which are counted per group
    start: Line
    end: Line
    hold_s: Fraction | None = None  # a hold...
    tempo_s: Fraction | None = None  # ...or counted reps
    counts: tuple[Line, ...] = ()  # count words for reps 2..n
    countdown: tuple[Line, ...] = ()  # N ... 1
    countdown_sounds: int = 0  # with `sounds.countdown`: N marks of that sound instead of words
    reminders: tuple[tuple[Fraction, Line], ...] = ()
    halfway: Line | None = None
    tips: tuple[Line, ...] = ()

    @property
    def length_s(self) -> Fraction:
        if self.hold_s is not None:
            return self.hold_s
        return self.tempo_s * self.reps

    @property
    def reps(self) -> int:
        """Counted repetitions (beats) in the window; 0 for a hold."""
        return len(self.counts) + 1 if self.tempo_s is not None else 0


@dataclass(frozen=True)
class Gap:
    """The time before a start cue: exactly `nominal_s` unless the speech in it needs more.

    `after` is said right away; `before` ends one margin before the next start cue. The gap is
    measured from the previous end cue (or from the cursor when there was none); with
    `from_after`, from the end of the `after` speech (switching sides, "Timing" rule 5).
    `lead_in` counts into the start cue after all of that, and `closing` ("Next: ...") takes the
    place of `before` in a rest block; neither ever lengthens the gap ("Timing" rules 7, 8).
    """

    label: str
    nominal_s: Fraction
    after: tuple[Line, ...] = ()
    before: tuple[Line, ...] = ()
    from_after: bool = False
    lead_in: LeadIn | None = None
    closing: tuple[Line, ...] = ()

    def lines(self) -> tuple[Line, ...]:
        """Everything that may be said in the gap, in order."""
        return self.after + self.before + (self.lead_in.words if self.lead_in else ()) + self.closing


ScriptStep = Speak | Pause | Chapter | Window | Gap | FinishSound


def _window_order(window: Window) -> list[Line]:
    """A window's lines by their planned offset from its start (tips just after the start cue)."""
    length = window.length_s
    timed = [(Fraction(0), 0, window.start)]
    timed += [((k + 1) * window.tempo_s, 1, line) for k, line in enumerate(window.counts)]
    timed += [(length - n, 1, line) for n, line in zip(range(len(window.countdown), 0, -1),
                                                       window.countdown)]
    timed += [(length - seconds, 1, line) for seconds, line in window.reminders]
    if window.halfway:
        timed.append((length / 2, 1, window.halfway))
    timed += [(Fraction(0), 2, tip) for tip in window.tips]
    timed.append((length, 3, window.end))
    return [line for _, _, line in sorted(timed, key=lambda item: (item[0], item[1]))]


@dataclass
class Script:
    """What a routine says, in order, with every duration but no absolute time yet."""

    title: str
    file: str
    steps: list[ScriptStep] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # for `plan`, with the timeline's own
    intro: bool = False  # the first chapter is the intro's

    def lines(self) -> list[Line]:
        """Every line that may be spoken, in order of first use (what synthesis needs)."""
        found: list[Line] = []
        for step in self.steps:
            if isinstance(step, Speak):
                found.extend(step.lines)
            elif isinstance(step, Gap):
                found.extend(step.lines())
            elif isinstance(step, Window):
                found.extend((step.start, step.end) + step.counts + step.countdown)
                found.extend(line for _, line in step.reminders)
                found.extend(([step.halfway] if step.halfway else []) + list(step.tips))
        return found

    def texts(self) -> list[str]:
        return list(dict.fromkeys(line.text for line in self.lines()))

    def in_order(self) -> list[tuple[Line, str]]:
        """Every line in the order it is said, with its exercise ("" outside one), for reading.

        Inside an effort, cues are in the order of their planned times; which of them fit is
        decided later, with the voice (a cue that does not fit is dropped, and `plan` says so).
        """
        said: list[tuple[Line, str]] = []
        exercise = ""
        for number, step in enumerate(self.steps):
            if isinstance(step, Chapter):
                exercise = "" if number == 0 and self.intro else step.title  # the intro's is no exercise
            elif isinstance(step, Speak):
                said += [(line, exercise) for line in step.lines]
            elif isinstance(step, Gap):
                said += [(line, exercise) for line in step.lines()]
            elif isinstance(step, Window):
                said += [(line, exercise) for line in _window_order(step)]
        return said


def dose_summary(exercise: Exercise, pack: Pack | None = None) -> str:
    """How much of the exercise there is, as the coach says it before starting."""
    pack = pack or load_pack("en")
    say = pack.summary_text
    if exercise.dose == "hold":
        duration = pack.duration(exercise.hold_s)
        base = (say("hold", duration=duration) if exercise.reps == 1
                else say("holds", reps=exercise.reps, duration=duration))
    elif exercise.dose == "tempo":
        base = say("repetitions", exercise.reps == 1, reps=exercise.reps)
    else:
        steps = len(exercise.steps)
        base = (say("steps", steps == 1, steps=steps) if exercise.reps == 1
                else say("rounds", steps == 1, reps=exercise.reps, steps=steps))
    sides = {"both": "each_side", "alternate": "alternating", "left": "on_left",
             "right": "on_right"}.get(exercise.sides)
    sides = say(sides) if sides else ""
    sets = say("sets", sets=exercise.sets) if exercise.sets > 1 else ""
    return sentence(base + sides + sets, pack)


def _effort_plan(exercise: Exercise) -> list[tuple[int, str | None, int]]:
    """(set, side, effort number) for every effort, in the order they are done."""
    per_side = exercise.efforts_per_side
    order = []
    for set_number in range(1, exercise.sets + 1):
        if exercise.sides == "alternate":
            for rep in range(1, per_side + 1):
                order.extend((set_number, side, rep) for side in exercise.side_order)
        else:
            for side in exercise.side_order:
                order.extend((set_number, side, rep) for rep in range(1, per_side + 1))
    return order


def _label(exercise: Exercise, set_number: int, side: str | None, rep: int) -> str:
    parts = [exercise.name]
    if exercise.sets > 1:
        parts.append(f"set {set_number}")
    if side:
        parts.append(f"{side} side")
    if exercise.efforts_per_side > 1:
        parts.append(f"effort {rep}")
    return ", ".join(parts)


def _window(exercise: Exercise, phrases: Phrases, label: str, group: str,
            hold_s: Fraction | None, tempo_s: Fraction | None, reps: int | None,
            countdown_sound: bool) -> Window:
    """One effort's window; halfway, reminders and tips apply to counted reps too (Timing 2)."""
    length_s = hold_s if hold_s is not None else tempo_s * reps
    reminders = sorted(set(exercise.reminders_s), reverse=True)
    halfway = phrases.line("halfway", "halfway") if exercise.halfway else None
    if halfway and length_s / 2 in reminders:
        # "10 seconds left" at the middle of a 20 s hold: one cue says both, rather than one
        # of them being dropped.
        reminders.remove(length_s / 2)
        left = phrases.words_for("reminder", phrases.pack.is_one(length_s / 2),
                                 time=phrases.duration(length_s / 2))
        left = left[0].lower() + left[1:] if left[1:2].islower() else left
        halfway = Line(sentence(f"{halfway.text.rstrip('.!?')}, {left}", phrases.pack), "halfway")
    cues = dict(
        reminders=tuple((s, phrases.reminder(s)) for s in reminders),
        halfway=halfway,
        tips=tuple(Line(sentence(tip, phrases.pack), "tip") for tip in exercise.tips),
    )
    end = phrases.line("end", "end")
    if tempo_s is not None:
        counts = tuple(Line(sentence(phrases.number(k), phrases.pack), "rep")
                       for k in range(2, reps + 1))
        # The first count is the start cue ("Timing" rule 3), unless the author named one.
        start = (phrases.line("start", "start") if "start" in phrases.named
                 else Line(sentence(phrases.number(1), phrases.pack), "start"))
        return Window(label, group, start, end, tempo_s=tempo_s, counts=counts, **cues)
    if countdown_sound:
        cues["countdown_sounds"] = exercise.countdown
    else:
        cues["countdown"] = phrases.countdown(exercise.countdown)
    return Window(label, group, phrases.line("start", "start"), end, hold_s=hold_s, **cues)


def _effort(exercise: Exercise, phrases: Phrases, label: str,
            countdown_sound: bool) -> tuple[tuple[Line, ...], list[ScriptStep]]:
    """One effort: what to say just before its first start cue, and its windows.

    With steps, the first step's words close the gap before the effort, so the rest still ends
    exactly at a start cue ("Timing" rule 5); each later step's words follow the previous end cue.
    """
    if exercise.dose == "hold":
        return (), [_window(exercise, phrases, label, exercise.name, exercise.hold_s, None, None,
                            countdown_sound)]
    if exercise.dose == "tempo":
        return (), [_window(exercise, phrases, label, exercise.name, None, exercise.tempo_s,
                            exercise.reps, countdown_sound)]
    steps: list[ScriptStep] = []
    for number, step in enumerate(exercise.steps, start=1):
        if number > 1:
            steps.append(Speak((Line(sentence(step.say, phrases.pack), "instruction"),),
                               pause_after_s=Fraction(1, 2)))
        steps.append(_window(exercise, phrases, f"{label}, step {number}",
                             f"{exercise.name}, step {number}", step.hold_s, step.tempo_s, step.reps,
                             countdown_sound))
    return (Line(sentence(exercise.steps[0].say, phrases.pack), "instruction"),), steps


def _exercise(exercise: Exercise, phrases: Phrases, countdown_sound: bool) -> list[ScriptStep]:
    pack = phrases.pack
    steps: list[ScriptStep] = [Chapter(exercise.name)]
    intro = [phrases.title()]
    if exercise.instructions:
        intro.append(Line(exercise.instructions, "instruction"))
    intro.append(Line(dose_summary(exercise, pack), "instruction"))
    steps.append(Speak(tuple(intro), pause_after_s=SPEECH_GAP_S))

    plan = _effort_plan(exercise)
    count_in = lead_in(exercise, phrases, countdown_sound)
    previous: tuple[int, str | None, int] | None = None
    for set_number, side, rep in plan:
        label = _label(exercise, set_number, side, rep)
        first_words, windows = _effort(exercise, phrases, label, countdown_sound)
        set_line = (phrases.line("set", "set", set=set_number, sets=exercise.sets),) \
            if exercise.sets > 1 else ()
        # A step's own words already say what comes next: no "Get ready" before them.
        get_ready = () if first_words else (phrases.line("prepare", "prepare"),)
        if previous is None:
            steps.append(Gap(f"{exercise.name}: prepare", exercise.prepare_s,
                             before=set_line + phrases.side(side) + get_ready + first_words,
                             lead_in=count_in))
        elif previous[0] != set_number:
            rest_words = exercise.set_rest_s >= REST_WORDS_MIN_S
            steps.append(Gap(f"{exercise.name}: set rest", exercise.set_rest_s,
                             after=(phrases.line("rest", "rest"),) if rest_words else (),
                             before=set_line + phrases.side(side) + first_words, lead_in=count_in))
        elif previous[1] != side and exercise.sides == "both":
            steps.append(Gap(f"{exercise.name}: switching sides", exercise.prepare_s,
                             after=(phrases.line("switch", "switch"),),
                             before=phrases.side(side) + first_words, from_after=True,
                             lead_in=count_in))
        else:
            rest_words = exercise.rest_s >= REST_WORDS_MIN_S
            side_line = phrases.side(side) if exercise.sides == "alternate" else ()
            # How many are left says "get ready" too, in a rest long enough for words.
            ready = (phrases.progress(exercise, side, rep) or get_ready) if rest_words else ()
            steps.append(Gap(f"{exercise.name}: rest", exercise.rest_s,
                             after=(phrases.line("rest", "rest"),) if rest_words else (),
                             before=side_line + ready + first_words, lead_in=count_in))
        steps.extend(windows)
        previous = (set_number, side, rep)
    return steps


def build_script(routine: Routine, language: str | None = None,
                 voice_name: str | None = None) -> Script:
    """Turn a validated routine into the ordered script the timeline lays out.

    The cue words are in `language` (default: the routine's voice language) where a pack has it;
    numbers follow the region of `voice_name`, the piper voice's name (default: the routine's
    `voice.model`).
    """
    pack, warning = pack_for(language or routine.voice.language,
                              voice_name or routine.voice.model)
    script = Script(routine.title, routine.file)
    if warning:
        script.warnings.append(warning)
    if routine.intro:
        # The intro is a chapter of its own, titled with the routine ("The sound of the track").
        script.steps.append(Chapter(routine.title))
        script.intro = True
    opening = [Line(sentence(routine.title, pack), "title")]
    if routine.intro:
        opening.append(Line(routine.intro, "intro"))
    script.steps.append(Pause(Fraction(1, 2)))
    script.steps.append(Speak(tuple(opening), pause_after_s=Fraction(3, 2)))
    countdown_sound = COUNTDOWN_MARK in routine.sounds
    exercises = routine.exercises
    for index, item in enumerate(routine.items):
        done = sum(isinstance(before, Exercise) for before in routine.items[:index])
        if isinstance(item, Exercise):
            phrases = exercise_phrases(pack, routine.phrases, item, done + 1, len(exercises))
            script.steps.extend(_exercise(item, phrases, countdown_sound))
            script.steps.append(Pause(Fraction(2)))
        elif isinstance(item, Rest):
            rest_for = pack.summary_text("rest_for", duration=pack.duration(item.rest_s))
            lines = ((Line(sentence(rest_for, pack), "rest"),) if item.rest_s >= 1 else ())
            if item.say:
                lines += (Line(sentence(item.say, pack), "announce"),)
            following = exercises[done] if _last_rest_before_exercise(routine.items, index) else None
            script.steps.append(Gap(f"rest at line {item.line}", item.rest_s, after=lines,
                                    closing=next_up(pack, routine.phrases, following, done + 1,
                                                    len(exercises))))
        elif isinstance(item, Say):
            script.steps.append(Speak((Line(sentence(item.say, pack), "announce"),),
                                      pause_after_s=Fraction(3, 2)))
    if routine.outro:
        script.steps.append(Speak((Line(routine.outro, "outro"),), pause_after_s=Fraction(0)))
    if "finish" in routine.sounds:
        script.steps.append(Pause(Fraction(1, 2)))
        script.steps.append(FinishSound())
    script.steps.append(Pause(Fraction(1)))
    return script


def _last_rest_before_exercise(items: Sequence[object], index: int) -> bool:
    """Whether the rest at `index` is the last one before an exercise: only it says what comes
    next, so two rests in a row do not both announce the same exercise."""
    for item in items[index + 1:]:
        if isinstance(item, Exercise):
            return True
        if isinstance(item, Rest):
            return False
    return False
