"""Missing clips synthesized by several worker processes: the same clips as one at a time, each
cached as soon as it is done, one progress count, and a worker's error reaching the build whole."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from conftest import FakeEngine, fake_length

from audiocoach.errors import AudiocoachError, Kind
from audiocoach.routine.model import Voice
from audiocoach.voice.cache import ClipCache, clip_key
from audiocoach.voice.synthesize import default_workers, synthesize_all

TEXTS = [f"Sentence number {n}, {'and longer ' * (n % 4)}said once." for n in range(9)]


class ParallelFake(FakeEngine):
    parallel = True
    pids = None  # a folder where each process that synthesizes leaves its pid

    def synthesize(self, text: str) -> np.ndarray:
        if ParallelFake.pids is not None:
            (ParallelFake.pids / str(os.getpid())).touch()
            time.sleep(0.05)  # long enough that no one worker takes every clip
        return super().synthesize(text)


class BrokenFake(ParallelFake):
    def synthesize(self, text: str) -> np.ndarray:
        if "5" in text:
            raise AudiocoachError.engine("the voice broke on sentence 5", "use another voice", "v.onnx")
        return super().synthesize(text)


def test_workers_give_the_same_clips_as_one_at_a_time_and_cache_each(tmp_path, monkeypatch):
    engine = ParallelFake(Voice())
    monkeypatch.setattr(ParallelFake, "pids", tmp_path / "pids")
    (tmp_path / "pids").mkdir()
    counts: list[tuple[int, int]] = []
    several = synthesize_all(TEXTS, engine, ClipCache(tmp_path / "a"), lambda d, t: counts.append((d, t)),
                             workers=3)
    workers = {int(p.name) for p in (tmp_path / "pids").iterdir()}
    assert len(workers) >= 2 and os.getpid() not in workers
    one = synthesize_all(TEXTS, engine, ClipCache(tmp_path / "b"), workers=1)
    assert several.synthesized == one.synthesized == TEXTS  # in script order, not finishing order
    assert set(several.clips) == set(TEXTS)
    for text in TEXTS:
        assert np.array_equal(several.clips[text], one.clips[text])
        assert several.clips[text].size == fake_length(text)
    assert counts == [(n, len(TEXTS)) for n in range(1, len(TEXTS) + 1)]
    cache = ClipCache(tmp_path / "a")
    for text in TEXTS:  # every clip is in the cache, exactly as returned
        key = clip_key(engine.name, engine.settings(), engine.sample_rate_hz, text)
        assert np.array_equal(cache.get(key, engine.sample_rate_hz), several.clips[text])
    again = synthesize_all(TEXTS, engine, cache, workers=3)
    assert again.synthesized == []


def test_a_workers_error_reaches_the_build_whole(tmp_path):
    with pytest.raises(AudiocoachError) as caught:
        synthesize_all(TEXTS, BrokenFake(Voice()), ClipCache(tmp_path), workers=2)
    problem = caught.value.problems[0]
    assert caught.value.kind == Kind.ENGINE
    assert (problem.message, problem.fix, problem.file) == ("the voice broke on sentence 5",
                                                            "use another voice", "v.onnx")


def test_an_engine_that_must_not_run_twice_at_once_runs_in_this_process(tmp_path):
    FakeEngine.calls = []
    synthesize_all(TEXTS, FakeEngine(Voice()), ClipCache(tmp_path), workers=4)
    assert FakeEngine.calls == TEXTS  # gTTS, say: one request after another, in order


def test_workers_default_to_the_cores_and_follow_the_environment(monkeypatch):
    monkeypatch.delenv("AUDIOCOACH_WORKERS", raising=False)
    assert default_workers() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("AUDIOCOACH_WORKERS", "1")
    assert default_workers() == 1
    monkeypatch.setenv("AUDIOCOACH_WORKERS", "many")
    assert default_workers() == len(os.sched_getaffinity(0))
