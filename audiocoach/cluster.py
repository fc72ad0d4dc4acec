"""Build many routines on a Dask distributed cluster: the same files a local build writes.

Each routine is one task. The routine is read here, so its mistakes are reported exactly as a
local build reports them, and travels to a worker already read; the files it names (music,
cover, sounds) go as absolute paths, which the workers must see. A worker synthesizes what the
clip cache lacks (its voice loaded once per worker process, by the voice's own per-process
cache), mixes and encodes the track on one thread into a folder of its own, and hands the
files' bytes back; they are written here, under the names and in the way `batch.render_one`
writes them. The encoding is the same single-threaded computation on every machine, so the
bytes are the same as a local build's.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from audiocoach.api import load
from audiocoach.batch import (
    Job,
    Outcome,
    build_all,
    compile_one,
    default_jobs,
    failed,
    render_one,
)
from audiocoach.errors import AudiocoachError, Kind, Problem
from audiocoach.files import write_atomically, write_if_changed
from audiocoach.options import Options, python_kind
from audiocoach.publish.outputs import in_folder
from audiocoach.routine.model import Routine
from audiocoach.voice.cache import ENV_VAR as CACHE_VARIABLE

if TYPE_CHECKING:
    from distributed import Client

ADDRESS_VARIABLE = "AUDIOCOACH_CLUSTER"
CONNECT_TIMEOUT_S = 5  # a scheduler that does not answer by then is not coming
WORKERS_TIMEOUT_S = 10  # how long to wait for the first worker of a scheduler that has none
# Each task is tried this many more times when it raises (a full disk on one worker); a worker
# that dies mid-build is handled by the scheduler itself, which gives its tasks to another
# (up to `distributed.scheduler.allowed-failures` deaths, 3 by default).
RETRIES = 2
INSTALL = "pip install 'audiocoach[cluster]'"


def build_on_cluster(jobs: list[Job], cluster: "str | Client",
                     given_as: str = "--cluster") -> Iterator[Outcome]:
    """Each job's outcome, in the order given, built on the cluster at `cluster` (an address
    such as tcp://host:8786, or a connected `distributed.Client`), which the caller gave as
    `given_as` (`--cluster`, `AUDIOCOACH_CLUSTER` or `client`: the field its problems name).

    Raises AudiocoachError before any routine is built when the address is empty or not one
    (a usage mistake), or the cluster cannot be reached or its workers cannot run this
    audiocoach (a cluster's); a routine's own mistake is its outcome.
    """
    with quiet(), _client(cluster, given_as) as client:
        _check_workers(client, given_as)
        outcomes: list[Outcome | None] = []
        pending: dict[int, Any] = {}
        for index, job in enumerate(jobs):
            outcome, portable = _portable(job)
            outcomes.append(outcome)
            if portable is not None:
                pending[index] = client.submit(_build_on_worker, portable, pure=False,
                                               retries=RETRIES)
        for index, job in enumerate(jobs):
            if index not in pending:
                yield outcomes[index]
                continue
            yield _received(job, pending.pop(index))


def cluster_address(option: str | None) -> tuple[str, str] | None:
    """The address `--cluster` gives, else `AUDIOCOACH_CLUSTER`, with the name it was given
    by; None to build here. An empty one is kept, to be refused: it is most likely a shell
    variable that was never set."""
    if option is not None:
        return option, "--cluster"
    if ADDRESS_VARIABLE in os.environ:
        return os.environ[ADDRESS_VARIABLE], ADDRESS_VARIABLE
    return None


# How to build here instead, for each place an address can come from.
LOCALLY = {"--cluster": "leave --cluster out to build here",
           ADDRESS_VARIABLE: f"unset {ADDRESS_VARIABLE} to build here",
           "client": "leave client out (None) to build here"}


@contextmanager
def _client(cluster: "str | Client", given_as: str) -> Iterator["Client"]:
    try:
        from distributed import Client
    except ImportError:
        raise AudiocoachError(Problem("building on a cluster needs Dask distributed, which is not "
                                      "installed", f"install it with `{INSTALL}`",
                                      field=given_as), Kind.CLUSTER) from None
    if isinstance(cluster, Client):
        yield cluster
        return
    if not isinstance(cluster, str) or not cluster.strip():  # empty: most likely a variable unset
        said = "empty text" if isinstance(cluster, str) else python_kind(cluster)
        raise AudiocoachError(Problem(
            f"expected a Dask scheduler's address, got {said}",
            f"give one such as tcp://HOST:8786, or {LOCALLY.get(given_as, LOCALLY['client'])}",
            field=given_as), Kind.USAGE)
    try:
        client = Client(cluster, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, ValueError, TypeError) as error:  # refused, timed out, not an address
        raise AudiocoachError(Problem(
            f"cannot reach a Dask scheduler at {cluster}: {_said(error)}",
            "check the address (tcp://HOST:8786) and that `dask scheduler` runs there",
            field=given_as), Kind.CLUSTER) from None
    try:
        yield client
    finally:
        client.close()


def _check_workers(client: "Client", given_as: str) -> None:
    """Refuse a cluster with no workers, or whose workers lack audiocoach or run another version
    (whose tracks could differ from this one's)."""
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except (TimeoutError, OSError):
        raise AudiocoachError(Problem(
            f"the Dask scheduler at {client.scheduler.address} has no workers",
            f"start some with `dask worker {client.scheduler.address} --nthreads 1`",
            field=given_as), Kind.CLUSTER) from None
    try:
        versions = client.run(audiocoach_version)
    except Exception as error:  # a worker's failure comes back as a bare Exception with its text
        raise _cannot_run(client, _said(error), given_as) from None
    ours = audiocoach_version()
    others = sorted({address for address, version in versions.items() if version != ours})
    if others:
        raise AudiocoachError(Problem(
            f"the workers {', '.join(others)} run audiocoach {versions[others[0]]}, this is {ours}: "
            "their code differs from this one's, so their tracks could differ",
            "install the same audiocoach on every worker and here, and restart the workers",
            field=given_as), Kind.CLUSTER)


def _cannot_run(client: "Client", detail: str, given_as: str) -> AudiocoachError:
    """Why the workers could not tell their audiocoach: none there, one without cluster
    builds (an older one), or what they said."""
    try:  # a function of Python's own, which any worker can run
        specs = client.run(importlib.util.find_spec, "audiocoach")
    except Exception:
        specs = {}
    absent = sorted(address for address, spec in specs.items() if spec is None)
    if absent:
        return AudiocoachError(Problem(
            f"audiocoach is not installed on the workers {', '.join(absent)}",
            f"install audiocoach on every worker (`{INSTALL}`) and restart them",
            field=given_as), Kind.CLUSTER)
    if specs and "audiocoach" in detail:  # installed, but it cannot run the check
        return AudiocoachError(Problem(
            "the cluster's workers run an audiocoach that cannot build on a cluster (an older one)",
            "upgrade audiocoach on every worker (`pip install -U 'audiocoach[cluster]'`) and "
            "restart them", field=given_as), Kind.CLUSTER)
    return AudiocoachError(Problem(
        f"the cluster's workers cannot run audiocoach: {detail}",
        f"install audiocoach on every worker (`{INSTALL}`) and restart them",
        field=given_as), Kind.CLUSTER)


def audiocoach_version() -> str:
    """The version installed (or, in a working tree, the package's own) and a digest of the
    package's files: the same only where the code is the same."""
    try:
        version = importlib.metadata.version("audiocoach")
    except importlib.metadata.PackageNotFoundError:
        from audiocoach import __version__ as version
    return f"{version}+{source_digest()}"


@functools.cache
def source_digest() -> str:
    """Twelve hex digits of `package_digest` of this audiocoach, computed once per process."""
    return package_digest(Path(__file__).parent)[:12]


def package_digest(folder: Path) -> str:
    """A SHA-256 of every file in the package folder (names and bytes; compiled caches left
    out): code, speech packs, templates and fonts all shape the tracks."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _said(error: BaseException) -> str:
    return str(error).strip() or type(error).__name__


def _portable(job: Job) -> tuple[Outcome, Job | None]:
    """The job as a worker can build it: the routine read here, the files it names and the cache
    as absolute paths; or, for a routine with a mistake, its failed outcome."""
    outcome = Outcome(job.routine, job.out)
    try:
        routine = job.routine if isinstance(job.routine, Routine) else load(job.routine)
    except AudiocoachError as error:
        return failed(outcome, error), None
    options = job.options
    # the cache asked for here, not each worker's own default (which a worker's own
    # AUDIOCOACH_CACHE_DIR sets)
    cache_dir = options.cache_dir or os.environ.get(CACHE_VARIABLE)
    if cache_dir:
        options = dataclasses.replace(options, cache_dir=Path(cache_dir).expanduser().absolute())
    if str(options.model or "").endswith(".onnx"):  # a voice file, not a voice's name
        options = dataclasses.replace(options, model=str(Path(options.model).expanduser().absolute()))
    return outcome, dataclasses.replace(job, routine=_absolute(routine), options=options)


def _absolute(routine: Routine) -> Routine:
    """The routine with its music, cover and sound files as absolute paths."""
    def moved(item):
        return dataclasses.replace(item, path=item.path.absolute()) if item and item.path else item

    return dataclasses.replace(routine, music=moved(routine.music), cover=moved(routine.cover),
                               sounds={cue: moved(choice) for cue, choice in routine.sounds.items()})


def _build_on_worker(job: Job) -> tuple[Outcome, dict[str, bytes]]:
    """Run on a worker: the outcome, and the bytes of each file written, by name."""
    outcome, track = compile_one(job)
    if track is None:
        return outcome, {}
    with tempfile.TemporaryDirectory(prefix="audiocoach-") as folder:
        outcome = render_one(job, outcome, track, threads=1, into=Path(folder))
        if outcome.error is not None:
            return outcome, {}
        return outcome, {path.name: path.read_bytes() for path in Path(folder).iterdir()}


def _received(job: Job, future: Any) -> Outcome:
    """A task's outcome, its files written here; a routine whose workers kept dying fails alone."""
    from distributed.scheduler import KilledWorker

    try:
        outcome, files = future.result()
    except KilledWorker:
        return failed(Outcome(job.routine, job.out), AudiocoachError(Problem(
            "the workers building it died each time it was tried",
            "see the workers' logs, e.g. for too little memory, or build it here without --cluster",
            str(job.routine)), Kind.CLUSTER))
    outcome.routine = job.routine
    if files:
        _put_in_place(job, outcome, files)
    return outcome


def _put_in_place(job: Job, outcome: Outcome, files: dict[str, bytes]) -> None:
    """Write the track and its sidecars as `render_one` does, or make the outcome a failure."""
    track = files.pop(job.out.name)
    try:
        write_atomically(job.out, lambda temporary: temporary.write_bytes(track))
        for name, data in sorted(files.items()):
            write_if_changed(job.out.with_name(name), data)
    except AudiocoachError as error:
        outcome.lines.clear()
        failed(outcome, error)


@contextmanager
def quiet() -> Iterator[None]:
    """Dask's own log lines (a lost worker, a retried connection) kept off the terminal: what
    matters reaches the user as an outcome or an AudiocoachError."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def build_many(routines: Iterable[str | Path], out_dir: str | Path, client: "str | Client | None",
               sidecars: bool, options: Options, given_as: str = "client") -> list[Outcome]:
    """`audiocoach.build_many` once its options are checked: on the cluster, or on every core
    here without one."""
    if isinstance(routines, (str, os.PathLike)):
        routines = [routines]
    elif isinstance(routines, Mapping) or not isinstance(routines, Iterable):  # a dict's keys
        raise AudiocoachError(Problem(
            f"expected a list of routines' file paths or bundled names, got {python_kind(routines)}",
            "pass paths such as ['legs.yaml'], or build a routine written as a dict with "
            "audiocoach.build", field="routines"), Kind.USAGE)
    for index, routine in enumerate(routines := list(routines)):
        if not isinstance(routine, (str, os.PathLike)):
            raise AudiocoachError(Problem(
                f"expected a routine's file path or bundled name, got {type(routine).__name__}",
                "pass paths such as 'legs.yaml'", field=f"routines[{index}]"), Kind.USAGE)
    if not isinstance(out_dir, (str, os.PathLike)):
        raise AudiocoachError(Problem(f"expected a folder, got {type(out_dir).__name__}",
                                      "pass a path such as 'tracks'", field="out_dir"), Kind.USAGE)
    paths = [Path(routine) for routine in routines]
    targets = in_folder(paths, Path(out_dir), options.audio_format)
    jobs = [Job(path, out, options, sidecars) for path, out in zip(paths, targets)]
    if client is None:
        return list(build_all(jobs, default_jobs()))
    return list(build_on_cluster(jobs, client, given_as))
