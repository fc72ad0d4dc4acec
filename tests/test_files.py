"""Writing files: never over a device, a pipe or a folder that stands where a file would go."""

from __future__ import annotations

import os
import stat

import pytest

import audiocoach
from audiocoach.errors import AudiocoachError

ROUTINE = """\
title: Calves
exercises:
  - name: Calf stretch
    hold: 5s
"""


@pytest.fixture
def pipe(tmp_path):
    """A named pipe where a file would go; a device such as /dev/null is the same case."""
    path = tmp_path / "track.mp3"
    os.mkfifo(path)
    return path


def still_a_pipe(path) -> bool:
    return stat.S_ISFIFO(os.lstat(path).st_mode)


def test_schema_refuses_to_replace_a_pipe(run, pipe):
    result = run("schema", "-o", pipe)
    assert result.exit_code != 0
    assert f"{pipe}: is a device or a pipe, not a file, and writing here would replace it" in result.stderr
    assert still_a_pipe(pipe)


def test_build_refuses_to_replace_a_pipe_named_like_a_track(run, write_routine, pipe):
    result = run("build", write_routine(ROUTINE), "-o", pipe)
    assert result.exit_code == 1, result.output
    assert "writing here would replace it (give the path of a file to write)" in result.stderr
    assert still_a_pipe(pipe) and "Traceback" not in result.output


def test_the_api_refuses_to_replace_a_pipe(fake_engine, write_routine, pipe, monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    track = audiocoach.plan(write_routine(ROUTINE))
    with pytest.raises(AudiocoachError, match="writing here would replace it"):
        track.save(pipe)
    assert still_a_pipe(pipe)
    folder = tmp_path / "folder.mp3"
    folder.mkdir()
    with pytest.raises(AudiocoachError, match="is a folder, and writing here would replace it"):
        track.save(folder)
