"""The Python API: the same routine, plan and track as the command line, and pydub at the end."""

from __future__ import annotations

import io
import json
import wave

import numpy as np
import pytest
from typer.testing import CliRunner

import audiocoach
from audiocoach.cli import app
from audiocoach.errors import Kind

ROUTINE = {
    "title": "Calves",
    "sounds": "beep",
    "exercises": [
        {"name": "Wall calf stretch", "sides": "both", "hold": "6s", "countdown": 3},
        {"rest": 3},
        {"use": "heel-press", "tempo": 1, "reps": 3, "sets": 1},
    ],
}


def test_load_takes_a_mapping_a_path_or_a_bundled_name(offline, tmp_path):
    import yaml

    from_dict = audiocoach.load(ROUTINE)
    (tmp_path / "calves.yaml").write_text(yaml.safe_dump(ROUTINE))
    from_file = audiocoach.load(tmp_path / "calves.yaml")
    assert [e.name for e in from_dict.exercises] == [e.name for e in from_file.exercises] == [
        "Wall calf stretch", "Heel press"]
    assert audiocoach.load("hip-to-heel").title == "Hip to heel, in a chair"


def test_mistakes_raise_the_projects_error_with_place_and_fix(offline):
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        audiocoach.load({"title": "T", "exercises": [{"name": "A", "hold": "30 secs"}]})
    (problem,) = caught.value.problems
    assert (problem.field, problem.fix) == ("exercises[0].hold", "try 30s")
    assert problem.file == "<routine>" and problem.line == 4


def test_plan_is_the_command_lines_plan(offline, tmp_path):
    import yaml

    path = tmp_path / "calves.yaml"
    path.write_text(yaml.safe_dump(ROUTINE))
    track = audiocoach.plan(path)
    cli = json.loads(CliRunner().invoke(app, ["plan", str(path), "--json"]).stdout)
    assert track.to_json() == cli
    assert track.duration_s == cli["duration_s"] and track.sample_rate == 1000


def test_build_and_the_track_as_pcm_and_as_a_pydub_segment(offline, tmp_path):
    track = audiocoach.build(ROUTINE, tmp_path / "calves.wav", loudness=None)
    with wave.open(str(tmp_path / "calves.wav")) as reader:
        written = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    pcm = track.pcm()
    assert np.array_equal(pcm, written) and pcm.size == track.timeline.length_samples
    segment = track.to_audiosegment()
    assert (segment.frame_rate, segment.channels, segment.sample_width) == (1000, 1, 2)
    assert len(segment) == round(track.duration_s * 1000)  # pydub counts milliseconds
    assert np.array_equal(np.array(segment.get_array_of_samples(), dtype=np.int16), pcm)
    assert track.save(tmp_path / "quiet.mp3").mastering is None  # as planned: loudness off
    report = audiocoach.plan(ROUTINE).save(tmp_path / "calves.mp3")
    assert report.mastering.target_lufs == -19 and (tmp_path / "calves.mp3").stat().st_size > 1000


@pytest.mark.parametrize("keywords, field, message, fix", [
    ({"engine": "nope"}, "engine", "'nope' is not one of auto, piper, gtts", "use one of auto, piper, gtts"),
    ({"speed": "fast"}, "speed", "expected a number, got text 'fast'", "write a number such as 1.0"),
    ({"speed": 5}, "speed", "5 is out of range", "use 0.5 to 2.0"),
    ({"speed": float("nan")}, "speed", "expected a number, got a number .nan", "write a number such as 1.0"),
    ({"accent": "zz"}, "accent", "'zz' is not an accent Google Translate has",
     "use one of " + ", ".join(audiocoach.routine.definitions.ACCENTS) + "; other languages have one accent, so "
     "leave it out"),
    ({"language": 7}, "language", "7 is not a language code", "use a code such as en, de or fr"),
    ({"voice": ["a"]}, "voice", "expected a voice's name or the path of its .onnx file, got a list",
     "write a name such as de_DE-thorsten-medium, or a path ending in .onnx"),
    ({"voice": 3}, "voice", "expected a voice's name or the path of its .onnx file, got a number 3",
     "write a name such as de_DE-thorsten-medium, or a path ending in .onnx"),
    ({"cache_dir": 3}, "cache_dir", "expected a folder, got an int", "give a path, or None"),
])
def test_plan_refuses_what_the_command_line_refuses(offline, keywords, field, message, fix):
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        audiocoach.plan(ROUTINE, **keywords)
    (problem,) = caught.value.problems
    assert (problem.field, problem.message, problem.fix) == (field, message, fix)
    assert offline.calls == []  # refused before any synthesis


