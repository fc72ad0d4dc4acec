"""Writing files so that nobody ever sees half of one, and an unchanged file is left alone."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from .errors import AudiocoachError, Problem


def write_atomically(out: Path, write: Callable[[Path], None]) -> None:
    """Call `write` on a temporary file beside `out`, then rename it into place: a failed or
    interrupted build never leaves a half file where a good one was."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
        os.close(handle)
    except OSError as error:
        raise AudiocoachError(Problem(f"cannot write here: {error.strerror}",
                                      "choose another output path with -o", str(out))) from None
    temporary_path = Path(temporary)
    try:
        write(temporary_path)
        # mkstemp makes the file private; a track is meant to be shared like any file you save.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary_path, 0o666 & ~umask)
        os.replace(temporary_path, out)
    except OSError as error:
        raise AudiocoachError(Problem(f"cannot write the track: {error.strerror}",
                                      "check free disk space and the output folder", str(out))) from None
    finally:
        temporary_path.unlink(missing_ok=True)


def write_if_changed(out: Path, data: bytes) -> bool:
    """Write `data` to `out` atomically unless `out` already holds exactly that; True if written."""
    try:
        if out.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomically(out, lambda temporary: temporary.write_bytes(data))
    return True


def replace_if_changed(out: Path, write: Callable[[Path], None]) -> bool:
    """Let `write` produce a new version of `out`; put it in place only if it differs."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".new")
        os.close(handle)
    except OSError as error:
        raise AudiocoachError(Problem(f"cannot write here: {error.strerror}",
                                      "choose another folder with -o", str(out))) from None
    fresh = Path(name)
    try:
        write(fresh)
        if out.exists() and fresh.read_bytes() == out.read_bytes():
            return False
        os.replace(fresh, out)
        return True
    except OSError as error:
        raise AudiocoachError(Problem(f"cannot write the file: {error.strerror}",
                                      "check free disk space and the folder", str(out))) from None
    finally:
        fresh.unlink(missing_ok=True)
