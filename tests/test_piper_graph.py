"""The offline voice prepared once per machine: the same samples whether it was prepared just
now, long ago, or could not be kept."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from audiocoach.voice.engines.piper import _bundled, file_digest
from audiocoach.voice.engines.piper_graph import load_session, prepared_dir, prepared_name

# "Breathe out slowly." as the bundled voice's phoneme ids, with fixed noise
PHONEME_IDS = [1, 0, 27, 0, 88, 0, 120, 0, 14, 0, 3, 0, 31, 0, 51, 0, 26, 0, 3, 0, 61, 0, 120,
               0, 32, 0, 17, 0, 74, 0, 2]


def spoken(session, noise_inputs: list[str]) -> bytes:
    """The samples the voice's graph gives for the fixed sentence and noise."""
    generator = np.random.default_rng(7)
    inputs = {"input": np.array([PHONEME_IDS], dtype=np.int64),
              "input_lengths": np.array([len(PHONEME_IDS)], dtype=np.int64),
              "scales": np.array([0.667, 1.0, 0.8], dtype=np.float32)}
    inputs |= {name: generator.standard_normal(4096 * len(PHONEME_IDS), dtype=np.float32)
               for name in sorted(noise_inputs)}
    return session.run(None, inputs)[0].tobytes()


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    """An empty user cache folder: no voice prepared yet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "audiocoach" / "prepared-voices"


def load() -> tuple[bytes, list[str]]:
    model, _ = _bundled()
    session, noise_inputs = load_session(model, file_digest(model), threads=1)
    return spoken(session, noise_inputs), noise_inputs


def prepared_file() -> Path:
    model, _ = _bundled()
    return prepared_dir() / prepared_name(file_digest(model))


@pytest.fixture(scope="module")
def reference() -> tuple[bytes, Path]:
    """What the voice says, loaded as this test run's builds load it, and its prepared file."""
    return load()[0], prepared_file()


def test_the_first_load_prepares_the_voice_and_later_loads_speak_the_same(reference, fresh_cache):
    fresh_cache.mkdir(parents=True)
    digest = file_digest(_bundled()[0])[:16]
    older = [f"{digest}-onnxruntime1.20.0-graph1.onnx",  # another onnxruntime's, another patch's
             "0123456789abcdef-onnxruntime1.20.0-graph1.onnx",
             prepared_file().name.replace("-graph1.onnx", "-graph0.onnx")]
    others = ["fedcba9876543210" + prepared_file().name[16:],  # another voice's, this onnxruntime's
              "notes.txt", ".x.123.partial.onnx"]  # and one being written by another process
    for name in older + others + [".x.99.partial.onnx"]:
        (fresh_cache / name).write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(fresh_cache / ".x.99.partial.onnx", (two_hours_ago, two_hours_ago))  # left by a crash
    first, noise_inputs = load()
    assert first == reference[0] and len(first) // 4 > 22_050 // 2  # over half a second
    # both noise nodes of the voice (rhythm, melody) draw from inputs
    assert sorted(noise_inputs) == ["audiocoach_noise_0", "audiocoach_noise_1"]
    prepared = prepared_file()
    # what another onnxruntime or patch prepared is gone, and what a crash left; no partial
    # file of this load is left
    assert sorted(p.name for p in fresh_cache.iterdir()) == sorted([prepared.name, *others])
    assert prepared.stat().st_size > 50_000_000
    written = prepared.stat().st_mtime_ns
    assert load()[0] == first
    assert prepared.stat().st_mtime_ns == written  # read, not prepared again


def test_a_damaged_prepared_voice_is_prepared_again_and_speaks_the_same(reference, fresh_cache):
    fresh_cache.mkdir(parents=True)
    prepared = prepared_file()
    prepared.write_bytes(reference[1].read_bytes()[:1_000_000])
    assert load()[0] == reference[0]
    assert prepared.stat().st_size > 50_000_000


def test_with_a_cache_folder_that_cannot_be_written_the_voice_still_speaks(reference, fresh_cache,
                                                                          tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    if os.geteuid() == 0:
        # root writes anywhere: a file where the folder should be stops root too
        fresh_cache.parent.mkdir(parents=True)
        fresh_cache.write_text("not a folder")
    else:
        fresh_cache.mkdir(parents=True)
        fresh_cache.chmod(0o500)
    assert load()[0] == reference[0]
    if fresh_cache.is_dir():
        fresh_cache.chmod(0o700)
        assert list(fresh_cache.iterdir()) == []
    assert list(scratch.iterdir()) == []  # prepared in a temporary folder, removed after


def test_removing_a_voice_removes_its_prepared_graph_and_no_other(fresh_cache, tmp_path, monkeypatch):
    from audiocoach.voice import voices

    folder = tmp_path / "voices"
    folder.mkdir()
    monkeypatch.setenv("AUDIOCOACH_VOICES_DIR", str(folder))
    config = _bundled()[1].read_bytes()
    for name, model in (("xx_XX-mine-medium", b"my voice"), ("xx_XX-copy-medium", None)):
        (folder / f"{name}.onnx").write_bytes(model or _bundled()[0].read_bytes())
        (folder / f"{name}.onnx.json").write_bytes(config)
    fresh_cache.mkdir(parents=True)
    mine, bundled = (prepared_name(file_digest(path)) for path in
                     (folder / "xx_XX-mine-medium.onnx", _bundled()[0]))
    for name in (mine, bundled):
        (fresh_cache / name).write_bytes(b"x")
    voices.remove("xx_XX-mine-medium")
    assert [p.name for p in fresh_cache.iterdir()] == [bundled]
    voices.remove("xx_XX-copy-medium")  # the bundled voice's own copy: its graph stays
    assert [p.name for p in fresh_cache.iterdir()] == [bundled]
    assert sorted(p.name for p in folder.iterdir()) == []
