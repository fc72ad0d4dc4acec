"""A new routine file made of catalog exercises, written with the schema editors check it by."""

from __future__ import annotations

from pathlib import Path

from audiocoach.errors import AudiocoachError, Kind, Problem
from audiocoach.files import refuse_what_is_no_file, write_if_changed
from audiocoach.routine import readers as read
from audiocoach.routine.catalog import (
    SCHEMA_FILE,
    is_our_schema,
    new_routine_text,
    schema_text,
)


def write_new_routine(file: Path, ids: str, title: str, force: bool = False) -> bool:
    """Write a routine of the comma-separated catalog `ids` to `file`, the schema beside it
    (refreshed if it is there); returns whether the folder had to be made.

    Both files are written whole or not at all; nothing is written when anything is wrong."""
    if file.is_dir():
        raise AudiocoachError.usage(f"{file} is a folder (name the routine file to write, e.g. "
                                    f"{file / 'my-routine.yaml'})")
    schema = file.parent / SCHEMA_FILE
    for target in (file, schema):  # a device or a pipe: a wrong argument, as an existing file is
        try:
            refuse_what_is_no_file(target)
        except AudiocoachError as error:
            raise AudiocoachError(error.problems, Kind.USAGE) from None
    if file.exists() and not force:
        raise AudiocoachError.usage(f"{file} exists (use --force to overwrite it)")
    if file.name == SCHEMA_FILE:
        raise AudiocoachError.usage(f"{SCHEMA_FILE} is the schema `new` writes beside the routine "
                                    "(give the routine another name)")
    try:
        read.text(title)
    except ValueError as error:
        raise AudiocoachError.usage(f"--title: the title {error.args[0]} (give one, e.g. --title "
                                    "'Evening stretch')") from None
    if schema.exists() and not is_our_schema(schema):
        raise AudiocoachError.usage(f"{schema} is not the schema audiocoach writes, and `new` would "
                                    "replace it (move it away, or write the routine in another folder)")
    text = new_routine_text([i.strip() for i in ids.split(",") if i.strip()], title)
    made = not file.parent.exists()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AudiocoachError(Problem(f"{file}: {error.strerror}")) from None
    write_if_changed(schema, schema_text().encode("utf-8"))
    write_if_changed(file, text.encode("utf-8"))
    return made
