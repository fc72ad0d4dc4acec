"""Routines built on a Dask cluster of two worker processes: the same bytes as a local build,
a lost worker's routine built again, a broken routine failing alone, and a cluster that cannot
be used said in one line with its exit code."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import distributed
import pytest
from typer.testing import CliRunner

import audiocoach
from audiocoach import cluster as cluster_module
from audiocoach.cli import app
from audiocoach.errors import Kind
from audiocoach.options import Options

ROUTINE = "title: {title}\nexercises:\n  - {{name: {name}, hold: {hold}, countdown: 0}}\n"


def kind(outcome):
    """What stopped a routine's build, or None when it was written."""
    return outcome.error.kind if outcome.error else None


NAMES = {"calf": ("Calf raise", 4), "heel": ("Heel walk", 5), "toe": ("Toe curls", 6),
         "ankle": ("Ankle circles", 4), "arch": ("Arch lift", 5)}


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as local, distributed.Client(local) as c:
        yield c


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Five short routines, and what a local build (every core here) makes of them from an
    empty cache: the reference for the cluster's bytes."""
    folder = tmp_path_factory.mktemp("cluster")
    for stem, (name, hold) in NAMES.items():
        (folder / f"{stem}.yaml").write_text(ROUTINE.format(title=name.upper(), name=name, hold=hold))
    outcomes = audiocoach.build_many(routines(folder), folder / "local", engine="piper",
                                     cache_dir=folder / "local-cache", sidecars=True)
    assert [o.error for o in outcomes] == [None] * 5, [o.notes for o in outcomes]
    return folder


def routines(folder: Path) -> list[Path]:
    return [folder / f"{stem}.yaml" for stem in NAMES]


def same_as_local(folder: Path, out: Path, suffixes=(".mp3",)) -> list[str]:
    """The names of the files under `out` that differ from the local build's (or are missing)."""
    return [f"{stem}{suffix}" for stem in NAMES for suffix in suffixes
            if not (out / f"{stem}{suffix}").is_file()
            or (out / f"{stem}{suffix}").read_bytes() != (folder / "local" / f"{stem}{suffix}").read_bytes()]


def test_five_routines_built_on_the_cluster_are_byte_identical_to_local_builds(client, folder):
    out = folder / "cluster"
    outcomes = audiocoach.build_many(routines(folder), out, client=client, engine="piper",
                                     cache_dir=folder / "shared-cache", sidecars=True)
    assert [o.error for o in outcomes] == [None] * 5, [o.notes for o in outcomes]
    assert [o.lines[0].split(" (")[0] for o in outcomes] == [f"Wrote {out / stem}.mp3" for stem in NAMES]
    assert same_as_local(folder, out, (".mp3", ".chapters.json", ".vtt")) == []
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{stem}{suffix}" for stem in NAMES for suffix in (".mp3", ".chapters.json", ".vtt"))
    # the clips went to the shared cache, each worker loaded the voice once for all its routines
    assert len(list((folder / "shared-cache").rglob("*.clip"))) == len(list(
        (folder / "local-cache").rglob("*.clip")))
    assert sorted(client.run(voice_loads).values()) == [1, 1]


def voice_loads() -> int:
    """On a worker: how many times its process has loaded a piper voice."""
    from audiocoach.voice.engines.piper import _load

    return _load.cache_info().misses


class KillOnFirstTask(distributed.WorkerPlugin):
    """Kills its worker's process (SIGKILL, as a crash or the OOM killer would) shortly after
    the first routine starts building there, once across the cluster (a marker file says so)."""

    name = "kill-on-first-task"

    def __init__(self, marker: str):
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing":
            return
        try:
            with open(self.marker, "x") as handle:
                handle.write(str(os.getpid()))
        except FileExistsError:
            return
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGKILL)).start()