@pytest.mark.parametrize("source, message", [
    (None, "routine: expected a file path, a bundled routine's name or a mapping, got None"),
    (io.BytesIO(b"title: T"), "routine: expected a file path, a bundled routine's name or a mapping, "
                             "got a BytesIO"),
    (42, "routine: expected a file path, a bundled routine's name or a mapping, got an int"),
])
def test_load_refuses_what_is_not_a_routine(source, message):
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        audiocoach.load(source)
    assert str(caught.value) == message + " (pass a path such as 'legs.yaml', or a dict written like the YAML)"


@pytest.mark.parametrize("exercise, expected", [
    ({"name": "A", "hold": float("inf")},
     "<routine>:4:9: exercises[0].hold: .inf is not a duration (write a number of seconds such as 30s)"),
    ({"name": "A", "hold": float("nan")},
     "<routine>:4:9: exercises[0].hold: .nan is not a duration (write a number of seconds such as 30s)"),
    ({"name": "A", "hold": 10, "tips": [io.BytesIO()]},
     "<routine>: exercises[0].tips[0]: a BytesIO cannot be part of a routine (use text, numbers, "
     "true or false, lists and mappings)"),
])
def test_a_mapping_with_odd_values_is_refused_at_its_field(exercise, expected):
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        audiocoach.load({"title": "T", "exercises": [exercise]})
    assert str(caught.value) == expected
    assert " at 0x" not in str(caught.value)


def test_a_mapping_may_use_tuples_and_numpy_numbers(offline):
    routine = audiocoach.load({"title": "T", "exercises": ({"name": "A", "hold": np.float64(2.5),
                                                            "reps": np.int64(2)},)})
    assert (routine.exercises[0].hold_s, routine.exercises[0].reps) == (2.5, 2)


def test_a_mapping_that_holds_itself_is_refused():
    looped: dict = {"title": "T"}
    looped["exercises"] = [looped]
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        audiocoach.load(looped)
    assert "nested more than 20 levels deep (or hold themselves)" in str(caught.value)


def test_save_and_build_refuse_odd_arguments(offline, tmp_path):
    track = audiocoach.plan(ROUTINE)
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        track.save(tmp_path / "x.mp3", threads="2")
    assert str(caught.value) == "threads: expected a whole number, got text '2' (write a number such as 3)"
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        track.save(None)
    assert str(caught.value) == "out: expected the path of the file to write, got None (pass a path such as 'legs.mp3')"
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        audiocoach.build(ROUTINE, tmp_path / "x.mp3", speeed=1.5)
    assert str(caught.value) == "speeed: `speeed` is not an option of audiocoach.build (did you mean `speed`?)"
    assert not (tmp_path / "x.mp3").exists()


@pytest.mark.parametrize("call, message", [
    (lambda: audiocoach.plan(ROUTINE, speeed=1.2),
     "speeed: `speeed` is not an option of audiocoach.plan (did you mean `speed`?)"),
    (lambda: audiocoach.plan(ROUTINE, bogus=1),
     "bogus: `bogus` is not an option of audiocoach.plan (the options are engine, voice, language, "
     "accent, speed, loudness, cache_dir, use_cache, progress, on_voice, pool)"),
])
def test_plan_refuses_an_unknown_keyword_as_build_does(offline, call, message):
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        call()
    assert str(caught.value) == message
    assert caught.value.kind == Kind.USAGE


def test_load_refuses_empty_text_rather_than_reading_the_current_folder():
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        audiocoach.load("")
    assert str(caught.value) == ("routine: expected a file path or a bundled routine's name, got "
                                 "empty text (pass a path such as 'legs.yaml')")


def test_the_readme_names_only_what_a_build_many_outcome_has(tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Many machines")[1].split("\n## ")[0]
    named = re.findall(r"`outcome((?:\.\w+)+)`", section)
    (outcome,) = audiocoach.build_many([tmp_path / "missing.yaml"], tmp_path / "out")
    assert sorted(set(named)) == [".error", ".error.kind", ".lines", ".notes", ".out"]
    for chain in named:  # each works on an outcome that failed
        value = outcome
        for name in chain.split(".")[1:]:
            value = getattr(value, name)
    assert outcome.error.kind == Kind.ROUTINE
    assert str(outcome.error).startswith(f"{tmp_path / 'missing.yaml'}: ")
    assert outcome.notes == outcome.error.lines() and outcome.lines == []
    assert "exit_code" not in section
