"""A build killed with SIGKILL at any stage: the old track stays as it was, the cache stays usable,
the temporary file left behind goes with the next build, and that build is the same as ever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

ROUTINE = """\
title: Interrupted
sounds: {start: chime, end: chime, finish: gong}
intro: Stand tall.
exercises:
  - name: Calf stretch
    sides: both
    hold: 8s
  - name: Heel raise
    tempo: 2s
    reps: 4
outro: Done.
"""


def as_users_run_it(**changes: str) -> dict[str, str]:
    """The environment of a user's build: its worker processes as many as the cores (the suite
    itself asks each build for one), and `changes`."""
    return {**{k: v for k, v in os.environ.items() if k != "AUDIOCOACH_WORKERS"}, **changes}


def build(folder, out, *extra, env=None):
    return subprocess.run([sys.executable, "-m", "audiocoach", "build", str(folder / "r.yaml"), "-o",
                           str(out), "--engine", "piper", "--cache-dir", str(folder / "cache"), *extra],
                          capture_output=True, text=True, env=env or as_users_run_it(), timeout=300)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted build, and the old version of the track that must survive."""
    folder = tmp_path_factory.mktemp("interrupted")
    (folder / "r.yaml").write_text(ROUTINE)
    result = build(folder, folder / "reference.mp3")
    assert result.returncode == 0, result.stderr
    (folder / "old.yaml").write_text(ROUTINE.replace("hold: 8s", "hold: 6s"))
    old = subprocess.run([sys.executable, "-m", "audiocoach", "build", str(folder / "old.yaml"), "-o",
                          str(folder / "old.mp3"), "--engine", "piper", "--cache-dir",
                          str(folder / "cache")], capture_output=True, text=True,
                         env=as_users_run_it(), timeout=300)
    assert old.returncode == 0, old.stderr
    return folder


@pytest.mark.parametrize("stage", ["synthesis", "mixing", "encoding", "tagging", "renaming"])
def test_a_build_killed_at_any_stage_loses_nothing(reference, tmp_path, stage):
    folder = reference
    work = tmp_path / "out"
    work.mkdir()
    out = work / "track.mp3"
    previous = (folder / "old.mp3").read_bytes()
    out.write_bytes(previous)  # the good file a user already has
    cache = folder / "cache" if stage != "synthesis" else tmp_path / "cold-cache"
    env = as_users_run_it(AUDIOCOACH_PAUSE_AT=stage)
    process = subprocess.Popen([sys.executable, "-m", "audiocoach", "build", str(folder / "r.yaml"),
                                "-o", str(out), "--engine", "piper", "--cache-dir", str(cache)],
                               stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in process.stderr:
            if line.strip() == f"paused at {stage}":
                break
        else:
            pytest.fail(f"the build never reached {stage}")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert out.read_bytes() == previous  # 1. the previous output, byte for byte
    left = sorted(p.name for p in work.iterdir() if p.name != "track.mp3")
    assert all(name.startswith(".track.mp3.") and name.endswith(".part") for name in left), left
    assert bool(left) == (stage != "synthesis")  # past synthesis, the half-written file is there
    again = subprocess.run([sys.executable, "-m", "audiocoach", "build", str(folder / "r.yaml"), "-o",
                            str(out), "--engine", "piper", "--cache-dir", str(cache)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr  # 2. the cache still reads
    assert [p.name for p in work.iterdir()] == ["track.mp3"]  # 3. the leftovers are gone
    assert out.read_bytes() == (folder / "reference.mp3").read_bytes()  # 4. as if never interrupted


def test_a_running_builds_temporary_file_is_left_alone(tmp_path):
    import fcntl

    from audiocoach.files import remove_stale_temporaries

    out = tmp_path / "track.mp3"
    running, stale, other = (tmp_path / ".track.mp3.abc.part", tmp_path / ".track.mp3.def.part",
                             tmp_path / ".other.mp3.ghi.part")
    for path in (running, stale, other):
        path.write_bytes(b"half")
    with open(running, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as a build in progress holds it
        assert remove_stale_temporaries(out) == [stale]
    assert running.exists() and other.exists() and not stale.exists()


def test_four_builds_at_once_share_a_cache_and_an_output(reference, tmp_path):
    """Two routines, each built twice at the same moment, the same one twice to the same file."""
    folder = reference
    cache = tmp_path / "shared-cache"
    (tmp_path / "other.yaml").write_text(ROUTINE.replace("hold: 8s", "hold: 7s"))
    runs = [(folder / "r.yaml", tmp_path / "same.mp3"), (folder / "r.yaml", tmp_path / "same.mp3"),
            (tmp_path / "other.yaml", tmp_path / "other-a.mp3"),
            (tmp_path / "other.yaml", tmp_path / "other-b.mp3")]
    processes = [subprocess.Popen([sys.executable, "-m", "audiocoach", "build", str(routine), "-o",
                                   str(out), "--engine", "piper", "--cache-dir", str(cache)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for routine, out in runs]
    results = [(process.wait(timeout=300), process.stderr.read()) for process in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    assert (tmp_path / "same.mp3").read_bytes() == (folder / "reference.mp3").read_bytes()
    assert (tmp_path / "other-a.mp3").read_bytes() == (tmp_path / "other-b.mp3").read_bytes()
    # The cache they shared is whole: a build from it makes no clip and gives the same track.
    lone = subprocess.run([sys.executable, "-m", "audiocoach", "build", str(tmp_path / "other.yaml"),
                           "-o", str(tmp_path / "lone.mp3"), "--engine", "piper", "--cache-dir",
                           str(cache)], capture_output=True, text=True, timeout=300)
    assert lone.returncode == 0 and "0 clips synthesized" in lone.stdout, lone.stdout
    assert (tmp_path / "lone.mp3").read_bytes() == (tmp_path / "other-a.mp3").read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers
    assert not list(cache.rglob("*.tmp"))
