"""The on-disk clip cache: finished clips keyed by engine, every voice setting and the text."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from pathlib import Path

import numpy as np

# Bump when the stored clip changes for the same key (e.g. `clips.finish` levels differently).
FORMAT_VERSION = 2  # 2: the piper voice speaks with its seeded noise
_MAGIC = b"ACCLIP1\n"
_HEADER = struct.Struct("<8sII32s")  # magic, sample rate, sample count, sha256 of the samples
ENV_VAR = "AUDIOCOACH_CACHE_DIR"


def default_dir() -> Path:
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("audiocoach")) / "clips"


def clip_key(engine: str, settings: dict[str, object], sample_rate_hz: int, text: str) -> str:
    """The one place a cache key is made: anything that changes the audio is in it."""
    material = json.dumps(
        {"format": FORMAT_VERSION, "engine": engine, "settings": settings,
         "sample_rate": sample_rate_hz, "text": text},
        sort_keys=True, ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ClipCache:
    """Clips as int16 files named by key; a damaged file reads as a miss and is replaced."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.write_failure: str | None = None  # why clips could not be stored, once it happened

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.clip"

    def get(self, key: str, sample_rate_hz: int) -> np.ndarray | None:
        try:
            data = self.path(key).read_bytes()
        except OSError:
            return None
        if len(data) < _HEADER.size:
            return None
        magic, stored_rate_hz, count, digest = _HEADER.unpack_from(data)
        payload = data[_HEADER.size:]
        if (magic != _MAGIC or stored_rate_hz != sample_rate_hz or len(payload) != 2 * count
                or hashlib.sha256(payload).digest() != digest):
            return None
        return np.frombuffer(payload, dtype="<i2").copy()

    def put(self, key: str, sample_rate_hz: int, clip: np.ndarray) -> None:
        """Store atomically: a reader never sees half a file."""
        payload = clip.astype("<i2").tobytes()
        header = _HEADER.pack(_MAGIC, sample_rate_hz, clip.size, hashlib.sha256(payload).digest())
        target = self.path(key)
        temporary: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".tmp") as handle:
                temporary = handle.name
                handle.write(header + payload)
            os.replace(temporary, target)
        except OSError as error:
            # A cache that cannot be written only costs speed next time: say so, do not fail.
            self.write_failure = self.write_failure or error.strerror or type(error).__name__
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)

    def warning(self) -> str | None:
        if self.write_failure is None:
            return None
        return (f"the clip cache {self.folder} cannot be written ({self.write_failure}): the clips "
                "will be made again next time (use --cache-dir to choose another folder)")


class NoCache:
    def warning(self) -> None:
        return None

    def get(self, key: str, sample_rate_hz: int) -> np.ndarray | None:
        return None

    def put(self, key: str, sample_rate_hz: int, clip: np.ndarray) -> None:
        pass