def test_a_worker_killed_mid_build_has_its_routine_built_again_elsewhere(client, folder):
    marker = folder / "killed"
    client.register_plugin(KillOnFirstTask(str(marker)))
    try:
        outcomes = audiocoach.build_many(routines(folder), folder / "after-kill", client=client,
                                         engine="piper", cache_dir=folder / "shared-cache")
    finally:
        client.unregister_worker_plugin(KillOnFirstTask.name)
    killed = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(killed, 0)  # that worker is gone
    assert [o.error for o in outcomes] == [None] * 5, [o.notes for o in outcomes]
    assert same_as_local(folder, folder / "after-kill") == []
    client.wait_for_workers(2, timeout=30)  # the nanny starts a new one, for the tests after


def test_a_broken_routine_among_them_fails_alone_with_its_message(client, folder):
    broken = folder / "broken.yaml"
    broken.write_text("title: Broken\nexercises:\n  - {name: Calf, hold: 30 secs}\n")
    given = routines(folder)[:2] + [broken] + routines(folder)[2:]
    out = folder / "with-broken"
    outcomes = audiocoach.build_many(given, out, client=client, engine="piper",
                                     cache_dir=folder / "shared-cache")
    assert [kind(o) for o in outcomes] == [None, None, Kind.ROUTINE, None, None, None]
    assert outcomes[2].notes == [f"{broken}:3:24: exercises[0].hold: '30 secs' is not a duration "
                                 "(try 30s)"]
    assert outcomes[2].lines == []
    assert same_as_local(folder, out) == []
    assert not (out / "broken.mp3").exists()


def test_a_track_that_cannot_be_written_here_fails_alone_as_locally(client, folder):
    out = folder / "blocked"
    (out / "heel.mp3").mkdir(parents=True)
    outcomes = audiocoach.build_many(routines(folder)[:3], out, client=client, engine="piper",
                                     cache_dir=folder / "shared-cache")
    assert [kind(o) for o in outcomes] == [None, Kind.ROUTINE, None]
    assert outcomes[1].notes[-1] == (f"{out / 'heel.mp3'}: is a folder, and writing here would "
                                     "replace it (give the path of a file to write)")
    assert outcomes[1].lines == []
    assert (out / "toe.mp3").read_bytes() == (folder / "local" / "toe.mp3").read_bytes()


def invoke(*args: object, **env: str):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def test_the_cli_builds_on_the_cluster_its_address_from_the_option_or_the_environment(client, folder):
    address = client.scheduler.address
    out = folder / "cli"
    given = [*routines(folder)[:2], folder / "missing.yaml", *routines(folder)[2:]]
    result = invoke("build", *given, "--engine", "piper", "--cache-dir", folder / "shared-cache",
                    "-o", out, "--cluster", address)
    assert result.exit_code == 1, result.output
    assert [line.split(" (")[0] for line in result.stdout.splitlines()] == [
        f"Wrote {out / stem}.mp3" for stem in NAMES]
    assert "missing.yaml" in result.stderr and "Traceback" not in result.output
    assert same_as_local(folder, out) == []
    again = invoke("build", routines(folder)[0], "--engine", "piper", "--cache-dir",
                   folder / "shared-cache", "-o", folder / "cli-env" / "calf.mp3",
                   AUDIOCOACH_CLUSTER=address)
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(f"Wrote {folder / 'cli-env' / 'calf.mp3'} (")
    assert (folder / "cli-env" / "calf.mp3").read_bytes() == (folder / "local" / "calf.mp3").read_bytes()


def test_a_wrong_address_fails_fast_with_the_message_and_exit_code(folder, monkeypatch):
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT_S", 2)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    result = invoke("build", routines(folder)[0], "-o", folder / "nowhere", "--cluster",
                    f"tcp://127.0.0.1:{port}")
    elapsed_s = time.monotonic() - started
    assert result.exit_code == 5
    assert result.stderr == (f"error: --cluster: cannot reach a Dask scheduler at tcp://127.0.0.1:"
                             f"{port}: Timed out trying to connect to tcp://127.0.0.1:{port} after "
                             "2 s (check the address (tcp://HOST:8786) and that `dask scheduler` "
                             "runs there)\n")
    assert elapsed_s < 5
    assert not (folder / "nowhere").exists()


