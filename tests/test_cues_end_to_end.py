"""Cues a listener can tune, end to end with the real offline voice: one routine with every new
field of the lead-in and countdown sounds (docs/routine-format.md) built, decoded, and each
lead-in mark found where the plan puts it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import decode
from typer.testing import CliRunner

from audiocoach.cli import app

VOICED = """\
title: Count me in
sounds: {start: chime, end: chime, countdown: COUNTDOWN}
defaults: {lead_in: 3, countdown: 3}
phrases:
  title: "{number} of {total}: {exercise}"
  next: "Next up: {exercise}"
exercises:
  - {name: Wall sit, hold: 6s, prepare: 6s}
  - rest: 8s
    say: Shake out your legs.
  - name: Heel press
    tempo: 1.5s
    reps: 3
    lead_in: 2
    prepare: 8s
    phrases: {end: "{exercise} done"}
  - {name: Side lunge, sides: alternate, hold: 3s, reps: 2, rest: 9s, countdown: 0}
"""
ONSET_TOLERANCE_S = 0.020
MAX_ENCODER_OFFSET_S = 0.060
AUDIBLE = 10 ** (-45 / 20)  # the decoded track's silences stay far below this


@pytest.fixture(scope="module", params=["voice", "beep"])
def voiced(request, tmp_path_factory):
    """The routine planned and built with piper: (countdown, plan document, decoded PCM)."""
    folder = tmp_path_factory.mktemp(f"cues-{request.param}")
    routine = folder / "count-me-in.yaml"
    routine.write_text(VOICED.replace("COUNTDOWN", request.param), encoding="utf-8")
    runner, cache = CliRunner(), str(tmp_path_factory.getbasetemp() / "cues-clips")
    plan = runner.invoke(app, ["plan", str(routine), "--json", "--engine", "piper", "--cache-dir", cache])
    build = runner.invoke(app, ["build", str(routine), "-o", str(folder / "out.mp3"), "--engine", "piper",
                                "--cache-dir", cache])
    assert plan.exit_code == 0 and build.exit_code == 0, plan.output + build.output
    document = json.loads(plan.stdout)
    return request.param, document, decode(folder / "out.mp3", document["sample_rate"])


def encoder_offset(document: dict, pcm: np.ndarray) -> int:
    """The one delay, in samples, of the decoded track behind the plan: the median lag of the
    onsets of every spoken event but the lead-in's (which the test then holds to it)."""
    rate = document["sample_rate"]
    lags = [onset(pcm, round(e["start_s"] * rate), rate) - round(e["start_s"] * rate)
            for e in document["events"] if e["kind"] == "speech" and e["role"] != "lead_in"]
    offset = int(np.median(lags))
    assert 0 <= offset < MAX_ENCODER_OFFSET_S * rate, lags
    return offset


def onset(pcm: np.ndarray, at: int, rate: int) -> int:
    """Where sound begins in the decoded track, looking from a little before sample `at`."""
    start = at - int(0.03 * rate)
    loud = np.flatnonzero(np.abs(pcm[start:at + int(0.2 * rate)]) > AUDIBLE)
    assert loud.size, f"nothing heard near {at / rate:.3f} s"
    return start + int(loud[0])


def test_every_lead_in_mark_is_heard_at_its_planned_time_in_the_mp3(voiced):
    countdown, document, pcm = voiced
    rate = document["sample_rate"]
    assert document["warnings"] == []
    said = [e["text"] for e in document["events"] if e["kind"] == "speech"]
    assert "1 of 3: Wall sit." in said and "Next up: Heel press." in said
    assert "Heel press done." in said and said.count("Last one.") == 1
    marks = [e for e in document["events"] if e["role"] == "lead_in"]
    kinds = [(e["kind"], e["text"]) for e in marks]
    word = [("speech", "Three."), ("speech", "Two."), ("speech", "One.")]
    beeps = [("sound", "beep")] * 3
    assert kinds == (word if countdown == "voice" else beeps) + [("sound", "tick")] * 2 + (
        (word if countdown == "voice" else beeps) * 4)
    offset = encoder_offset(document, pcm)
    errors_ms = [round((onset(pcm, round(e["start_s"] * rate) + offset, rate)
                        - round(e["start_s"] * rate) - offset) / rate * 1000, 1) for e in marks]
    assert all(abs(error) <= ONSET_TOLERANCE_S * 1000 for error in errors_ms), errors_ms
    starts = [e["start_s"] for e in document["events"] if e["role"] == "start" and e["kind"] == "speech"]
    # Planned: the first mark three seconds (or two beats of 1.5 s) before each start cue.
    firsts = [min(e["start_s"] for e in marks if start - 4 < e["start_s"] < start) for start in starts]
    assert [round(start - first, 6) for start, first in zip(starts, firsts)] == [3.0] * 6
