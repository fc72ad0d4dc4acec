"""A piper voice prepared once per machine: its graph with the seeded-noise inputs patched in
(piper_noise.py) and onnxruntime's graph optimizations applied, kept in the user cache folder.

Patching and optimizing a 63 MB voice takes over a second of CPU, and every process that
speaks paid it: each build, each of a build's worker processes, each cluster worker. The
prepared graph loads in a quarter of that (`scripts/benchmark.py --parts voice`). Every process,
the one that prepares it included, runs the voice from that same file, so a voice prepared just
now and one prepared last week give the same samples, byte for byte; the file's name carries
the digest of its contents, and a file that no longer matches it is prepared again, so a
damaged file never speaks (nor fills the clip cache with what it said).

Only the optimizations that suit any processor are stored (onnxruntime's "extended" level); the
ones that depend on this processor are made again at each load.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from audiocoach.voice.engines.piper_noise import NOISE_INPUT_PREFIX, patch_noise_inputs

GRAPH_VERSION = 1  # bump when patch_noise_inputs changes the graph it makes
PARTIAL = ".partial.onnx"  # a graph being written; one left by a stopped process goes after
STALE_PARTIAL_S = 3600  # an hour, when preparing takes seconds
# Another onnxruntime's graphs (an older install, or a second one sharing this cache) go when
# no build has used them for this long: a load marks its file as used.
UNUSED_S = 30 * 24 * 3600
# voice file's digest - who made it (onnxruntime, patch) . digest of the prepared file's bytes
PREPARED = re.compile(r"(?P<digest>[0-9a-f]{16})-(?P<made_by>onnxruntime.+?-graph[0-9]+)"
                      r"\.(?P<check>[0-9a-f]{16})\.onnx")


def prepared_dir() -> Path:
    """Where prepared voices are kept: `prepared-voices` in the user cache folder."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("audiocoach")) / "prepared-voices"


def made_by() -> str:
    """Who prepares graphs here: this onnxruntime, and this version of the patch."""
    import onnxruntime

    return f"onnxruntime{onnxruntime.__version__}-graph{GRAPH_VERSION}"


def load_session(model: Path, model_sha256: str, threads: int):
    """An onnxruntime session of the voice at `model` on `threads` threads, and its noise inputs'
    names: from the prepared graph, prepared first when it is missing or damaged.

    Raises what onnx and onnxruntime raise for a broken voice; the engine reports it.
    """
    return _session(prepare(model, model_sha256), threads)


def prepare(model: Path, model_sha256: str) -> bytes:
    """The voice's prepared graph, prepared now and kept (unless it already is): before a
    build's worker processes start, so that they load it instead of each preparing it."""
    graph = _prepared_graph(model_sha256)
    if graph is not None:
        return graph
    patched = patch_noise_inputs(model)
    folder = prepared_dir()
    try:
        partial = _optimized_into(patched, folder)
    except OSError:  # the cache folder cannot be written: prepared for this process only
        with tempfile.TemporaryDirectory(prefix="audiocoach-voice-") as scratch:
            return _optimized_into(patched, Path(scratch)).read_bytes()
    try:
        graph = partial.read_bytes()
        kept = folder / f"{model_sha256[:16]}-{made_by()}.{hashlib.sha256(graph).hexdigest()[:16]}.onnx"
        os.replace(partial, kept)
    finally:
        _unlink(partial)  # after the replace, nothing is there
    _tidy(folder, keep=kept)
    return graph


def forget_prepared(model_sha256: str) -> None:
    """Removes the graphs prepared from the voice file with this digest (its voice is removed)."""
    _remove(prepared_dir(), lambda path, match: match["digest"] == model_sha256[:16])


def _prepared_graph(model_sha256: str) -> bytes | None:
    """The kept graph of this voice by this onnxruntime, if there is one whose bytes still
    match their digest; marks it as used. A damaged one is removed."""
    folder = prepared_dir()
    mine = f"{model_sha256[:16]}-{made_by()}."
    try:
        candidates = [path for path in folder.iterdir() if path.name.startswith(mine)]
    except OSError:
        return None
    for path in candidates:
        match = PREPARED.fullmatch(path.name)
        try:
            graph = path.read_bytes()
        except OSError:
            continue
        if match and hashlib.sha256(graph).hexdigest()[:16] == match["check"]:
            _touch(path)
            _tidy(folder)
            return graph
        _unlink(path)
    return None


def _optimized_into(patched: bytes, folder: Path) -> Path:
    """A partial file in `folder` holding `patched` optimized by onnxruntime (which writes an
    optimized graph only to a file); OSError when it cannot be written there."""
    import onnxruntime
    from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidArgument

    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{os.getpid()}-{time.monotonic_ns()}{PARTIAL}"
    options = _options(threads=1)
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(partial)
    try:
        onnxruntime.InferenceSession(patched, sess_options=options, providers=["CPUExecutionProvider"])
    except (Fail, InvalidArgument) as error:
        _unlink(partial)
        if "SystemError" in str(error) or not os.access(folder, os.W_OK):
            raise OSError(str(error)) from None  # the file could not be written
        raise
    except BaseException:
        _unlink(partial)
        raise
    return partial


def _tidy(folder: Path, keep: Path | None = None) -> None:
    """Removes this voice's and other voices' graphs no build has used for `UNUSED_S` that
    another onnxruntime or patch made, and partial files a stopped process left."""
    now = time.time()
    mine = made_by()

    def stale(path: Path, match) -> bool:
        if match is None:
            return path.name.endswith(PARTIAL) and now - path.stat().st_mtime > STALE_PARTIAL_S
        return path != keep and match["made_by"] != mine and now - path.stat().st_mtime > UNUSED_S

    _remove(folder, stale, partials=True)


def _remove(folder: Path, which, partials: bool = False) -> None:
    """Removes the prepared graphs (and, with `partials`, the partial files) `which` picks,
    given the path and its name's match. What cannot be removed stays: it only takes room."""
    try:
        paths = list(folder.iterdir())
    except OSError:
        return
    for path in paths:
        match = PREPARED.fullmatch(path.name)
        if match is None and not (partials and path.name.endswith(PARTIAL)):
            continue
        try:
            if which(path, match):
                _unlink(path)
        except OSError:  # gone meanwhile
            continue


def _touch(path: Path) -> None:
    """Marks a kept graph as used now (its age is what `_tidy` goes by)."""
    try:
        os.utime(path)
    except OSError:
        pass


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def _session(graph: bytes, threads: int):
    import onnxruntime

    session = onnxruntime.InferenceSession(graph, sess_options=_options(threads),
                                           providers=["CPUExecutionProvider"])
    names = [node.name for node in session.get_inputs() if node.name.startswith(NOISE_INPUT_PREFIX)]
    return session, names


def _options(threads: int):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # a retry with more noise is not worth a logged error
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return options
