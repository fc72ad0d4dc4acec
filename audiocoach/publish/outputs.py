"""Where built tracks go: the audio format a file name asks for, and each routine's output file.

The command line and the API name their outputs by these rules, and refuse the same clashes
(a usage error, before any work).
"""

from __future__ import annotations

from pathlib import Path

from audiocoach.errors import AudiocoachError

AUDIO_FORMATS = ("mp3", "wav")
DEFAULT_FOLDER = Path("output")


def file_format(out: Path, audio_format: str | None = None) -> str:
    """The format to write `out` in: `audio_format` if given, else the file's extension (mp3
    when it has none); refused unless it is one audiocoach writes and the two agree."""
    extension = out.suffix.lower().lstrip(".")
    if extension and extension not in AUDIO_FORMATS:
        raise AudiocoachError.usage(f"{out}: audiocoach writes .mp3 or .wav files, not .{extension} "
                                    "(name the file .mp3 or .wav)")
    if audio_format is not None and audio_format not in AUDIO_FORMATS:
        raise AudiocoachError.usage(f"cannot write {audio_format} files (use mp3 or wav)")
    if audio_format is not None and extension and audio_format != extension:
        raise AudiocoachError.usage(f"-o {out} is a .{extension} file but --format is {audio_format} "
                                    f"(drop --format, or name the file .{audio_format})")
    return audio_format or extension or AUDIO_FORMATS[0]


def targets(routines: list[Path], output: Path | None,
            audio_format: str | None) -> tuple[str, list[Path]]:
    """The audio format and each routine's output file, refused before any work when they clash.

    One routine with `-o FILE`: the file's extension gives the format unless `audio_format` does,
    and the two must agree. Otherwise each routine goes to `FOLDER/<stem>.<format>` (FOLDER
    `output` unless given), and two routines may not share a name there.
    """
    is_file = output is not None and not output.is_dir() and bool(output.suffix)
    if is_file and len(routines) > 1:
        raise AudiocoachError.usage(
            f"with several routines, -o names a folder, and {output} has a file extension (give "
            f"a folder, e.g. -o {output.with_suffix('')}, or build one routine at a time)")
    if output is not None and output.exists() and not output.is_dir() and not output.suffix:
        raise AudiocoachError.usage(
            f"-o {output} is neither a folder nor a .mp3 or .wav file (give a folder to write "
            "into, or a file name ending in .mp3 or .wav)")
    if is_file:
        return file_format(output, audio_format), [output]
    chosen = audio_format or AUDIO_FORMATS[0]
    return chosen, in_folder(routines, output if output is not None else DEFAULT_FOLDER, chosen)


def in_folder(routines: list[Path], folder: Path, extension: str) -> list[Path]:
    """`FOLDER/<stem>.<extension>` for each routine; two routines of one name are refused."""
    found = [folder / f"{routine.stem}.{extension}" for routine in routines]
    first_for: dict[Path, Path] = {}
    for routine, target in zip(routines, found):
        if target in first_for:
            raise AudiocoachError.usage(
                f"{first_for[target]} and {routine} would both be written to {target} (rename one "
                "of them, or build them into different folders)")
        first_for[target] = routine
    return found
