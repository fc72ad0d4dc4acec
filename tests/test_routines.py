"""Every bundled routine validates, plans without warnings, meets the timing contract and builds
with the real offline voice."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import decode
from contract import check_timing_contract
from typer.testing import CliRunner

from audiocoach.audio.loudness import integrated_lufs, true_peak_db
from audiocoach.audio.track import build
from audiocoach.cli import app
from audiocoach.options import Options
from audiocoach.pipeline import compile_routine, read_routine
from audiocoach.routine.catalog import bundled_routines
from audiocoach.speech.script import build_script

NAMES = ["feet-for-hips-knees-back", "hip-balancing", "hip-to-heel", "legs-hips-low-back",
         "morning-feet"]


def test_five_routines_are_bundled_and_listed():
    assert sorted(bundled_routines()) == NAMES
    listed = CliRunner().invoke(app, ["routines"])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == NAMES


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("clips")


@pytest.mark.parametrize("name", NAMES)
def test_bundled_routine_plans_cleanly_and_builds(name, cache, tmp_path):
    routine = read_routine(bundled_routines()[name])
    intro = routine.intro.lower()
    assert "stop if" in intro and "doctor" in intro and "not medical advice" in intro
    compiled = compile_routine(routine, Options(engine="piper", cache_dir=cache))
    timeline = compiled.timeline
    assert timeline.warnings == []
    # The intro's chapter, titled with the routine, then one per exercise (docs/routine-format.md, "The sound of the track").
    assert [c.title for c in timeline.chapters] == [routine.title] + [e.name for e in routine.exercises]
    check_timing_contract(build_script(routine), timeline, routine.sounds)
    out = tmp_path / f"{name}.mp3"
    build(compiled, out)
    pcm = decode(out, timeline.sample_rate_hz).astype(np.float64)
    assert pcm.size == timeline.length_samples
    # Podcast loudness, measured on the decoded MP3 itself (10 s at a time, as a build meters).
    assert abs(integrated_lufs(pcm, timeline.sample_rate_hz) - (-19.0)) <= 1.0
    assert true_peak_db(pcm) <= -1.0


def test_build_and_plan_take_a_bundled_routine_by_name(cache, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    plan = runner.invoke(app, ["plan", "hip-to-heel", "--engine", "piper", "--cache-dir", str(cache)])
    assert plan.exit_code == 0, plan.output
    assert "Heel press." in plan.stdout
    built = runner.invoke(app, ["build", "hip-to-heel", "--engine", "piper", "--format", "wav",
                                "--cache-dir", str(cache)])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "output" / "hip-to-heel.wav").stat().st_size > 1_000_000
