"""The one exception: its problems as a person reads them, and its kind kept across processes."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from audiocoach.errors import AudiocoachError, Kind, Problem


def _fail_in_a_worker(kind: Kind) -> None:
    raise AudiocoachError(Problem("the voice stopped", "try again", field="voice"), kind)


def test_a_problem_reads_file_line_column_field_message_and_fix():
    placed = Problem("expected a duration", "write 30s", "legs.yaml", 4, 11, "exercises[0].hold")
    assert str(placed) == "legs.yaml:4:11: exercises[0].hold: expected a duration (write 30s)"
    assert str(Problem("no such file", file="x.yaml")) == "x.yaml: no such file"
    error = AudiocoachError([placed, Problem("out of range", field="--speed")])
    assert error.lines() == [str(placed), "error: --speed: out of range"]
    assert error.kind == Kind.ROUTINE


def test_an_error_raised_in_a_worker_process_arrives_whole_with_its_kind():
    with ProcessPoolExecutor(1) as pool, pytest.raises(AudiocoachError) as caught:
        pool.submit(_fail_in_a_worker, Kind.ENGINE).result()
    arrived = caught.value
    assert arrived.kind == Kind.ENGINE
    assert arrived.problems == [Problem("the voice stopped", "try again", field="voice")]
    assert pickle.loads(pickle.dumps(AudiocoachError.usage("bad", field="--x"))).kind == Kind.USAGE
