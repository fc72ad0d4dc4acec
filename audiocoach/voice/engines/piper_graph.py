"""A piper voice prepared once per machine: its graph with the seeded-noise inputs patched in
(piper_noise.py) and onnxruntime's graph optimizations applied, kept in the user cache folder.

Patching and optimizing a 63 MB voice takes over a second of CPU, and every process that
speaks paid it: each build, each of a build's worker processes, each cluster worker. The
prepared graph loads in a fifth of that (`scripts/benchmark.py --parts voice`). Every process,
the one that prepares it included, runs the voice from that same file, so a voice prepared just
now and one prepared last week give the same samples, byte for byte.

Only the optimizations that suit any processor are stored (onnxruntime's "extended" level); the
ones that depend on this processor are made again at each load.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from audiocoach.voice.engines.piper_noise import NOISE_INPUT_PREFIX, patch_noise_inputs

GRAPH_VERSION = 1  # bump when patch_noise_inputs changes the graph it makes
PARTIAL = ".partial.onnx"  # a graph being written; one left by a stopped process goes after
STALE_PARTIAL_S = 3600  # an hour, when preparing takes seconds


def prepared_dir() -> Path:
    """Where prepared voices are kept: `prepared-voices` in the user cache folder."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("audiocoach")) / "prepared-voices"


PREPARED = re.compile(r"(?P<digest>[0-9a-f]{16})-(?P<made_by>onnxruntime.+-graph[0-9]+)\.onnx")


def prepared_name(model_sha256: str) -> str:
    """The prepared graph's file name: the voice file's digest, the onnxruntime that optimized
    it and the patch's version, so a changed voice or a new onnxruntime prepares anew (and one
    voice installed under two names is prepared once)."""
    import onnxruntime

    return f"{model_sha256[:16]}-onnxruntime{onnxruntime.__version__}-graph{GRAPH_VERSION}.onnx"


def load_session(model: Path, model_sha256: str, threads: int):
    """An onnxruntime session of the voice at `model` on `threads` threads, and its noise inputs'
    names: from the prepared graph, prepared first when it is missing or does not load.

    Raises what onnx and onnxruntime raise for a broken voice; the engine reports it.
    """
    folder = prepared_dir()
    prepared = folder / prepared_name(model_sha256)
    if prepared.is_file():
        try:
            return _session(prepared, threads)
        except Exception:  # damaged, or written by something else: prepare it again
            pass
    graph = patch_noise_inputs(model)
    try:
        _prepare(graph, folder, prepared)
    except Exception:  # the cache folder cannot be written: prepare in a temporary folder
        with tempfile.TemporaryDirectory(prefix="audiocoach-voice-") as scratch:
            return _session(_prepare(graph, Path(scratch), Path(scratch) / prepared.name), threads)
    _forget_made_otherwise(prepared)
    return _session(prepared, threads)


def forget_prepared(model_sha256: str) -> None:
    """Removes the graphs prepared from the voice file with this digest (its voice is removed)."""
    _remove(lambda match: match["digest"] == model_sha256[:16])


def _prepare(graph: bytes, folder: Path, prepared: Path) -> Path:
    """Optimizes `graph` and writes it to `prepared`, whole or not at all."""
    import onnxruntime

    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{prepared.stem}.{os.getpid()}{PARTIAL}"
    options = _options(threads=1)
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(partial)
    try:
        onnxruntime.InferenceSession(graph, sess_options=options, providers=["CPUExecutionProvider"])
        os.replace(partial, prepared)
    finally:
        partial.unlink(missing_ok=True)
    return prepared


def _forget_made_otherwise(kept: Path) -> None:
    """Removes the graphs another onnxruntime or an older patch prepared, no longer used after
    an upgrade, and what a preparation stopped midway left."""
    made_by = PREPARED.fullmatch(kept.name)["made_by"]
    _remove(lambda match: match["made_by"] != made_by, partial_older_than_s=STALE_PARTIAL_S)


def _remove(which, partial_older_than_s: float | None = None) -> None:
    """Removes the prepared graphs `which` picks (given the name's match), and partial files
    older than `partial_older_than_s`. What cannot be removed stays: it only takes room."""
    folder = prepared_dir()
    try:
        paths = list(folder.iterdir())
    except OSError:
        return
    now = time.time()
    for path in paths:
        match = PREPARED.fullmatch(path.name)
        try:
            stale = (partial_older_than_s is not None and path.name.endswith(PARTIAL)
                     and now - path.stat().st_mtime > partial_older_than_s)
            if (match and which(match)) or stale:
                path.unlink(missing_ok=True)
        except OSError:  # gone meanwhile, or not ours to remove
            continue


def _session(prepared: Path, threads: int):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(prepared), sess_options=_options(threads),
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
