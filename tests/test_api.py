"""The Python API: the same routine, plan and track as the command line, and pydub at the end."""

from __future__ import annotations

import json
import wave

import numpy as np
import pytest
from typer.testing import CliRunner

import audiocoach
from audiocoach.cli import app

ROUTINE = {
    "title": "Calves",
    "sounds": "beep",
    "exercises": [
        {"name": "Wall calf stretch", "sides": "both", "hold": "6s", "countdown": 3},
        {"rest": 3},
        {"use": "heel-press", "tempo": 1, "reps": 3, "sets": 1},
    ],
}


@pytest.fixture
def offline(fake_engine, monkeypatch, tmp_path):
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "cache"))
    return fake_engine


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
    assert np.array_equal(pcm, written) and pcm.size == track.timeline.length
    segment = track.to_audiosegment()
    assert (segment.frame_rate, segment.channels, segment.sample_width) == (1000, 1, 2)
    assert len(segment) == round(track.duration_s * 1000)  # pydub counts milliseconds
    assert np.array_equal(np.array(segment.get_array_of_samples(), dtype=np.int16), pcm)
    assert track.save(tmp_path / "quiet.mp3").mastering is None  # as planned: loudness off
    report = audiocoach.plan(ROUTINE).save(tmp_path / "calves.mp3")
    assert report.mastering.target_lufs == -19 and (tmp_path / "calves.mp3").stat().st_size > 1000