def test_without_the_cluster_extra_the_option_says_what_to_install(folder, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    result = invoke("build", routines(folder)[0], "-o", folder / "nowhere", "--cluster",
                    "tcp://127.0.0.1:8786")
    assert result.exit_code == 5
    assert result.stderr == ("error: --cluster: building on a cluster needs Dask distributed, which "
                             "is not installed (install it with `pip install "
                             "'audiocoach[cluster]'`)\n")


def hide_audiocoach() -> None:
    """On a worker: every later `import audiocoach...` fails, as where it is not installed."""
    for name in [name for name in sys.modules if name.split(".")[0] == "audiocoach"]:
        sys.modules[f"hidden:{name}"] = sys.modules[name]
        sys.modules[name] = None


def show_audiocoach() -> None:
    for name in [name for name in sys.modules if name.startswith("hidden:")]:
        sys.modules[name.removeprefix("hidden:")] = sys.modules.pop(name)


def build_on_changed_workers(client, folder: Path, change, undo):
    """`build --cluster` of the first routine while every worker is `change`d, then `undo`ne."""
    client.run(change)
    try:
        return invoke("build", routines(folder)[0], "-o", folder / "nowhere", "--cluster",
                      client.scheduler.address)
    finally:
        client.run(undo)


def test_workers_without_audiocoach_are_one_message_and_exit_code(client, folder):
    result = build_on_changed_workers(client, folder, hide_audiocoach, show_audiocoach)
    assert result.exit_code == 5, result.output
    workers = ", ".join(sorted(client.scheduler_info()["workers"]))
    assert result.stderr == (f"error: --cluster: audiocoach is not installed on the workers "
                             f"{workers} (install audiocoach on every worker (`pip install "
                             "'audiocoach[cluster]'`) and restart them)\n")
    assert not (folder / "nowhere").exists()


def hide_cluster_builds() -> None:
    """On a worker: audiocoach importable, but not its cluster module, as in an older one."""
    sys.modules["hidden:audiocoach.cluster"] = sys.modules.pop("audiocoach.cluster", None)
    sys.modules["audiocoach.cluster"] = None


def show_cluster_builds() -> None:
    module = sys.modules.pop("hidden:audiocoach.cluster")
    sys.modules.pop("audiocoach.cluster")
    if module is not None:
        sys.modules["audiocoach.cluster"] = module


def test_workers_with_an_audiocoach_without_cluster_builds_are_told_to_upgrade(client, folder):
    result = build_on_changed_workers(client, folder, hide_cluster_builds, show_cluster_builds)
    assert result.exit_code == 5, result.output
    assert result.stderr == ("error: --cluster: the cluster's workers run an audiocoach that cannot "
                             "build on a cluster (an older one) (upgrade audiocoach on every worker "
                             "(`pip install -U 'audiocoach[cluster]'`) and restart them)\n")
    assert not (folder / "nowhere").exists()


def put_clip_again_and_again(folder: str, times: int) -> int:
    """On a worker: store one clip under one key `times` times, as every worker building a
    routine that says it would."""
    import numpy as np

    from audiocoach.voice.cache import ClipCache

    cache = ClipCache(Path(folder))
    clip = (np.arange(48_000) % 2000 - 1000).astype(np.int16)
    for _ in range(times):
        cache.put("ab" + "0" * 62, 22_050, clip)
    return os.getpid()


def test_two_workers_writing_the_same_clip_at_once_leave_it_whole(client, tmp_path):
    import numpy as np

    from audiocoach.voice.cache import ClipCache

    workers = sorted(client.scheduler_info()["workers"])
    writing = [client.submit(put_clip_again_and_again, str(tmp_path), 300, workers=[w], pure=False)
               for w in workers]
    cache, key = ClipCache(tmp_path), "ab" + "0" * 62
    seen, damaged = 0, 0
    while not all(future.done() for future in writing):  # read as the workers write
        try:
            cache.path(key).stat()
        except FileNotFoundError:
            continue
        seen += 1
        damaged += cache.get(key, 22_050) is None  # the file is there, so it must read whole
    assert len({future.result() for future in writing}) == 2  # two processes wrote
    expected = (np.arange(48_000) % 2000 - 1000).astype(np.int16)
    assert np.array_equal(cache.get(key, 22_050), expected)
    assert seen > 0 and damaged == 0
    assert [p.name for p in (tmp_path / "ab").iterdir()] == [f"{key}.clip"]  # no temporary left


def test_a_routine_whose_workers_keep_dying_fails_alone_with_a_message(tmp_path):
    from distributed.scheduler import KilledWorker

    from audiocoach.batch import Job

    class LostEveryTime:
        """What a future gives once the scheduler has seen three workers die on its task."""

        def result(self):
            raise KilledWorker("audiocoach-task", "tcp://10.0.0.7:40111", 3)

    job = Job(Path("legs.yaml"), tmp_path / "legs.mp3", Options(), False)
    outcome = cluster_module._received(job, LostEveryTime())
    assert outcome.error.kind == Kind.CLUSTER and outcome.lines == []
    assert outcome.notes == ["legs.yaml: the workers building it died each time it was tried (see "
                             "the workers' logs, e.g. for too little memory, or build it here "
                             "without --cluster)"]
    assert not (tmp_path / "legs.mp3").exists()


def test_workers_running_other_code_under_the_same_version_are_refused(client, folder,
                                                                      monkeypatch):
    ours = cluster_module.audiocoach_version()
    version = ours.split("+")[0]
    monkeypatch.setattr(cluster_module, "source_digest", lambda: "0123456789ab")  # here, not there
    outcomes = None
    with pytest.raises(audiocoach.AudiocoachError) as raised:
        outcomes = audiocoach.build_many(routines(folder)[:1], folder / "nowhere", client=client)
    assert outcomes is None and not (folder / "nowhere").exists()
    (problem,) = raised.value.problems
    assert problem.field == "client" and raised.value.kind == Kind.CLUSTER
    assert problem.message.startswith("the workers tcp://127.0.0.1:")
    assert problem.message.endswith(f" run audiocoach {ours}, this is {version}+0123456789ab: their "
                                    "code differs from this one's, so their tracks could differ")
    assert problem.fix == "install the same audiocoach on every worker and here, and restart the workers"


def test_the_code_digest_changes_with_any_file_of_the_package_and_only_then(tmp_path):
    import shutil

    package = Path(cluster_module.__file__).parent
    copy = tmp_path / "audiocoach"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert cluster_module.package_digest(copy) == cluster_module.package_digest(package)
    assert cluster_module.source_digest() == cluster_module.package_digest(package)[:12]
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.pyc").write_bytes(b"compiled")  # not the code
    before = cluster_module.package_digest(copy)
    assert before == cluster_module.package_digest(package)
    timeline = copy / "speech" / "timeline.py"
    timeline.write_text(timeline.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert cluster_module.package_digest(copy) != before
    assert cluster_module.audiocoach_version().endswith("+" + cluster_module.source_digest())


def test_build_many_refuses_what_is_not_a_list_of_routines_with_the_argument_named(tmp_path):
    with pytest.raises(audiocoach.AudiocoachError) as raised:
        audiocoach.build_many(["legs.yaml", {"title": "x"}], tmp_path)
    assert [str(p) for p in raised.value.problems] == [
        "routines[1]: expected a routine's file path or bundled name, got dict (pass paths such "
        "as 'legs.yaml')"]
    with pytest.raises(audiocoach.AudiocoachError) as raised:
        audiocoach.build_many(["a/legs.yaml", "b/legs.yaml"], tmp_path, engine="piper")
    assert str(raised.value) == (f"a/legs.yaml and b/legs.yaml would both be written to "
                                 f"{tmp_path / 'legs.mp3'} (rename one of them, or build them "
                                 "into different folders)")
    assert raised.value.kind == Kind.USAGE


@pytest.mark.parametrize("routines, said", [
    ({"title": "Q", "exercises": [{"name": "C", "hold": 20}]}, "a dict"), (5, "an int"),
    (None, "None")])
def test_build_many_refuses_one_routine_as_a_dict_or_anything_but_paths_naming_the_argument(
        tmp_path, routines, said):
    with pytest.raises(audiocoach.AudiocoachError) as raised:
        audiocoach.build_many(routines, tmp_path / "out", engine="piper")
    assert raised.value.kind == Kind.USAGE
    assert str(raised.value) == (f"routines: expected a list of routines' file paths or bundled "
                                 f"names, got {said} (pass paths such as ['legs.yaml'], or build a "
                                 "routine written as a dict with audiocoach.build)")
    assert not (tmp_path / "out").exists()


REACH = ("cannot reach a Dask scheduler at garbage: missing port number in address 'garbage' "
         "(check the address (tcp://HOST:8786) and that `dask scheduler` runs there)")


def test_cluster_problems_name_where_the_address_came_from(folder, monkeypatch):
    monkeypatch.delenv("AUDIOCOACH_CLUSTER", raising=False)
    given = invoke("build", routines(folder)[0], "-o", folder / "nowhere", "--cluster", "garbage")
    assert (given.exit_code, given.stderr) == (5, f"error: --cluster: {REACH}\n")
    from_env = invoke("build", routines(folder)[0], "-o", folder / "nowhere",
                      AUDIOCOACH_CLUSTER="garbage")
    assert (from_env.exit_code, from_env.stderr) == (5, f"error: AUDIOCOACH_CLUSTER: {REACH}\n")
    with pytest.raises(audiocoach.AudiocoachError) as raised:
        audiocoach.build_many(routines(folder)[:1], folder / "nowhere", client="garbage")
    assert (str(raised.value), raised.value.kind) == (f"client: {REACH}", Kind.CLUSTER)
    with pytest.raises(audiocoach.AudiocoachError) as raised:
        audiocoach.build_many(routines(folder)[:1], folder / "nowhere", client=5)
    assert (str(raised.value), raised.value.kind) == (
        "client: expected a Dask scheduler's address, got an int (give one such as "
        "tcp://HOST:8786, or leave client out (None) to build here)", Kind.USAGE)
    assert not (folder / "nowhere").exists()


def test_build_many_lists_its_own_options_among_them_client_for_a_wrong_one(tmp_path):
    with pytest.raises(audiocoach.AudiocoachError) as raised:
        audiocoach.build_many(["legs.yaml"], tmp_path, clinet="tcp://host:8786", bogus=1)
    assert [str(p) for p in raised.value.problems] == [
        "clinet: `clinet` is not an option of audiocoach.build_many (did you mean `client`?)",
        "bogus: `bogus` is not an option of audiocoach.build_many (the options are client, "
        "audio_format, sidecars, engine, voice, language, accent, speed, loudness, cache_dir, "
        "use_cache)"]


def test_an_empty_cluster_address_is_refused_alike_from_the_option_the_variable_and_the_api(
        folder, monkeypatch):
    monkeypatch.delenv("AUDIOCOACH_CLUSTER", raising=False)
    empty = "expected a Dask scheduler's address, got empty text (give one such as tcp://HOST:8786, or"
    given = invoke("build", routines(folder)[0], "-o", folder / "nowhere", "--cluster", "")
    assert (given.exit_code, given.stdout) == (2, "")
    assert given.stderr == f"error: --cluster: {empty} leave --cluster out to build here)\n"
    from_env = invoke("build", routines(folder)[0], "-o", folder / "nowhere", AUDIOCOACH_CLUSTER="")
    assert (from_env.exit_code, from_env.stdout) == (2, "")
    assert from_env.stderr == (f"error: AUDIOCOACH_CLUSTER: {empty} unset AUDIOCOACH_CLUSTER to "
                               "build here)\n")
    with pytest.raises(audiocoach.AudiocoachError) as raised:
        audiocoach.build_many(routines(folder)[:1], folder / "nowhere", client="  ")
    assert raised.value.kind == Kind.USAGE
    assert str(raised.value) == f"client: {empty} leave client out (None) to build here)"
    assert not (folder / "nowhere").exists()
