"""Rendering: every event of the plan is in the PCM at exactly its planned sample."""

from __future__ import annotations

import wave

import numpy as np
from conftest import expected_mix

from audiocoach.pipeline import Options, build, compile_routine, read_routine
from audiocoach.render import BLOCK_S, pcm_blocks

ROUTINE = """\
title: Calves
sounds: chime
intro: Stand facing a wall.
exercises:
  - name: Calf stretch
    sides: both
    hold: 12s
    reminders: [5]
    tips: [Keep the back heel down]
  - rest: 3s
  - name: Toe taps
    tempo: 0.4s
    reps: 6
  - name: Heel press
    tempo: 2s
    reps: 4
outro: Well done.
"""


def compiled(fake_engine, write_routine, tmp_path):
    return compile_routine(read_routine(write_routine(ROUTINE)), Options(cache_dir=tmp_path / "cache"),
                           reachable=lambda: False)


def test_wav_holds_every_event_at_its_planned_sample(fake_engine, write_routine, tmp_path):
    track = compiled(fake_engine, write_routine, tmp_path)
    timeline = track.timeline
    assert timeline.length > 3 * BLOCK_S * timeline.sample_rate  # events cross block borders
    assert {e.text for e in timeline.events if e.kind == "sound"} == {"chime", "tick"}
    build(track, tmp_path / "calves.wav", "wav")
    with wave.open(str(tmp_path / "calves.wav")) as reader:
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    expected = expected_mix(timeline, track.synthesis.clips)
    assert pcm.size == expected.size == timeline.length
    # At 0 samples: a shift of one sample anywhere would leave differences far above 1 LSB.
    assert np.max(np.abs(pcm.astype(np.int32) - expected.astype(np.int32))) <= 1
    for event in timeline.events:
        assert np.any(pcm[event.start:event.start + 5] != 0), event  # sound starts on its sample
        if event.start > 0:
            assert pcm[event.start - 1] == expected[event.start - 1]


def test_blocks_join_into_the_whole_track(fake_engine, write_routine, tmp_path):
    track = compiled(fake_engine, write_routine, tmp_path)
    blocks = list(pcm_blocks(track.timeline, track.synthesis.clips))
    rate = track.timeline.sample_rate
    assert all(block.size == BLOCK_S * rate for block in blocks[:-1])
    assert sum(block.size for block in blocks) == track.timeline.length
