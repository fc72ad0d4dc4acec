"""What the coach says, in order, before any timing: dose summaries, efforts and their cues."""

from __future__ import annotations

from conftest import routine_from

from audiocoach.speech.script import Gap, Speak, Window, build_script, dose_summary


def windows(text: str) -> list[Window]:
    return [s for s in build_script(routine_from(text)).steps if isinstance(s, Window)]


def test_a_fractional_hold_is_announced_as_it_is():
    (exercise,) = routine_from("""
        title: T
        exercises:
          - {name: Press, hold: 2.5s, reps: 3, countdown: 0, reminders: [1.5]}
        """).exercises
    assert dose_summary(exercise) == "3 holds of 2.5 seconds."
    (first, *_) = windows("""
        title: T
        exercises:
          - {name: Press, hold: 2.5s, reps: 3, countdown: 0, reminders: [1.5]}
        """)
    assert [line.text for _, line in first.reminders] == ["1.5 seconds left."]


def test_counted_reps_are_one_effort_of_counts_with_the_same_cues_as_a_hold():
    text = """
        title: T
        exercises:
          - name: Toe presses
            tempo: 3s
            reps: 4
            sets: 2
            sides: both
            halfway: true
            reminders: [5]
            tips: [Keep your heels down]
        """
    found = windows(text)
    # sets x sides efforts, each counting every repetition: reps are counts, not efforts.
    assert len(found) == 4
    assert [w.label for w in found] == ["Toe presses, set 1, right side", "Toe presses, set 1, left side",
                                        "Toe presses, set 2, right side", "Toe presses, set 2, left side"]
    window = found[0]
    assert window.start.text == "One." and [c.text for c in window.counts] == ["Two.", "Three.", "Four."]
    assert window.reps == 4 and window.length_s == 12
    assert window.halfway.text == "Halfway."
    assert [(s, line.text) for s, line in window.reminders] == [(5, "5 seconds left.")]
    assert [t.text for t in window.tips] == ["Keep your heels down."]
    assert window.countdown == ()  # counting down over the counts would talk over them
    (exercise,) = routine_from(text).exercises
    assert dose_summary(exercise) == "4 repetitions on each side, 2 sets."


def test_steps_say_each_part_then_its_effort():
    steps = build_script(routine_from("""
        title: T
        exercises:
          - name: Ankle circles
            steps:
              - {say: Clockwise, hold: 10s}
              - {say: Pump your foot, tempo: 2s, reps: 3}
        """)).steps
    gap = next(s for s in steps if isinstance(s, Gap))
    assert [line.text for line in gap.before] == ["Clockwise."]  # the first step closes the gap
    kinds = [type(s).__name__ for s in steps[steps.index(gap):]]
    assert kinds == ["Gap", "Window", "Speak", "Window", "Pause", "Pause"]  # then the end
    speak = steps[steps.index(gap) + 2]
    assert isinstance(speak, Speak) and speak.lines[0].text == "Pump your foot."


def test_a_named_start_phrase_replaces_the_first_count():
    (window,) = windows("""
        title: T
        exercises:
          - {name: Squeeze, tempo: 2s, reps: 2, phrases: {start: Squeeze}}
        """)
    assert window.start.text == "Squeeze." and [c.text for c in window.counts] == ["Two."]


def test_custom_phrases_are_filled_in():
    found = windows("""
        title: T
        exercises:
          - name: Hold it
            hold: 20s
            sets: 2
            reminders: [10]
            phrases: {reminder: "{time} to go", set: "Round {set} of {sets}", end: Relax}
        """)
    assert [line.text for _, line in found[0].reminders] == ["10 seconds to go."]
    assert found[0].end.text == "Relax."
    lines = build_script(routine_from("""
        title: T
        exercises:
          - {name: Hold it, hold: 20s, sets: 2, phrases: {set: "Round {set} of {sets}"}}
        """)).texts()
    assert "Round 1 of 2." in lines and "Round 2 of 2." in lines


def rest_words(text: str) -> list[list[str]]:
    """The words said just before each effort after the first, per rest."""
    steps = build_script(routine_from(text)).steps
    return [[line.text for line in step.before] for step in steps
            if isinstance(step, Gap) and step.label.endswith(": rest")]


def test_progress_is_said_before_the_middle_and_last_of_four_or_more_holds():
    text = """
        title: T
        exercises:
          - {name: Press, hold: 5s, reps: 10, rest: 6s}
        """
    said = rest_words(text)
    assert said[4] == ["Five more."] and said[8] == ["Last one."]  # before holds 6 and 10
    assert all(words == ["Get ready."] for i, words in enumerate(said) if i not in (4, 8))
    assert rest_words(text.replace("reps: 10", "reps: 3")) == [["Get ready."]] * 2  # too few to count


def test_progress_follows_phrases_and_can_be_turned_off():
    said = rest_words("""
        title: T
        phrases: {last: Final one, more: "{count} to go"}
        exercises:
          - {name: Press, hold: 5s, reps: 4, rest: 6s}
          - {name: Quiet press, hold: 5s, reps: 4, rest: 6s, phrases: {last: off, more: off}}
        """)
    assert said[:3] == [["Get ready."], ["Two to go."], ["Final one."]]
    assert said[3:] == [["Get ready."]] * 3


def test_routine_wide_phrases_apply_unless_an_exercise_says_otherwise():
    found = windows("""
        title: T
        phrases: {end: Relax, start: Press}
        exercises:
          - {name: A, hold: 5s}
          - {name: B, hold: 5s, phrases: {end: Let go}}
          - {name: C, tempo: 2s, reps: 3}
        """)
    assert [(w.start.text, w.end.text) for w in found] == [
        ("Press.", "Relax."), ("Press.", "Let go."), ("Press.", "Relax.")]


def test_with_alternating_sides_last_one_is_said_once_before_the_very_last_hold():
    text = """
        title: T
        exercises:
          - {name: Press, hold: 5s, reps: 4, rest: 6s, sides: alternate, sets: 2}
        """
    said = [line.text for line, _ in build_script(routine_from(text)).in_order()]
    for one_set in (said[:said.index("Set 2 of 2.")], said[said.index("Set 2 of 2."):]):
        holds = [i for i, text in enumerate(one_set) if text == "Hold."]
        assert len(holds) == 8  # four on each side
        (last,) = [i for i, text in enumerate(one_set) if text == "Last one."]
        (more,) = [i for i, text in enumerate(one_set) if text == "Four more."]
        assert holds[6] < last < holds[7] and holds[3] < more < holds[4]
        assert one_set[last - 1] == "Left side."  # the side, then how many are left
    # Two holds on each side are four in a row: counted too.
    assert rest_words(text.replace("reps: 4", "reps: 2").replace(", sets: 2", "")) == [
        ["Left side.", "Get ready."], ["Right side.", "Two more."], ["Left side.", "Last one."]]
