"""Writing files so that nobody ever sees half of one, and an unchanged file is left alone."""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from audiocoach.errors import AudiocoachError, Problem
from audiocoach.hooks import pause_at


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Delete what interrupted writes of `out` left beside it: its own kind of temporary file,
    and only those no running write holds (each write keeps a lock on its file until done)."""
    pattern = re.compile(rf"^\.+{re.escape(out.name)}\..*\.part$")
    removed = []
    try:
        candidates = [p for p in out.parent.iterdir() if pattern.match(p.name)]
    except OSError:
        return removed
    for path in candidates:
        try:
            with open(path, "rb") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while a build writes it
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def write_atomically(out: Path, write: Callable[[Path], None], only_if_changed: bool = False) -> bool:
    """Call `write` on a temporary file beside `out`, then rename it into place: a failed or
    interrupted build never leaves a half file where a good one was.

    With `only_if_changed`, an `out` that already holds the same bytes is left alone (its time
    too). Returns whether `out` was written.
    """
    with staged(out) as temporary_path:
        try:
            write(temporary_path)
        except OSError as error:
            raise unwritable(out, error) from None
        return put_in_place(temporary_path, out, only_if_changed)


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A new, empty temporary file beside `out`, for `put_in_place` to move there; whatever is
    left of it is removed on leaving. Several can be held at once, to replace many files only
    once all of them are written."""
    refuse_what_is_no_file(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out)
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
        fcntl.flock(handle, fcntl.LOCK_EX)  # held until this write ends, however it ends
    except OSError as error:
        raise AudiocoachError(Problem(f"cannot write here: {error.strerror}",
                                      "choose another output path with -o", str(out))) from None
    temporary_path = Path(temporary)
    try:
        yield temporary_path
    finally:
        temporary_path.unlink(missing_ok=True)
        os.close(handle)


def refuse_what_is_no_file(out: Path) -> None:
    """Refuse to write where a folder, a device such as /dev/null, or a pipe is: the rename
    that puts a file in place would replace it."""
    if out.exists() and not out.is_file():
        kind = "a folder" if out.is_dir() else "a device or a pipe, not a file"
        raise AudiocoachError(Problem(f"is {kind}, and writing here would replace it",
                                      "give the path of a file to write", str(out)))


def put_in_place(temporary: Path, out: Path, only_if_changed: bool = False) -> bool:
    """Rename a `staged` file to `out`; with `only_if_changed`, not when `out` already holds the
    same bytes. Returns whether `out` was written."""
    refuse_what_is_no_file(out)  # it may have appeared since the file was staged
    try:
        if only_if_changed and out.is_file() and same_bytes(temporary, out):
            return False
        # mkstemp makes the file private; a track is meant to be shared like any file you save.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        pause_at("renaming")
        os.replace(temporary, out)
        return True
    except OSError as error:
        raise unwritable(out, error) from None


def unwritable(out: Path, error: OSError) -> AudiocoachError:
    """`out` could not be written, with the reason the system gave."""
    return AudiocoachError(Problem(f"cannot write {out.name}: {error.strerror}",
                                   "check free disk space and the output folder", str(out)))


def same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as first, open(b, "rb") as second:
        while True:
            block = first.read(1 << 20)
            if block != second.read(1 << 20):
                return False
            if not block:
                return True


def write_if_changed(out: Path, data: bytes) -> bool:
    """Write `data` to `out` atomically unless `out` already holds exactly that; True if written."""
    return write_atomically(out, lambda temporary: temporary.write_bytes(data), only_if_changed=True)
