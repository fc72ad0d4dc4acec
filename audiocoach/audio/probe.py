"""The media files a routine names, checked before any synthesis: is it what the build needs?

`validate`, `plan` and `build` all check a routine's sound, music and cover files here, while
the routine is read, so a file the build would refuse is refused up front, at its field. Each
check raises ValueError(message, fix), like the readers in `fields`. Only headers and as much
audio as a check needs are read: a cue sound (a few seconds), and music until it is heard.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audiocoach import ffmpeg
from audiocoach.voice.clips import INAUDIBLE_PEAK

if TYPE_CHECKING:
    from audiocoach.routine.model import SoundChoice

# A cue sound is measured at the offline voice's rate; its length (after its silences are
# trimmed) is then the build's to within a sample.
CUE_RATE_HZ = 22050
MUSIC_RATE_HZ = 8000  # enough to hear whether music is silent, and quick to decode

_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_AUDIO_STREAM = re.compile(r"Stream #\S+.*: Audio: ")


def audio_header(path: Path, name: str, what: str) -> float | None:
    """The length in seconds that the file's header gives (None when it gives none).

    Refuses a file in which ffmpeg finds no sound: text, a picture, a damaged file."""
    try:
        result = subprocess.run([ffmpeg.executable(), "-hide_banner", "-nostdin", "-i", str(path)],
                                capture_output=True, check=False, timeout=60)
    except subprocess.TimeoutExpired:
        raise ValueError(f"ffmpeg took over a minute to open the {what} '{name}'", ffmpeg.READABLE) from None
    header = result.stderr.decode(errors="replace")
    if not _AUDIO_STREAM.search(header):
        raise ValueError(f"the {what} '{name}' is not an audio file ffmpeg can read",
                         ffmpeg.READABLE)
    found = _DURATION.search(header)
    if not found:
        return None
    hours, minutes, seconds = found.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def cue_sound(choice: SoundChoice, cue: str) -> None:
    """A cue's sound file as the build reads it: audio, not silent, at most a few seconds long."""
    from audiocoach.audio.sounds import SoundSet
    from audiocoach.errors import AudiocoachError

    if choice.path is not None:  # a built-in needs only the length check
        audio_header(choice.path, choice.name, "sound")
    try:  # the very code that reads it for the build, so the two cannot disagree
        SoundSet({cue: choice}, CUE_RATE_HZ)
    except AudiocoachError as error:
        problem = error.problems[0]
        raise ValueError(problem.message, problem.fix) from None


def music(path: Path, name: str) -> None:
    """A music file: audio, at least a second long, and heard within the part a track may use."""
    from audiocoach.audio.music import MAX_MUSIC_S

    length_s = audio_header(path, name, "music")
    if length_s is not None and length_s < 1:
        raise ValueError(f"the music '{name}' lasts {length_s:.2f} s, less than a second",
                         "choose a longer music file")
    command = [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(path),
               "-vn", "-t", f"{MAX_MUSIC_S:.3f}", "-f", "f32le", "-ac", "1", "-ar", str(MUSIC_RATE_HZ),
               "pipe:1"]
    chunk_bytes = MUSIC_RATE_HZ * 4  # a second of float32 samples
    samples = 0
    heard = False
    # ffmpeg's complaints go to a file: a damaged file can fill a pipe nobody reads yet.
    with tempfile.TemporaryFile() as complaints, \
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=complaints) as decoder:
        try:
            # Music is usually heard within its first second: stop reading as soon as it is.
            while not (heard and samples >= MUSIC_RATE_HZ):
                data = decoder.stdout.read(chunk_bytes)
                if not data:
                    break
                block = np.frombuffer(data[:len(data) // 4 * 4], dtype="<f4")
                samples += block.size
                heard = heard or bool(block.size and np.max(np.abs(block)) >= INAUDIBLE_PEAK)
        finally:
            decoder.kill()
            decoder.wait()
        complaints.seek(0)
        errors = complaints.read().decode(errors="replace").strip().splitlines()
    if not samples:
        reason = errors[-1] if errors else "it holds no sound"
        raise ValueError(f"cannot read the music '{name}': {reason}", ffmpeg.READABLE)
    if not heard:
        raise ValueError(f"the music '{name}' is silent", "choose a music file you can hear")
    if samples < MUSIC_RATE_HZ:
        raise ValueError(f"the music '{name}' lasts {samples / MUSIC_RATE_HZ:.2f} s, less than a second",
                         "choose a longer music file")


def picture(path: Path, name: str) -> None:
    """A cover picture as the build opens it: a whole JPEG or PNG that Pillow will open."""
    from audiocoach.audio.cover import open_picture
    from audiocoach.errors import AudiocoachError
    from audiocoach.routine.model import Picture

    try:  # the very code that opens it for the build, so the two cannot disagree
        open_picture(Picture(name, path, 0), "")
    except AudiocoachError as error:
        problem = error.problems[0]
        raise ValueError(problem.message, problem.fix) from None
