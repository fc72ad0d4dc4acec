"""The offline voice prepared once per machine: the same samples whether it was prepared just
now, long ago, or could not be kept; a damaged one prepared again, never heard."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from audiocoach.voice.engines.piper import _bundled, file_digest
from audiocoach.voice.engines.piper_graph import load_session, made_by, prepared_dir

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


def kept(folder: Path) -> list[Path]:
    """The bundled voice's graphs prepared by this onnxruntime in `folder`."""
    return sorted(folder.glob(f"{file_digest(_bundled()[0])[:16]}-{made_by()}.*.onnx"))


@pytest.fixture(scope="module")
def reference() -> tuple[bytes, Path]:
    """What the voice says, loaded as this test run's builds load it, and its prepared file."""
    said = load()[0]
    return said, kept(prepared_dir())[0]


def test_the_first_load_prepares_the_voice_and_later_loads_speak_the_same(reference, fresh_cache):
    fresh_cache.mkdir(parents=True)
    digest = file_digest(_bundled()[0])[:16]
    month = time.time() - 31 * 24 * 3600
    unused = {f"{digest}-onnxruntime1.20.0-graph1.0123456789abcdef.onnx": month,  # by another
              f"0123456789abcdef-{made_by()[:-1]}0.0123456789abcdef.onnx": month,  # onnxruntime
              ".99-1.partial.onnx": time.time() - 7200}  # or patch, unused for a month; a crash's
    others = {f"{digest}-onnxruntime1.31.1-graph1.fedcba9876543210.onnx": time.time() - 3600,
              f"fedcba9876543210-{made_by()}.0123456789abcdef.onnx": month,  # another voice's
              ".123-4.partial.onnx": time.time(),  # being written by another process
              "notes.txt": month}
    for name, when in {**unused, **others}.items():
        (fresh_cache / name).write_bytes(b"x")
        os.utime(fresh_cache / name, (when, when))
    first, noise_inputs = load()
    assert first == reference[0] and len(first) // 4 > 22_050 // 2  # over half a second
    # both noise nodes of the voice (rhythm, melody) draw from inputs
    assert sorted(noise_inputs) == ["audiocoach_noise_0", "audiocoach_noise_1"]
    (prepared,) = kept(fresh_cache)
    assert prepared.read_bytes() == reference[1].read_bytes()  # the same graph, prepared anew
    # what another onnxruntime or patch made and nothing used for a month is gone, and what a
    # crash left; the rest stays, and no partial file of this load is left
    assert sorted(p.name for p in fresh_cache.iterdir()) == sorted([prepared.name, *others])
    written = prepared.stat().st_mtime
    os.utime(prepared, (written - 60, written - 60))
    assert load()[0] == first
    assert kept(fresh_cache) == [prepared] and prepared.stat().st_mtime > written - 1  # used


def test_a_damaged_prepared_voice_is_prepared_again_and_never_heard(reference, fresh_cache):
    fresh_cache.mkdir(parents=True)
    good = reference[1].read_bytes()
    for damage in (good[:1_000_000], good[:30_000_000] + bytes(b ^ 0x40 for b in good[30_000_000:30_004_096])
                   + good[30_004_096:]):  # cut short; bits flipped where it still loads
        (fresh_cache / reference[1].name).write_bytes(damage)
        assert load()[0] == reference[0]
        assert [p.read_bytes() == good for p in kept(fresh_cache)] == [True]


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


def test_a_build_prepares_the_voice_once_before_its_workers_start(fresh_cache, tmp_path, monkeypatch):
    from audiocoach.routine.model import Voice
    from audiocoach.voice.cache import NoCache
    from audiocoach.voice.engines import piper_graph
    from audiocoach.voice.engines.piper import PiperEngine, _load
    from audiocoach.voice.synthesize import synthesize_all

    log = tmp_path / "patched"
    patch = piper_graph.patch_noise_inputs

    def counted(model):  # in whichever process prepares: the build's or a worker
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return patch(model)

    monkeypatch.setattr(piper_graph, "patch_noise_inputs", counted)
    _load.cache_clear()  # the workers must load the voice themselves, as a build's do
    try:
        synthesized = synthesize_all(["Hold.", "Rest.", "Switch sides."], PiperEngine(Voice(engine="piper")),
                                     NoCache(), workers=2)
    finally:
        _load.cache_clear()
    assert sorted(synthesized.clips) == ["Hold.", "Rest.", "Switch sides."]
    assert log.read_text().split() == [str(os.getpid())]  # once, here
    assert len(kept(fresh_cache)) == 1


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
    mine, bundled = (f"{file_digest(path)[:16]}-{made_by()}.0123456789abcdef.onnx" for path in
                     (folder / "xx_XX-mine-medium.onnx", _bundled()[0]))
    for name in (mine, bundled):
        (fresh_cache / name).write_bytes(b"x")
    voices.remove("xx_XX-mine-medium")
    assert [p.name for p in fresh_cache.iterdir()] == [bundled]
    voices.remove("xx_XX-copy-medium")  # the bundled voice's own copy: its graph stays
    assert [p.name for p in fresh_cache.iterdir()] == [bundled]
    assert sorted(p.name for p in folder.iterdir()) == []
