"""Property-based tests: routines generated from the schema, and broken copies of them.

`validate` never fails with anything but the project's own error, and every routine it accepts
lays out with the whole timing contract holding. CI runs a bounded number of examples;
AUDIOCOACH_EXAMPLES=2000 runs more.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml
from conftest import FAKE_RATE, fake_length
from contract import check_timing_contract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiocoach.audio.sounds import SoundSet
from audiocoach.errors import AudiocoachError
from audiocoach.routine.load import load_text
from audiocoach.routine.validation import build_routine
from audiocoach.speech.script import build_script
from audiocoach.speech.timeline import lay_out

EXAMPLES = int(os.environ.get("AUDIOCOACH_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1,
                max_size=30).filter(lambda t: t.strip())
seconds = st.one_of(st.integers(1, 90), st.sampled_from(["2.5s", "30s", "1m", "1m30s", "45 seconds"]))
cue = st.sampled_from(["Hold", "Go", "Relax", "Breathe out", "Press down now"])


def dose():
    hold = st.fixed_dictionaries({"hold": seconds}, optional={"reps": st.integers(1, 6)})
    tempo = st.fixed_dictionaries({"tempo": st.sampled_from([0.5, 1, 2, "3s", 0.8]),
                                   "reps": st.integers(1, 15)})
    step = st.one_of(st.fixed_dictionaries({"say": words, "hold": seconds}),
                     st.fixed_dictionaries({"say": words, "tempo": st.sampled_from([1, 2]),
                                            "reps": st.integers(1, 5)}))
    steps = st.fixed_dictionaries({"steps": st.lists(step, min_size=1, max_size=3)})
    return st.one_of(hold, tempo, steps)


def exercise():
    extras = st.fixed_dictionaries({}, optional={
        "instructions": words, "sets": st.integers(1, 3), "set_rest": st.integers(0, 40),
        "rest": st.integers(0, 20), "prepare": st.integers(0, 8), "countdown": st.integers(0, 5),
        "sides": st.sampled_from(["none", "both", "alternate", "left", "right"]),
        "first_side": st.sampled_from(["left", "right"]), "halfway": st.booleans(),
        "reminders": st.lists(st.integers(1, 30), max_size=3), "tips": st.lists(words, max_size=3),
        "phrases": st.fixed_dictionaries({}, optional={"start": cue, "end": cue, "halfway": cue,
                                                       "reminder": st.just("{time} to go"),
                                                       "last": st.sampled_from(["off", "Final"])}),
    })
    return st.tuples(words, dose(), extras).map(lambda t: {"name": t[0], **t[1], **t[2]})


item = st.one_of(exercise(), exercise(), st.fixed_dictionaries({"rest": st.integers(0, 60)},
                                                               optional={"say": words}),
                 st.fixed_dictionaries({"say": words}))
routine_documents = st.fixed_dictionaries(
    {"title": words, "exercises": st.lists(item, min_size=1, max_size=4)},
    optional={"intro": words, "outro": words, "sounds": st.sampled_from(["chime", "beep", "none"]),
              "voice": st.fixed_dictionaries({}, optional={"language": st.sampled_from(
                  ["en", "de", "fr", "sv", "pt-BR"]), "speed": st.floats(0.5, 2.0)}),
              "loudness": st.sampled_from([-19, -16, "off"]),
              "phrases": st.fixed_dictionaries({}, optional={"end": cue})})


def lay_out_and_check(text: str) -> None:
    try:
        routine = build_routine(load_text(text, "routine.yaml"), "routine.yaml")
        script = build_script(routine)
        timeline = lay_out(script, {t: fake_length(t) for t in script.texts()},
                           SoundSet(routine.sounds, FAKE_RATE), FAKE_RATE, "fake")
    except AudiocoachError:
        return  # a clear, located refusal is a fine answer
    check_timing_contract(script, timeline, routine.sounds)


@SETTINGS
@given(routine_documents)
def test_every_generated_routine_validates_and_keeps_the_timing_contract(document):
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    routine = build_routine(load_text(text, "routine.yaml"), "routine.yaml")  # valid by construction
    assert routine.title
    lay_out_and_check(text)


anything = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                                  st.floats(allow_nan=True), words),
                        lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                st.dictionaries(words, inner, max_size=3)),
                        max_leaves=8)


@SETTINGS
@given(routine_documents, st.data())
def test_a_broken_copy_is_refused_only_with_the_projects_error(document, data):
    exercises = document["exercises"]
    target = data.draw(st.sampled_from([document] + [e for e in exercises if isinstance(e, dict)]))
    action = data.draw(st.sampled_from(["set", "delete", "rename"]))
    key = data.draw(st.sampled_from(sorted(target)) if target else st.just("title"))
    if action == "delete":
        target.pop(key, None)
    elif action == "rename":
        target[key + data.draw(st.sampled_from(["x", "_", "s"]))] = target.pop(key, None)
    else:
        target[key] = data.draw(anything)
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    lay_out_and_check(text)


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_with_the_projects_error(text):
    try:
        build_routine(load_text(text, "routine.yaml"), "routine.yaml")
    except AudiocoachError as error:
        assert all(p.file == "routine.yaml" for p in error.problems)


# Odd values for any field: wrong types, endless and enormous numbers, empty lists, odd text.
odd_values = st.one_of(
    st.none(), st.booleans(), st.just([]), st.just({}), st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), 10**30, -10**30, 10**400, 10**5000,
                     1e308, -1, 0, 0.5, 2**63, "1m1m", "30s1m", "30 secs", ".inf", "nan", "9" * 5000,
                     "", "   ", "{time}", "{", "off", "co.uk", "zz", "piper", "beep", "both", "x.wav",
                     "/etc/passwd", "/dev/null", "..", "\x00", "\u202e", "5h"]),
    st.text(max_size=20),
    st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.floats(), st.text(max_size=5)),
                    max_size=2),
)


def field_paths() -> list[tuple]:
    """Every field a routine may have, as a path into the mapping."""
    from audiocoach.routine.definitions import (
        CUE_SOUNDS,
        DEFAULTS,
        EXERCISE,
        MUSIC,
        PHRASES,
        ROUTINE,
        STEP,
        VOICE,
    )

    paths = [(key,) for key in ROUTINE]
    paths += [("voice", key) for key in VOICE] + [("music", key) for key in MUSIC]
    paths += [("sounds", cue) for cue in CUE_SOUNDS] + [("phrases", key) for key in PHRASES]
    paths += [("defaults", key) for key in DEFAULTS]
    paths += [("exercises", 0, key) for key in EXERCISE] + [("exercises", 0)]
    paths += [("exercises", 1, "steps", 0, key) for key in STEP]
    paths += [("exercises", 2, "rest"), ("exercises", 2, "say"), ("exercises", 0, "phrases", "reminder")]
    return paths


def base_document() -> dict:
    return {"title": "T", "exercises": [
        {"name": "Calf", "hold": 3, "reps": 2, "rest": 1, "countdown": 1},
        {"name": "Steps", "steps": [{"say": "Press", "hold": 2}, {"say": "Pull", "tempo": 1, "reps": 2}]},
        {"rest": 2, "say": "Drink."}]}


def put(document: dict, path: tuple, value) -> None:
    *parents, last = path
    target = document
    for key in parents:
        if isinstance(target, dict):
            target = target.setdefault(key, {})
        elif isinstance(target, list) and isinstance(key, int) and key < len(target):
            target = target[key]
        else:
            return
    if isinstance(target, dict) or (isinstance(target, list) and isinstance(last, int)
                                    and last < len(target)):
        target[last] = value


def assert_located_with_a_fix(error: AudiocoachError) -> None:
    for problem in error.problems:
        assert problem.fix, str(problem)
        assert problem.line or problem.field, str(problem)
        assert " at 0x" not in str(problem) and "Traceback" not in str(problem), str(problem)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(field_paths()), odd_values), min_size=1, max_size=3))
def test_odd_values_in_any_field_give_a_routine_or_a_located_refusal(fake_engine, tmp_path, monkeypatch,
                                                                      changes):
    import audiocoach

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    document = base_document()
    for path, value in changes:
        put(document, path, value)
    try:
        routine = audiocoach.load(document)
        track = audiocoach.plan(routine, use_cache=False)
    except AudiocoachError as error:
        assert_located_with_a_fix(error)
        return
    assert track.duration_s > 0


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(field_paths()), odd_values), max_size=2),
       st.one_of(st.none(), st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=3).filter(
           lambda b: not _is_utf8(b)))))
def test_validate_answers_any_file_with_ok_or_located_problems(run, tmp_path, changes, broken):
    document = base_document()
    for path, value in changes:
        put(document, path, value)
    try:
        data = yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode("utf-8")
    except ValueError:
        return  # a number YAML itself cannot write: not a file anyone can have
    if broken is not None:
        at = round(broken[0] * len(data))
        data = data[:at] + broken[1] + data[at:]
    (tmp_path / "odd.yaml").write_bytes(data)
    result = run("validate", tmp_path / "odd.yaml")
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    for line in result.stderr.splitlines():  # file:line:col: what is wrong (how to fix it)
        assert re.match(rf"{re.escape(str(tmp_path / 'odd.yaml'))}:\d+:\d+: .+ \(.+\)$", line), line
    if broken is not None:
        assert "is not UTF-8 text" in result.stderr


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


NASTY = [float("inf"), float("-inf"), float("nan"), 10**400, -10**400, 10**5000, [], {}, None, True, "",
         "9" * 5000, [float("nan")], {"x": float("inf")}]


@pytest.mark.parametrize("path", field_paths(), ids=lambda path: ".".join(map(str, path)))
def test_every_field_refuses_each_nasty_value_with_a_place_and_a_fix(fake_engine, monkeypatch, path):
    import audiocoach

    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    for value in NASTY:
        document = base_document()
        put(document, path, value)
        try:
            audiocoach.plan(audiocoach.load(document), use_cache=False)
        except AudiocoachError as error:
            assert_located_with_a_fix(error)
